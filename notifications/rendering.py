"""How a notification reads, in the inbox, a push, an email or a digest."""

from __future__ import annotations

from notifications.kinds import kind_get


def actor_name(user) -> str:
    return user.display_name or f"@{user.handle}"


def notification_text(*, notification, actors: list) -> str:
    """ "Ana and 12 others liked "My video"": the first actor, how many more, the kind's verb."""
    kind = kind_get(notification.kind)
    verb = (kind.verb if kind else notification.kind).format(title=notification.target_title or "your post")
    if not actors:
        return verb[:1].upper() + verb[1:]
    others = max(notification.actor_count - 1, 0)
    who = actor_name(actors[0])
    if others == 1:
        who += " and 1 other"
    elif others > 1:
        who += f" and {others} others"
    return f"{who} {verb}"
