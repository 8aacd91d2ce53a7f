import pytest

from streaming.demo_chat import DEMO_STREAM_TITLE, seed_chat
from streaming.models import LiveStream, StreamChat
from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db


def test_seed_chat_fills_the_ended_demo_stream_once():
    creator = verified_user(email="creator@fanfare.local", handle="demo_creator")
    verified_user(email="viewer@fanfare.local", handle="demo_viewer")
    existing = make_stream(creator, title=DEMO_STREAM_TITLE, status="ended")
    lines = []

    stream = seed_chat(report=lines.append)
    seed_chat(report=lines.append)

    assert stream.pk == existing.pk
    assert StreamChat.objects.filter(stream=stream).count() == 10
    stream.refresh_from_db()
    assert stream.chat_messages_count == 8
    assert stream.pinned_message.text.startswith("Thousands in one room")
    assert lines == [
        f"stream chat {DEMO_STREAM_TITLE!r}: 10 lines",
        f"stream chat {DEMO_STREAM_TITLE!r}: has chat already",
    ]


def test_seed_chat_creates_the_ended_stream_when_missing():
    verified_user(email="creator@fanfare.local", handle="demo_creator")
    verified_user(email="viewer@fanfare.local", handle="demo_viewer")
    stream = seed_chat(report=lambda line: None)
    assert (stream.title, stream.status) == (DEMO_STREAM_TITLE, "ended")
    assert LiveStream.objects.count() == 1


def test_seed_chat_without_demo_accounts_skips():
    lines = []
    assert seed_chat(report=lines.append) is None
    assert lines == ["stream chat: no demo creator or viewer, skipped"]
