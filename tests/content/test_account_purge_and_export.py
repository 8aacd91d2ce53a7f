"""A purged account takes its posts and videos with it; a data export includes them."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.services.export import archive_build
from content.models import Hashtag, Post, PostImage, Video
from content.services.post_images import ImageUpload
from content.video_files import output_dir
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory, video_root, with_files  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("video_root")]


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(data, format="PNG")
    return SimpleUploadedFile("p.png", data.getvalue(), content_type="image/png")


def past_the_grace_period(user, settings) -> None:
    User.all_objects.filter(pk=user.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )


def test_the_purge_deletes_the_accounts_posts_images_and_videos(media, settings, django_capture_on_commit_callbacks):
    gone = VerifiedUserFactory()
    stays = VerifiedUserFactory()
    with_image = make_post(gone, text="#sunset over the bay", images=[ImageUpload(file=png(), alt_text="bay")])
    make_post(gone, text="second #sunset")
    kept = make_post(stays, text="mine #sunset")
    video = with_files(VideoFactory(owner=gone))
    files = [name for pair in PostImage.objects.filter(post=with_image).values_list("full", "feed") for name in pair]
    assert all(default_storage.exists(name) for name in files)
    past_the_grace_period(gone, settings)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_deleted_accounts", stdout=io.StringIO())

    assert list(Post.all_objects.values_list("pk", flat=True)) == [kept.pk]
    assert not PostImage.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    assert not Video.all_objects.filter(pk=video.pk).exists()
    assert not output_dir(video.pk).exists()
    assert Hashtag.objects.get(name="sunset").usage_count == 1


def test_the_dry_run_names_the_content_steps_and_changes_nothing(settings, media):
    gone = VerifiedUserFactory()
    make_post(gone, text="one")
    make_post(gone, text="two")
    past_the_grace_period(gone, settings)
    out = io.StringIO()

    call_command("purge_deleted_accounts", "--dry-run", stdout=out)

    assert "delete 2 posts with their images" in out.getvalue()
    assert Post.all_objects.filter(author=gone).count() == 2


def test_the_export_includes_posts_and_videos(media):
    user = VerifiedUserFactory()
    post = make_post(user, text="hello #world")
    video = VideoFactory(owner=user, title="My first video")

    archive = json.loads(json.dumps(archive_build(user=user), default=str))

    assert [(p["id"], p["text"], p["hashtags"]) for p in archive["sections"]["posts"]] == [
        (str(post.id), "hello #world", ["world"])
    ]
    assert [(v["id"], v["title"]) for v in archive["sections"]["videos"]] == [(str(video.id), "My first video")]
