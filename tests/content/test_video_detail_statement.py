"""The video page reads its video by a statement compiled once (``content.selectors.videos.VIDEO_BY_ID``)
and the renditions only for the owner, whose answer lists them. Nothing is kept between requests
but the statement: an edit, a deletion, a moderation removal or a block made between two reads
shows in the next one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import User
from content.models import Video
from social.models import Block
from tests.content.video_factories import VerifiedUserFactory, VideoFactory

pytestmark = pytest.mark.django_db
VIDEOS = "/api/v1/videos/"


def test_anonymous_page_is_one_query_and_owner_gets_the_renditions(api_client, django_assert_num_queries):
    video = VideoFactory(title="First")
    with django_assert_num_queries(1):
        anonymous = api_client.get(f"{VIDEOS}{video.pk}/")
    assert anonymous.status_code == 200
    assert anonymous.json()["title"] == "First"
    assert "renditions" not in anonymous.json()

    api_client.force_authenticate(video.owner)
    own = api_client.get(f"{VIDEOS}{video.pk}/").json()
    assert [r["name"] for r in own["renditions"]] == ["240p"]
    assert own["upload"]["status"] == "complete"


def test_changes_between_two_reads_show_in_the_next(api_client):
    video = VideoFactory(title="Before")
    viewer = VerifiedUserFactory()
    url = f"{VIDEOS}{video.pk}/"

    def get():
        # A new user object per request, as token or session authentication loads one (the
        # block cache of ``content.relations`` lives on it, for one request).
        api_client.force_authenticate(User.objects.get(pk=viewer.pk))
        return api_client.get(url)

    assert get().json()["title"] == "Before"

    Video.objects.filter(pk=video.pk).update(title="After")
    assert get().json()["title"] == "After"

    Block.objects.create(blocker=video.owner, blocked=viewer)
    assert get().status_code == 404
    Block.objects.filter(blocker=video.owner, blocked=viewer).delete()
    assert get().status_code == 200

    Video.objects.filter(pk=video.pk).update(moderation_status=Video.Moderation.REMOVED)
    assert get().status_code == 404
    Video.objects.filter(pk=video.pk).update(moderation_status=Video.Moderation.VISIBLE, deleted_at=timezone.now())
    assert get().status_code == 404


def test_a_malformed_id_is_refused_as_before():
    from django.core.exceptions import ValidationError

    from content.selectors.videos import video_get_for_viewer

    with pytest.raises(ValidationError):
        video_get_for_viewer(video_id="not-a-uuid", user=None)
