"""The live and upcoming stream lists read each page by a statement compiled once
(``streaming.selectors.streams.stream_page_live``, ``core.pagination.CompiledPages``); DRF's
cursor paginator still makes the links. Pages and links are the paginator's over the queryset,
and a change made between two reads (an edit, a stream ending, a suspension, a deletion) shows
in the next one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import User
from core.pagination import CursorPagination
from streaming.api.serializers import StreamSerializer
from streaming.models import LiveStream
from streaming.selectors.streams import stream_list_live, stream_list_upcoming
from tests.streaming.factories import LiveStreamFactory

pytestmark = pytest.mark.django_db
STREAMS = "/api/v1/streams/"


def _reference(url: str, queryset) -> dict:
    request = Request(APIRequestFactory().get(url))
    paginator = CursorPagination()
    page = paginator.paginate_queryset(queryset, request)
    data = StreamSerializer(page, many=True, context={"request": request, "in_list": True}).data
    return json.loads(JSONRenderer().render(paginator.get_paginated_response(data).data))


def _walk(api_client, url: str, make_queryset) -> list[str]:
    seen, direction = [], "next"
    while url:
        answer = api_client.get(url)
        assert answer.status_code == 200
        assert answer.json() == _reference(url, make_queryset()), url
        seen.append(",".join(item["title"] for item in answer.json()["results"]))
        url = answer.json()[direction]
        if url is None and direction == "next":
            direction, url = "previous", answer.json()["previous"]
    return seen


def test_pages_and_links_are_the_paginators_over_the_queryset(api_client):
    now = timezone.now()
    for i in range(5):
        LiveStreamFactory(title=f"live{i}", status=LiveStream.Status.LIVE, started_at=now)
    for i in range(3):
        LiveStreamFactory(
            title=f"soon{i}", status=LiveStream.Status.SCHEDULED, scheduled_at=now + dt.timedelta(hours=i)
        )
    LiveStreamFactory(title="undated", status=LiveStream.Status.SCHEDULED)
    LiveStreamFactory(title="unlisted", status=LiveStream.Status.LIVE, visibility=LiveStream.Visibility.UNLISTED)

    assert _walk(api_client, f"{STREAMS}?page_size=2", stream_list_live) == [
        "live4,live3", "live2,live1", "live0", "live2,live1", "live4,live3",
    ]  # fmt: skip
    upcoming = _walk(api_client, f"{STREAMS}?status=upcoming&page_size=2", stream_list_upcoming)
    assert upcoming == ["soon2,soon1", "soon0", "soon2,soon1"]


def test_changes_between_two_reads_show_in_the_next(api_client):
    stream = LiveStreamFactory(title="Before", status=LiveStream.Status.LIVE, started_at=timezone.now())

    def titles():
        return [item["title"] for item in api_client.get(STREAMS).json()["results"]]

    assert titles() == ["Before"]
    LiveStream.objects.filter(pk=stream.pk).update(title="After")
    assert titles() == ["After"]
    User.objects.filter(pk=stream.owner_id).update(suspended_until=timezone.now() + dt.timedelta(hours=1))
    assert titles() == []
    User.objects.filter(pk=stream.owner_id).update(suspended_until=None)
    assert titles() == ["After"]
    LiveStream.objects.filter(pk=stream.pk).update(status=LiveStream.Status.ENDED)
    assert titles() == []
    LiveStream.objects.filter(pk=stream.pk).update(status=LiveStream.Status.LIVE)
    assert titles() == ["After"]
    stream.delete()
    assert titles() == []


def test_changes_show_in_the_next_read_once_the_statement_is_prepared(api_client):
    """The list's statement is prepared on the connection (``core.compiled.prepared_cursor``):
    read past psycopg's preparing (5th run) and PostgreSQL's generic plan (6th execution) first."""
    from django.db import connection

    for _ in range(12):
        assert api_client.get(STREAMS).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%streaming_livestream%"]
        )
        assert cursor.fetchone()[0] >= 1
    test_changes_between_two_reads_show_in_the_next(api_client)
