"""Tips in the stream's public summary (the streams API, anonymous tips ranked without a name) and a
purged tipper's tips (through the real purge, manage.py purge_deleted_accounts), paid through the
local Stripe peer over HTTP."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from billing.models import JournalLine, Payment
from billing.selectors import balances_from_lines
from billing.services.refunds import refund_create
from notifications.models import Notification
from streaming.models import LiveStream, StreamChat, StreamTip
from streaming.selectors.chat import chat_recent
from streaming.services import chat
from streaming.services.metrics import stream_metrics
from streaming.services.tips import tip_create
from tests.billing.conftest import stripe_peer  # noqa: F401 (fixture)
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_metrics(settings):
    settings.STREAMING_METRICS_INTERVAL = 60


def paid(stream, user, amount, **kwargs) -> StreamTip:
    return tip_create(
        stream=stream, user=user, amount=amount, currency="usd", payment_method="pm_card_visa", **kwargs
    ).tip


def anonymous_row(total: int, tips: int) -> dict:
    return {
        "user_id": None, "handle": None, "display_name": None, "anonymous": True, "currency": "usd",
        "total": total, "tips": tips,
    }  # fmt: skip


def named_row(user, total: int, tips: int) -> dict:
    return {
        "user_id": str(user.pk), "handle": user.handle, "display_name": user.display_name, "anonymous": False,
        "currency": "usd", "total": total, "tips": tips,
    }  # fmt: skip


def test_the_public_stream_summary_counts_paid_tips_and_hides_anonymous_tippers(stripe_peer):  # noqa: F811
    owner, fan, shy, other = verified_user(), verified_user(handle="big_fan"), verified_user(), verified_user()
    stream = make_stream(owner)
    paid(stream, fan, 1500)
    paid(stream, shy, 700, anonymous=True)
    paid(stream, shy, 600, anonymous=True)
    mistake = paid(stream, fan, 5000)
    api = APIClient()

    def summary_tips(user=None, path=f"/api/v1/streams/{stream.pk}/"):
        api.force_authenticate(user)
        response = api.get(path)
        assert response.status_code == 200, response.json()
        return response.json()["summary"]["tips"]

    before = summary_tips()
    assert (before["count"], before["totals"]) == (4, {"usd": 7800})
    assert before["top_tippers"][0] == named_row(fan, 6500, 2)

    refund_create(payment=mistake.payment, reason="tipped by mistake")

    # The next answer leaves the refunded tip out; the anonymous tips rank without a name, for
    # anyone (signed out, another viewer, the streamer: the totals are the room's).
    expected = {
        "count": 3,
        "totals": {"usd": 2800},
        "top_tippers": [named_row(fan, 1500, 1), anonymous_row(1300, 2)],
    }
    assert summary_tips() == expected
    assert summary_tips(other) == expected
    assert summary_tips(owner) == expected
    assert stream_metrics(stream=stream)["tips"] == expected  # the live metrics say the same
    assert str(shy.pk) not in str(summary_tips(owner))
    # Lists leave the tips out (three queries a stream); the single stream's answer has them.
    api.force_authenticate(None)
    listed = api.get(f"/api/v1/streams/?owner={owner.pk}").json()["results"]
    assert [(s["id"], s["summary"]["tips"]) for s in listed] == [(str(stream.pk), None)]


def test_no_tips_is_a_zero_summary(stripe_peer):  # noqa: F811
    stream = make_stream(verified_user())

    tips = APIClient().get(f"/api/v1/streams/{stream.pk}/").json()["summary"]["tips"]

    assert tips == {"count": 0, "totals": {}, "top_tippers": []}


def past_the_grace_period(user, settings) -> None:
    User.all_objects.filter(pk=user.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )


def purge(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("purge_deleted_accounts", *args, stdout=out)
    return out.getvalue().splitlines()


MONEY_FIELDS = ("id", "stream_id", "amount", "currency", "status", "payment_id", "pin_seconds", "chat_message_id")


def test_the_purge_anonymises_a_tippers_tips_and_their_lines_and_keeps_the_money(
    settings,
    stripe_peer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    owner, gone, stays = verified_user(), verified_user(handle="gone_one"), verified_user(handle="stays")
    stream = make_stream(owner)
    open_tip = paid(stream, gone, 1500, message="love this", client_key="k-1")
    hidden_tip = paid(stream, gone, 700, message="secret admirer", anonymous=True)
    other_tip = paid(stream, stays, 500, message="mine stays")
    chat.chat_message_pin(stream=stream, by=owner, message_id=hidden_tip.chat_message_id, reason="thanks")
    money_before = list(StreamTip.objects.order_by("id").values_list(*MONEY_FIELDS))
    ledger_before = (JournalLine.objects.count(), balances_from_lines())
    payments_before = list(Payment.objects.order_by("id").values_list("id", "status", "amount"))
    past_the_grace_period(gone, settings)
    quoted = {n.data["tip_id"]: n.data.get("message") for n in Notification.all_objects.filter(kind="tip")}
    assert quoted == {str(open_tip.pk): "love this", str(hidden_tip.pk): "secret admirer",
                      str(other_tip.pk): "mine stays"}  # fmt: skip

    dry_run = purge("--dry-run")
    assert any(
        "anonymise 2 tips (no message or tipper; amounts and payments kept) and blank and hide their chat lines" in line
        for line in dry_run
    ), dry_run
    assert StreamTip.objects.filter(tipper=gone).count() == 2  # the dry run changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        purge()

    # The money stays: amounts, statuses, payments, lines and the ledger exactly as before.
    assert list(StreamTip.objects.order_by("id").values_list(*MONEY_FIELDS)) == money_before
    assert (JournalLine.objects.count(), balances_from_lines()) == ledger_before
    assert list(Payment.objects.order_by("id").values_list("id", "status", "amount")) == payments_before
    # What said who tipped and what they wrote is gone, the anonymous tip's too.
    gone_tips = StreamTip.objects.filter(pk__in=[open_tip.pk, hidden_tip.pk]).order_by("id")
    assert list(gone_tips.values_list("tipper_id", "message", "anonymous", "client_key")) == [
        (None, "", True, ""), (None, "", True, ""),
    ]  # fmt: skip
    lines = StreamChat.all_objects.filter(pk__in=[open_tip.chat_message_id, hidden_tip.chat_message_id])
    assert sorted(lines.values_list("sender_id", "text", "deleted_reason")) == [
        (None, "", "account deleted"), (None, "", "account deleted"),
    ]  # fmt: skip
    assert LiveStream.all_objects.get(pk=stream.pk).pinned_message_id is None
    assert [m.text for m in chat_recent(stream=stream)] == ["mine stays"]
    # The streamer's notifications no longer quote the purged account's messages; the amounts stay.
    quoted = {
        n.data["tip_id"]: (n.data.get("message"), n.data["amount"]) for n in Notification.all_objects.filter(kind="tip")
    }
    assert quoted == {str(open_tip.pk): (None, 1500), str(hidden_tip.pk): (None, 700),
                      str(other_tip.pk): ("mine stays", 500)}  # fmt: skip
    # Someone else's tip is untouched.
    other_tip.refresh_from_db()
    assert (other_tip.tipper_id, other_tip.message, other_tip.anonymous) == (stays.pk, "mine stays", False)
    # The totals still count the purged account's tips, ranked without a name.
    assert stream_metrics(stream=stream)["tips"] == {
        "count": 3,
        "totals": {"usd": 2700},
        "top_tippers": [anonymous_row(2200, 2), named_row(stays, 500, 1)],
    }
    # Running it again changes nothing more.
    purge()
    assert list(gone_tips.values_list("tipper_id", "message", "anonymous")) == [(None, "", True), (None, "", True)]
