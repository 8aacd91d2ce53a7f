"""The admin's "Watch" field plays a processed video's HLS ladder in Chromium through hls.js."""

import pytest

from accounts import services
from content.models import Video
from content.services import videos
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
clip = video_factories.clip
video_root = video_factories.video_root

PASSWORD = "correct horse battery staple"


def _processed_video(clip) -> Video:
    owner = VerifiedUserFactory(handle="creator")
    size = clip.stat().st_size
    video, _ = videos.video_create(
        owner=owner, title="Test pattern", description="", tags=[], size=size, visibility=Video.Visibility.PUBLIC
    )
    with open(clip, "rb") as stream:
        videos.upload_append(upload_id=video.upload.pk, user=owner, offset=0, length=size, stream=stream)
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    return video


def test_a_moderator_watches_a_video_in_the_admin(page, clip, video_root):
    video = _processed_video(clip)
    staff = UserFactory(email="mod@example.com", handle="moderator", is_staff=True, is_superuser=True)
    code = services.backup_codes_regenerate(user=staff)[0]
    page.goto("/admin/login/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    requested = []
    page.on("request", lambda request: requested.append(request.url.rsplit("/", 1)[-1]))
    page.goto(f"/admin/content/video/{video.pk}/change/")
    player = page.locator("video[data-hls]")
    assert player.get_attribute("data-hls").endswith(f"/api/v1/videos/{video.pk}/media/master.m3u8")

    # hls.js (Chromium has Media Source Extensions) loads the master, a rendition and its
    # segments into the element: it buffers real media, with no fatal error.
    page.wait_for_function(
        "v => v.readyState >= 2 && v.buffered.length > 0 && v.buffered.end(0) >= 1.5",
        arg=player.element_handle(),
        timeout=30_000,
    )
    assert player.get_attribute("data-player") == "hls.js"
    assert player.get_attribute("data-hls-error") is None
    assert "master.m3u8" in requested
    assert "240p.m3u8" in requested
    assert any(name.startswith("240p_") and name.endswith(".ts") for name in requested)
    duration = page.evaluate("v => v.duration", player.element_handle())
    assert duration == pytest.approx(video.duration, abs=0.2)

    # And it plays: muted (no user gesture in a test), the clock moves.
    page.evaluate("v => { v.muted = true; v.play(); }", player.element_handle())
    page.wait_for_function("v => v.currentTime > 0.5", arg=player.element_handle(), timeout=30_000)
