"""Demo data for ``manage.py seed_demo``: the graph (``seed_graph``) and interactions
(``seed_interactions``) among the demo users, on the demo creator's posts and videos."""

from __future__ import annotations

from accounts import selectors as account_selectors
from accounts.demo import DEMO_USERS
from content.models import Post, Video
from social.models import Comment
from social.services import comments as comment_services
from social.services import graph as services
from social.services import likes as like_services


def seed(*, report) -> None:
    seed_graph(report=report)
    seed_interactions(report=report)


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


def _demo_comment(*, key: str, author, content, text: str, parent: Comment | None = None) -> Comment:
    """A comment made through the service once; found again by its demo key on later runs."""
    existing = Comment.all_objects.filter(extra_metadata__demo_key=key).first()
    if existing is not None:
        return existing
    comment = comment_services.comment_create(author=author, content=content, text=text, parent=parent)
    Comment.all_objects.filter(pk=comment.pk).update(extra_metadata={"demo_key": key})
    return comment


def seed_interactions(*, report) -> None:
    """A thread three levels deep on the demo sketch post, a comment on the demo video, likes on
    both and on comments, and the viewer's saves. Idempotent (comments by demo key; likes and
    saves are idempotent by nature)."""
    creator = account_selectors.user_by_email(email="creator@fanfare.local")
    viewer = account_selectors.user_by_email(email="viewer@fanfare.local")
    moderator = account_selectors.user_by_email(email="moderator@fanfare.local")
    if creator is None or viewer is None or moderator is None:
        report("interactions: the demo users are missing; none")
        return
    post = Post.objects.select_related("author").filter(author=creator, idempotency_key="demo-post-sketches").first()
    video = (
        Video.objects.select_related("owner").filter(owner=creator, idempotency_key="demo-video-test-pattern").first()
    )
    if post is None:
        report("interactions: the demo posts are missing; none")
        return
    first = _demo_comment(
        key="demo-comment-fox",
        author=viewer,
        content=post,
        text="The fox is perfect. More foxes please, @demo_creator!",
    )
    reply = _demo_comment(
        key="demo-comment-fox-reply", author=creator, content=post, parent=first, text="Thank you! A fox a day, then."
    )
    _demo_comment(
        key="demo-comment-fox-reply-2", author=viewer, content=post, parent=reply, text="Holding you to that."
    )
    _demo_comment(key="demo-comment-owl", author=moderator, content=post, text="The cross-hatching on the owl!")
    like_services.like(user=viewer, target=post)
    like_services.like(user=moderator, target=post)
    like_services.like(user=creator, target=first, content=post)
    like_services.like(user=viewer, target=reply, content=post)
    like_services.save(user=viewer, content=post)
    seeded = "a thread of 3 and a comment on the sketch post, 4 likes, 1 save"
    if video is not None:
        _demo_comment(key="demo-comment-video", author=viewer, content=video, text="Classic test pattern energy.")
        like_services.like(user=viewer, target=video)
        like_services.save(user=viewer, content=video)
        seeded += "; a comment, a like and a save on the test-pattern video"
    report(f"interactions: {seeded}")
