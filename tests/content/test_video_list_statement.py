"""The public video list reads each page by a statement compiled once per shape
(``content.selectors.videos.video_page_public``, ``core.pagination.PageSource``), while DRF's
cursor paginator still decodes the cursor and makes the links. Its pages, links included, are
the ones the paginator makes over the queryset (``video_list_public``), and nothing is kept
between requests but the statement: an edit, a block, a moderation removal, a suspension or a
deletion made between two reads shows in the next one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import User
from content.api.video_serializers import VideoSerializer
from content.models import Video
from content.selectors.videos import video_list_public, video_page_public
from core.pagination import CursorPagination
from social.models import Block
from tests.content.video_factories import VerifiedUserFactory, VideoFactory

pytestmark = pytest.mark.django_db
VIDEOS = "/api/v1/videos/"


def _reference(url: str, *, user, owner_id=None, tag=None) -> dict:
    """The page as DRF's paginator makes it over the queryset (the code path before the statement)."""
    request = Request(APIRequestFactory().get(url))
    paginator = CursorPagination()
    queryset = video_list_public(owner_id=owner_id, tag=tag, user=user)
    page = paginator.paginate_queryset(queryset, request)
    data = paginator.get_paginated_response(VideoSerializer(page, many=True, context={"request": request}).data).data
    return json.loads(JSONRenderer().render(data))


def _walk(api_client, url: str, *, user, owner_id=None, tag=None) -> list[str]:
    """Follow ``next`` to the end, then ``previous`` back to the start, comparing every page."""
    seen = []
    direction = "next"
    while url:
        api_client.force_authenticate(User.objects.get(pk=user.pk) if user is not None else None)
        answer = api_client.get(url)
        assert answer.status_code == 200
        assert answer.json() == _reference(url, user=user, owner_id=owner_id, tag=tag), url
        seen.append(",".join(item["title"] for item in answer.json()["results"]))
        url = answer.json()[direction]
        if url is None and direction == "next":
            direction = "previous"
            url = answer.json()["previous"]
    return seen


def test_pages_and_links_are_the_paginators_over_the_queryset(api_client):
    owner, other, viewer = VerifiedUserFactory(), VerifiedUserFactory(), VerifiedUserFactory()
    for i in range(7):
        VideoFactory(owner=owner if i % 2 else other, title=f"v{i}", tags=["music"] if i % 3 else ["talk"])
    VideoFactory(owner=owner, title="later", visibility=Video.Visibility.SCHEDULED,
                 publish_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    Block.objects.create(blocker=viewer, blocked=other)

    walk = _walk(api_client, f"{VIDEOS}?page_size=2", user=None)
    assert walk[:4] == ["v6,v5", "v4,v3", "v2,v1", "v0"]
    assert walk[3:] == ["v0", "v2,v1", "v4,v3", "v6,v5"]
    assert _walk(api_client, f"{VIDEOS}?page_size=2", user=viewer)[:2] == ["v5,v3", "v1"]
    assert _walk(api_client, f"{VIDEOS}?page_size=3&tag=%23Music", user=None, tag="#Music")[:2] == ["v5,v4,v2", "v1"]
    owned = f"{VIDEOS}?page_size=1&owner={owner.pk}"
    assert _walk(api_client, owned, user=None, owner_id=str(owner.pk))[:3] == ["v5", "v3", "v1"]


def test_changes_between_two_reads_show_in_the_next(api_client):
    video = VideoFactory(title="Before")
    viewer = VerifiedUserFactory()

    def titles(user=viewer):
        api_client.force_authenticate(User.objects.get(pk=user.pk) if user else None)
        return [item["title"] for item in api_client.get(VIDEOS).json()["results"]]

    assert titles() == ["Before"]
    Video.objects.filter(pk=video.pk).update(title="After")
    assert titles() == ["After"]

    Block.objects.create(blocker=video.owner, blocked=viewer)
    assert titles() == []
    assert titles(user=None) == ["After"]
    Block.objects.filter(blocker=video.owner, blocked=viewer).delete()
    assert titles() == ["After"]

    User.objects.filter(pk=video.owner_id).update(suspended_until=timezone.now() + dt.timedelta(hours=1))
    assert titles() == []
    User.objects.filter(pk=video.owner_id).update(suspended_until=timezone.now() - dt.timedelta(seconds=1))
    assert titles() == ["After"]

    Video.objects.filter(pk=video.pk).update(moderation_status=Video.Moderation.REMOVED)
    assert titles() == []
    Video.objects.filter(pk=video.pk).update(moderation_status=Video.Moderation.VISIBLE, deleted_at=timezone.now())
    assert titles() == []


def test_malformed_owner_and_cursor_positions_fail_as_the_queryset_did():
    with pytest.raises(ValidationError):
        video_list_public(owner_id="not-a-uuid")
    with pytest.raises(ValidationError):
        video_page_public(owner_id="not-a-uuid")
    with pytest.raises(ValidationError):
        video_list_public().filter(id__lt="not-a-uuid")
    with pytest.raises(ValidationError):
        video_page_public().order_by("-id").filter(id__lt="not-a-uuid")[0:21]


def test_a_page_compiles_no_sql_once_its_shape_was_read(api_client, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    VideoFactory(title="One")
    assert api_client.get(f"{VIDEOS}?page_size=5").status_code == 200
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k))
    answer = api_client.get(f"{VIDEOS}?page_size=7")
    assert [item["title"] for item in answer.json()["results"]] == ["One"]
    assert compiled == []
