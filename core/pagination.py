"""Cursor pagination, the API's default: stable under inserts, no page counting, bounded size."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from core.compiled import CompiledQuery
from core.errors import ApplicationError


def invalid_cursor() -> ApplicationError:
    """400 ``invalid_cursor``: the one answer every list gives a cursor it did not give out."""
    return ApplicationError("This cursor is not one the API gave out.", code="invalid_cursor")


class CursorPagination(pagination.CursorPagination):
    """Newest first by UUIDv7 key (unique and time-ordered), ``?page_size=`` up to 100.

    A cursor the API did not give out (garbled, or naming a position of the wrong type) is 400
    ``invalid_cursor`` on every list, as on the feeds, not DRF's 404 or a field's message.
    """

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise invalid_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # The position is compared with the ordering's column: a value of the wrong type
            # (not a UUID, not a date) is refused by the field before any SQL runs.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise invalid_cursor() from None


def _reversed(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


class PageSource:
    """What :meth:`CursorPagination.paginate_queryset` (DRF's, unchanged) needs of a queryset:
    ``order_by`` the paginator's ordering or its reverse, ``filter`` past the cursor's position
    on the ordering's first field, and a slice; the rows come from
    ``fetch(forward=, bound=, offset=, limit=)``, where ``forward`` says the ordering is as
    declared (not reversed) and ``bound`` is ``None`` or ``("lt" | "gt", position)``, the
    position as the cursor holds it.

    A selector that reads its page with a statement compiled once (``core.compiled``) hands
    one to the paginator in place of its queryset, so the cursor is decoded and the ``next``
    and ``previous`` links are made by DRF's own code, exactly as for the queryset.
    """

    __slots__ = ("_bound", "_fetch", "_forward", "_ordering")

    def __init__(self, fetch, *, ordering: tuple[str, ...] = ("-id",), forward=True, bound=None) -> None:
        self._fetch = fetch
        self._ordering = tuple(ordering)
        self._forward = forward
        self._bound = bound

    def order_by(self, *ordering: str) -> PageSource:
        if ordering not in (self._ordering, _reversed(self._ordering)):
            raise ValueError(f"A PageSource is ordered by {self._ordering} or its reverse, not {ordering}.")
        forward = ordering == self._ordering
        return PageSource(self._fetch, ordering=self._ordering, forward=forward, bound=self._bound)

    def filter(self, **lookup) -> PageSource:
        ((name, position),) = lookup.items()
        field, _, op = name.partition("__")
        if field != self._ordering[0].lstrip("-") or op not in ("lt", "gt") or self._bound is not None:
            raise ValueError(f"A PageSource filters once past a position on {self._ordering[0]}, not {lookup}.")
        return PageSource(self._fetch, ordering=self._ordering, forward=self._forward, bound=(op, position))

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("A PageSource is read by a slice.")
        offset = window.start or 0
        return self._fetch(forward=self._forward, bound=self._bound, offset=offset, limit=window.stop - offset)


class CompiledPages:
    """Cursor pages of a queryset, each read by a statement compiled once (``core.compiled``).

    ``build(shape, **values)`` returns the unordered, unsliced queryset for one ``shape`` (a
    hashable naming what varies in the statement's text, e.g. a status, or whether a filter
    applies), with ``values`` where the request's values go; ``samples`` holds a value no
    request sends for each name (``CompiledQuery``'s samples; ``"position"`` is the cursor's,
    on the ordering's first field). One statement is compiled per shape, value names, direction
    and bound, on first use. ``ordering`` is the paginator's. ``prepare(shape, names)`` says
    whether that statement is prepared on the connection (``CompiledQuery(prepare=True)``): for
    shapes whose plan suits every value.
    """

    def __init__(
        self, build, *, model, samples: dict, ordering: tuple[str, ...] = ("-id",), prepare=lambda shape, names: False
    ) -> None:
        self._build = build
        self._model = model
        self._samples = samples
        self._ordering = tuple(ordering)
        self._prepare = prepare
        self._statements: dict[tuple, CompiledQuery] = {}

    def _statement(self, shape, names: tuple, forward: bool, bound: str | None) -> CompiledQuery:
        found = self._statements.get((shape, names, forward, bound))
        if found is not None:
            return found
        ordering = self._ordering if forward else _reversed(self._ordering)
        first = self._ordering[0].lstrip("-")

        def build(**values):
            rows = self._build(shape, **{name: values[name] for name in names}).order_by(*ordering)
            return rows.filter(**{f"{first}__{bound}": values["position"]}) if bound else rows

        every = (*names, "position") if bound else names
        statement = CompiledQuery(
            build,
            *every,
            samples={n: self._samples[n] for n in every},
            paged=True,
            prepare=bool(self._prepare(shape, names)),
        )
        return self._statements.setdefault((shape, names, forward, bound), statement)

    def source(self, shape, **values) -> PageSource:
        """The pages of ``shape`` with these values, for ``CursorPagination.paginate_queryset``."""
        names = tuple(sorted(values))
        field = self._model._meta.get_field(self._ordering[0].lstrip("-"))

        def fetch(*, forward: bool, bound: tuple | None, offset: int, limit: int) -> list:
            statement = self._statement(shape, names, forward, bound[0] if bound else None)
            if bound:
                # Prepared as ``filter(id__lt=...)`` would: a malformed position fails the same way.
                return list(statement(limit=limit, offset=offset, position=field.get_prep_value(bound[1]), **values))
            return list(statement(limit=limit, offset=offset, **values))

        return PageSource(fetch, ordering=self._ordering)
