from base64 import b64encode

import pytest
from django.urls import include, path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from accounts.models import User
from tests.factories import UserFactory


class HandleSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["handle"]


class HandleList(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = HandleSerializer
    queryset = User.objects.all()


urlpatterns = [path("api/v1/handles/", HandleList.as_view()), path("", include("config.urls"))]
pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_pagination")]


def walk(client, url):
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([item["handle"] for item in body["results"]])
        url = body["next"]
    return pages


def test_cursor_pages_run_newest_first_without_gaps_or_repeats(api_client):
    handles = [UserFactory().handle for _ in range(45)]

    pages = walk(api_client, "/api/v1/handles/")

    assert [len(page) for page in pages] == [20, 20, 5]
    assert [handle for page in pages for handle in page] == handles[::-1]


def test_rows_added_while_paging_do_not_shift_pages(api_client):
    handles = [UserFactory().handle for _ in range(30)]
    first = api_client.get("/api/v1/handles/").json()

    UserFactory.create_batch(5)
    second = api_client.get(first["next"]).json()

    assert [item["handle"] for item in second["results"]] == handles[:10][::-1]


def test_page_size_is_capped(api_client):
    UserFactory.create_batch(105)

    body = api_client.get("/api/v1/handles/?page_size=1000").json()

    assert len(body["results"]) == 100


INVALID_CURSOR = {"code": "invalid_cursor", "detail": "This cursor is not one the API gave out.", "attr": None}


def test_a_garbled_cursor_is_400_invalid_cursor_as_on_the_feeds(api_client):
    response = api_client.get("/api/v1/handles/?cursor=garbage")

    assert response.status_code == 400
    assert response.json()["errors"] == [INVALID_CURSOR]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/handles/",  # a plain ORM list
        "/api/v1/videos/",  # a compiled page (core.pagination.CompiledPages)
        "/api/v1/streams/",
        "/api/v1/notifications/",  # ordered by its time column, not the id
    ],
)
def test_a_cursor_naming_a_position_of_the_wrong_type_is_400_invalid_cursor(api_client, url):
    """A cursor that decodes but whose position is not a value of the ordering's column ("p=xyz")."""
    api_client.force_authenticate(UserFactory())
    response = api_client.get(url, {"cursor": b64encode(b"p=xyz").decode()})

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [INVALID_CURSOR]


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_query_count_does_not_grow_with_page_size(api_client, django_assert_num_queries, page_size):
    UserFactory.create_batch(60)

    with django_assert_num_queries(1):
        api_client.get(f"/api/v1/handles/?page_size={page_size}")
