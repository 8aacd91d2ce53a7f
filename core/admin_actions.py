"""Admin actions that need a reason: each asks for it on a page of its own, then calls a service per object."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from core.errors import ApplicationError


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


def run_with_reason(
    modeladmin, request, queryset, *, form_class, title: str, description: str, submit_label: str, apply
):
    """Show the reason page; on submit, call ``apply(obj, form.cleaned_data)`` for each selected object."""
    action = request.POST.get("action", "")
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, failed = 0, []
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except ApplicationError as error:
                failed.append(f"{obj}: {error.message}")
        if done:
            modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
        for failure in failed:
            modeladmin.message_user(request, failure, messages.ERROR)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "description": description,
        "objects": list(queryset),
        "form": form,
        "action": action,
        "submit_label": submit_label,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/core/reason_form.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look, never add, change or delete through the admin's own forms (actions that call
    a service are the only way to act)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeletedFilter(admin.SimpleListFilter):
    """Rows by ``deleted_at``: deleted or not. Subclasses may rename it and its two choices."""

    title = "deleted"
    parameter_name = "deleted"
    labels = ("Deleted", "Not deleted")

    def lookups(self, request, model_admin):
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


class ModerationAdmin(ReadOnlyAdmin):
    """A read-only admin whose rows moderators act on in bulk, each action asking for a reason.

    The actions (declared with ``permissions=["moderate"]``) call :meth:`moderate_one`, the
    app's service, per object. Subclasses set ``moderate_permission`` and implement
    :meth:`moderate_one`.
    """

    moderate_permission: str = ""

    def has_moderate_permission(self, request):
        return bool(self.moderate_permission) and request.user.has_perm(self.moderate_permission)

    def moderate_one(self, obj, *, status: str, reason: str, by) -> None:
        raise NotImplementedError

    def moderate(self, request, queryset, *, status: str, title: str, description: str, submit_label: str = ""):
        """The reason page for ``queryset``; on submit, :meth:`moderate_one` for each object."""
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title=title, description=description,
            submit_label=submit_label or title,
            apply=lambda obj, data: self.moderate_one(obj, status=status, reason=data["reason"], by=request.user),
        )  # fmt: skip
