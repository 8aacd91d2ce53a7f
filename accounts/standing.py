"""An account's standing: whether a ban or suspension keeps it from signing in and writing, and
whether a restriction keeps it from posting, commenting and chatting."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError


def standing_error(user) -> ApplicationError | None:
    """The error a banned (``account_banned``) or suspended (``account_suspended``) user gets, else None."""
    if user.banned_at is not None:
        return PermissionDeniedError("This account is banned.", code="account_banned")
    if user.suspended_until is not None and user.suspended_until > timezone.now():
        return PermissionDeniedError(
            f"This account is suspended until {user.suspended_until:%Y-%m-%d %H:%M} UTC.",
            code="account_suspended",
            extra={"until": user.suspended_until.isoformat()},
        )
    return None


def posting_restriction_error(user) -> ApplicationError | None:
    """The error a user under a restriction (``account_restricted``, 403, ``extra.until``) gets when
    posting, commenting or chatting; a suspended or banned user gets their standing error."""
    return standing_error(user) or restriction_error(user)


def restriction_error(user) -> ApplicationError | None:
    """``account_restricted`` (403, ``extra.until``) while a restriction is in force, else None
    (the standing itself is checked by the API's authentication classes)."""
    until = getattr(user, "restricted_until", None)
    if until is not None and until > timezone.now():
        return PermissionDeniedError(
            f"This account may not post, comment or chat until {until:%Y-%m-%d %H:%M} UTC.",
            code="account_restricted",
            extra={"until": until.isoformat()},
        )
    return None


def in_good_standing_q(prefix: str = "", now=None) -> Q:
    """Users neither banned nor suspended now, as a filter on ``prefix`` (e.g. ``"author__"``).

    Feeds, search and trending leave out content of accounts that fail it; the content comes
    back by itself when the suspension ends or is lifted (nothing to undo). ``now`` defaults to
    the time of the call (a compiled statement passes its own: ``core.compiled``)."""
    now = now or timezone.now()
    return Q(**{f"{prefix}banned_at__isnull": True}) & (
        Q(**{f"{prefix}suspended_until__isnull": True}) | Q(**{f"{prefix}suspended_until__lte": now})
    )


def out_of_standing_ids_sql() -> str:
    """A subquery of the ids of users banned or suspended now, for feeds' hand-written statements
    (``author_id NOT IN (...)``). It reads the partial index ``accounts_user_out_of_standing`` (the
    few users ever suspended or banned) and PostgreSQL hashes it once per statement, so testing a
    row costs a hash probe, not a lookup in the users table."""
    from accounts.models import User

    return (
        f"SELECT u.id FROM {User._meta.db_table} u WHERE (u.banned_at IS NOT NULL OR u.suspended_until IS NOT NULL)"  # noqa: S608
        " AND (u.banned_at IS NOT NULL OR u.suspended_until > now())"
    )


# Who still sees a suspended or banned account's content by direct link: the account itself and
# staff who moderate accounts (to review reports and appeals). Everyone else gets the endpoint's
# own 404, as for content that does not exist.
SEES_HIDDEN_ACCOUNTS_PERMISSION = "accounts.moderate_users"


def is_out_of_standing(user) -> bool:
    """Whether ``user`` is banned or suspended now."""
    if user is None:
        return False
    if user.banned_at is not None:
        return True
    return user.suspended_until is not None and user.suspended_until > timezone.now()


def account_hidden_from(*, owner, viewer) -> bool:
    """Whether ``owner``'s content (posts, videos, comments, streams, profile) is hidden from
    ``viewer`` (None or anonymous: a visitor) because ``owner`` is suspended or banned now.
    The owner and moderators still see it; it comes back by itself when the suspension ends or
    is lifted."""
    if not is_out_of_standing(owner):
        return False
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    return not (signed_in and (viewer.pk == owner.pk or viewer.has_perm(SEES_HIDDEN_ACCOUNTS_PERMISSION)))


def out_of_standing_ids():
    """:func:`out_of_standing_ids_sql` as an expression for ``field__in`` filters on querysets."""
    from django.db.models.expressions import RawSQL

    return RawSQL(out_of_standing_ids_sql(), [])  # noqa: S611  (no parameters: fixed SQL)
