"""What the account purge does with social data.

- Interactions (``purge_interactions``): the user's comments are scrubbed (text, mentions and
  history gone; the rows stay as deleted tombstones so other people's replies keep their
  place), their likes and saves are deleted, and every counter they were part of goes down in
  the same transaction.
- The graph (``purge_graph``): the user's follows (both ways), follow requests, blocks and
  mutes go, with the other users' counters fixed.

Runs before content's step (order 90 < 100), so that counters on other people's content are
fixed while the user's own content still exists.
"""

from django.db.models import Q

from accounts.deletion import PurgeStep, register
from social.models import Block, Comment, Follow, FollowRequest, Like, Mute, Save
from social.services.comments import comments_purge_of_author
from social.services.graph import graph_purge_of_user
from social.services.likes import likes_and_saves_purge_of_user


def purge_interactions(user) -> list[PurgeStep]:
    steps = []
    comments = Comment.all_objects.filter(author=user).count()
    if comments:
        steps.append(PurgeStep(f"scrub and delete {comments} comments", lambda: comments_purge_of_author(user=user)))
    likes, saves = Like.objects.filter(user=user).count(), Save.objects.filter(user=user).count()
    if likes or saves:
        steps.append(
            PurgeStep(f"delete {likes} likes and {saves} saves", lambda: likes_and_saves_purge_of_user(user=user))
        )
    return steps


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


def purge_social(user) -> list[PurgeStep]:
    return purge_interactions(user) + purge_graph(user)


register("social", purge_social, order=90)
