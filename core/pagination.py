"""Cursor pagination, the API's default: stable under inserts, no page counting, bounded size."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Newest first by UUIDv7 key (unique and time-ordered), ``?page_size=`` up to 100."""

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class PageSource:
    """What :meth:`CursorPagination.paginate_queryset` (DRF's, unchanged) needs of a queryset
    ordered by a unique key: ``order_by`` on the key, ``filter`` past the cursor's position,
    and a slice; the rows come from ``fetch(descending=, bound=, offset=, limit=)``, where
    ``bound`` is ``None`` or ``("lt" | "gt", position)``, the position as the cursor holds it.

    A selector that reads its page with a statement compiled once (``core.compiled``) hands
    one to the paginator in place of its queryset, so the cursor is decoded and the ``next``
    and ``previous`` links are made by DRF's own code, exactly as for the queryset.
    """

    __slots__ = ("_bound", "_descending", "_fetch", "_key")

    def __init__(self, fetch, *, key: str = "id", descending: bool = True, bound: tuple | None = None) -> None:
        self._fetch = fetch
        self._key = key
        self._descending = descending
        self._bound = bound

    def order_by(self, *ordering: str) -> "PageSource":
        if ordering not in ((f"-{self._key}",), (self._key,)):
            raise ValueError(f"A PageSource is ordered by its key {self._key!r} alone, not {ordering}.")
        return PageSource(self._fetch, key=self._key, descending=ordering[0].startswith("-"), bound=self._bound)

    def filter(self, **lookup) -> "PageSource":
        ((name, position),) = lookup.items()
        field, _, op = name.partition("__")
        if field != self._key or op not in ("lt", "gt") or self._bound is not None:
            raise ValueError(f"A PageSource filters once past a position on its key, not {lookup}.")
        return PageSource(self._fetch, key=self._key, descending=self._descending, bound=(op, position))

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("A PageSource is read by a slice.")
        offset = window.start or 0
        return self._fetch(descending=self._descending, bound=self._bound, offset=offset, limit=window.stop - offset)
