"""Rules enforced by the post services beyond the API: moderation, counters, idempotency races."""

import threading

import pytest
from django.db import connection

from content.models import Hashtag, Post
from content.services import posts as services
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import with_role


@pytest.fixture
def moderator(db):
    return with_role(VerifiedUserFactory(), "moderator")


@pytest.mark.django_db
def test_moderation_transitions_with_reason_and_moderator(moderator):
    post = make_post(text="#topic")

    limited = services.post_moderate(post=post, status="limited", reason="borderline", by=moderator)
    removed = services.post_moderate(post=post, status="removed", reason="spam", by=moderator)

    assert (limited.moderation_status, removed.moderation_status) == ("limited", "removed")
    post.refresh_from_db()
    assert (post.moderation_reason, post.moderated_by, post.moderated_at is not None) == ("spam", moderator, True)
    assert Hashtag.objects.get(name="topic").usage_count == 0
    services.post_moderate(post=post, status="visible", reason="appeal accepted", by=moderator)
    assert Hashtag.objects.get(name="topic").usage_count == 1


@pytest.mark.django_db
def test_moderation_rules(moderator):
    post = make_post()

    with pytest.raises(PermissionDeniedError):
        services.post_moderate(post=post, status="removed", reason="x", by=VerifiedUserFactory())
    with pytest.raises(ApplicationError) as no_reason:
        services.post_moderate(post=post, status="removed", reason=" ", by=moderator)
    with pytest.raises(ConflictError) as same:
        services.post_moderate(post=post, status="visible", reason="x", by=moderator)
    assert (no_reason.value.code, same.value.code) == ("reason_required", "invalid_transition")


@pytest.mark.django_db
def test_the_database_refuses_a_repost_with_text():
    original = make_post()

    with pytest.raises(Exception, match="content_post_kind_shape"):
        Post.objects.create(author=VerifiedUserFactory(), kind="repost", original=original, text="no")


@pytest.mark.django_db
def test_mentions_of_unknown_handles_stay_text_and_known_ones_resolve_case_insensitively():
    ana = VerifiedUserFactory(handle="Ana_B")

    post = make_post(text="hey @ana_b and @ghost_user")

    assert list(post.mentions.all()) == [ana]
    assert post.text == "hey @ana_b and @ghost_user"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_idempotency_key_make_one_post():
    author = VerifiedUserFactory()
    barrier = threading.Barrier(3)
    results = []

    def create():
        try:
            barrier.wait(timeout=10)
            post, created = services.post_create(
                author=author, content=services.PostContent(text="#once"), idempotency_key="same"
            )
            results.append((post.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    assert Post.objects.count() == 1
    assert Hashtag.objects.get(name="once").usage_count == 1


@pytest.mark.django_db
def test_the_profile_posts_count_follows_posts_and_quotes_not_reposts():
    author = VerifiedUserFactory()
    original = make_post(author)
    quote, _ = services.post_quote(user=author, post=original, content=services.PostContent(text="q"))
    services.post_repost(user=author, post=original)
    author.refresh_from_db()
    assert author.posts_count == 2

    services.post_delete(post=quote, by=author)

    author.refresh_from_db()
    assert author.posts_count == 1
