from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows related rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
