"""Content's admin screens, one module per kind of content."""

from content.admin import posts  # noqa: F401 - registers the post and hashtag admins
