"""The staff moderation API: the same work as the admin, permission-checked."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from moderation.models import Case, Decision, ModerationLogEntry
from moderation.services.actions import case_act
from moderation.services.reports import report_create
from tests.clients import verified_client
from tests.content.post_factories import make_post
from tests.factories import UserFactory, with_role
from tests.moderation.conftest import code_of, verified

pytestmark = pytest.mark.django_db

BASE = "/api/v1/staff/moderation"


def _case(reporter, target, category="spam") -> Case:
    target_type = "user" if target.__class__.__name__ == "User" else "post"
    return report_create(reporter=reporter, target_type=target_type, target_id=target.pk, category=category)[0].case


def test_staff_endpoints_refuse_anonymous_plain_users_and_staff_without_a_second_factor(moderator):
    url = f"{BASE}/cases/"
    plain = APIClient()
    plain.force_authenticate(UserFactory())

    assert APIClient().get(url).status_code == 401
    assert code_of(plain.get(url)) == "staff_only"
    assert code_of(verified_client(moderator, api=True, second_factor=False).get(url)) == "second_factor_required"
    finance = verified_client(with_role(UserFactory(), "finance"), api=True)
    assert (finance.get(url).status_code, code_of(finance.get(url))) == (403, "permission_denied")


def test_the_queue_lists_open_cases_by_priority(staff_api, reporter, author):
    low = _case(reporter, make_post(author), "spam")
    urgent = _case(reporter, make_post(author), "child_safety")
    closed = _case(reporter, make_post(author), "hate")
    Case.objects.filter(pk=closed.pk).update(status="dismissed", resolved_at=closed.created_at)

    response = staff_api.get(f"{BASE}/cases/")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(urgent.pk), str(low.pk)]
    assert response.json()["results"][0]["urgent"] is True
    dismissed = staff_api.get(f"{BASE}/cases/?status=dismissed").json()["results"]
    assert [item["id"] for item in dismissed] == [str(closed.pk)]


def test_the_case_page_has_evidence_history_and_notes(staff_api, reporter, author, moderator):
    post = make_post(author, text="evidence text")
    case = _case(reporter, post)
    case_act(case=_case(verified(), author), by=moderator, action="warn", reason="Earlier strike")

    note = staff_api.post(f"{BASE}/cases/{case.pk}/notes/", {"text": "Looks like a bot."}, format="json")
    response = staff_api.get(f"{BASE}/cases/{case.pk}/")

    assert note.status_code == 201
    body = response.json()
    assert body["case"]["id"] == str(case.pk)
    assert body["reports"][0]["evidence"]["text"] == "evidence text"
    assert body["notes"][0]["text"] == "Looks like a bot."
    assert [strike["kind"] for strike in body["history"]["strikes"]] == ["warning"]
    assert body["history"]["standing"] == "good"
    assert body["history"]["account_age_days"] == 0
    assert len(body["history"]["earlier_cases"]) == 1


def test_assign_to_me_and_to_nobody(staff_api, reporter, author, moderator):
    case = _case(reporter, author)

    mine = staff_api.post(f"{BASE}/cases/{case.pk}/assign/", {"assignee": str(moderator.pk)}, format="json")
    stranger = staff_api.post(f"{BASE}/cases/{case.pk}/assign/", {"assignee": str(reporter.pk)}, format="json")
    nobody = staff_api.post(f"{BASE}/cases/{case.pk}/assign/", {"assignee": None}, format="json")

    assert mine.json()["assigned_to"]["handle"] == "mod"
    assert (stranger.status_code, code_of(stranger)) == (400, "invalid_assignee")
    assert nobody.json()["assigned_to"] is None
    assert list(ModerationLogEntry.objects.order_by("id").values_list("action", flat=True)) == ["assign", "unassign"]


def test_acting_through_the_api_is_logged_as_the_api(staff_api, reporter, author):
    case = _case(reporter, make_post(author))

    response = staff_api.post(f"{BASE}/cases/{case.pk}/actions/",
                              {"action": "remove", "reason": "Spam", "notify_user": True}, format="json")  # fmt: skip

    assert response.status_code == 201
    assert response.json()["action"] == "remove"
    assert ModerationLogEntry.objects.get(action="remove").source == "api"
    again = staff_api.post(f"{BASE}/cases/{case.pk}/actions/", {"action": "warn", "reason": "x"}, format="json")
    assert (again.status_code, code_of(again)) == (409, "case_closed")


def test_bad_actions_are_400_with_codes(staff_api, reporter, author):
    case = _case(reporter, author)
    url = f"{BASE}/cases/{case.pk}/actions/"

    no_days = staff_api.post(url, {"action": "suspend", "reason": "x"}, format="json")
    unknown = staff_api.post(url, {"action": "nuke", "reason": "x"}, format="json")
    remove_user = staff_api.post(url, {"action": "remove", "reason": "x"}, format="json")

    assert (no_days.status_code, code_of(no_days)) == (400, "invalid_days")
    assert (unknown.status_code, code_of(unknown)) == (400, "invalid_choice")
    assert (remove_user.status_code, code_of(remove_user)) == (400, "action_not_applicable")
    assert staff_api.post(f"{BASE}/cases/0193b0a8-7c1e-7e4b-9d3c-5f2a1b0c9d8e/actions/",
                          {"action": "warn", "reason": "x"}, format="json").status_code == 404  # fmt: skip


def test_bulk_actions_report_each_case(staff_api, reporter, author):
    posts = [_case(reporter, make_post(author)) for _ in range(2)]
    user_case = _case(reporter, author)

    response = staff_api.post(f"{BASE}/cases/bulk-action/", {
        "cases": [str(posts[0].pk), str(posts[1].pk), str(user_case.pk)], "action": "remove", "reason": "Spam wave",
    }, format="json")  # fmt: skip

    assert response.status_code == 200
    assert len(response.json()["decisions"]) == 2
    assert response.json()["failed"] == [
        {"case": str(user_case.pk), "code": "action_not_applicable",
         "detail": "There is no content to remove; act on the account."}
    ]  # fmt: skip


def test_reversing_through_the_api(staff_api, reporter, author, moderator):
    decision = case_act(case=_case(reporter, make_post(author)), by=moderator, action="remove", reason="Spam")
    url = f"{BASE}/decisions/{decision.pk}/reverse/"

    response = staff_api.post(url, {"reason": "Mistake"}, format="json")
    again = staff_api.post(url, {"reason": "Mistake"}, format="json")

    assert response.status_code == 200
    assert response.json()["reverse_reason"] == "Mistake"
    assert (again.status_code, code_of(again)) == (409, "already_reversed")
    assert Decision.objects.get().reversed_at is not None


def test_the_log_filters_by_moderator_target_and_action(staff_api, reporter, author, moderator):
    other_mod = with_role(verified(), "moderator")
    someone = verified()
    case_act(case=_case(reporter, make_post(author)), by=moderator, action="remove", reason="a")
    case_act(case=_case(reporter, someone), by=other_mod, action="warn", reason="b")

    by_mod = staff_api.get(f"{BASE}/log/?moderator={moderator.pk}").json()["results"]
    by_target = staff_api.get(f"{BASE}/log/?target_user={someone.pk}").json()["results"]
    by_action = staff_api.get(f"{BASE}/log/?action=warn").json()["results"]
    bad = staff_api.get(f"{BASE}/log/?moderator=nope")

    assert [entry["action"] for entry in by_mod] == ["remove"]
    assert [entry["reason"] for entry in by_target] == ["b"]
    assert [entry["target_user"]["id"] for entry in by_action] == [str(someone.pk)]
    assert (bad.status_code, code_of(bad)) == (400, "invalid_filter")


def test_pending_work_counts(staff_api, reporter, author, moderator):
    from moderation.selectors import pending_work_counts

    _case(reporter, make_post(author), "self_harm")
    assigned = _case(reporter, make_post(author))
    from moderation.services.cases import case_assign

    case_assign(case=assigned, by=moderator, assignee=moderator)

    assert pending_work_counts() == {"open_cases": 2, "unassigned": 1, "urgent": 1}
    assert staff_api.get(f"{BASE}/pending/").json() == {"open_cases": 2, "unassigned": 1, "urgent": 1}


def test_monthly_figures(staff_api, reporter, author, moderator):
    from django.utils import timezone

    from accounts.services import moderation as account_moderation

    case = _case(reporter, make_post(author), "spam")
    _case(verified(), author, "hate")
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timezone.timedelta(hours=2))
    decision = case_act(case=case, by=moderator, action="remove", reason="Spam")
    appeal = account_moderation.appeal_submit(action=decision.account_action, user=author, message="no")
    account_moderation.appeal_decide(appeal=appeal, by=with_role(verified(), "moderator"), accept=False, reason="no")

    response = staff_api.get(f"{BASE}/stats/?month={timezone.now():%Y-%m}")
    bad = staff_api.get(f"{BASE}/stats/?month=2026-13")

    body = response.json()
    assert body["reports_by_category"] == {"spam": 1, "hate": 1}
    assert body["actions_by_type"] == {"remove": 1}
    assert 7190 < body["median_seconds_to_first_action"] < 7300
    assert (body["appeals_upheld"], body["appeals_overturned"]) == (1, 0)
    assert (bad.status_code, code_of(bad)) == (400, "invalid_month")


def test_the_queue_takes_a_fixed_number_of_queries(staff_api, reporter, django_assert_max_num_queries):
    for _ in range(3):
        _case(reporter, make_post(verified()))
    with django_assert_max_num_queries(8):
        assert len(staff_api.get(f"{BASE}/cases/?page_size=2").json()["results"]) == 2
    with django_assert_max_num_queries(8):
        assert len(staff_api.get(f"{BASE}/cases/?page_size=50").json()["results"]) == 3
