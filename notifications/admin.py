"""Staff screens: why did (or didn't) a user get a notification, and system announcements."""

from django import forms
from django.contrib import admin, messages

from accounts.roles import Role
from core.admin_actions import ReadOnlyAdmin
from notifications import services
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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Find a user's notifications by email or handle; each shows every delivery attempt."""

    list_display = ("created_at", "recipient", "kind", "actor_count", "target_title", "read_at", "deleted_at")
    list_filter = ("kind", "priority", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "recipient__handle")
    list_select_related = ("recipient",)
    inlines = [DeliveryAttemptInline]

    def get_queryset(self, request):
        return Notification.all_objects.all()


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "notification", "channel", "status", "attempt", "provider_id", "error")
    list_filter = ("channel", "status")
    search_fields = ("notification__recipient__email", "notification__recipient__handle", "provider_id")
    list_select_related = ("notification",)


@admin.register(PushToken)
class PushTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "platform", "app_version", "last_used_at", "failure_count", "disabled_at")
    list_filter = ("platform", ("disabled_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__handle")
    list_select_related = ("user",)


class AnnouncementForm(forms.ModelForm):
    url = forms.URLField(required=False, assume_scheme="https", help_text="Opened by the notification's button.")
    role = forms.ChoiceField(choices=[("", "Everyone"), *Role.choices], required=False, help_text="Who receives it.")

    class Meta:
        model = Announcement
        fields = ("title", "body", "url", "role")


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Send a system announcement; it is delivered in batches by a task, with progress shown here."""

    form = AnnouncementForm
    list_display = ("created_at", "title", "audience", "status", "sent_count", "total", "progress_percent")
    list_filter = ("status", "role")
    readonly_fields = ("status", "total", "sent_count", "progress_percent", "created_by", "finished_at")

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
