"""Bulk moderation in the admin: each action asks for a reason on a page of its own, then calls a service."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils import timezone

from core.errors import ApplicationError


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


class SuspensionForm(ReasonForm):
    days = forms.IntegerField(min_value=1, max_value=365, initial=7, help_text="1 to 365 days from now.")


class DecisionForm(ReasonForm):
    pass


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
    return TemplateResponse(request, "admin/accounts/reason_form.html", context)


def days_from_now(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)
