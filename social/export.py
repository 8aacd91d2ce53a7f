"""Social's sections of a user's data export (accounts/export.py): the graph (whom I follow, who
follows me, my pending follow requests, whom I block and mute), then my comments, likes and
saves."""

from accounts.export import register
from social.models import Block, Comment, Follow, FollowRequest, Like, Mute, Save


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


def _comments(user) -> list[dict]:
    comments = Comment.objects.filter(author=user).prefetch_related("revisions").order_by("created_at")
    return [
        {
            "id": comment.id,
            "post": comment.post_id,
            "video": comment.video_id,
            "parent": comment.parent_id,
            "text": comment.text,
            "moderation_status": comment.moderation_status,
            "created_at": comment.created_at,
            "edited_at": comment.edited_at,
            "earlier_texts": [{"text": r.text, "replaced_at": r.created_at} for r in comment.revisions.all()],
        }
        for comment in comments
    ]


def _likes(user) -> list[dict]:
    likes = Like.objects.filter(user=user).order_by("created_at")
    return [
        {"post": like.post_id, "video": like.video_id, "comment": like.comment_id, "created_at": like.created_at}
        for like in likes
    ]


def _saves(user) -> list[dict]:
    saves = Save.objects.filter(user=user).order_by("created_at")
    return [{"post": save.post_id, "video": save.video_id, "created_at": save.created_at} for save in saves]


def interaction_sections() -> list[tuple[str, object]]:
    return [("comments", _comments), ("likes", _likes), ("saves", _saves)]


register("social_graph", _graph)
for _name, _section in interaction_sections():
    register(_name, _section)
