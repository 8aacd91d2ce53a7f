"""Moderation's bulk actions in the admin's content lists: posts, comments, videos, live streams,
chat messages and users.

Each list gains "Moderate: <action>…" actions. Choosing one shows the action form (preset, rule,
reason, days, hide chat, "notify the user" on by default) for the selected rows; applying it runs
:func:`moderation.services.actions.targets_act`, so every row goes through the same service as
the queue (its case, effects, notifications and one log entry each). The actions are added to
the lists' own admin classes when moderation's admin module loads (:func:`install`), so the
other apps do not depend on moderation; their own older actions (e.g. "Remove selected posts")
stay as they were.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from moderation.forms import ActionForm
from moderation.models import Action, ModerationLogEntry, TargetType
from moderation.services.actions import LIST_ACTIONS, targets_act

PERMISSION = "moderation.handle_cases"


def _make_action(target_type: str, action: str):
    label = Action(action).label

    def run(modeladmin, request, queryset):
        return bulk_view(modeladmin, request, queryset, target_type=target_type, action=action, label=label)

    run.__name__ = f"moderate_{action}"
    return admin.action(description=f"Moderate: {label.lower()}…", permissions=["moderation_handle"])(run)


def bulk_view(modeladmin, request, queryset, *, target_type: str, action: str, label: str) -> Any:
    """The form for the selected rows, then the action on each of them."""
    applying = "apply" in request.POST
    form = ActionForm(request.POST if applying else None, prefix="act", fixed_action=action)
    if applying and form.is_valid():
        data = form.cleaned_data
        decisions, failures = targets_act(
            targets=[(target_type, obj.pk) for obj in queryset], by=request.user, action=action,
            reason=data["reason"], rule=data.get("rule"), days=data.get("days"), hide_chat=data["hide_chat"],
            notify_user=data["notify_user"], source=ModerationLogEntry.Source.ADMIN,
        )  # fmt: skip
        for failure in failures:
            modeladmin.message_user(
                request, f"{failure['id']}: {failure['detail']} ({failure['code']})", messages.WARNING
            )
        if decisions:
            modeladmin.message_user(request, f"{label}: {len(decisions)} done, each logged.", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{label}: the selected {modeladmin.model._meta.verbose_name_plural}",
        "description": (
            "The same action, rule and reason for each selected row, each through the moderation queue's "
            "service (a case, the user notified unless you untick it, one log entry each). Account actions "
            "act once per account."
        ),
        "objects": list(queryset[:100]),
        "form": form,
        "action": request.POST.get("action", ""),
        "submit_label": label,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/core/reason_form.html", context)


def _targets() -> dict[Any, str]:
    from accounts.models import User
    from content.models import Post, Video
    from social.models import Comment
    from streaming.models import LiveStream, StreamChat

    return {
        User: TargetType.USER,
        Post: TargetType.POST,
        Video: TargetType.VIDEO,
        Comment: TargetType.COMMENT,
        LiveStream: TargetType.LIVE_STREAM,
        StreamChat: TargetType.CHAT_MESSAGE,
    }


def install(site: admin.AdminSite = admin.site) -> None:
    """Add the moderation actions to each content list registered on ``site`` (idempotent)."""
    for model, target_type in _targets().items():
        model_admin = site._registry.get(model)
        if model_admin is None or getattr(model_admin, "_moderation_bulk_installed", False):
            continue
        extra = [_make_action(target_type, action) for action in LIST_ACTIONS[target_type]]
        model_admin.actions = [*(model_admin.actions or []), *extra]
        model_admin.has_moderation_handle_permission = lambda request: request.user.has_perm(PERMISSION)
        model_admin._moderation_bulk_installed = True
