"""Moderators in the admin: read chat logs per stream, delete with a reason, ban and unban from a
streamer's chats, read the moderation log. Users without the role see nothing."""

import pytest

from streaming.models import ChatBan, ChatModerationLog, StreamChat
from tests.clients import verified_client
from tests.factories import UserFactory, with_role
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db

CHAT = "/admin/streaming/streamchat/"
BANS = "/admin/streaming/chatban/"
LOG = "/admin/streaming/chatmoderationlog/"


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_one"), "moderator")


def listed(response):
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_chat_logs_per_stream_and_search(moderator):
    owner, alice = verified_user(), verified_user(handle="alice_chat")
    stream, other = make_stream(owner), make_stream(verified_user())
    first = StreamChat.objects.create(stream=stream, sender=alice, text="hello there")
    second = StreamChat.objects.create(stream=other, sender=owner, text="elsewhere")
    gone = StreamChat.objects.create(stream=stream, sender=alice, text="deleted one")
    gone.delete()
    client = verified_client(moderator)

    assert listed(client.get(CHAT)) == {first.pk, second.pk, gone.pk}
    assert listed(client.get(CHAT, {"stream__id__exact": str(stream.pk)})) == {first.pk, gone.pk}
    assert listed(client.get(CHAT, {"q": "alice_chat", "deleted": "no"})) == {first.pk}
    assert client.get(f"{CHAT}{first.pk}/change/").status_code == 200


def test_delete_with_a_reason(moderator):
    stream = make_stream(verified_user())
    message = StreamChat.objects.create(stream=stream, sender=verified_user(), text="spam link")
    client = verified_client(moderator)
    selection = {"action": "delete_with_reason", "_selected_action": [str(message.pk)]}

    assert client.post(CHAT, selection).template_name == "admin/core/reason_form.html"
    assert client.post(CHAT, {**selection, "apply": "1", "reason": "Spam"}).status_code == 302

    message = StreamChat.all_objects.get(pk=message.pk)
    assert (message.deleted_by_id, message.deleted_reason) == (moderator.pk, "Spam")
    assert ChatModerationLog.objects.get().action == "delete"


def test_ban_and_unban_from_a_streamers_chats(moderator):
    verified_user(handle="streamer_x")
    troll = verified_user(handle="troll_y")
    client = verified_client(moderator)

    response = client.post(
        f"{BANS}add/", {"streamer_handle": "streamer_x", "user_handle": "@troll_y", "reason": "abuse"}
    )
    assert response.status_code == 302
    ban = ChatBan.objects.get()
    assert (ban.user_id, ban.created_by_id, ban.reason) == (troll.pk, moderator.pk, "abuse")

    refused = client.post(f"{BANS}add/", {"streamer_handle": "streamer_x", "user_handle": "nobody_here", "reason": "x"})
    assert refused.status_code == 200
    assert ChatBan.objects.count() == 1

    done = client.post(BANS, {"action": "unban_with_reason", "_selected_action": [str(ban.pk)], "apply": "1",
                              "reason": "appeal accepted"})  # fmt: skip
    assert done.status_code == 302
    assert ChatBan.objects.count() == 0
    assert list(ChatModerationLog.objects.order_by("id").values_list("action", "reason")) == [
        ("ban", "abuse"),
        ("unban", "appeal accepted"),
    ]
    assert client.get(LOG).status_code == 200


def test_users_without_the_role_see_nothing():
    client = verified_client(with_role(UserFactory(is_staff=True), "finance"))
    for url in (CHAT, BANS, LOG):
        assert client.get(url).status_code == 403
