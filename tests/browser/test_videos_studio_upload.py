"""The studio's upload page in Chromium: chunks go up with a progress bar, then processing is followed."""

import pytest

from content.models import Upload, Video
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory

pytestmark = pytest.mark.browser
clip = video_factories.clip
video_root = video_factories.video_root

PASSWORD = "correct horse battery staple"


def test_a_creator_uploads_a_video_and_watches_the_progress(page, clip, video_root, settings):
    settings.VIDEO_STUDIO_CHUNK_BYTES = max(1, clip.stat().st_size // 4 + 1)  # four chunks
    VerifiedUserFactory(email="creator@example.com", handle="creator")
    page.goto("/studio/login/?next=/studio/videos/upload/")
    page.fill("#id_username", "creator@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/videos/upload/")

    page.set_input_files("#id_file", str(clip))
    page.fill("#id_title", "Test pattern")
    page.fill("#id_tags", "test, pattern")
    page.click("#video-upload button[type=submit]")

    page.get_by_test_id("upload-message").filter(has_text="Ready to watch.").wait_for(timeout=60_000)
    steps = [int(step) for step in page.locator("#upload-progress").get_attribute("data-steps").split(",")]
    assert steps == [0, 25, 50, 75, 100]
    assert page.get_by_test_id("upload-percent").inner_text() == "100%"
    assert page.locator("#rendition-progress li").all_inner_texts() == ["240p: ready 100%"]
    video = Video.objects.get()
    assert (video.title, video.tags, video.status) == ("Test pattern", ["test", "pattern"], "ready")
    assert Upload.objects.get().parts.count() == 4
