"""Demo tips for ``manage.py seed_demo``: three paid tips on last night's demo stream (one anonymous),
through the real payment path and the local Stripe peer, so the chat history shows them highlighted,
the stream's summary counts them and the creator's earnings include them. Idempotent."""

from __future__ import annotations

from django.conf import settings

from accounts import selectors as account_selectors
from streaming.models import LiveStream, StreamTip

TIPS = [
    ("demo:tip:1", 500, "Great stream, thanks!", False),
    ("demo:tip:2", 2000, "For the code review 🎉", False),
    ("demo:tip:3", 1000, "", True),
]


def seed_tips(*, stream: LiveStream, report) -> None:
    fan = account_selectors.user_by_email(email="viewer@fanfare.local")
    if fan is None or not settings.STRIPE_USES_PEER:
        report("tips: no demo viewer, or a real Stripe key is set: skipped")
        return
    if StreamTip.objects.filter(tipper=fan, client_key__startswith="demo:tip:").exists():
        report("tips      seeded before")
        return
    from billing.demo import demo_peer
    from billing.models import Payment
    from billing.services.payments import payment_create

    with demo_peer():
        for key, amount, message, anonymous in TIPS:
            # The stream ended last night: the tips are written as they were made while it was live.
            tip = StreamTip.objects.create(stream=stream, tipper=fan, amount=amount, currency="usd", message=message,
                                           anonymous=anonymous, client_key=key)  # fmt: skip
            payment_create(
                payer=fan, beneficiary=stream.owner, purpose=Payment.Purpose.TIP, amount=amount, currency="usd",
                idempotency_key=f"tip:{tip.pk}", purpose_ref=str(tip.pk), description=f"Tip on {stream.title}",
                payment_method_id="pm_card_visa",
            )  # fmt: skip
    paid = StreamTip.objects.filter(stream=stream, status=StreamTip.Status.SUCCEEDED).count()
    report(f"tips      {paid} paid tips on “{stream.title}” (chat highlights, earnings pending)")
