"""Content's models, one module per model or close family of models."""

from content.models.hashtag import Hashtag, HashtagItem
from content.models.poll import Poll, PollOption, PollVote
from content.models.post import Post, PostImage, PostRevision
from content.models.rendition import Rendition
from content.models.upload import Upload, UploadPart
from content.models.video import Video
from content.models.video_job_event import VideoJobEvent
from content.models.video_stats import VideoCountryDailyStat, VideoDailyStat
from content.models.view_event import ViewEvent

__all__ = [
    "Hashtag",
    "HashtagItem",
    "Poll",
    "PollOption",
    "PollVote",
    "Post",
    "PostImage",
    "PostRevision",
    "Rendition",
    "Upload",
    "UploadPart",
    "Video",
    "VideoCountryDailyStat",
    "VideoDailyStat",
    "VideoJobEvent",
    "ViewEvent",
]
