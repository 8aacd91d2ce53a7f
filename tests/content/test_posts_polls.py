"""Polls: 2 to 4 options, single or multiple choice, one vote per user (a database constraint,
also under concurrent requests), results hidden until you vote or the poll ends, no late votes."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from content.models import Poll, PollOption, PollVote
from content.services import posts as services
from core.errors import ConflictError
from tests.content.post_factories import VerifiedUserFactory, make_poll_post

POSTS = "/api/v1/posts/"


def error(response):
    return response.json()["errors"][0]


def vote_url(post):
    return f"{POSTS}{post.pk}/poll/vote/"


def options(post):
    return list(PollOption.objects.filter(poll__post=post).order_by("position"))


@pytest.mark.django_db
def test_results_are_hidden_until_you_vote(api_client):
    author, voter, watcher = VerifiedUserFactory(), VerifiedUserFactory(), VerifiedUserFactory()
    post = make_poll_post(author)
    fox, _owl = options(post)
    api_client.force_authenticate(voter)

    response = api_client.post(vote_url(post), {"options": [str(fox.pk)]})

    assert response.status_code == 200
    assert response.json()["results_visible"] is True
    assert response.json()["own_vote"] == [str(fox.pk)]
    assert [o["votes_count"] for o in response.json()["options"]] == [1, 0]
    assert response.json()["voters_count"] == 1
    api_client.force_authenticate(watcher)
    poll = api_client.get(f"{POSTS}{post.pk}/").json()["poll"]
    assert (poll["results_visible"], poll["voters_count"], poll["own_vote"]) == (False, None, None)
    assert [o["votes_count"] for o in poll["options"]] == [None, None]
    api_client.force_authenticate(None)
    assert api_client.get(f"{POSTS}{post.pk}/").json()["poll"]["results_visible"] is False


@pytest.mark.django_db
def test_results_are_shown_to_everyone_once_the_poll_ended(api_client):
    post = make_poll_post()
    fox, _owl = options(post)
    services.poll_vote(post=post, user=VerifiedUserFactory(), option_ids=[fox.pk])
    Poll.objects.filter(post=post).update(ends_at=timezone.now() - dt.timedelta(seconds=1))

    poll = api_client.get(f"{POSTS}{post.pk}/").json()["poll"]

    assert (poll["ended"], poll["results_visible"], poll["voters_count"]) == (True, True, 1)
    assert [o["votes_count"] for o in poll["options"]] == [1, 0]


@pytest.mark.django_db
def test_no_votes_after_the_end(api_client):
    post = make_poll_post()
    fox, _owl = options(post)
    Poll.objects.filter(post=post).update(ends_at=timezone.now() - dt.timedelta(seconds=1))
    api_client.force_authenticate(VerifiedUserFactory())

    response = api_client.post(vote_url(post), {"options": [str(fox.pk)]})

    assert (response.status_code, error(response)["code"]) == (409, "poll_closed")
    assert PollVote.objects.count() == 0


@pytest.mark.django_db
def test_a_second_vote_is_refused(api_client):
    post = make_poll_post()
    fox, owl = options(post)
    api_client.force_authenticate(VerifiedUserFactory())
    api_client.post(vote_url(post), {"options": [str(fox.pk)]})

    response = api_client.post(vote_url(post), {"options": [str(owl.pk)]})

    assert (response.status_code, error(response)["code"]) == (409, "already_voted")
    assert [o.votes_count for o in options(post)] == [1, 0]


@pytest.mark.django_db
def test_the_author_votes_like_anybody(api_client):
    author = VerifiedUserFactory()
    post = make_poll_post(author)
    api_client.force_authenticate(author)

    response = api_client.post(vote_url(post), {"options": [str(options(post)[1].pk)]})

    assert response.status_code == 200


@pytest.mark.django_db
def test_single_choice_takes_one_option_multiple_choice_several(api_client):
    single = make_poll_post()
    multiple = make_poll_post(options=("a", "b", "c"), multiple_choice=True)
    api_client.force_authenticate(VerifiedUserFactory())

    refused = api_client.post(vote_url(single), {"options": [str(o.pk) for o in options(single)]})
    accepted = api_client.post(vote_url(multiple), {"options": [str(o.pk) for o in options(multiple)[:2]]})

    assert (refused.status_code, error(refused)["attr"], error(refused)["code"]) == (400, "options", "single_choice")
    assert accepted.status_code == 200
    assert [o["votes_count"] for o in accepted.json()["options"]] == [1, 1, 0]
    assert accepted.json()["voters_count"] == 1


@pytest.mark.django_db
def test_bad_votes(api_client):
    post = make_poll_post()
    other_post = make_poll_post()
    no_poll = services.post_create(author=VerifiedUserFactory(), content=services.PostContent(text="x"))[0]
    api_client.force_authenticate(VerifiedUserFactory())

    foreign = api_client.post(vote_url(post), {"options": [str(options(other_post)[0].pk)]})
    empty = api_client.post(vote_url(post), {"options": []})
    garbage = api_client.post(vote_url(post), {"options": ["nope"]})
    missing = api_client.post(vote_url(no_poll), {"options": [str(options(post)[0].pk)]})

    assert (foreign.status_code, error(foreign)["code"]) == (400, "invalid_option")
    assert (empty.status_code, error(empty)["code"]) == (400, "min_length")
    assert (garbage.status_code, error(garbage)["code"]) == (400, "invalid")
    assert (missing.status_code, error(missing)["code"]) == (404, "no_poll")


@pytest.mark.django_db
def test_anonymous_cannot_vote(api_client):
    post = make_poll_post()

    response = api_client.post(vote_url(post), {"options": [str(options(post)[0].pk)]})

    assert response.status_code == 401


@pytest.mark.django_db
def test_a_mentioned_only_poll_takes_votes_from_mentioned_users_only(api_client):
    author = VerifiedUserFactory()
    mentioned, other = VerifiedUserFactory(handle="carol"), VerifiedUserFactory()
    ends_at = timezone.now() + dt.timedelta(days=1)
    post, _ = services.post_create(
        author=author,
        content=services.PostContent(
            text="@carol pick", visibility="mentioned", poll=services.PollSpec(options=["a", "b"], ends_at=ends_at)
        ),
    )
    option = str(options(post)[0].pk)

    api_client.force_authenticate(other)
    assert api_client.post(vote_url(post), {"options": [option]}).status_code == 404
    api_client.force_authenticate(mentioned)
    assert api_client.post(vote_url(post), {"options": [option]}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("labels", "ends_in", "attr", "code"),
    [
        (["only one"], dt.timedelta(days=1), "poll_options", "poll_option_count"),
        (["a", "b", "c", "d", "e"], dt.timedelta(days=1), "poll_options", "max_length"),
        (["same", "SAME"], dt.timedelta(days=1), "poll_options", "poll_option_duplicate"),
        (["a", "b"], dt.timedelta(minutes=1), "poll_ends_at", "poll_ends_at"),
        (["a", "b"], dt.timedelta(days=31), "poll_ends_at", "poll_ends_at"),
    ],
)
def test_poll_rules_on_create(api_client, labels, ends_in, attr, code):
    api_client.force_authenticate(VerifiedUserFactory())

    response = api_client.post(
        POSTS, {"text": "poll", "poll_options": labels, "poll_ends_at": (timezone.now() + ends_in).isoformat()}
    )

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == (attr, code)


@pytest.mark.django_db
def test_the_database_refuses_a_second_vote_row():
    post = make_poll_post()
    voter = VerifiedUserFactory()
    poll = Poll.objects.get(post=post)
    PollVote.objects.create(poll=poll, user=voter, option_ids=[options(post)[0].pk])

    with pytest.raises(IntegrityError):
        PollVote.objects.create(poll=poll, user=voter, option_ids=[options(post)[1].pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_votes_count_once():
    post = make_poll_post(options=("a", "b", "c"), multiple_choice=True)
    voter = VerifiedUserFactory()
    fox, owl, _ = options(post)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def vote(option):
        try:
            barrier.wait(timeout=10)
            services.poll_vote(post=post, user=voter, option_ids=[option.pk])
            outcomes.append("ok")
        except ConflictError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(option,)) for option in (fox, owl, fox, owl)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already_voted", "already_voted", "already_voted", "ok"]
    assert PollVote.objects.filter(user=voter).count() == 1
    assert sum(o.votes_count for o in options(post)) == 1
    assert Poll.objects.get(post=post).voters_count == 1
