"""The video studio pages: list with processing state, edit, analytics charts; the owner's only."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from content.models import Rendition, Video
from content.services.video_views import video_stats_rollup, view_heartbeat_record
from tests.content.video_factories import VerifiedUserFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return VerifiedUserFactory(handle="studio_owner")


@pytest.fixture
def studio(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_the_studio_navigation_has_videos(studio):
    page = studio.get("/studio/")

    assert {"label": "Videos", "url": "/studio/videos/", "active": False} in page.context["studio_nav"]


def test_the_list_shows_processing_state_and_progress(studio, owner):
    VideoFactory(owner=owner, title="Done")
    processing = VideoFactory(owner=owner, title="Busy", status=Video.Status.PROCESSING)
    Rendition.objects.create(
        video=processing, name="360p", width=640, height=360, video_bitrate=800, audio_bitrate=96,
        status=Rendition.Status.RUNNING, progress=42,
    )  # fmt: skip
    VideoFactory(title="Someone else's")

    page = studio.get("/studio/videos/")

    assert page.status_code == 200
    assert [v.title for v in page.context["videos"]] == ["Busy", "Done"]
    assert b"360p 42%" in page.content
    assert Client().get("/studio/videos/").status_code == 302


def test_the_owner_edits_a_video(studio, owner):
    video = VideoFactory(owner=owner, title="Old", duration=60.0)
    form = {"title": "New", "description": "", "tags": "cats, dogs", "visibility": "unlisted", "publish_at": "",
            "geo_allow": "", "geo_deny": "DE", "midroll_offsets": "30", "minimum_tier": ""}  # fmt: skip

    response = studio.post(f"/studio/videos/{video.pk}/", {**form, "monetized": "on"})
    refused = studio.post(f"/studio/videos/{video.pk}/", {**form, "midroll_offsets": "90"})

    assert response.status_code == 302
    video.refresh_from_db()
    assert (video.title, video.tags, video.visibility, video.geo_deny) == ("New", ["cats", "dogs"], "unlisted", ["DE"])
    assert (video.monetized, video.midroll_offsets) == (True, [30])
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == ["Every mid-roll offset must fall inside the video."]
    other = Client()
    other.force_login(VerifiedUserFactory())
    assert other.get(f"/studio/videos/{video.pk}/").status_code == 404


def test_the_analytics_page_draws_charts(studio, owner):
    video = VideoFactory(owner=owner, duration=100.0)
    for viewer, watched, country in [("a", 100, "FR"), ("b", 50, "BR")]:
        view_heartbeat_record(
            video=video, user=None, client_id=viewer, session=uuid.uuid4(), position=watched, watched=watched,
            country=country,
        )  # fmt: skip
    video_stats_rollup(day=timezone.now().date())

    page = studio.get(f"/studio/videos/{video.pk}/analytics/")

    assert page.status_code == 200
    charts = {spec["key"]: spec for spec in page.context["charts"]}
    views = charts["views"]["data"]
    assert sum(views["series"][0]["values"]) == 2
    assert len(views["x"]) == 28
    assert views["x"][-1] == timezone.now().date().isoformat()
    assert charts["views"]["empty"] is None
    assert charts["retention"]["data"]["series"][0]["values"][::10] == [100.0, 100.0, 50.0]
    assert b'data-testid="chart-retention"' in page.content
    assert b'id="chart-data-retention"' in page.content
    assert [row["country"] for row in page.context["data"]["countries"]] == ["BR", "FR"]
