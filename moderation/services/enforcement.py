"""One suspension or ban, carried into every domain; lifting it releases what it held.

:func:`account_enforce` is the one service. Each domain's part is one function in
:data:`EFFECTS`, called in order inside the suspension's transaction (their channel-layer
messages and tasks go out after commit):

- ``access``: accounts revoked every session and token already (``user_suspend``/``user_ban``);
  recorded here. Lifting: nothing to undo (the user signs in again).
- ``sockets``: every open WebSocket of the account closes, chat and notifications (4409).
  Lifting: nothing (the user reconnects).
- ``streams``: the live stream ends, the scheduled ones are cancelled. Lifting: they stay so.
- ``discovery``: the account's posts and videos leave feeds, hashtag pages, search and trending,
  and its profile feed is 404: they filter on the author's standing (``accounts.standing``).
  Lifting (or the suspension's end): back by themselves.
- ``chat_history`` (an option): every chat line the account sent is hidden, tagged with the
  action. Lifting: the lines it hid are shown again.
- ``memberships``: a suspended creator's memberships are paused (Stripe stops collecting), a
  banned creator's are cancelled with a prorated refund of the current period
  (``billing.services.membership_moderation``). Lifting: paused ones resume; cancelled stay so.
- ``ads``: the account's running ad campaigns pause, tagged with the marker. Lifting: exactly
  those resume (ads.services.campaigns).
- ``earnings`` (billing): the creator's available money moves to ``creator:<id>:held`` (a
  ledger entry) and payouts not yet approved are held; payout runs skip the account while it is
  suspended or banned. Lifting (once the account is in good standing again): the held money
  goes back to available and the payouts back to prepared (to be checked and approved again).

Suspensions and bans made outside this app (accounts' staff API and admin) reach every domain
too: accounts calls :func:`on_standing_changed` (its standing hook) and :func:`on_action_lifted`
(its lift hook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import ModerationAction, User
from moderation.services.log import is_acting


@dataclass(frozen=True)
class Enforcement:
    user: User
    code: str  # account_suspended | account_banned
    reason: str
    hide_chat: bool
    marker: str  # the accounts action's id: what the chat lines hidden for it are tagged with


def _access(e: Enforcement) -> dict[str, Any]:
    return {"revoked": True, "auth_epoch": e.user.auth_epoch}


def _sockets(e: Enforcement) -> dict[str, Any]:
    from accounts.services.sockets import user_sockets_close

    user_sockets_close(user_id=e.user.pk, code=e.code)
    return {"closed": "all"}


def _streams(e: Enforcement) -> dict[str, Any]:
    from streaming.services.streams import streams_of_owner_stop

    return streams_of_owner_stop(user=e.user, reason=f"account {e.code.removeprefix('account_')}: {e.reason}"[:500])


def _discovery(e: Enforcement) -> dict[str, Any]:
    # Nothing to write: feeds, search and trending read the author's standing on every request.
    return {"hidden_from": ["feeds", "search", "trending", "profile_feed"]}


def _chat_history(e: Enforcement) -> dict[str, Any]:
    if not e.hide_chat:
        return {"hidden": 0}
    from streaming.services.chat import chat_lines_of_sender_hide

    return {"hidden": chat_lines_of_sender_hide(user=e.user, reason="account suspended", marker=e.marker)}


def _memberships(e: Enforcement) -> dict[str, Any]:
    from billing.services import membership_moderation

    if e.code == "account_banned":
        return membership_moderation.memberships_of_creator_cancel(creator=e.user, reason=e.reason)
    return membership_moderation.memberships_of_creator_pause(creator=e.user, marker=e.marker)


def _ads(e: Enforcement) -> dict[str, Any]:
    from ads.services.campaigns import campaigns_of_user_hold

    return campaigns_of_user_hold(user=e.user, marker=e.marker)


def _earnings(e: Enforcement) -> dict[str, Any]:
    from billing.services.payouts import earnings_moderation_hold

    return earnings_moderation_hold(user=e.user, marker=e.marker)


EFFECTS: list[tuple[str, Callable[[Enforcement], dict[str, Any]]]] = [
    ("access", _access),
    ("sockets", _sockets),
    ("streams", _streams),
    ("discovery", _discovery),
    ("chat_history", _chat_history),
    ("memberships", _memberships),
    ("ads", _ads),
    ("earnings", _earnings),
]


def account_enforce(
    *, user: User, code: str, reason: str, hide_chat: bool = False, marker: str = ""
) -> dict[str, dict[str, Any]]:
    """Carry a suspension or ban of ``user`` into every domain; returns what each part did."""
    enforcement = Enforcement(user=user, code=code, reason=reason, hide_chat=hide_chat, marker=marker)
    return {name: effect(enforcement) for name, effect in EFFECTS}


def _release_chat(action: ModerationAction) -> dict[str, Any]:
    from streaming.services.chat import chat_lines_hidden_restore

    return {"restored": chat_lines_hidden_restore(marker=str(action.pk))}


def _release_memberships(action: ModerationAction) -> dict[str, Any]:
    from billing.services import membership_moderation

    return membership_moderation.memberships_of_creator_resume(creator=action.user, marker=str(action.pk))


def _release_ads(action: ModerationAction) -> dict[str, Any]:
    from ads.services.campaigns import campaigns_of_user_release

    return campaigns_of_user_release(user=action.user, marker=str(action.pk))


def _release_earnings(action: ModerationAction) -> dict[str, Any]:
    from billing.services.payouts import earnings_moderation_release

    return earnings_moderation_release(user=action.user)


RELEASES: list[tuple[str, Callable[[ModerationAction], dict[str, Any]]]] = [
    ("chat_history", _release_chat),
    ("memberships", _release_memberships),
    ("ads", _release_ads),
    ("earnings", _release_earnings),
]


def account_release(*, action: ModerationAction) -> dict[str, dict[str, Any]]:
    """Lifting ``action``: release what it held (what was cancelled stays cancelled)."""
    return {name: release(action) for name, release in RELEASES}


def suspensions_ended_release(*, now=None) -> int:
    """Suspensions that ran out by themselves (nobody lifted them) release what they held, once.
    The hourly beat task calls it. Returns how many were released."""
    from django.db import transaction
    from django.utils import timezone

    from moderation.models import Decision

    now = now or timezone.now()
    released = 0
    ended = Decision.objects.filter(
        action="suspend", reversed_at__isnull=True, released_at__isnull=True, account_action__ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in ended:
        with transaction.atomic():
            decision = (
                Decision.objects.select_for_update(of=("self",))
                .select_related("account_action")
                .filter(pk=pk, released_at__isnull=True)
                .first()
            )
            if decision is None or decision.account_action is None:
                continue
            account_release(action=decision.account_action)
            Decision.objects.filter(pk=pk).update(released_at=now, updated_at=now)
            released += 1
    return released


def on_standing_changed(*, user: User, code: str) -> None:
    """accounts' standing hook, for suspensions and bans made outside this app."""
    if is_acting():
        return  # the moderation service calls account_enforce itself, with its options
    account_enforce(user=user, code=code, reason="by a moderator")


def on_action_lifted(*, action: ModerationAction) -> None:
    """accounts' lift hook (a moderator's lift, or an accepted appeal)."""
    from django.utils import timezone

    from moderation.models import Decision

    account_release(action=action)
    Decision.objects.filter(account_action=action, released_at__isnull=True).update(released_at=timezone.now())
    if not is_acting():
        from moderation.services.actions import decision_reverse_for_lifted_action

        decision_reverse_for_lifted_action(action=action)
