"""A suspended or banned account's content by direct link, and reposts of it in feeds.

While the account is out of standing its posts, videos (page and HLS), comments, streams (page,
HLS and chat) and profile answer 404 with the endpoint's own not-found code to everyone but the
account and moderators; reposts by it and of its posts leave the home, hashtag and profile
feeds; all of it comes back when the suspension is lifted.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from content.selectors.posts import can_view
from content.services.posts import PostContent, post_quote, post_repost
from moderation.services.actions import case_act, decision_reverse
from moderation.services.reports import report_create
from social.selectors import feeds
from social.services.graph import follow_create
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory, video_root, with_files  # noqa: F401
from tests.moderation.conftest import code_of, make_comment, make_live_stream, verified


def _suspend(*, reporter, user, moderator, action="suspend"):
    case = report_create(reporter=reporter, target_type="user", target_id=user.pk, category="harassment")[0].case
    return case_act(case=case, by=moderator, action=action, reason="Harassment campaign",
                    days=7 if action == "suspend" else None)  # fmt: skip


@pytest.fixture
def stream_files(settings, tmp_path):
    settings.STREAM_ROOT = tmp_path / "streams"

    def write(stream):
        folder = settings.STREAM_ROOT / str(stream.pk)
        folder.mkdir(parents=True)
        (folder / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n")
        return stream

    return write


@pytest.mark.django_db
@pytest.mark.usefixtures("video_root")
@pytest.mark.parametrize("action", ["suspend", "ban"])
def test_every_direct_link_to_the_accounts_content_is_404_to_others_and_comes_back_when_lifted(
    reporter,
    author,
    moderator,
    client_of,
    stream_files,
    action,
):
    bystander = verified(handle="bystander")
    post = make_post(author, text="my words")
    on_someone_elses = make_post(bystander, text="a bystander's post")
    comment = make_comment(author, on_someone_elses, text="my comment")
    video = with_files(VideoFactory(owner=author))
    stream = stream_files(make_live_stream(author))
    urls = {
        f"/api/v1/posts/{post.pk}/": "post_not_found",
        f"/api/v1/posts/{post.pk}/revisions/": "post_not_found",
        f"/api/v1/posts/{post.pk}/comments/": "post_not_found",
        f"/api/v1/comments/{comment.pk}/": "comment_not_found",
        f"/api/v1/comments/{comment.pk}/replies/": "comment_not_found",
        f"/api/v1/videos/{video.pk}/": "not_found",
        f"/api/v1/videos/{video.pk}/media/master.m3u8": "not_found",
        f"/api/v1/videos/{video.pk}/media/240p.m3u8": "not_found",
        f"/api/v1/videos/{video.pk}/comments/": "not_found",
        f"/api/v1/streams/{stream.pk}/": "not_found",
        f"/api/v1/streams/{stream.pk}/media/index.m3u8": "not_found",
        "/api/v1/accounts/author/": "not_found",
        "/api/v1/feed/users/author/": "user_not_found",
    }
    visitor, signed_in, mod = APIClient(), client_of(bystander), client_of(moderator)

    def answers(client):
        return {url: client.get(url).status_code for url in urls}

    assert set(answers(visitor).values()) == {200}
    decision = _suspend(reporter=reporter, user=author, moderator=moderator, action=action)

    for client in (visitor, signed_in):
        for url, code in urls.items():
            response = client.get(url)
            assert (response.status_code, code_of(response)) == (404, code), url
    # Moderators still see everything (to review reports and appeals); the profile feed is a feed,
    # and a banned account's public profile is 404 to everyone (accounts' rule, older than this).
    seen_by_mod = answers(mod)
    assert seen_by_mod.pop("/api/v1/feed/users/author/") == 404
    assert seen_by_mod.pop("/api/v1/accounts/author/") == (200 if action == "suspend" else 404)
    assert set(seen_by_mod.values()) == {200}
    # The author still sees their own (once they can sign in again: their sessions were revoked).
    author.refresh_from_db()
    assert can_view(post=post, user=author) is True
    assert can_view(post=post, user=bystander) is False
    # The comment stays in its thread as a tombstone without author or text.
    thread = signed_in.get(f"/api/v1/posts/{on_someone_elses.pk}/comments/").json()["results"]
    assert [(c["id"], c["state"], c["text"], c["author"]) for c in thread] == [(str(comment.pk), "hidden", "", None)]

    decision_reverse(decision=decision, by=moderator, reason="Lifted on appeal")

    assert set(answers(visitor).values()) == {200}
    thread = signed_in.get(f"/api/v1/posts/{on_someone_elses.pk}/comments/").json()["results"]
    assert [(c["state"], c["text"]) for c in thread] == [("visible", "my comment")]


@pytest.mark.django_db
def test_the_chat_of_a_suspended_accounts_stream_and_its_listings_are_gone(reporter, author, moderator, client_of):
    from streaming.selectors.streams import stream_list_of_owner

    stream = make_live_stream(author)
    bystander = verified(handle="bystander")
    assert list(stream_list_of_owner(owner_id=author.pk, viewer=bystander)) == [stream]

    decision = _suspend(reporter=reporter, user=author, moderator=moderator)

    assert list(stream_list_of_owner(owner_id=author.pk, viewer=bystander)) == []
    response = client_of(bystander).post(f"/api/v1/streams/{stream.pk}/reminder/")
    assert (response.status_code, code_of(response)) == (404, "not_found")

    decision_reverse(decision=decision, by=moderator, reason="Lifted")

    assert list(stream_list_of_owner(owner_id=author.pk, viewer=bystander)) == [stream]


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["merge", "scan"])
def test_reposts_by_and_of_a_suspended_account_leave_home_hashtag_and_profile_feeds(
    reporter, author, moderator, monkeypatch, shape
):
    monkeypatch.setattr(feeds, "HOME_SCAN_MIN_FOLLOWING", 10**9 if shape == "merge" else 0)
    reader = verified(handle="reader")
    friend = verified(handle="friend")
    follow_create(follower=reader, followee=friend)
    follow_create(follower=reader, followee=author)
    their_post = make_post(author, text="original words #waves")
    friends_post = make_post(friend, text="friend's words")
    repost_of_theirs = post_repost(user=friend, post=their_post)
    quote_of_theirs, _ = post_quote(user=friend, post=their_post, content=PostContent(text="look at this #waves"))
    their_repost = post_repost(user=author, post=friends_post)

    def seen():
        home = {item.id for item in feeds.feed_home(user=reader).items}
        hashtag = {item.id for item in feeds.feed_hashtag(tag="waves", viewer=reader).items}
        friends_profile = {item.id for item in feeds.feed_profile(handle="friend", viewer=reader).items}
        return {
            "home": home & {their_post.pk, repost_of_theirs.pk, quote_of_theirs.pk, their_repost.pk},
            "hashtag": hashtag & {their_post.pk, quote_of_theirs.pk},
            "friends_profile": friends_profile & {repost_of_theirs.pk, quote_of_theirs.pk},
        }

    before = seen()
    assert before == {
        "home": {their_post.pk, repost_of_theirs.pk, quote_of_theirs.pk, their_repost.pk},
        "hashtag": {their_post.pk, quote_of_theirs.pk},
        "friends_profile": {repost_of_theirs.pk, quote_of_theirs.pk},
    }
    decision = _suspend(reporter=reporter, user=author, moderator=moderator)

    assert seen() == {"home": set(), "hashtag": set(), "friends_profile": set()}
    # The friend's own post stays everywhere; the suspended account's profile feed is 404.
    assert friends_post.pk in {item.id for item in feeds.feed_home(user=reader).items}
    assert friends_post.pk in {item.id for item in feeds.feed_profile(handle="friend", viewer=reader).items}
    # A repost found by direct link shows its original as gone.
    body = APIClient().get(f"/api/v1/posts/{quote_of_theirs.pk}/").json()
    assert (body["original"], body["original_gone"]) == (None, True)

    decision_reverse(decision=decision, by=moderator, reason="Lifted")

    assert seen() == before


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_chat_socket_of_a_suspended_accounts_stream_closes_as_not_found(settings):
    from channels.db import database_sync_to_async as db
    from django.utils import timezone

    from accounts.models import User
    from tests.streaming.helpers import closed_with, connect

    settings.STREAMING_METRICS_INTERVAL = 60
    owner, stranger = await db(lambda: [verified(handle="owner"), verified(handle="stranger")])()
    stream = await db(make_live_stream)(owner, status="ended", ended_at=timezone.now())
    await db(lambda: User.objects.filter(pk=owner.pk).update(suspended_until=timezone.now() + timezone.timedelta(1)))()

    refused = await connect(stream, stranger)
    assert (await refused.receive_json_from(timeout=5))["code"] == "not_found"
    assert await closed_with(refused) == 4404

    await db(lambda: User.objects.filter(pk=owner.pk).update(suspended_until=None))()
    welcomed = await connect(stream, stranger)
    assert (await welcomed.receive_json_from(timeout=5))["type"] == "welcome"
    await welcomed.disconnect()


@pytest.mark.django_db
def test_saves_of_a_suspended_accounts_posts_and_videos_leave_the_saves_list(reporter, author, moderator):
    from social.selectors.saves import saves_of_user
    from social.services.likes import save

    reader = verified(handle="reader")
    theirs, others = make_post(author), make_post(verified(handle="other"))
    video = VideoFactory(owner=author)
    for target in (theirs, others, video):
        save(user=reader, content=target)

    def saved():
        return {save.post_id or save.video_id for save in saves_of_user(user=reader)}

    assert saved() == {theirs.pk, others.pk, video.pk}
    decision = _suspend(reporter=reporter, user=author, moderator=moderator)
    assert saved() == {others.pk}
    decision_reverse(decision=decision, by=moderator, reason="Lifted")
    assert saved() == {theirs.pk, others.pk, video.pk}
