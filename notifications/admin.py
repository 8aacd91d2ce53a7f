"""Staff screens: why did (or didn't) a user get a notification, and system announcements."""

from django import forms
from django.contrib import admin, messages
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.roles import Role
from core.admin_actions import ReadOnlyAdmin
from notifications import selectors, services
from notifications.kinds import KINDS
from notifications.models import Announcement, DeliveryAttempt, Notification, PushToken


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("created_at", "channel", "status", "attempt", "push_token", "provider_id", "error", "deliver_after")
    readonly_fields = fields
    ordering = ("created_at",)

    def has_add_permission(self, request, obj=None):
        return False


def kind_label(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.label if spec else kind


class KindFilter(admin.SimpleListFilter):
    """Notification kinds by their labels ("New followers"), not their codes."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.name, kind.label) for kind in KINDS.values()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Find a user's notifications by email or handle; each shows every delivery attempt."""

    list_display = ("created_at", "recipient", "kind_label", "actor_count", "target_link", "read_at", "deleted_at")
    list_filter = (KindFilter, "priority", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "recipient__handle")
    list_select_related = ("recipient", "target_content_type")

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, notification):
        return kind_label(notification.kind)

    @admin.display(description="about")
    def target_link(self, notification):
        """The target (a post, video, stream, user) named by its title, linked to its admin page."""
        content_type = notification.target_content_type
        title = notification.target_title or "(untitled)"
        if content_type is None:
            return title
        try:
            url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change",
                          args=[notification.target_object_id])  # fmt: skip
        except NoReverseMatch:
            return f"{content_type.name}: {title}"
        return format_html('<a href="{}">{}: {}</a>', url, content_type.name, title)

    inlines = [DeliveryAttemptInline]

    def get_queryset(self, request):
        return Notification.all_objects.all()


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "notification_label", "channel", "status", "attempt", "provider", "error_excerpt")
    list_filter = ("channel", "status")
    search_fields = ("notification__recipient__email", "notification__recipient__handle", "provider_id")
    list_select_related = ("notification", "notification__recipient")

    @admin.display(description="notification")
    def notification_label(self, attempt):
        """ "New followers to @ana", linked to the notification."""
        notification = attempt.notification
        url = reverse("admin:notifications_notification_change", args=[notification.pk])
        return format_html('<a href="{}">{} to @{}</a>', url, kind_label(notification.kind),
                           notification.recipient.handle)  # fmt: skip

    @admin.display(description="provider id")
    def provider(self, attempt):
        return Truncator(attempt.provider_id).chars(24) or "-"

    @admin.display(description="error")
    def error_excerpt(self, attempt):
        return Truncator(attempt.error).chars(60)


@admin.register(PushToken)
class PushTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "platform", "app_version", "last_used_at", "failure_count", "disabled_at")
    list_filter = ("platform", ("disabled_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__handle")
    list_select_related = ("user",)


class AnnouncementForm(forms.ModelForm):
    url = forms.URLField(required=False, assume_scheme="https", help_text="Opened by the notification's button.")
    role = forms.ChoiceField(choices=[("", "Everyone"), *Role.choices], required=False, help_text="Who receives it.")

    confirm = forms.BooleanField(
        required=False,
        label="Send it",
        help_text="Tick to send once you have checked the audience; the first save only shows its size.",
    )

    class Meta:
        model = Announcement
        fields = ("title", "body", "url", "role", "confirm")

    def clean(self):
        """Nothing is sent until the audience size has been shown and the sender confirms."""
        cleaned = super().clean()
        role = cleaned.get("role") or ""
        self.audience_size = selectors.announcement_audience_size(role=role)
        if not cleaned.get("confirm") and not self.errors:
            who = dict(self.fields["role"].choices).get(role, role) if role else "everyone"
            users = "1 active user" if self.audience_size == 1 else f"{self.audience_size} active users"
            raise forms.ValidationError(
                "This announcement will go to %(users)s (%(who)s). Nothing is sent yet: tick “Send it” and save.",
                code="confirm_audience",
                params={"users": users, "who": who},
            )
        return cleaned


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Send a system announcement; it is delivered in batches by a task, with progress shown here."""

    form = AnnouncementForm
    list_display = ("created_at", "title", "audience", "status", "sent_count", "total", "progress_percent")
    list_filter = ("status", "role")
    readonly_fields = ("status", "total", "sent_count", "progress_percent", "created_by", "finished_at")

    def render_change_form(self, request, context, *args, **kwargs):
        # The audience preview is a question, not a mistake: no "Please correct the error below".
        form = context["adminform"].form
        if form.errors and set(form.errors) == {"__all__"} and form.has_error("__all__", code="confirm_audience"):
            context["errors"] = []
            self.message_user(request, form.non_field_errors()[0], level=messages.WARNING)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:  # the add form: what to send, and the confirmation; no progress yet
            return ["title", "body", "url", "role", "confirm"]
        return ["title", "body", "url", "role", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description="audience")
    def audience(self, announcement):
        return announcement.role or "everyone"

    @admin.display(description="progress")
    def progress_percent(self, announcement):
        return f"{announcement.progress * 100:.0f}%"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, which queues the delivery after commit.
        announcement = services.announcement_create(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            url=form.cleaned_data["url"],
            role=form.cleaned_data["role"],
            by=request.user,
        )
        obj.pk = announcement.pk
        messages.info(request, "The announcement is being delivered; this page shows its progress.")
