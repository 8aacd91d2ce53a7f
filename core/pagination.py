"""Cursor pagination, the API's default: stable under inserts, no page counting, bounded size."""

from rest_framework import pagination

from core.compiled import CompiledQuery


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


class CompiledPages:
    """Cursor pages of a queryset, each read by a statement compiled once (``core.compiled``).

    ``build(shape, **values)`` returns the unordered, unsliced queryset for one ``shape`` (a
    hashable naming what varies in the statement's text, e.g. signed in or not, filtered by
    owner or not), with ``values`` where the request's values go; ``samples`` holds a value no
    request sends for each name (``CompiledQuery``'s samples; ``"position"`` is the cursor's,
    on the key). One statement is compiled per shape, direction and bound, on first use.
    """

    def __init__(self, build, *, model, samples: dict, key: str = "id") -> None:
        self._build = build
        self._model = model
        self._samples = samples
        self._key = key
        self._statements: dict[tuple, CompiledQuery] = {}

    def _statement(self, shape, names: tuple, descending: bool, bound: str | None) -> CompiledQuery:
        found = self._statements.get((shape, names, descending, bound))
        if found is not None:
            return found
        key = self._key

        def build(**values):
            rows = self._build(shape, **{name: values[name] for name in names})
            rows = rows.order_by(f"-{key}" if descending else key)
            return rows.filter(**{f"{key}__{bound}": values["position"]}) if bound else rows

        every = (*names, "position") if bound else names
        statement = CompiledQuery(build, *every, samples={n: self._samples[n] for n in every}, paged=True)
        return self._statements.setdefault((shape, names, descending, bound), statement)

    def source(self, shape, **values) -> PageSource:
        """The pages of ``shape`` with these values, for ``CursorPagination.paginate_queryset``."""
        names = tuple(sorted(values))
        field = self._model._meta.get_field(self._key)

        def fetch(*, descending: bool, bound: tuple | None, offset: int, limit: int) -> list:
            statement = self._statement(shape, names, descending, bound[0] if bound else None)
            if bound:
                # Prepared as ``filter(id__lt=...)`` would: a malformed position fails the same way.
                return list(statement(limit=limit, offset=offset, position=field.get_prep_value(bound[1]), **values))
            return list(statement(limit=limit, offset=offset, **values))

        return PageSource(fetch, key=self._key)
