"""The one gate (billing.selectors.viewer_has_tier) wherever the stand-in was used: videos,
streams (detail, owner's list, go-live notices), with the tier needed in the 403."""

import pytest
from django.utils import timezone

from billing.selectors import membership_tier_of, viewer_has_tier
from content.models import Video
from content.selectors.videos import video_get_for_viewer
from core.errors import PermissionDeniedError
from notifications.models import Notification
from social.models import Follow
from streaming.models import LiveStream
from streaming.selectors.streams import stream_get_for_viewer, stream_list_of_owner
from streaming.services import streams
from tests.billing.factories import member_of, tier_of
from tests.content.video_factories import VideoFactory
from tests.factories import UserFactory
from tests.streaming.factories import LiveStreamFactory

pytestmark = pytest.mark.django_db


def test_higher_tiers_include_lower_ones_and_only_live_memberships_count():
    creator, viewer = UserFactory(), UserFactory()
    bronze, silver, gold = (tier_of(creator, position=p) for p in (1, 2, 3))
    membership = member_of(silver, viewer)

    assert membership_tier_of(viewer=viewer, creator_id=creator.pk) == silver
    assert [viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=t) for t in (None, 1, 2, 3)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert viewer_has_tier(viewer=creator, creator_id=creator.pk, minimum_tier=3) is True
    assert viewer_has_tier(viewer=None, creator_id=creator.pk, minimum_tier=None) is False
    for status, allowed in [("past_due", True), ("trialing", True), ("paused", False), ("ended", False)]:
        type(membership).objects.filter(pk=membership.pk).update(status=status)
        assert viewer_has_tier(viewer=viewer, creator_id=creator.pk, minimum_tier=1) is allowed, status
    assert bronze.position < gold.position


def test_videos_admit_members_at_the_tier_or_above():
    creator = UserFactory()
    tier_of(creator, position=1, name="Bronze")
    gold = tier_of(creator, position=2, name="Gold")
    video = VideoFactory(owner=creator, visibility=Video.Visibility.SUBSCRIBERS, minimum_tier=2)
    bronze_member, gold_member = UserFactory(), UserFactory()
    member_of(type(gold).objects.get(creator=creator, position=1), bronze_member)
    member_of(gold, gold_member)

    with pytest.raises(PermissionDeniedError) as caught:
        video_get_for_viewer(video_id=video.pk, user=bronze_member)
    assert caught.value.code == "members_only"
    assert caught.value.extra["tier_needed"]["name"] == "Gold"
    assert video_get_for_viewer(video_id=video.pk, user=gold_member) == video
    assert video_get_for_viewer(video_id=video.pk, user=creator) == video


def test_streams_for_members_detail_list_and_go_live_notice(django_capture_on_commit_callbacks):
    stream = LiveStreamFactory(visibility=LiveStream.Visibility.SUBSCRIBERS)
    member, follower = UserFactory(), UserFactory()
    member_of(tier_of(stream.owner), member)
    for user in (member, follower):
        Follow.objects.create(follower=user, followee=stream.owner)

    assert stream_get_for_viewer(stream_id=stream.pk, user=member) == stream
    with pytest.raises(PermissionDeniedError) as caught:
        stream_get_for_viewer(stream_id=stream.pk, user=follower)
    assert caught.value.code == "members_only"
    assert list(stream_list_of_owner(owner_id=stream.owner_id, viewer=member)) == [stream]
    assert list(stream_list_of_owner(owner_id=stream.owner_id, viewer=follower)) == []

    with django_capture_on_commit_callbacks(execute=True):
        streams.stream_go_live(stream_id=stream.pk)

    notices = Notification.objects.filter(kind="stream_live", created_at__lte=timezone.now())
    assert sorted(n.recipient_id for n in notices) == [member.pk]


def test_a_stream_with_a_minimum_tier_admits_that_tier_and_above(api_client):
    stream = LiveStreamFactory(visibility=LiveStream.Visibility.SUBSCRIBERS, minimum_tier=2)
    bronze, gold = tier_of(stream.owner, position=1), tier_of(stream.owner, position=2, name="Gold")
    low, high = UserFactory(), UserFactory()
    member_of(bronze, low)
    member_of(gold, high)

    with pytest.raises(PermissionDeniedError) as caught:
        stream_get_for_viewer(stream_id=stream.pk, user=low)
    assert (caught.value.code, caught.value.extra["tier_needed"]["name"]) == ("members_only", "Gold")
    assert stream_get_for_viewer(stream_id=stream.pk, user=high) == stream
    assert list(stream_list_of_owner(owner_id=stream.owner_id, viewer=low)) == []
    assert list(stream_list_of_owner(owner_id=stream.owner_id, viewer=high)) == [stream]
    api_client.force_authenticate(low)
    response = api_client.get(f"/api/v1/streams/{stream.pk}/")
    assert (response.status_code, response.json()["errors"][0]["code"]) == (403, "members_only")
    assert response.json()["extra"]["minimum_tier"] == 2
    api_client.force_authenticate(high)
    assert api_client.get(f"/api/v1/streams/{stream.pk}/").json()["minimum_tier"] == 2
