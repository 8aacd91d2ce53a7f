"""What the account purge does with social data. Interactions (this module's
``purge_interactions``): the user's comments are scrubbed (text, mentions and history gone; the
rows stay as deleted tombstones so other people's replies keep their place), their likes and
saves are deleted, and every counter they were part of goes down in the same transaction.
The graph's steps are added alongside, in their own function.

Runs before content's step (order 90 < 100), so that counters on other people's content are
fixed while the user's own content still exists.
"""

from accounts.deletion import PurgeStep, register
from social.models import Comment, Like, Save
from social.services.comments import comments_purge_of_author
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


def purge_social(user) -> list[PurgeStep]:
    return purge_interactions(user)


register("social", purge_social, order=90)
