"""Content's models, one module per model or close family of models."""

from content.models.hashtag import Hashtag
from content.models.poll import Poll, PollOption, PollVote
from content.models.post import Post, PostImage, PostRevision

__all__ = ["Hashtag", "Poll", "PollOption", "PollVote", "Post", "PostImage", "PostRevision"]
