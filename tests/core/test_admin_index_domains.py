"""Moderation's open cases and billing's disputes awaiting evidence on the admin index."""

import pytest

from billing.models import Dispute, Payment
from moderation.services.reports import report_create
from tests.clients import verified_client
from tests.content.post_factories import make_post
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def test_the_index_counts_open_cases_urgent_first_with_a_link_to_the_queue():
    moderator = with_role(UserFactory(), "moderator")
    reporter, author = UserFactory(), UserFactory()
    report_create(reporter=reporter, target_type="post", target_id=make_post(author).pk, category="spam")
    report_create(reporter=reporter, target_type="post", target_id=make_post(author).pk, category="self_harm")

    page = verified_client(moderator).get("/admin/")

    work = {item.key: item for item in page.context["pending_work"]}
    cases = work["moderation-cases"]
    assert (cases.count, cases.urgent, cases.url) == (2, True, "/admin/moderation/case/?status=open")
    assert cases.help == "2 with nobody assigned; 1 urgent (child safety or self-harm) first."
    listing = verified_client(moderator).get(cases.url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert "billing-disputes" not in work  # a moderator may not view disputes


def _dispute(status: str, n: int) -> Dispute:
    payment = Payment.objects.create(
        purpose=Payment.Purpose.TIP, amount=500, currency="usd", status=Payment.Status.DISPUTED,
        idempotency_key=f"test-dispute-{n}", stripe_payment_intent_id=f"pi_test_{n}",
    )  # fmt: skip
    return Dispute.objects.create(
        payment=payment, stripe_dispute_id=f"dp_test_{n}", amount=500, currency="usd", status=status
    )


def test_the_index_counts_disputes_that_need_evidence_for_finance():
    finance = with_role(UserFactory(), "finance")
    _dispute(Dispute.Status.NEEDS_RESPONSE, 1)
    _dispute(Dispute.Status.WARNING_NEEDS_RESPONSE, 2)
    _dispute(Dispute.Status.UNDER_REVIEW, 3)
    _dispute(Dispute.Status.WON, 4)

    page = verified_client(finance).get("/admin/")

    work = {item.key: item for item in page.context["pending_work"]}
    disputes = work["billing-disputes"]
    assert (disputes.count, disputes.urgent) == (2, True)
    listing = verified_client(finance).get(disputes.url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert "moderation-cases" not in work  # finance may not view cases
