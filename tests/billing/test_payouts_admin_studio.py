"""Finance approves payouts in the admin (two people), and creators see their earnings in the studio."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import ConnectAccount, Payout, TaxProfile
from billing.services.connect import connect_account_get_or_create, connect_account_sync
from billing.services.payments import payment_create
from billing.services.payouts import earnings_release
from core.admin_pending import pending_work
from tests.clients import verified_client
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def _earning_creator(stripe_peer, amount=10_000):
    creator = UserFactory()
    row = connect_account_get_or_create(user=creator)
    stripe_peer.helper(f"/_peer/accounts/{row.stripe_account_id}/state", state="enabled")
    connect_account_sync(stripe_account_id=row.stripe_account_id)
    payment_create(payer=UserFactory(), beneficiary=creator, purpose="tip", amount=amount, currency="usd",
                   idempotency_key=f"tip:{creator.pk}", payment_method_id="pm_card_visa")  # fmt: skip
    earnings_release(now=timezone.now() + dt.timedelta(days=8))
    return creator


def test_the_command_prepares_with_dry_run_and_a_period(stripe_peer):
    creator = _earning_creator(stripe_peer)
    out = io.StringIO()

    call_command("payouts_prepare", "--period", "2026-11-23..2026-11-29", "--dry-run", stdout=out)
    assert "would prepare 91.96 USD" in out.getvalue()
    assert Payout.objects.count() == 0

    call_command("payouts_prepare", "--period", "2026-11-25", stdout=out)
    payout = Payout.objects.get()
    assert (payout.creator_id, payout.period_start, payout.period_end) == (
        creator.pk,
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
    )


def test_two_finance_people_check_then_approve_in_the_admin(stripe_peer, rf, django_capture_on_commit_callbacks):
    creator = _earning_creator(stripe_peer)
    call_command("payouts_prepare", "--period", "2026-11-25", stdout=io.StringIO())
    payout = Payout.objects.get()
    first, second = with_role(UserFactory(), "finance"), with_role(UserFactory(), "finance")
    request = rf.get("/admin/")
    request.user = first
    assert {w.key: w.count for w in pending_work(request)}["billing-payouts"] == 1

    url = "/admin/billing/payout/"
    checked = verified_client(first).post(
        url, {"action": "mark_checked", "_selected_action": [payout.pk], "apply": "1"}
    )
    assert checked.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.checked_by) == ("checked", first)

    own = verified_client(first).post(url, {"action": "approve", "_selected_action": [payout.pk], "apply": "1"})
    assert own.status_code == 302
    payout.refresh_from_db()
    assert payout.status == "checked"  # the checker cannot approve

    with django_capture_on_commit_callbacks(execute=True):
        verified_client(second).post(url, {"action": "approve", "_selected_action": [payout.pk], "apply": "1"})
    payout.refresh_from_db()
    assert (payout.status, payout.approved_by) == ("paid", second)
    assert payout.stripe_transfer_id.startswith("tr_")
    detail = verified_client(second).get(f"/admin/billing/payout/{payout.pk}/change/").content.decode()
    assert f"payout:{payout.pk}:approved" in detail
    assert f"creator:{creator.pk}:available" in detail
    run = verified_client(second).get("/admin/billing/payoutrun/").content.decode()
    assert "91.96 USD" in run


def test_a_plain_user_cannot_reach_payouts_in_the_admin(stripe_peer):
    response = verified_client(UserFactory()).get("/admin/billing/payout/")
    assert response.status_code == 302


def test_finance_sets_withholding_and_downloads_a_statement(stripe_peer):
    creator = _earning_creator(stripe_peer)
    profile = TaxProfile.objects.create(user=creator, country="US")
    finance = verified_client(with_role(UserFactory(), "finance"))

    saved = finance.post(f"/admin/billing/taxprofile/{profile.pk}/change/",
                         {"country": "US", "form_status": "collected", "withholding_bps": "2400"})  # fmt: skip
    statement = finance.get(f"/admin/billing/taxprofile/{profile.pk}/statement/{timezone.now().year}.csv")

    assert saved.status_code == 302
    profile.refresh_from_db()
    assert (profile.form_status, profile.withholding_bps) == ("collected", 2400)
    rows = list(csv.reader(io.StringIO(statement.content.decode())))
    assert ["country", "US", "tax form", "Collected"] in rows
    assert ["usd", "9196", "0", "0", "0"] in rows


def test_the_studio_earnings_page_shows_balances_chart_payouts_and_exports(stripe_peer):
    creator = _earning_creator(stripe_peer)
    client = verified_client(creator)

    page = client.get("/studio/earnings/")
    revenue = client.get("/studio/earnings/revenue.csv")
    statement = client.get(f"/studio/earnings/statement/{timezone.now().year}.csv")

    assert page.status_code == 200
    html = page.content.decode()
    assert "91.96 USD" in html  # available
    assert page.context["chart"]["empty"] is None
    assert page.context["chart"]["data"]["series"][1]["name"] == "Tips"
    assert sum(page.context["chart"]["data"]["series"][1]["values"]) == pytest.approx(91.96)
    assert "Enabled" in html
    rows = list(csv.reader(io.StringIO(revenue.content.decode())))
    assert rows[0] == ["date", "source", "currency", "amount (minor units)"]
    assert rows[1][1:] == ["tip", "usd", "9196"]
    assert statement.status_code == 200


def test_an_empty_earnings_page_and_onboarding_from_the_studio(stripe_peer):
    creator = UserFactory()
    client = verified_client(creator)

    page = client.get("/studio/earnings/")
    assert page.status_code == 200
    assert page.context["chart"]["empty"]
    assert 'data-testid="balances-empty"' in page.content.decode()

    started = client.post("/studio/earnings/payouts/onboard/")
    assert started.status_code == 302
    assert "/_peer/connect/onboard/acct_" in started["Location"]
    assert "connect%3Dreturn" in started["Location"] or "connect=return" in started["Location"]
    assert ConnectAccount.objects.get(user=creator).status == "details_needed"


def test_the_studio_home_shows_earnings_as_money_in_the_creators_currency(stripe_peer):
    creator = _earning_creator(stripe_peer)  # 100.00 USD paid: the creator's share has cents
    client = verified_client(creator)

    page = client.get("/studio/")

    (figure,) = [f for f in page.context["figures"] if f.key == "earnings"]
    assert (figure.label, figure.kind, figure.shown, figure.previous_shown, figure.unit) == (
        "Earnings",
        "money",
        "91.96",
        "0.00",
        "USD",
    )
    html = page.content.decode()
    assert '<span class="value" data-testid="figure-earnings-value">91.96 <small>USD</small></span>' in html
    assert "0.00 USD the 28 days before" in html
