"""Demo ads for ``manage.py seed_demo``: an advertiser with a topped-up balance, an approved
campaign of two text ads (an A/B test) served in feeds and beside streams, and a little traffic
written, charged and rolled up so reports and the creator's ad earnings show figures.

The top-up is a real card payment through billing against the local Stripe peer (started here
for the moment when ``make run`` has not started it yet, as billing's demo does). With a real
Stripe key (STRIPE_SECRET_KEY) nothing is charged: the ads demo is skipped.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.utils import timezone

from accounts import selectors as account_selectors

EMAIL = "advertiser@fanfare.local"
PASSWORD = "fanfare-advertiser-demo"  # noqa: S105 (a published demo password, as accounts.demo's)
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def seed(*, report) -> None:
    from accounts.services import roles
    from accounts.services.users import user_create
    from ads.models import Campaign
    from ads.services import campaigns

    if not settings.STRIPE_USES_PEER:
        report("ads: STRIPE_SECRET_KEY is set, skipped (the top-up would charge a real Stripe account)")
        return
    user = account_selectors.user_by_email(email=EMAIL)
    created = user is None
    if created:
        user = user_create(
            email=EMAIL,
            handle="demo_advertiser",
            password=PASSWORD,
            display_name="Demo Advertiser",
            check_password=False,
        )
        type(user).objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
        roles.role_grant(user=user, role="user", by=None, reason="Demo data")
    report(f"{'advertiser':<10} {EMAIL:<26} password: {PASSWORD}" + ("" if created else "   (existing)"))
    advertiser = campaigns.advertiser_register(user=user, name="Pixel Cameras", timezone_name="Europe/Paris")
    if Campaign.objects.filter(advertiser=advertiser).exists():
        report("ads       demo campaign seeded before")
        return
    from billing.demo import _peer  # the short-lived local Stripe peer, as billing's own demo uses it
    from billing.services.customers import payment_method_save

    with _peer():  # a saved card, so the studio's top-up form has one to charge
        card = payment_method_save(user=user, payment_method_id="pm_card_visa", make_default=True)
        payment = campaigns.advertiser_top_up(
            advertiser=advertiser, amount=50_000, idempotency_key="demo", payment_method_id=card.payment_method_id
        )
    campaign = campaigns.campaign_create(
        advertiser=advertiser,
        data={
            "name": "Demo: Pixel cameras for creators",
            "objective": "traffic",
            "budget_total": 20_000,
            "budget_daily": 2_000,
            "bid_model": "cpm",
            "bid_amount": 1500,
            "pacing": "fast",
            "start_at": timezone.now() - dt.timedelta(days=1),
            "end_at": timezone.now() + dt.timedelta(days=60),
            "placements": ["feed", "stream_side", "stream_chat"],
            "frequency_cap_day": 20,
        },
    )
    for name, headline, body in (
        ("A: price", "Pixel One, 4K for $299", "The camera creators pick. Free shipping."),
        ("B: quality", "Look sharper on every stream", "Pixel One: 4K, low light, one cable."),
    ):
        campaigns.ad_create(
            campaign=campaign,
            data={
                "name": name,
                "format": "text",
                "headline": headline,
                "body": body,
                "destination_url": "https://pixel.example/one",
                "call_to_action": "See the camera",
            },
        )
    campaigns.campaign_submit(campaign=campaign)
    campaigns.campaign_approve(campaign=campaign, by=None)
    from billing.money import format_amount

    spent = _traffic(campaign=campaign)
    balance = campaigns.advertiser_balance(advertiser=advertiser)
    report(
        f"ads       advertiser topped up ({payment.status}), campaign active, demo traffic charged "
        f"{format_amount(spent, advertiser.currency)} (balance left {format_amount(balance, advertiser.currency)})"
    )


def _traffic(*, campaign) -> int:
    """Forty feed and stream-side views (some beside the demo creator's stream), a few clicks."""
    from ads.services.beacons import Client, click_record, view_record
    from ads.services.decisions import Viewer, decision_make
    from ads.services.rollup import stats_rollup
    from ads.services.spend import spend_post
    from ads.services.writer import events_write_all
    from ads.traffic import viewer_key

    creator = account_selectors.user_by_email(email="creator@fanfare.local")
    rng = random.Random(19)  # noqa: S311 (demo data)
    for index in range(40):
        ip = f"198.51.100.{index + 1}" if index < 20 else f"203.0.113.{index + 1}"
        client = Client(ip=ip, user_agent=CHROME, country="FR" if index % 3 else "DE")
        on_stream = creator is not None and index % 2 == 0
        viewer = Viewer(
            placement="stream_side" if on_stream else "feed",
            viewer_key=viewer_key(user=None, ip=ip, user_agent=CHROME),
            country=client.country,
            os="Linux",
            browser="Chrome",
            device="desktop",
            creator_id=creator.pk if on_stream else None,
        )
        decision = decision_make(viewer=viewer, rng=rng)
        if decision.ad is None:
            continue
        view_record(token=decision.token, visible_ratio=0.9, visible_ms=1800, client=client)
        if index % 9 == 0:
            click_record(token=decision.token, client=client)
    events_write_all()
    spent = spend_post()
    stats_rollup(day=timezone.now().date())
    return spent
