"""One post is read with everything it renders by one statement compiled once
(``content.selectors.post_render.PAGE_POSTS``, as the feeds' pages read theirs), not by the
ORM's query and prefetches compiled per request. Its answer is the one the prefetched post
renders, and nothing is kept between requests: an edit, a vote, a block, a removal or a
deletion made between two reads shows in the next one."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.models import User
from content.api.post_serializers import PostSerializer
from content.models import Post
from content.selectors.posts import _with_related
from content.services import posts as services
from social.models import Block
from tests.content.post_factories import VerifiedUserFactory, make_poll_post, make_post

pytestmark = pytest.mark.django_db


def _url(post) -> str:
    return f"/api/v1/posts/{post.pk}/"


def _prefetched_answer(post, user) -> dict:
    """The post as the ORM's query with its prefetches renders it (the code path before)."""
    django_request = APIRequestFactory().get(_url(post))
    force_authenticate(django_request, user=user)
    request = Request(django_request)
    request.user = user
    loaded = _with_related(Post.objects.filter(pk=post.pk).order_by(), user=user).get()
    return json.loads(JSONRenderer().render(PostSerializer(loaded, context={"request": request}).data))


def test_the_answer_is_the_prefetched_posts(api_client):
    author, other = VerifiedUserFactory(handle="ana"), VerifiedUserFactory(handle="bob")
    viewer = VerifiedUserFactory(handle="carol")
    plain = make_post(author, text="Hello @carol and @bob #tag")
    poll = make_poll_post(other, options=("Fox", "Owl", "Cat"))
    services.poll_vote(post=poll, user=viewer, option_ids=[poll.poll.options.order_by("position")[1].pk])
    repost = services.post_repost(user=author, post=poll)
    quote, _created = services.post_quote(user=author, post=plain, content=services.PostContent(text="quoting @carol"))
    for post in (plain, poll, repost, quote):
        for user in (viewer, None):
            api_client.force_authenticate(User.objects.get(pk=user.pk) if user else None)
            answer = api_client.get(_url(post))
            assert answer.status_code == 200
            assert answer.json() == _prefetched_answer(post, User.objects.get(pk=user.pk) if user else None)
    api_client.force_authenticate(User.objects.get(pk=viewer.pk))
    assert api_client.get(_url(repost)).json()["original"]["poll"]["own_vote"] is not None


def test_one_query_for_the_post_and_what_it_renders(api_client, django_assert_num_queries):
    post = make_poll_post(VerifiedUserFactory())
    with django_assert_num_queries(1):
        assert api_client.get(_url(post)).status_code == 200


def test_changes_between_two_reads_show_in_the_next(api_client):
    author, viewer = VerifiedUserFactory(), VerifiedUserFactory()
    post = make_poll_post(author)

    def get():
        api_client.force_authenticate(User.objects.get(pk=viewer.pk))
        return api_client.get(_url(post))

    assert get().json()["text"] == "Which one?"
    Post.objects.filter(pk=post.pk).update(text="Edited")
    assert get().json()["text"] == "Edited"
    option = post.poll.options.order_by("position")[0]
    services.poll_vote(post=post, user=viewer, option_ids=[option.pk])
    assert get().json()["poll"]["own_vote"] == [str(option.pk)]

    Block.objects.create(blocker=author, blocked=viewer)
    assert get().status_code == 404
    Block.objects.filter(blocker=author, blocked=viewer).delete()
    assert get().status_code == 200
    Post.objects.filter(pk=post.pk).update(moderation_status=Post.ModerationStatus.REMOVED)
    assert get().status_code == 404
    Post.objects.filter(pk=post.pk).update(moderation_status=Post.ModerationStatus.VISIBLE, deleted_at=timezone.now())
    assert get().status_code == 404


def test_a_malformed_id_is_refused_as_before():
    from django.core.exceptions import ValidationError

    from content.selectors.posts import post_get

    with pytest.raises(ValidationError):
        post_get(post_id="not-a-uuid", user=None)
