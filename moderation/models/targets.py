"""The choices every moderation model shares: what can be reported, why, and what a moderator does."""

from django.db import models


class TargetType(models.TextChoices):
    USER = "user", "User"
    POST = "post", "Post"
    COMMENT = "comment", "Comment"
    VIDEO = "video", "Video"
    LIVE_STREAM = "live_stream", "Live stream"
    CHAT_MESSAGE = "chat_message", "Chat message"
    AD = "ad", "Ad"


class Category(models.TextChoices):
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment"
    HATE = "hate", "Hate"
    VIOLENCE = "violence", "Violence"
    SEXUAL_UNLABELED = "sexual_unlabeled", "Sexual content involving adults without labels"
    CHILD_SAFETY = "child_safety", "Child safety"
    SELF_HARM = "self_harm", "Self-harm"
    IMPERSONATION = "impersonation", "Impersonation"
    INTELLECTUAL_PROPERTY = "intellectual_property", "Intellectual property"
    ILLEGAL_GOODS = "illegal_goods", "Illegal goods"
    OTHER = "other", "Other"


class Action(models.TextChoices):
    """What a moderator decides about a case (``moderation.services.actions``)."""

    DISMISS = "dismiss", "Dismiss"
    REMOVE = "remove", "Remove the content"
    MARK_SENSITIVE = "mark_sensitive", "Mark sensitive"
    WARN = "warn", "Warn (strike)"
    RESTRICT = "restrict", "Restrict (no posting or chat)"
    SUSPEND = "suspend", "Suspend"
    BAN = "ban", "Ban"
