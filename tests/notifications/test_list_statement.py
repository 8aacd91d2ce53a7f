"""The inbox reads each page by a statement compiled once per ``unread`` and cursor direction
(``notifications.selectors.notification_page_for_user``, ``core.pagination.CompiledPages``);
DRF's cursor paginator still makes the links, on ``(-last_event_at, -id)`` with offsets where
groups share a time. Pages and links are the paginator's over the queryset, and a group read,
gaining an actor, expiring or deleted between two reads shows so in the next one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from notifications.api.views import NotificationListView
from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/notifications/"


def _reference(url: str, user) -> dict:
    """The page as DRF's paginator makes it over the view's queryset (the code path before)."""
    django_request = APIRequestFactory().get(url)
    force_authenticate(django_request, user=user)
    view = NotificationListView()
    view.setup(django_request)
    view.request = Request(django_request, authenticators=view.get_authenticators())
    view.format_kwarg = None
    from notifications import selectors

    page = view.paginator.paginate_queryset(view.get_queryset(), view.request, view=view)
    selectors.notification_sample_actors_attach(groups=page)
    data = view.get_paginated_response(view.get_serializer(page, many=True).data).data
    return json.loads(JSONRenderer().render(data))


def _walk(api_client, url: str, user) -> list[int]:
    sizes, direction = [], "next"
    while url:
        answer = api_client.get(url)
        assert answer.status_code == 200
        assert answer.json() == _reference(url, user), url
        sizes.append(len(answer.json()["results"]))
        url = answer.json()[direction]
        if url is None and direction == "next":
            direction, url = "previous", answer.json()["previous"]
    return sizes


def test_pages_and_links_are_the_paginators_over_the_queryset(api_client):
    recipient = UserFactory()
    actors = [UserFactory() for _ in range(7)]
    for actor in actors:
        notify(recipient=recipient, kind="follow", actor=actor, target=actor)
    groups = list(Notification.objects.filter(recipient=recipient).order_by("id"))
    same_time = timezone.now() - dt.timedelta(minutes=5)  # three groups at one time: cursor offsets
    Notification.objects.filter(pk__in=[g.pk for g in groups[1:4]]).update(last_event_at=same_time)
    Notification.objects.filter(pk=groups[5].pk).update(read_at=timezone.now())
    api_client.force_authenticate(recipient)

    assert _walk(api_client, f"{INBOX}?page_size=2", recipient) == [2, 2, 2, 1, 2, 2, 1]
    assert _walk(api_client, f"{INBOX}?page_size=2&unread=true", recipient)[:3] == [2, 2, 2]
    assert _walk(api_client, f"{INBOX}?page_size=2&unread=0", recipient) == [1]


def test_changes_between_two_reads_show_in_the_next(api_client):
    recipient, first, second = UserFactory(), UserFactory(handle="first"), UserFactory(handle="second")
    group = notify(recipient=recipient, kind="follow", actor=first, target=recipient)
    api_client.force_authenticate(recipient)

    def inbox(query=""):
        return api_client.get(f"{INBOX}{query}").json()["results"]

    assert [g["unread"] for g in inbox()] == [True]
    Notification.objects.filter(pk=group.pk).update(read_at=timezone.now())
    assert inbox("?unread=true") == []
    assert [g["unread"] for g in inbox()] == [False]
    notify(recipient=recipient, kind="follow", actor=second, target=recipient)
    assert [a["handle"] for a in inbox()[0]["actors"]] == ["second", "first"]
    Notification.objects.filter(pk=group.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert inbox() == []
    Notification.objects.filter(pk=group.pk).update(expires_at=None)
    assert len(inbox()) == 1
    Notification.objects.filter(pk=group.pk).delete()
    assert inbox() == []


def test_changes_show_in_the_next_read_once_the_statement_is_prepared(api_client):
    """The inbox's statements are prepared on the connection (``core.compiled.prepared_cursor``):
    read past psycopg's preparing (5th run) and PostgreSQL's generic plan (6th execution) first,
    as another recipient, then the changes above show in the next read all the same."""
    from django.db import connection

    other = UserFactory()
    notify(recipient=other, kind="follow", actor=UserFactory(), target=other)
    api_client.force_authenticate(other)
    for _ in range(12):
        assert len(api_client.get(INBOX).json()["results"]) == 1
        assert len(api_client.get(f"{INBOX}?unread=true").json()["results"]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%notifications_notification%"],
        )
        assert cursor.fetchone()[0] >= 2
    test_changes_between_two_reads_show_in_the_next(api_client)
