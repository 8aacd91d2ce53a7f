"""User.videos_count is kept by content's video services (it was never kept before), with F()."""

import pytest

from accounts.models import User
from content.services import videos as video_services
from tests.content.post_factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db


def test_creating_and_deleting_videos_keeps_videos_count(tmp_path, settings):
    settings.VIDEO_ROOT = tmp_path / "videos"
    owner = VerifiedUserFactory()

    first, _ = video_services.video_create(owner=owner, title="one", size=1000)
    video_services.video_create(owner=owner, title="two", size=1000)
    video_services.video_create(owner=owner, title="two", size=1000, idempotency_key="k")
    video_services.video_create(owner=owner, title="two", size=1000, idempotency_key="k")  # replayed
    assert User.objects.get(pk=owner.pk).videos_count == 3

    video_services.video_delete(video=first, by=owner)
    video_services.video_delete(video=first, by=owner)  # deleted already: no change
    assert User.objects.get(pk=owner.pk).videos_count == 2
