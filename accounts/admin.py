from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts.models import DataExport, User


class FanfareUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "handle", "display_name")


class FanfareUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = FanfareUserChangeForm
    add_form = FanfareUserCreationForm
    list_display = ("email", "handle", "display_name", "is_staff", "is_active", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "handle", "display_name")
    ordering = ("-created_at",)
    readonly_fields = ("created_at", "updated_at", "last_login", "deleted_at")
    fieldsets = (
        (None, {"fields": ("email", "handle", "display_name", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at", "deleted_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "handle", "display_name", "password1", "password2")}),
    )


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """Read-only: exports are requested by their owner and built by a task, never edited by staff."""

    list_display = ("id", "user", "status", "created_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("user__email", "user__handle")
    list_select_related = ("user",)
    fields = ("id", "user", "status", "created_at", "updated_at", "expires_at", "error")
    readonly_fields = fields  # the file itself is personal data: staff see only the metadata

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
