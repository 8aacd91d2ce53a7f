"""Social's admin screens, one module per family (comments here; the graph's lookups alongside)."""

from social.admin import comments  # noqa: F401 - registers the comment admin
