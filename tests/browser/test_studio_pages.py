"""Every studio page in Chromium, as a creator uses it: open it, do its main task, see its empty
state, and use it on a 390-pixel-wide phone without scrolling sideways."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.utils import timezone

from content.models import Post, Rendition, Video, VideoDailyStat
from content.services import posts as post_services
from content.video_files import output_dir, source_path, video_dir
from social.models import Follow
from social.services.comments import comment_create
from streaming.models import LiveStream
from tests.content import video_factories
from tests.content.post_factories import make_post
from tests.content.video_factories import VerifiedUserFactory, VideoFactory, with_files
from tests.streaming.factories import LiveStreamFactory

pytestmark = pytest.mark.browser
clip = video_factories.clip
video_root = video_factories.video_root

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


def log_in(page, user, path: str) -> None:
    page.goto(f"/studio/login/?next={path}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")


def streamer(**kwargs):
    """A verified user who may stream. (The role groups come from data migrations, which a
    transactional test's flush removes; the permission itself is recreated after the flush.)"""
    from django.contrib.auth.models import Permission

    user = VerifiedUserFactory(**kwargs)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="streaming", codename="add_livestream"))
    return user


def assert_fits_a_phone(page, path: str) -> None:
    """At 390 px: no horizontal scroll, and the sidebar is a menu that opens from its button."""
    page.set_viewport_size(PHONE)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    nav = page.get_by_role("navigation", name="Studio")
    assert not nav.is_visible()
    page.get_by_test_id("menu-toggle").click()
    assert nav.get_by_role("link", name="Videos").is_visible()
    assert page.get_by_test_id("menu-toggle").get_attribute("aria-expanded") == "true"


def test_home_shows_the_channel_at_a_glance_and_what_needs_attention(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/")

    # empty: nothing to do, nothing to chart, and why
    assert page.get_by_test_id("attention-empty").is_visible()
    assert "No views in the last 28 days yet" in page.get_by_test_id("chart-empty-home-views").inner_text()
    assert page.get_by_test_id("panel-latest-videos").get_by_text("No videos yet").is_visible()

    # given a week of activity
    video = VideoFactory(owner=creator, title="Tour of the studio")
    today = timezone.localdate()
    VideoDailyStat.objects.create(video=video, day=today, views=7, sessions=7, watch_seconds=600)
    VideoDailyStat.objects.create(video=video, day=today - dt.timedelta(days=30), views=4, sessions=4, watch_seconds=60)
    VideoFactory(owner=creator, title="Broken upload", status=Video.Status.FAILED, error_message="Not a video.")
    for _ in range(2):
        Follow.objects.create(follower=VerifiedUserFactory(), followee=creator)
    post = make_post(creator, text="What should I draw?")
    comment_create(author=VerifiedUserFactory(handle="fan"), content=post, text="A fox!")
    LiveStreamFactory(owner=creator, title="Friday jam", scheduled_at=timezone.now() + dt.timedelta(days=1))

    page.reload()

    assert page.get_by_test_id("figure-views-value").inner_text() == "7"
    assert page.get_by_test_id("figure-views-change").inner_text() == "+75.0% vs the 28 days before"
    assert page.get_by_test_id("figure-watch-time-value").inner_text() == "10.0 min"
    assert page.get_by_test_id("figure-followers-value").inner_text() == "2"
    assert page.get_by_test_id("attention-comments").inner_text() == "1\n1 comment is waiting for your reply"
    assert "“Friday jam” is scheduled" in page.get_by_test_id("attention").inner_text()
    page.get_by_test_id("chart-home-views").locator("[data-chart-state=drawn]").wait_for()
    assert page.get_by_test_id("home-video").count() == 2
    page.get_by_test_id("attention-failed-videos").get_by_role("link").click()
    page.wait_for_url("**/studio/videos/?status=failed")
    rows = page.get_by_test_id("video-list").locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.inner_text().startswith("Broken upload")

    assert_fits_a_phone(page, "/studio/")


def test_the_videos_list_deletes_a_failed_upload_with_its_files(page, video_root):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/videos/")
    assert page.get_by_test_id("videos-empty").inner_text().startswith("No videos yet")

    failed = with_files(VideoFactory(owner=creator, title="Broken upload", status=Video.Status.FAILED,
                                     error_message="The file is not a video."))  # fmt: skip
    ready = VideoFactory(owner=creator, title="Good one", duration=75.0)
    page.reload()

    row = page.locator(f'tr[data-video="{failed.pk}"]')
    assert row.get_by_test_id("video-status").inner_text() == "Failed\nThe file is not a video."
    assert page.locator(f'tr[data-video="{ready.pk}"]').get_by_text("1:15 · 180p").is_visible()
    row.get_by_test_id("delete-video").click()
    assert page.locator("h1").inner_text() == "Delete this video?"
    page.get_by_test_id("confirm-button").click()

    page.wait_for_url("**/studio/videos/")
    assert page.locator(".messages").inner_text() == "“Broken upload” is deleted."
    assert page.locator(f'tr[data-video="{failed.pk}"]').count() == 0
    assert Video.all_objects.get(pk=failed.pk).deleted_at is not None
    assert not video_dir(failed.pk).exists()

    assert_fits_a_phone(page, "/studio/videos/")


def test_the_video_page_plays_retries_a_rendition_and_takes_a_poster_from_the_sprite(page, clip, video_root):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    video = with_files(VideoFactory(owner=creator, title="Clip", duration=2.0, sprite_interval=1.0))
    shutil.copy(clip, source_path(video.pk))
    (output_dir(video.pk) / "sprite.jpg").write_bytes(b"")
    Rendition.objects.create(
        video=video, name="360p", width=640, height=360, video_bitrate=800, audio_bitrate=96,
        status=Rendition.Status.FAILED, error_message="ffmpeg ran out of disk",
    )  # fmt: skip
    log_in(page, creator, f"/studio/videos/{video.pk}/")

    player = page.get_by_test_id("player")
    assert player.get_attribute("data-hls") == f"/api/v1/videos/{video.pk}/media/master.m3u8"
    page.wait_for_function("document.querySelector('[data-testid=player]').dataset.player === 'hls.js'")
    assert page.get_by_test_id("video-facts").inner_text().startswith("Status\nReady\nLength\n0:02")

    # a poster from the second thumbnail, made from the source at 1 s
    page.locator("input[name=frame][value='1']").check(force=True)
    page.get_by_test_id("poster-save").click()
    assert page.locator(".messages").inner_text() == "The poster is updated."
    assert (output_dir(video.pk) / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"  # a JPEG from ffmpeg

    # the failed rendition is transcoded again
    page.get_by_test_id("retry-360p").click()
    assert page.locator(".messages").inner_text() == "The 360p rendition is being processed again."
    assert Rendition.objects.get(video=video, name="360p").status == Rendition.Status.READY

    assert_fits_a_phone(page, f"/studio/videos/{video.pk}/")


def test_the_upload_form_says_what_is_missing(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/videos/upload/")

    page.click("#video-upload button[type=submit]")

    assert page.get_by_test_id("error-file").inner_text() == "Choose a video file to upload."
    assert page.get_by_test_id("error-title").inner_text() == "Give your video a title."
    assert page.locator("#id_title").get_attribute("aria-invalid") == "true"
    assert page.get_by_test_id("upload-message").inner_text() == ""
    assert not Video.objects.exists()
    assert "publish_at" not in page.content()

    assert_fits_a_phone(page, "/studio/videos/upload/")


def test_video_analytics_draw_charts_with_dates_or_say_why_they_are_empty(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    watched = VideoFactory(owner=creator, title="Watched")
    today = timezone.now().date()
    VideoDailyStat.objects.create(video=watched, day=today, views=12, sessions=10, watch_seconds=300,
                                  retention=[100 - 2 * i for i in range(21)])  # fmt: skip
    unseen = VideoFactory(owner=creator, title="Unseen", visibility=Video.Visibility.PRIVATE)
    log_in(page, creator, f"/studio/videos/{watched.pk}/analytics/")

    chart = page.get_by_test_id("chart-views")
    chart.locator("[data-chart-state=drawn]").wait_for()
    assert chart.locator(".xtick").count() >= 2  # a date axis with labels
    assert chart.locator(".ytick").count() >= 2  # a value axis
    assert page.get_by_test_id("analytics-totals").inner_text().startswith("Views, last 28 days\n12")
    # a tooltip with the day and the value on hover
    box = chart.locator(".bars .point path").last.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = chart.locator(".hovertext")
    tooltip.wait_for()
    assert tooltip.text_content() == f"{today:%a %d %b %Y}Views: 12"

    page.goto(f"/studio/videos/{unseen.pk}/analytics/")
    assert page.get_by_test_id("chart-empty-views").inner_text() == (
        "This video is private: only you can watch it, so it has no views yet."
    )

    assert_fits_a_phone(page, f"/studio/videos/{watched.pk}/analytics/")


def test_posts_are_written_with_errors_at_their_field_and_deleted_after_confirmation(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/posts/")
    assert page.get_by_test_id("no-posts").is_visible()

    page.get_by_test_id("compose-link").click()
    assert page.locator("#id_poll_ends_at").input_value() != ""  # a poll ends in a day by default
    page.fill("#id_poll_option_1", "Fox")
    page.fill("#id_poll_ends_at", "")
    page.click("[data-testid=post-form] button[type=submit]")
    assert page.get_by_test_id("error-poll_ends_at").inner_text() == "A poll needs an end time."

    page.fill("#id_poll_option_1", "")
    page.fill("#id_text", "Hello from the studio")
    page.click("[data-testid=post-form] button[type=submit]")
    page.wait_for_url("**/studio/posts/")
    assert page.get_by_test_id("post-row").count() == 1

    page.get_by_test_id("delete-post").click()
    assert page.locator("h1").inner_text() == "Delete this post?"
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url("**/studio/posts/")
    assert page.get_by_test_id("no-posts").is_visible()
    assert not Post.objects.exists()

    make_post(creator, text="A long post " * 20)
    assert_fits_a_phone(page, "/studio/posts/")
    assert_fits_a_phone(page, "/studio/posts/new/")


def test_editing_a_post_shows_its_current_images(page, settings, tmp_path):
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path  # files written here; the page shows their URLs
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(data, format="PNG")
    data.seek(0)
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = post_services.ImageUpload(file=SimpleUploadedFile("a.png", data.getvalue(), "image/png"), alt_text="red")
    post = make_post(creator, text="With a picture", images=[image])
    log_in(page, creator, f"/studio/posts/{post.pk}/edit/")

    images = page.get_by_test_id("current-images").locator("img")
    assert images.count() == 1
    assert images.first.get_attribute("alt") == "red"
    assert images.first.get_attribute("src") == post.images.get().feed.url
    assert_fits_a_phone(page, f"/studio/posts/{post.pk}/edit/")


def test_streams_are_created_edited_and_cancelled_after_confirmation(page):
    creator = streamer(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/streams/")
    assert page.get_by_test_id("streams-empty").is_visible()

    page.fill("#id_title", "Sketching live")
    page.click("[data-testid=stream-create] button[type=submit]")
    page.wait_for_url("**/studio/streams/*/")
    stream = LiveStream.objects.get()
    page.fill("#id_title", "Sketching live, take two")
    page.click("[data-testid=stream-edit] button[type=submit]")
    assert page.locator(".messages").inner_text() == "Saved."
    assert page.locator("h1").inner_text() == "Sketching live, take two"

    page.get_by_test_id("cancel-stream").click()
    assert page.locator("h1").inner_text() == "Cancel this stream?"
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(f"**/studio/streams/{stream.pk}/")
    assert page.get_by_test_id("stream-status").inner_text() == "Ended"
    assert page.get_by_test_id("stream-edit").count() == 0  # nothing to edit once ended
    page.goto("/studio/streams/")
    row = page.locator(f'tr[data-stream="{stream.pk}"]')
    assert "when you start" not in row.inner_text()
    assert row.get_by_test_id("stream-status").inner_text() == "Ended"

    assert_fits_a_phone(page, "/studio/streams/")
    assert_fits_a_phone(page, f"/studio/streams/{stream.pk}/")


def test_comments_waiting_for_a_reply_are_answered_from_the_studio(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/comments/")
    assert page.get_by_test_id("comments-empty").is_visible()

    post = make_post(creator, text="New sketch")
    comment_create(author=VerifiedUserFactory(handle="fan"), content=post, text="Love it")
    page.reload()
    page.get_by_placeholder("Reply to @fan").fill("Thank you!")
    page.get_by_role("button", name="Reply").click()

    assert page.locator(".messages").inner_text() == "Replied to @fan."
    assert page.get_by_test_id("comments-empty").is_visible()
    assert_fits_a_phone(page, "/studio/comments/")


def test_the_videos_list_follows_processing_without_a_reload(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    video = VideoFactory(owner=creator, title="Busy", status=Video.Status.PROCESSING)
    Rendition.objects.create(
        video=video, name="240p", width=320, height=180, video_bitrate=400, audio_bitrate=64,
        status=Rendition.Status.RUNNING, progress=40,
    )  # fmt: skip
    log_in(page, creator, "/studio/videos/")
    status = page.locator(f'tr[data-video="{video.pk}"] [data-testid=video-status]')
    assert status.inner_text() == "Processing\n240p 40%"

    Rendition.objects.filter(video=video).update(status=Rendition.Status.READY, progress=100)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.READY)

    cell = f'tr[data-video="{video.pk}"] [data-testid=video-status]'
    page.wait_for_function(f"document.querySelector('{cell}').innerText.trim() === 'Ready'", timeout=15_000)


def test_your_data_requests_an_export_and_offers_its_download(page):
    creator = VerifiedUserFactory(email="creator@example.com", handle="creator")
    log_in(page, creator, "/studio/account/data/")
    assert page.get_by_test_id("exports-empty").is_visible()

    page.get_by_test_id("export-request").click()  # built at commit (eager tasks in the test suite)

    assert page.get_by_test_id("export-status").inner_text() == "Ready"
    assert page.get_by_test_id("export-download").get_attribute("href").startswith("http")
    assert_fits_a_phone(page, "/studio/account/data/")
