"""Demo notifications for ``manage.py seed_demo``: the demo creator has a few, unread and grouped."""

from __future__ import annotations

from accounts.selectors import user_by_email
from notifications.services import notify


def seed(*, report) -> None:
    creator = user_by_email(email="creator@fanfare.local")
    if creator is None:
        return
    fans = [user_by_email(email=f"{name}@fanfare.local") for name in ("viewer", "moderator", "admin")]
    fans = [fan for fan in fans if fan is not None]
    for fan in fans:
        # Idempotency keys make a second run change nothing.
        notify(recipient=creator, kind="follow", actor=fan, target=creator, idempotency_key=f"demo-follow-{fan.pk}")
    if fans:
        notify(
            recipient=creator,
            kind="mention",
            actor=fans[0],
            data={"excerpt": "@demo_creator loved the last stream!"},
            idempotency_key="demo-mention",
        )
    report(f"creator has unread notifications: {len(fans)} new followers (grouped) and a mention")
