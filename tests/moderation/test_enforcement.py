"""One suspension or ban reaching every domain, each part tested, and lifting it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.models import User
from accounts.services import moderation as account_moderation
from content.models import Post
from core.errors import NotFoundError
from moderation.services.actions import case_act, decision_reverse
from moderation.services.reports import report_create
from social.selectors import feeds
from social.selectors.search import search_all
from social.services.graph import follow_create
from streaming.models import LiveStream, StreamChat
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory
from tests.moderation.conftest import make_chat_line, make_live_stream, moderator_by_permissions, verified


def _suspend(*, reporter, user, moderator, hide_chat=False, action="suspend"):
    case = report_create(reporter=reporter, target_type="user", target_id=user.pk, category="harassment")[0].case
    return case_act(case=case, by=moderator, action=action, reason="Harassment campaign",
                    days=7 if action == "suspend" else None, hide_chat=hide_chat)  # fmt: skip


@pytest.fixture(params=["merge", "scan"])
def home_shape(request, monkeypatch):
    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9 if request.param == "merge" else 0)


@pytest.mark.django_db
def test_a_suspension_ends_the_live_stream_and_cancels_scheduled_ones_and_lifting_leaves_them(
    reporter, author, moderator
):
    live = make_live_stream(author)
    scheduled = make_live_stream(author, status=LiveStream.Status.SCHEDULED, started_at=None,
                                 scheduled_at=timezone.now() + timezone.timedelta(days=1))  # fmt: skip
    someone_elses = make_live_stream(verified())

    decision = _suspend(reporter=reporter, user=author, moderator=moderator)

    live.refresh_from_db()
    scheduled.refresh_from_db()
    assert (live.status, scheduled.status) == ("ended", "ended")
    assert live.ended_reason == "account suspended: Harassment campaign"
    assert LiveStream.objects.get(pk=someone_elses.pk).status == "live"
    assert decision.effects["streams"] == {"ended": [str(live.pk)], "cancelled": [str(scheduled.pk)]}

    decision_reverse(decision=decision, by=moderator, reason="Wrong account")

    assert set(LiveStream.objects.filter(owner=author).values_list("status", flat=True)) == {"ended"}
    author.refresh_from_db()
    assert author.suspended_until is None


@pytest.mark.django_db
def test_hiding_chat_in_bulk_hides_their_lines_everywhere_and_lifting_brings_back_only_those(
    reporter, author, moderator
):
    stream_a, stream_b = make_live_stream(verified()), make_live_stream(verified())
    lines = [make_chat_line(stream_a, author, "one"), make_chat_line(stream_b, author, "two")]
    deleted_by_streamer = make_chat_line(stream_a, author, "three")
    deleted_by_streamer.deleted_at = timezone.now()
    deleted_by_streamer.save()
    bystander = make_chat_line(stream_a, verified(), "hello")

    decision = _suspend(reporter=reporter, user=author, moderator=moderator, hide_chat=True)

    assert decision.effects["chat_history"] == {"hidden": 2}
    assert not StreamChat.objects.filter(pk__in=[line.pk for line in lines]).exists()
    assert StreamChat.objects.filter(pk=bystander.pk).exists()

    decision_reverse(decision=decision, by=moderator, reason="Appeal accepted")

    assert StreamChat.objects.filter(pk__in=[line.pk for line in lines]).count() == 2
    assert not StreamChat.objects.filter(pk=deleted_by_streamer.pk).exists()


@pytest.mark.django_db
def test_a_suspended_accounts_content_leaves_feeds_search_and_trending_and_comes_back(
    reporter, author, moderator, home_shape
):
    follower = verified()
    follow_create(follower=follower, followee=author)
    post = make_post(author, text="zebra crossing #zebratag")
    video = VideoFactory(owner=author, title="zebra documentary")
    from content.services.videos import _search_vector

    type(video).objects.filter(pk=video.pk).update(search_vector=_search_vector())

    def visible():
        home = [item.id for item in feeds.feed_home(user=follower).items]
        hashtag = [item.id for item in feeds.feed_hashtag(tag="zebratag", viewer=follower).items]
        found = search_all(query="zebra", viewer=follower)
        trending = [tag.name for tag in feeds.hashtags_trending()]
        return {
            "home": post.pk in home and video.pk in home,
            "hashtag": post.pk in hashtag,
            "search_posts": post.pk in [p.pk for p in found["posts"]],
            "search_videos": video.pk in [v.pk for v in found["videos"]],
            "search_users": author.pk in [u.pk for u in search_all(query="author", viewer=follower)["users"]],
            "trending": "zebratag" in trending,
        }

    assert set(visible().values()) == {True}
    decision = _suspend(reporter=reporter, user=author, moderator=moderator)

    assert set(visible().values()) == {False}
    with pytest.raises(NotFoundError):
        feeds.feed_profile(handle="author", viewer=follower)

    decision_reverse(decision=decision, by=moderator, reason="Lifted")

    assert set(visible().values()) == {True}
    assert post.pk in [item.id for item in feeds.feed_profile(handle="author", viewer=follower).items]


@pytest.mark.django_db
def test_a_ban_made_in_accounts_own_api_reaches_the_streams_too(author, moderator):
    live = make_live_stream(author)

    account_moderation.user_ban(user=author, by=moderator, reason="Fraud")

    assert LiveStream.objects.get(pk=live.pk).status == "ended"
    assert Post.objects.count() == 0  # nothing else touched


def _session_cookie(user) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _socket(path, user):
    from config.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"cookie", await database_sync_to_async(_session_cookie)(user))]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _closed_with(communicator) -> int:
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_suspension_closes_the_accounts_chat_and_notification_sockets(settings):
    settings.STREAMING_METRICS_INTERVAL = 60

    db = database_sync_to_async
    author = await db(verified)(handle="author")
    reporter = await db(verified)(handle="reporter")
    moderator = await db(moderator_by_permissions)(handle="mod")
    stream = await db(make_live_stream)(await db(verified)())
    bystander = await db(verified)()

    notifications = await _socket("/ws/notifications/", author)
    assert (await notifications.receive_json_from(timeout=5))["type"] == "unread_count"
    chat = await _socket(f"/ws/streams/{stream.pk}/chat/", author)
    assert (await chat.receive_json_from(timeout=5))["type"] == "welcome"
    others = await _socket("/ws/notifications/", bystander)
    assert (await others.receive_json_from(timeout=5))["type"] == "unread_count"

    await db(lambda: _suspend(reporter=reporter, user=User.objects.get(pk=author.pk), moderator=moderator))()

    error = await notifications.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "account_suspended")
    assert await _closed_with(notifications) == 4409
    while (message := await chat.receive_json_from(timeout=5))["type"] != "error":
        pass
    assert message["code"] == "account_suspended"
    assert await _closed_with(chat) == 4409
    assert await others.receive_nothing(timeout=0.3)
    await others.disconnect()


@pytest.mark.django_db
def test_a_suspension_that_runs_out_releases_what_it_held_once(reporter, author, moderator):
    from accounts.models import ModerationAction
    from moderation.services.enforcement import suspensions_ended_release

    line = make_chat_line(make_live_stream(verified()), author, "hidden while suspended")
    decision = _suspend(reporter=reporter, user=author, moderator=moderator, hide_chat=True)
    assert suspensions_ended_release() == 0  # still running
    past = timezone.now() - timezone.timedelta(minutes=1)
    ModerationAction.objects.filter(pk=decision.account_action_id).update(ends_at=past)
    User.objects.filter(pk=author.pk).update(suspended_until=past)

    assert suspensions_ended_release() == 1
    assert suspensions_ended_release() == 0

    assert StreamChat.objects.filter(pk=line.pk).exists()
    decision.refresh_from_db()
    assert decision.released_at is not None
    assert decision.reversed_at is None
