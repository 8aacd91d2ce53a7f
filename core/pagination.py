"""Cursor pagination, the API's default: stable under inserts, no page counting, bounded size."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Newest first by UUIDv7 key (unique and time-ordered), ``?page_size=`` up to 100."""

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
