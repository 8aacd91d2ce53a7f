"""Demo data for ``manage.py seed_demo``: the social graph among the demo users (part of the
social app's demo; interactions on content seed in their own functions)."""

from __future__ import annotations

from accounts import selectors as account_selectors
from accounts.demo import DEMO_USERS
from social.services import graph as services


def seed(*, report) -> None:
    seed_graph(report=report)


# (follower key, followee key): the viewer and the moderator follow the creator, the creator
# follows the viewer back, the admin follows the creator.
DEMO_FOLLOWS = [("viewer", "creator"), ("moderator", "creator"), ("creator", "viewer"), ("admin", "creator")]


def seed_graph(*, report) -> int:
    """Follows among the demo users, through the service (counters and notifications as in
    real use). Idempotent: following again changes nothing. Returns how many follows exist."""
    users = {key: account_selectors.user_by_email(email=email) for key, email, *_ in DEMO_USERS}
    made = 0
    for follower_key, followee_key in DEMO_FOLLOWS:
        follower, followee = users.get(follower_key), users.get(followee_key)
        if follower is None or followee is None:
            continue
        services.follow_create(follower=follower, followee=followee)
        made += 1
    report(f"social graph: {made} follows among the demo users")
    return made
