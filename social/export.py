"""Social's sections of a user's data export (accounts/export.py): whom I follow, who follows
me, my pending follow requests, whom I block and mute."""

from accounts.export import register
from social.models import Block, Follow, FollowRequest, Mute


def _people(queryset, side: str) -> list[dict]:
    return [
        {"handle": getattr(row, side).handle, "since": row.created_at}
        for row in queryset.select_related(side).order_by("created_at")
    ]


def _graph(user) -> dict:
    return {
        "following": _people(Follow.objects.filter(follower=user), "followee"),
        "followers": _people(Follow.objects.filter(followee=user), "follower"),
        "follow_requests_sent": _people(FollowRequest.objects.filter(requester=user), "target"),
        "follow_requests_received": _people(FollowRequest.objects.filter(target=user), "requester"),
        "blocks": _people(Block.objects.filter(blocker=user), "blocked"),
        "mutes": _people(Mute.objects.filter(muter=user), "muted"),
    }


register("social_graph", _graph)
