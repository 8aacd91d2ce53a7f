"""The admin index shows pending work with counts and links; "View site" leads to the studio."""

import pytest

from accounts.models import Appeal, ModerationAction
from content.models import Video
from core import admin_pending
from tests.clients import verified_client
from tests.content.video_factories import VideoFactory
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db


def _appeal(user, status="pending"):
    action = ModerationAction.objects.create(user=user, kind="warning", reason="spam")
    fields = {} if status == "pending" else {"decided_at": "2026-01-01T00:00Z", "decision_reason": "ok"}
    return Appeal.objects.create(action=action, user=user, message="not me", status=status, **fields)


def test_the_index_counts_pending_appeals_and_failed_videos_with_links_to_them():
    admin = with_role(UserFactory(), "admin")
    _appeal(UserFactory())
    _appeal(UserFactory())
    _appeal(UserFactory(), status="rejected")
    VideoFactory(status=Video.Status.FAILED)
    VideoFactory(status=Video.Status.READY)

    page = verified_client(admin).get("/admin/")

    assert page.status_code == 200
    work = {item.key: item for item in page.context["pending_work"]}
    assert (work["appeals"].count, work["appeals"].url) == (2, "/admin/accounts/appeal/?status__exact=pending")
    assert (work["failed-videos"].count, work["failed-videos"].url) == (1, "/admin/content/video/?status__exact=failed")
    assert (work["live-streams"].count, work["announcements"].count) == (0, 0)
    html = page.content.decode()
    assert 'data-testid="pending-appeals-count">2</td>' in html
    assert 'href="/admin/accounts/appeal/?status__exact=pending">Appeals waiting for a decision</a>' in html
    assert 'href="/studio/"' in html  # "View site"
    listing = verified_client(admin).get(work["appeals"].url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2


def test_a_staff_member_sees_only_the_work_of_models_they_may_view():
    finance = with_role(UserFactory(), "finance")
    _appeal(UserFactory())

    page = verified_client(finance).get("/admin/")

    keys = {item.key for item in page.context["pending_work"]}
    assert "appeals" not in keys


def test_a_failing_provider_is_left_out_and_the_index_still_answers():
    admin = with_role(UserFactory(), "admin")

    def broken(request):
        raise RuntimeError("boom")

    admin_pending.register(key="broken", provider=broken, order=1)
    try:
        page = verified_client(admin).get("/admin/")
    finally:
        admin_pending._providers.pop("broken")

    assert page.status_code == 200
    assert "broken" not in {item.key for item in page.context["pending_work"]}
