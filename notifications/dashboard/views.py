"""The studio's notifications: the inbox (grouped like the API, live through /ws/notifications/),
mark read, and the settings page (per kind and channel, who may notify, quiet hours, digest).
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.dashboard import links
from core.errors import ApplicationError, NotFoundError
from notifications import selectors, services
from notifications.dashboard.forms import CHANNEL_LABELS, SENDER_LABELS, QuietHoursForm, kinds_from_post
from notifications.kinds import SENDER_RULES
from notifications.rendering import notification_text

PAGE_SIZE = 30


def _target_url(notification) -> str | None:
    """The studio page of what the notification is about (a video, post, stream), if any."""
    content_type = notification.target_content_type
    if content_type is None:
        return notification.data.get("url") or None
    return links.studio_url(model=f"{content_type.app_label}.{content_type.model}",
                            object_id=notification.target_object_id)  # fmt: skip


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    groups = selectors.notification_groups_for_user(user=request.user, unread=True if unread_only else None)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "n": n,
            "text": notification_text(notification=n, actors=[link.actor for link in n.sample_actor_links]),
            "url": _target_url(n),
        }
        for n in page.object_list
    ]
    return render(request, "notifications/studio/inbox.html", {"page": page, "rows": rows, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request, notification_id: uuid.UUID):
    try:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
    except (NotFoundError, ApplicationError) as error:
        messages.error(request, error.message)
    return redirect(request.POST.get("next") or "notifications_studio:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, "Everything is marked read." if count else "Nothing was unread.")
    return redirect("notifications_studio:inbox")


def _rows(preferences, posted: dict[str, dict]) -> list[dict]:
    rows = []
    for row in preferences.kinds:
        chosen = posted.get(row.kind.name, {})
        channels = {**row.channels, **chosen.get("channels", {})}
        rows.append(
            {
                "kind": row.kind,
                "channels": [(channel, CHANNEL_LABELS[channel], on) for channel, on in channels.items()],
                "sender_rule": chosen.get("sender_rule", row.sender_rule),
            }
        )
    return rows


@login_required
def notification_settings(request):
    preferences = selectors.preferences_for_user(user=request.user)
    initial = {
        "quiet_hours_start": preferences.quiet_hours_start,
        "quiet_hours_end": preferences.quiet_hours_end,
        "digest_frequency": preferences.digest_frequency,
    }
    form = QuietHoursForm(request.POST or None, initial=initial)
    # After an error the page shows what was chosen, not what is stored.
    posted = kinds_from_post(data=request.POST, preferences=preferences) if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(
                user=request.user,
                kinds=posted,
                quiet_hours_start=form.cleaned_data["quiet_hours_start"],
                quiet_hours_end=form.cleaned_data["quiet_hours_end"],
                digest_frequency=form.cleaned_data["digest_frequency"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications_studio:settings")
    return render(
        request,
        "notifications/studio/settings.html",
        {
            "form": form,
            "rows": _rows(preferences, posted),
            "sender_rules": [(rule, SENDER_LABELS[rule]) for rule in SENDER_RULES],
        },
    )
