"""``NotificationGroupSerializer`` writes its fields out by hand (an inbox page renders many
groups; DRF's generic walk cost a few calls per field of each). This holds the hand-written
shape to what DRF's walk over the same declared fields answers, value for value."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from notifications.api.serializers import NotificationGroupSerializer
from notifications.models import Notification
from notifications.selectors import notification_groups_for_user
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class GenericNotificationGroupSerializer(NotificationGroupSerializer):
    """Same fields, DRF's generic walk (a subclass is not written out)."""


def test_written_out_group_shape_matches_drf_generic_walk():
    recipient = UserFactory(handle="recipient")
    actors = [UserFactory(handle=f"actor{i}", display_name=f"Actor {i}" if i % 2 else "") for i in range(10)]
    actors[0].avatar = "avatars/a0.webp"
    actors[0].save(update_fields=["avatar"])
    for actor in actors:  # one group of ten followers (8 sampled)
        notify(recipient=recipient, kind="follow", actor=actor, target=recipient)
    notify(recipient=recipient, kind="follow", actor=actors[0], target=actors[1])
    announcement = notify(
        recipient=recipient, kind="announcement", priority="high", expires_at=timezone.now() + dt.timedelta(days=2),
        data={"announcement_id": "a1", "actions": [{"label": "Open", "action": "open", "url": "https://x.test/"}]},
    )  # fmt: skip
    Notification.objects.filter(pk=announcement.pk).update(read_at=timezone.now(), seen_at=timezone.now())
    groups = list(notification_groups_for_user(user=recipient))
    assert len(groups) == 3
    request = RequestFactory().get("/api/v1/notifications/")
    request.user = recipient

    fast = NotificationGroupSerializer(groups, many=True, context={"request": request}).data
    generic = GenericNotificationGroupSerializer(groups, many=True, context={"request": request}).data

    assert [dict(item) for item in fast] == [dict(item) for item in generic]
    assert [list(item) for item in fast] == [list(item) for item in generic]  # the same key order
    assert [[dict(actor) for actor in item["actors"]] for item in fast] == [
        [dict(actor) for actor in item["actors"]] for item in generic
    ]
    assert any(len(item["actors"]) == 8 for item in fast)
    assert any(item["actions"] for item in fast)
    assert any(actor["avatar"] for item in fast for actor in item["actors"])
    assert any(item["read_at"] and item["expires_at"] and not item["unread"] for item in fast)


def test_the_list_attaches_the_same_sample_actors_as_the_prefetch():
    from notifications.models import NotificationActor
    from notifications.selectors import notification_sample_actors_attach

    recipient = UserFactory()
    actors = [UserFactory() for _ in range(12)]
    for actor in actors:
        notify(recipient=recipient, kind="follow", actor=actor, target=recipient)
    for actor in actors[:3]:
        notify(recipient=recipient, kind="follow", actor=actor, target=actors[5])
    group = Notification.objects.filter(recipient=recipient, target_object_id=str(recipient.pk)).get()
    tie = timezone.now()  # ties on created_at are broken by id, newest first, in both
    NotificationActor.objects.filter(notification=group, actor__in=actors[4:9]).update(created_at=tie)
    prefetched = list(notification_groups_for_user(user=recipient))
    page = list(notification_groups_for_user(user=recipient, with_sample_actors=False))
    notification_sample_actors_attach(groups=page)

    assert [g.pk for g in page] == [g.pk for g in prefetched]
    assert [[link.pk for link in g.sample_actor_links] for g in page] == [
        [link.pk for link in g.sample_actor_links] for g in prefetched
    ]
    assert [len(g.sample_actor_links) for g in page] == [3, 8]
    assert all(link.actor.handle for g in page for link in g.sample_actor_links)


def test_the_next_page_shows_a_new_actor(api_client):
    recipient = UserFactory()
    first, second = UserFactory(handle="first"), UserFactory(handle="second")
    notify(recipient=recipient, kind="follow", actor=first, target=recipient)
    api_client.force_authenticate(recipient)
    before = api_client.get("/api/v1/notifications/").json()["results"]
    assert [a["handle"] for a in before[0]["actors"]] == ["first"]

    notify(recipient=recipient, kind="follow", actor=second, target=recipient)
    after = api_client.get("/api/v1/notifications/").json()["results"]
    assert [a["handle"] for a in after[0]["actors"]] == ["second", "first"]
    assert after[0]["actor_count"] == 2
