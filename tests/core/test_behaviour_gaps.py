"""Behaviour issue 14 found missing: post mentions notify, a blocker's profile, email links, access first."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from content.services import posts as post_services
from notifications.models import Notification
from social.services.graph import block_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _verified(**kwargs):
    return UserFactory(email_verified_at=timezone.now(), **kwargs)


def test_mentioning_a_user_in_a_post_notifies_them_once_like_comments_do():
    author, ana, bo = _verified(handle="author"), _verified(handle="ana"), _verified(handle="bob")

    post, _ = post_services.post_create(
        author=author, content=post_services.PostContent(text="Hello @ana and @author and @nobody")
    )
    post_services.post_edit(post=post, by=author, text="Hello @ana and now @bob")

    ana_rows = Notification.objects.filter(recipient=ana, kind="mention")
    assert ana_rows.count() == 1
    assert ana_rows.get().target_object_id == str(post.pk)
    assert not Notification.objects.filter(recipient=author, kind="mention").exists()  # never to the author
    assert Notification.objects.filter(recipient=bo, kind="mention").count() == 1  # newly mentioned by the edit


def test_a_followers_only_post_notifies_only_mentioned_users_who_may_read_it():
    author, ana = _verified(handle="author"), _verified(handle="ana")

    post_services.post_create(
        author=author, content=post_services.PostContent(text="Psst @ana", visibility="followers")
    )

    assert not Notification.objects.filter(recipient=ana, kind="mention").exists()


def test_a_blocked_user_gets_404_on_the_blockers_profile_and_others_still_see_it():
    blocker, blocked, other = _verified(handle="blocker"), _verified(handle="blocked"), _verified(handle="other")
    block_create(blocker=blocker, blocked=blocked)

    def profile(viewer):
        client = APIClient()
        if viewer is not None:
            client.force_authenticate(viewer)
        return client.get("/api/v1/accounts/blocker/")

    refused = profile(blocked)
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["code"] == "not_found"  # as for an account that does not exist
    assert profile(other).status_code == 200
    assert profile(None).status_code == 200
    assert profile(blocker).status_code == 200
    # The blocker still sees the profile of the user they blocked.
    client = APIClient()
    client.force_authenticate(blocker)
    assert client.get("/api/v1/accounts/blocked/").status_code == 200


def test_site_url_defaults_to_the_port_make_run_serves(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("PORT", "8014")
    monkeypatch.delenv("SITE_URL", raising=False)
    try:
        reloaded = importlib.reload(base)
        assert reloaded.SITE_URL == "http://127.0.0.1:8014"
    finally:
        monkeypatch.delenv("PORT")
        importlib.reload(base)
