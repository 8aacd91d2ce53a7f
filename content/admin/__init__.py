"""Content's admin screens, one module per kind of content."""

from content.admin import posts, videos  # noqa: F401 - registers the post, hashtag and video admins
