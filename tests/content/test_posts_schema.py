"""The database does the work: GIN indexes on hashtags and the stored tsvector, which Postgres keeps current."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from content.models import Post
from tests.content.post_factories import make_post

pytestmark = pytest.mark.django_db


def test_hashtags_and_search_vector_have_gin_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'content_post'")
        indexes = dict(cursor.fetchall())

    assert "USING gin (hashtags)" in indexes["content_post_hashtags_gin"]
    assert "USING gin (search_vector)" in indexes["content_post_search_gin"]


def test_the_search_vector_is_a_stored_generated_column():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_generated, generation_expression FROM information_schema.columns "
            "WHERE table_name = 'content_post' AND column_name = 'search_vector'"
        )
        is_generated, expression = cursor.fetchone()

    assert is_generated == "ALWAYS"
    assert expression.startswith("to_tsvector('simple'::regconfig")


def test_postgres_fills_the_search_vector_on_update_too():
    post = make_post(text="Quick Brown fox")
    Post.objects.filter(pk=post.pk).update(text="slow green turtle")

    def matches(word):
        return Post.objects.filter(search_vector=SearchQuery(word, config="simple")).count()

    assert (matches("turtle"), matches("fox")) == (1, 0)
