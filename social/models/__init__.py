"""Social's models: the graph (follows, follow requests, blocks, mutes) and interactions on
content (comments, likes, saves). One module per family."""

from social.models.comment import Comment, CommentRevision
from social.models.graph import Block, Follow, FollowRequest, Mute
from social.models.like import Like
from social.models.save import Save

__all__ = ["Block", "Comment", "CommentRevision", "Follow", "FollowRequest", "Like", "Mute", "Save"]
