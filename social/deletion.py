"""What the account purge does with the graph: the user's follows (both ways), follow
requests, blocks and mutes go, with the other users' counters fixed."""

from django.db.models import Q

from accounts.deletion import PurgeStep, register
from social.models import Block, Follow, FollowRequest, Mute
from social.services.graph import graph_purge_of_user


def purge_graph(user) -> list[PurgeStep]:
    rows = (
        Follow.objects.filter(Q(follower=user) | Q(followee=user)).count()
        + FollowRequest.objects.filter(Q(requester=user) | Q(target=user)).count()
        + Block.objects.filter(Q(blocker=user) | Q(blocked=user)).count()
        + Mute.objects.filter(Q(muter=user) | Q(muted=user)).count()
    )
    if not rows:
        return []
    return [
        PurgeStep(
            f"delete {rows} follows, follow requests, blocks and mutes (fixing the other users' counts)",
            lambda: graph_purge_of_user(user=user),
        )
    ]


register("social", purge_graph)
