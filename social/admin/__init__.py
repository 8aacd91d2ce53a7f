"""Social's admin screens, one module per family: comments (moderation) and the graph's
read-only lookups (who follows and blocks whom)."""

from social.admin import comments, graph  # noqa: F401 - registers the admin screens
