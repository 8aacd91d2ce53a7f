"""Content's admin screens, one module per subject."""

from content import admin_videos  # noqa: F401
