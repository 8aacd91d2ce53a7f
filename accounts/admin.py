import datetime as dt
import ipaddress

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts import selectors
from accounts.models import Appeal, AuditLogEntry, AuthDevice, DataExport, LoginEvent, ModerationAction, User
from accounts.services import moderation
from core.admin_actions import ReadOnlyAdmin, ReasonForm, run_with_reason
from core.admin_inlines import ReadOnlyInline


class FanfareUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "handle", "display_name")


class FanfareUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class SuspensionForm(ReasonForm):
    days = forms.IntegerField(min_value=1, max_value=365, initial=7, help_text="1 to 365 days from now.")


class DecisionForm(ReasonForm):
    pass


def days_from_now(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


class ModerationActionInline(ReadOnlyInline):
    show_change_link = True
    model = ModerationAction
    fk_name = "user"
    fields = ("created_at", "kind", "severity", "reason", "ends_at", "created_by", "lifted_at", "lift_reason")
    readonly_fields = fields
    ordering = ("-created_at",)
    verbose_name_plural = "strikes, suspensions and bans"


class AuthDeviceInline(ReadOnlyInline):
    model = AuthDevice
    fields = ("name", "kind", "platform", "last_ip", "last_seen_at", "two_factor_verified", "revoked_at")
    readonly_fields = fields
    ordering = ("-last_seen_at",)
    show_change_link = False
    verbose_name_plural = "devices and sessions"


class StandingFilter(admin.SimpleListFilter):
    title = "standing"
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return [("banned", "Banned"), ("suspended", "Suspended"), ("good", "In good standing")]

    def queryset(self, request, queryset):
        from django.utils import timezone

        now = timezone.now()
        if self.value() == "banned":
            return queryset.filter(banned_at__isnull=False)
        if self.value() == "suspended":
            return queryset.filter(banned_at__isnull=True, suspended_until__gt=now)
        if self.value() == "good":
            return queryset.filter(banned_at__isnull=True).exclude(suspended_until__gt=now)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = FanfareUserChangeForm
    add_form = FanfareUserCreationForm
    list_display = (
        "email",
        "handle",
        "display_name",
        "is_staff",
        "is_active",
        "suspended_until",
        "banned_at",
        "created_at",
    )
    list_filter = (StandingFilter, "is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "handle", "display_name")
    ordering = ("-created_at",)
    readonly_fields = (
        "created_at", "updated_at", "last_login", "deleted_at", "suspended_until", "banned_at", "recent_logins",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("email", "handle", "display_name", "password")}),
        ("Profile", {"fields": ("bio", "avatar", "links", "locale", "timezone")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Standing", {"fields": ("suspended_until", "banned_at")}),
        ("Login history (latest 20)", {"fields": ("recent_logins",)}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at", "deleted_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "handle", "display_name", "password1", "password2")}),
    )
    inlines = [ModerationActionInline, AuthDeviceInline]
    actions = ["warn_users", "suspend_users", "ban_users"]

    def get_search_results(self, request, queryset, search_term):
        """Email, handle or display name; an IP address finds every account that logged in from it."""
        try:
            ip = str(ipaddress.ip_address(search_term.strip()))
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        from_events = LoginEvent.objects.filter(ip=ip, user_id__isnull=False).values("user_id")
        return queryset.filter(Q(pk__in=from_events) | Q(auth_devices__last_ip=ip)).distinct(), True

    @admin.display(description="Recent logins")
    def recent_logins(self, user):
        # LoginEvent has a composite key, which Django's admin cannot show as an inline.
        events = selectors.login_events_of(user=user)[:20]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.created_at.strftime("%Y-%m-%d %H:%M"), "ok" if e.success else "failed", e.reason, e.ip,
                 e.user_agent[:60])
                for e in events
            ),
        )  # fmt: skip
        if not events:
            return "None yet."
        return format_html(
            "<table><tr><th>When (UTC)</th><th>Result</th><th>Reason</th><th>IP</th><th>Device</th></tr>{}</table>",
            rows,
        )

    @admin.action(description="Warn the selected users…", permissions=["moderate"])
    def warn_users(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Warn users",
            description="Each user gets a warning (a strike) and an email with the reason.", submit_label="Warn",
            apply=lambda user, data: moderation.user_warn(user=user, by=request.user, reason=data["reason"]),
        )  # fmt: skip

    @admin.action(description="Suspend the selected users…", permissions=["moderate"])
    def suspend_users(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=SuspensionForm, title="Suspend users",
            description="Their sessions and tokens end now; login and writes are refused until the end.",
            submit_label="Suspend",
            apply=lambda user, data: moderation.user_suspend(
                user=user, by=request.user, reason=data["reason"], until=days_from_now(data["days"])
            ),
        )  # fmt: skip

    @admin.action(description="Ban the selected users…", permissions=["moderate"])
    def ban_users(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Ban users",
            description="Their sessions and tokens end now; they cannot log in until the ban is lifted.",
            submit_label="Ban",
            apply=lambda user, data: moderation.user_ban(user=user, by=request.user, reason=data["reason"]),
        )  # fmt: skip

    def has_moderate_permission(self, request):
        return request.user.has_perm("accounts.moderate_users")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "severity", "reason", "ends_at", "created_by", "lifted_at")
    list_filter = ("kind", "severity", ("lifted_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__handle", "reason")
    list_select_related = ("user", "created_by")
    readonly_fields = [f.name for f in ModerationAction._meta.fields]
    actions = ["lift_actions"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Lift the selected actions…", permissions=["moderate"])
    def lift_actions(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Lift actions",
            description="The users' standing is recomputed; they are told by email.", submit_label="Lift",
            apply=lambda action, data: moderation.moderation_action_lift(
                action=action, by=request.user, reason=data["reason"]
            ),
        )  # fmt: skip

    def has_moderate_permission(self, request):
        return request.user.has_perm("accounts.moderate_users")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "status", "action", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email", "user__handle", "message")
    list_select_related = ("user", "action", "decided_by")
    readonly_fields = [f.name for f in Appeal._meta.fields]
    actions = ["accept_appeals", "reject_appeals"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, *, accept: bool):
        verdict = "Accept" if accept else "Reject"
        return run_with_reason(
            self, request, queryset, form_class=DecisionForm, title=f"{verdict} appeals",
            description="The user is sent the reason." + (" Accepting lifts the action." if accept else ""),
            submit_label=verdict,
            apply=lambda appeal, data: moderation.appeal_decide(
                appeal=appeal, by=request.user, accept=accept, reason=data["reason"]
            ),
        )  # fmt: skip

    @admin.action(description="Accept the selected appeals…", permissions=["review"])
    def accept_appeals(self, request, queryset):
        return self._decide(request, queryset, accept=True)

    @admin.action(description="Reject the selected appeals…", permissions=["review"])
    def reject_appeals(self, request, queryset):
        return self._decide(request, queryset, accept=False)

    def has_review_permission(self, request):
        return request.user.has_perm("accounts.review_appeals")


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_user", "reason")
    list_filter = ("action",)
    search_fields = ("actor__email", "actor__handle", "target_user__email", "target_user__handle", "reason")
    list_select_related = ("actor", "target_user")
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]


@admin.register(AuthDevice)
class AuthDeviceAdmin(admin.ModelAdmin):
    """Read-only: devices change only through accounts.services.access (revoke from the API)."""

    list_display = ("user", "kind", "name", "last_ip", "last_seen_at", "two_factor_verified", "revoked_at")
    list_filter = ("kind", "two_factor_verified")
    search_fields = ("user__email", "user__handle", "name")
    list_select_related = ("user",)


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    """Read-only: exports are requested by their owner and built by a task, never edited by staff."""

    list_display = ("id", "user", "status", "background_task", "created_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("user__email", "user__handle")
    list_select_related = ("user",)
    fields = ("id", "user", "status", "background_task", "created_at", "updated_at", "expires_at", "error")
    readonly_fields = fields  # the file itself is personal data: staff see only the metadata

    @admin.display(description="build task")
    def background_task(self, obj: DataExport) -> str:
        """Where the build is: waiting for a worker, running (which attempt), or failed (core.outbox)."""
        if obj.status not in {DataExport.Status.REQUESTED, DataExport.Status.BUILDING}:
            return "-"
        from core.task_status import outbox_task_state

        return outbox_task_state(task="accounts.data_export_build", args=[str(obj.pk)])
