"""Live tips: through the real chat consumer and REST, paid through the local Stripe peer over HTTP.

The highlight appears only once the payment has succeeded: a 3-D Secure tip shows nothing until
the card holder authenticates and Stripe's event reaches Fanfare's webhook URL.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from rest_framework.test import APIClient

from billing import chart
from billing.models import Payment
from billing.selectors import balance_of, balances_from_lines
from billing.services.refunds import refund_create
from notifications.models import Notification
from streaming.models import StreamChat, StreamTip
from streaming.services.metrics import stream_metrics
from streaming.services.tips import pin_seconds_for
from tests.billing.conftest import post_event, stripe_peer, webhook_endpoint  # noqa: F401 (fixtures)
from tests.billing.factories import lines_of
from tests.streaming.helpers import joined, make_stream, next_of, send, verified_user

db = database_sync_to_async


@pytest.fixture
def quiet(settings):
    settings.STREAMING_METRICS_INTERVAL = 60
    return settings


async def _no_frame(communicator, timeout=0.5):
    """Nothing but metrics arrives within ``timeout`` (a metrics tick may fall in it on a slow machine)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (left := deadline - loop.time()) > 0:
        if await communicator.receive_nothing(timeout=left):
            return
        message = await communicator.receive_json_from()
        assert message["type"] == "metrics", f"expected no frame, got {message}"


async def _frames(communicator, *types, timeout=5):
    """The next frames of ``types`` (any order, metrics skipped), by type."""
    seen = {}
    while len(seen) < len(types):
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] in types:
            seen[message["type"]] = message
        elif message["type"] != "metrics":
            raise AssertionError(f"expected {types}, got {message}")
    return seen


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_3ds_tip_is_highlighted_only_after_its_payment_succeeds(quiet, stripe_peer, webhook_endpoint):  # noqa: F811
    owner, fan, watcher = await db(lambda: [verified_user(), verified_user(), verified_user()])()
    stream = await db(make_stream)(owner)
    viewer, _ = await joined(stream, watcher)
    tipper, _ = await joined(stream, fan)

    await send(
        tipper,
        type="tip",
        amount=2500,
        currency="usd",
        message="gg!",
        payment_method="pm_card_authenticationRequired",
        ref="t1",
    )
    result = await next_of(tipper, "tip_result")

    assert result["ref"] == "t1"
    assert result["tip"]["status"] == "requires_action"
    assert result["client_secret"].startswith("pi_")
    await _no_frame(viewer)  # nothing shown while the payment waits for 3-D Secure
    tip = await db(StreamTip.objects.get)()
    assert tip.highlighted_at is None
    assert await db(StreamChat.objects.filter(kind="tip").count)() == 0

    # The card holder authenticates; Stripe's events reach the webhook URL.
    payment = await db(Payment.objects.get)()
    await db(stripe_peer.helper)(f"/_peer/payment_intents/{payment.stripe_payment_intent_id}/authenticate")
    for event in stripe_peer.events("payment_intent.succeeded"):
        response = await db(post_event)(Client(), webhook_endpoint, event)
        assert response.status_code == 200

    shown = await next_of(viewer, "tip")
    assert shown["message"]["kind"] == "tip"
    assert shown["message"]["text"] == "gg!"
    assert shown["message"]["sender"]["id"] == str(fan.pk)
    payload = shown["message"]["payload"]
    assert payload["tip_id"] == str(tip.pk)
    assert (payload["amount_minor"], payload["currency"], payload["highlighted"]) == (2500, "usd", True)
    assert payload["pin_seconds"] == pin_seconds_for(2500, "usd") == 300  # 25x the $1.00 minimum
    await tipper.disconnect()
    await viewer.disconnect()
    tip = await db(StreamTip.objects.get)()
    assert tip.status == "succeeded"
    assert tip.highlighted_at is not None
    notified = await db(lambda: list(Notification.objects.filter(recipient=owner, kind="tip")))()
    assert len(notified) == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_paid_tip_is_shown_at_once_and_a_declined_one_answers_with_its_code(quiet, stripe_peer):  # noqa: F811
    owner, fan, watcher = await db(lambda: [verified_user(), verified_user(), verified_user()])()
    stream = await db(make_stream)(owner)
    viewer, _ = await joined(stream, watcher)
    tipper, _ = await joined(stream, fan)
    control, _ = await joined(stream, owner)

    await send(tipper, type="tip", amount=500, currency="usd", payment_method="pm_card_chargeDeclined", ref="d")
    declined = await next_of(tipper, "error")
    assert (declined["code"], declined["ref"]) == ("card_declined", "d")
    await _no_frame(viewer)

    await send(
        tipper, type="tip", amount=500, currency="usd", anonymous=True, message="hi", payment_method="pm_card_visa"
    )
    result = (await _frames(tipper, "tip", "tip_result"))["tip_result"]
    shown = await next_of(viewer, "tip")
    control_frames = await _frames(control, "tip", "tip_received")
    owner_view, received = control_frames["tip"], control_frames["tip_received"]

    assert result["tip"]["status"] == "succeeded"
    assert shown["message"]["sender"] is None  # anonymous to other viewers
    assert shown["message"]["payload"]["anonymous"] is True
    assert owner_view["message"]["id"] == shown["message"]["id"]
    assert received["tip"]["tipper"]["id"] == str(fan.pk)  # the streamer's control room sees who
    assert received["totals"]["count"] == 1
    assert received["totals"]["totals"] == {"usd": 500}
    for socket in (tipper, viewer, control):
        await socket.disconnect()
    statuses = await db(lambda: sorted(StreamTip.objects.values_list("status", "failure_code")))()
    assert statuses == [("failed", "generic_decline"), ("succeeded", "")] or statuses == [
        ("failed", "card_declined"),
        ("succeeded", ""),
    ]


@pytest.mark.django_db
def test_bad_tips_get_4xx_with_stable_codes(stripe_peer, settings):  # noqa: F811
    owner, fan = verified_user(), verified_user()
    stream = make_stream(owner, blocked_words=["spoiler"])
    ended = make_stream(verified_user(), status="ended")
    api = APIClient()

    def tip(user, target=stream, **body):
        api.force_authenticate(user)
        return api.post(
            f"/api/v1/streams/{target.pk}/tips/",
            {"currency": "usd", "payment_method": "pm_card_visa", **body},
            format="json",
        )

    cases = [
        (tip(owner, amount=500), 400, "tip_own_stream"),
        (tip(fan, ended, amount=500), 409, "stream_ended"),
        (tip(fan, amount=99), 400, "tip_below_minimum"),
        (tip(fan, amount=50_001), 400, "tip_above_maximum"),
        (tip(fan, amount=500, currency="xyz"), 400, "currency_unsupported"),
        (tip(fan, amount=500, message="x" * 501), 400, "too_long"),
        (tip(fan, amount=500, message="no SPOILER please"), 400, "blocked_word"),
        (tip(fan, amount=500, payment_method=""), 400, "payment_method_required"),
        (tip(fan, amount=500, payment_method="pm_card_chargeDeclinedInsufficientFunds"), 402, "insufficient_funds"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["errors"][0]["code"]) == (status, code), response.json()
    assert Payment.objects.filter(status="succeeded").count() == 0
    # The limits are said for people and given to clients.
    below, above = cases[2][0].json(), cases[3][0].json()
    assert below["errors"][0]["detail"] == "The smallest tip is 1.00 USD."
    assert above["errors"][0]["detail"] == "The largest tip is 500.00 USD."
    assert below["extra"] == above["extra"] == {"currency": "usd", "minimum": 100, "maximum": 50_000}

    paid = tip(fan, amount=1000, client_key="k-1")
    again = tip(fan, amount=1000, client_key="k-1")
    assert paid.status_code == 201
    assert again.status_code == 201
    assert paid.json()["tip"]["id"] == again.json()["tip"]["id"]
    assert Payment.objects.filter(status="succeeded").count() == 1


@pytest.mark.django_db
def test_a_refunded_tip_reverses_its_entry_and_is_marked_in_history_and_totals(
    stripe_peer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from streaming.services.tips import tip_create

    owner, fan = verified_user(), verified_user()
    stream = make_stream(owner)
    tip = tip_create(stream=stream, user=fan, amount=1000, currency="usd", payment_method="pm_card_visa").tip
    assert lines_of(f"payment:{tip.payment_id}:captured")[chart.creator(owner.pk, "pending")] == -893
    assert stream_metrics(stream=stream)["tips"]["totals"] == {"usd": 1000}

    refund_create(payment=tip.payment, reason="tipped by mistake")

    tip.refresh_from_db()
    line = StreamChat.all_objects.get(pk=tip.chat_message_id)
    assert tip.status == "refunded"
    assert tip.reversed_at is not None
    assert line.payload["reversed"] is True
    assert line.payload["highlighted"] is False
    assert balance_of(account=chart.creator(owner.pk, "pending"), currency="usd") == 0
    metrics = stream_metrics(stream=stream)["tips"]
    assert (metrics["count"], metrics["totals"], metrics["top_tippers"]) == (0, {}, [])
    assert sum(balances_from_lines().values()) == 0
    # The tips list marks it for the control room.
    listed = APIClient().get(f"/api/v1/streams/{stream.pk}/tips/").json()
    assert [(t["id"], t["status"]) for t in listed] == [(str(tip.pk), "refunded")]


@pytest.mark.django_db
def test_an_ended_streams_studio_summary_counts_its_tips(stripe_peer):  # noqa: F811
    from streaming.services.tips import tip_create
    from tests.clients import verified_client

    owner, fan = verified_user(), verified_user(handle="big_fan")
    stream = make_stream(owner)
    tip_create(stream=stream, user=fan, amount=1500, currency="usd", payment_method="pm_card_visa")
    tip_create(stream=stream, user=fan, amount=500, currency="usd", payment_method="pm_card_visa", anonymous=True)
    stream.status = "ended"
    stream.save(update_fields=["status"])

    page = verified_client(owner).get(f"/studio/streams/{stream.pk}/").content.decode()

    assert "Tips (2)" in page
    assert "20.00 USD" in page
    assert "@big_fan (15.00 USD)" in page  # the anonymous tip counts in the total, not by name


@pytest.mark.django_db
def test_pin_time_grows_with_the_amount():
    assert [pin_seconds_for(amount, "usd") for amount in (100, 499, 500, 1000, 2000, 5000, 99_999)] == [
        15, 15, 60, 120, 300, 600, 600,
    ]  # fmt: skip
