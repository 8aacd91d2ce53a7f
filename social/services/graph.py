"""Writes to the social graph: follow, unfollow, follow requests, blocks and mutes.

Every action is idempotent: repeating it changes nothing and answers the same state.
``User.followers_count``/``following_count`` change with ``F()`` in the same transaction as the
row, only when a row was really inserted or deleted (a unique-constraint race inserts once), so
they stay exact under concurrent requests. Two users' counters are always updated in id order,
so that A following B while B follows A cannot deadlock.

Notifications (their target is the followed user, so that new followers group into one):
``follow`` to the followee when a follow starts (``unnotify`` when it ends, so
unfollowing and following again notifies once), ``follow_request`` to a private account when a
request is made (withdrawn when it is cancelled, approved or rejected),
``follow_request_approved`` to the requester when the request is approved (once per request:
the key is the request's id; withdrawn when a block ends the follow). ``notify`` itself drops
self-actions and blocked or muted actors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.models import User
from content import relations as content_relations
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from notifications.services import notify, unnotify
from social.models import Block, Follow, FollowRequest, Mute

FOLLOWING = "following"
REQUESTED = "requested"
NONE = "none"


@dataclass(frozen=True)
class FollowState:
    """Where ``user`` stands towards ``target``: ``following``, ``requested`` or ``none``."""

    target: User
    state: str


def _counts(*, follower_id, followee_id, delta: int) -> None:
    """Move both counters of one follow by ``delta``, locking the two user rows in id order."""
    updates = {
        follower_id: {"following_count": F("following_count") + delta},
        followee_id: {"followers_count": F("followers_count") + delta},
    }
    for user_id in sorted(updates, key=str):
        rows = User.objects.filter(pk=user_id)
        if delta < 0:
            field = next(iter(updates[user_id]))
            rows = rows.filter(**{f"{field}__gt": 0})
        rows.update(**updates[user_id])


def _lock_users(*user_ids) -> dict:
    """Lock these user rows in id order (the order :func:`_counts` updates them in) and answer
    ``{id: is_private}``. Every graph change that may touch both a pair's user rows and their
    follow request takes the user rows first, so no two of them wait on each other in a cycle."""
    rows = User.objects.select_for_update(no_key=True).filter(pk__in=set(user_ids)).order_by("pk")
    return dict(rows.values_list("pk", "is_private"))


def _check_pair(*, user: User, target: User, action: str, code: str) -> None:
    if user.pk == target.pk:
        raise ApplicationError(f"You cannot {action} yourself.", code=code)


def _blocked(*, a: User, b: User) -> bool:
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def _insert(model, **fields) -> bool:
    """Insert one graph row; False when it exists already (also when a concurrent request won)."""
    try:
        with transaction.atomic():
            model.objects.create(**fields)
    except IntegrityError:
        return False
    return True


def _follow_rows_delete(*, follower_id, followee_id) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        _counts(follower_id=follower_id, followee_id=followee_id, delta=-1)
    return bool(deleted)


def follow_state(*, user: User, target: User) -> FollowState:
    """``user``'s standing towards ``target`` (no writes)."""
    if Follow.objects.filter(follower=user, followee=target).exists():
        return FollowState(target=target, state=FOLLOWING)
    if FollowRequest.objects.filter(requester=user, target=target).exists():
        return FollowState(target=target, state=REQUESTED)
    return FollowState(target=target, state=NONE)


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> FollowState:
    """``follower`` follows ``followee``; for a private account, asks to (a follow request).

    Idempotent: following again answers the same state and changes nothing. Yourself: 400
    ``cannot_follow_self``; a block either way: 403 ``blocked``.
    """
    _check_pair(user=follower, target=followee, action="follow", code="cannot_follow_self")
    if _blocked(a=follower, b=followee):
        raise PermissionDeniedError("You cannot follow this user.", code="blocked")
    if Follow.objects.filter(follower=follower, followee=followee).exists():
        return FollowState(target=followee, state=FOLLOWING)
    # Privacy is read under the followee's row lock, so a concurrent account_privacy_set cannot
    # leave a request on a public account behind it.
    followee.is_private = _lock_users(follower.pk, followee.pk)[followee.pk]
    if followee.is_private:
        if _insert(FollowRequest, requester=follower, target=followee):
            notify(recipient=followee, kind="follow_request", actor=follower, target=followee)
        return FollowState(target=followee, state=REQUESTED)
    if _insert(Follow, follower=follower, followee=followee):
        _counts(follower_id=follower.pk, followee_id=followee.pk, delta=1)
        notify(recipient=followee, kind="follow", actor=follower, target=followee)
    return FollowState(target=followee, state=FOLLOWING)


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> FollowState:
    """Stop following ``followee``, or withdraw the pending request. Idempotent."""
    _check_pair(user=follower, target=followee, action="follow", code="cannot_follow_self")
    if _follow_rows_delete(follower_id=follower.pk, followee_id=followee.pk):
        unnotify(recipient=followee, kind="follow", actor=follower, target=followee)
    follow_request_cancel(requester=follower, target=followee)
    return FollowState(target=followee, state=NONE)


@transaction.atomic
def follow_request_cancel(*, requester: User, target: User) -> FollowState:
    """Withdraw ``requester``'s pending request to follow ``target``. Idempotent."""
    deleted, _ = FollowRequest.objects.filter(requester=requester, target=target).delete()
    if deleted:
        unnotify(recipient=target, kind="follow_request", actor=requester, target=target)
    return follow_state(user=requester, target=target)


@transaction.atomic
def follow_request_approve(*, target: User, requester: User) -> FollowState:
    """``target`` lets ``requester`` follow them: the request becomes a follow.
    404 ``follow_request_not_found`` when there is no such request (approved already, or withdrawn)."""
    _lock_users(requester.pk, target.pk)
    request = FollowRequest.objects.select_for_update().filter(requester=requester, target=target).first()
    if request is None:
        raise NotFoundError("No such follow request.", code="follow_request_not_found")
    request_id = request.pk
    request.delete()
    unnotify(recipient=target, kind="follow_request", actor=requester, target=target)
    if _insert(Follow, follower=requester, followee=target):
        _counts(follower_id=requester.pk, followee_id=target.pk, delta=1)
    notify(
        recipient=requester,
        kind="follow_request_approved",
        actor=target,
        target=target,
        idempotency_key=f"follow_request_approved:{request_id}",
    )
    return FollowState(target=target, state=FOLLOWING)


@dataclass(frozen=True)
class PrivacyState:
    is_private: bool
    approved: int  # pending requests approved by this change (going public)


@transaction.atomic
def account_privacy_set(*, user: User, is_private: bool) -> PrivacyState:
    """Make ``user``'s account private or public. Idempotent.

    Private: from now on a follow is a request ``user`` approves or rejects; current followers
    stay. Public: anyone may follow, and every pending request is approved, oldest first, as
    :func:`follow_request_approve` does it (the follow, the counters, ``follow_request_approved``
    to each requester). Serialized with follows of ``user`` by their row lock.
    """
    requesters = FollowRequest.objects.filter(target=user).values_list("requester_id", flat=True)
    _lock_users(user.pk, *requesters)
    User.objects.filter(pk=user.pk).update(is_private=is_private)
    user.is_private = is_private
    approved = 0
    if not is_private:
        pending = FollowRequest.objects.filter(target=user).select_related("requester").order_by("id")
        for request in pending:
            try:
                follow_request_approve(target=user, requester=request.requester)
            except NotFoundError:  # withdrawn meanwhile (a cancel takes no user row lock)
                continue
            approved += 1
    return PrivacyState(is_private=is_private, approved=approved)


@transaction.atomic
def follow_request_reject(*, target: User, requester: User) -> None:
    """``target`` declines ``requester``'s request; 404 ``follow_request_not_found`` when there is none."""
    deleted, _ = FollowRequest.objects.filter(requester=requester, target=target).delete()
    if not deleted:
        raise NotFoundError("No such follow request.", code="follow_request_not_found")
    unnotify(recipient=target, kind="follow_request", actor=requester, target=target)


@transaction.atomic
def follower_remove(*, user: User, follower: User) -> None:
    """``user`` removes ``follower`` from their followers. Idempotent."""
    if _follow_rows_delete(follower_id=follower.pk, followee_id=user.pk):
        unnotify(recipient=user, kind="follow", actor=follower, target=user)


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> None:
    """``blocker`` blocks ``blocked``: follows both ways and pending requests both ways end
    (counters fixed), and the blocked user can no longer follow, mention, quote or see the
    blocker's content. Idempotent. Yourself: 400 ``cannot_block_self``."""
    _check_pair(user=blocker, target=blocked, action="block", code="cannot_block_self")
    _lock_users(blocker.pk, blocked.pk)
    _insert(Block, blocker=blocker, blocked=blocked)
    for a, b in ((blocker, blocked), (blocked, blocker)):
        if _follow_rows_delete(follower_id=a.pk, followee_id=b.pk):
            unnotify(recipient=b, kind="follow", actor=a, target=b)
            unnotify(recipient=a, kind="follow_request_approved", actor=b, target=b)
        if FollowRequest.objects.filter(requester=a, target=b).delete()[0]:
            unnotify(recipient=b, kind="follow_request", actor=a, target=b)
    content_relations.forget(blocker, blocked)


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> None:
    """Lift the block (nothing it ended comes back). Idempotent."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    content_relations.forget(blocker, blocked)


@transaction.atomic
def mute_create(*, muter: User, muted: User) -> None:
    """Hide ``muted`` from ``muter``'s feeds and notifications; ``muted`` is never told. Idempotent."""
    _check_pair(user=muter, target=muted, action="mute", code="cannot_mute_self")
    _insert(Mute, muter=muter, muted=muted)


@transaction.atomic
def mute_delete(*, muter: User, muted: User) -> None:
    """Unmute. Idempotent."""
    Mute.objects.filter(muter=muter, muted=muted).delete()


@transaction.atomic
def graph_purge_of_user(*, user: User) -> int:
    """Remove every follow, request, block and mute of ``user`` (account purge), fixing the
    other users' counters. Returns how many rows went."""
    removed = 0
    for follow in Follow.objects.filter(Q(follower=user) | Q(followee=user)).values("follower_id", "followee_id"):
        removed += int(_follow_rows_delete(**follow))
    removed += FollowRequest.objects.filter(Q(requester=user) | Q(target=user)).delete()[0]
    removed += Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()[0]
    removed += Mute.objects.filter(Q(muter=user) | Q(muted=user)).delete()[0]
    return removed
