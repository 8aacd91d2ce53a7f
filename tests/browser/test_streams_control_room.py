"""The live control room in Chromium: a viewer's chat message, sent over a real WebSocket to the
running server, appears in the streamer's page; the streamer deletes it from there."""

import asyncio
import json
import threading

import pytest
import websockets

from streaming.models import StreamChat
from streaming.services import streams
from tests.streaming.factories import stream_root
from tests.streaming.helpers import make_stream, session_cookie, verified_user

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
stream_root = stream_root


def _chat_from_another_user(base_url: str, stream, cookie: bytes, text: str) -> dict:
    """Send ``text`` as another user from a thread of its own (Playwright owns this one's loop)."""
    result: dict = {}

    async def talk():
        url = base_url.replace("http://", "ws://") + f"/ws/streams/{stream.pk}/chat/"
        async with websockets.connect(
            url, origin="http://127.0.0.1", additional_headers={"Cookie": cookie.decode()}
        ) as ws:
            assert json.loads(await ws.recv())["type"] == "welcome"
            await ws.send(json.dumps({"type": "message", "text": text}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if event["type"] == "message":
                    result.update(event["message"])
                    return

    thread = threading.Thread(target=lambda: asyncio.run(talk()))
    thread.start()
    thread.join(30)
    return result


def test_the_control_room_shows_a_viewers_chat_message_and_deletes_it(page, asgi_server):
    owner = verified_user(email="streamer@example.com", handle="streamer")
    viewer = verified_user(handle="chatty_viewer")
    stream = make_stream(owner, title="Friday night stream")
    page.goto(f"/studio/login/?next=/studio/streams/{stream.pk}/control/")
    page.fill("#id_username", "streamer@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/studio/streams/{stream.pk}/control/")
    page.get_by_test_id("chat-connection").filter(has_text="connected").wait_for()

    sent = _chat_from_another_user(asgi_server, stream, session_cookie(viewer), "hello from the audience 👋")

    assert sent["text"] == "hello from the audience 👋"
    line = page.locator(f'#cr-messages li[data-id="{sent["id"]}"]')
    line.wait_for()
    assert line.locator(".who").inner_text() == "@chatty_viewer"
    assert line.locator(".text").inner_text() == "hello from the audience 👋"
    assert page.get_by_test_id("stream-status").inner_text() == "Live"

    line.get_by_role("button", name="Delete").click()
    line.wait_for(state="detached")
    message = StreamChat.all_objects.get(pk=sent["id"])
    assert (message.deleted_by_id, message.deleted_reason) == (owner.pk, "deleted in the control room")


def test_the_control_room_follows_the_stream_from_scheduled_to_live_to_ended(page, settings, stream_root):
    # The status reaches the page within one metrics interval even when the change is made in
    # another process that shares no channel layer with the web server (the RTMP ingest).
    settings.STREAMING_METRICS_INTERVAL = 0.5
    owner = verified_user(email="streamer@example.com", handle="streamer")
    stream = make_stream(owner, title="Friday night stream", status="scheduled", started_at=None)
    page.goto(f"/studio/login/?next=/studio/streams/{stream.pk}/control/")
    page.fill("#id_username", "streamer@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/studio/streams/{stream.pk}/control/")
    page.get_by_test_id("chat-connection").filter(has_text="connected").wait_for()
    status = page.get_by_test_id("stream-status")
    assert status.inner_text() == "Scheduled"
    assert "starts when your encoder" in page.get_by_test_id("preview-note").inner_text()

    streams.stream_go_live(stream_id=stream.pk)  # as the ingest does when the encoder connects

    page.wait_for_function("document.querySelector('[data-testid=stream-status]').textContent === 'Live'")
    assert status.get_attribute("class") == "chip live"
    assert page.get_by_test_id("preview").get_attribute("data-player") == "on"
    assert page.get_by_test_id("chat-form").is_visible()

    streams.stream_mark_ended(stream_id=stream.pk, reason="the publisher stopped")

    page.wait_for_function("document.querySelector('[data-testid=stream-status]').textContent === 'Ended'")
    assert not page.get_by_test_id("chat-form").is_visible()
    assert page.get_by_test_id("chat-closed").inner_text() == "The stream has ended: the chat is closed."
    assert page.get_by_test_id("preview-note").inner_text() == "The stream has ended."


def test_moderation_buttons_look_different_from_the_rest(page, asgi_server):
    owner = verified_user(email="streamer@example.com", handle="streamer")
    viewer = verified_user(handle="rowdy")
    stream = make_stream(owner, title="Friday night stream")
    page.goto(f"/studio/login/?next=/studio/streams/{stream.pk}/control/")
    page.fill("#id_username", "streamer@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_test_id("chat-connection").filter(has_text="connected").wait_for()

    sent = _chat_from_another_user(asgi_server, stream, session_cookie(viewer), "spam spam")

    line = page.locator(f'#cr-messages li[data-id="{sent["id"]}"]')
    line.wait_for()
    classes = {name: line.get_by_role("button", name=name).get_attribute("class") for name in
               ["Pin", "Delete", "Timeout 10 min", "Ban"]}  # fmt: skip
    assert classes == {
        "Pin": "btn-small secondary",
        "Delete": "btn-small danger",
        "Timeout 10 min": "btn-small danger",
        "Ban": "btn-small danger solid",
    }
    colors = {
        name: line.get_by_role("button", name=name).evaluate("b => getComputedStyle(b).color") for name in classes
    }
    assert colors["Pin"] != colors["Delete"]
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_chromium_takes_the_shared_compressed_frames(page, asgi_server):
    """The production server answers every permessage-deflate offer with server_no_context_takeover
    and writes a room event as one frame shared by every socket (core.websocket_protocol):
    Chromium negotiates it and reads those frames."""
    owner = verified_user(email="streamer@example.com", handle="streamer")
    viewer = verified_user(handle="chatty_viewer")
    stream = make_stream(owner, title="Friday night stream")
    page.goto("/healthz")
    page.evaluate(
        """url => new Promise((resolve, reject) => {
            const socket = new WebSocket(url);
            window.received = [];
            socket.onmessage = event => window.received.push(JSON.parse(event.data));
            socket.onerror = reject;
            socket.onopen = () => { window.extensions = socket.extensions; resolve(); };
        })""",
        asgi_server.replace("http://", "ws://") + f"/ws/streams/{stream.pk}/chat/",
    )
    assert page.evaluate("window.extensions") == (
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits=12"
    )
    page.wait_for_function("window.received.length === 1")
    assert page.evaluate("window.received[0].type") == "welcome"

    texts = ["hello from the audience 👋", "and again", "hello from the audience 👋"]
    for text in texts:
        _chat_from_another_user(asgi_server, stream, session_cookie(viewer), text)
    page.wait_for_function(f"window.received.filter(e => e.type === 'message').length === {len(texts)}")
    assert page.evaluate("window.received.filter(e => e.type === 'message').map(e => e.message.text)") == texts
