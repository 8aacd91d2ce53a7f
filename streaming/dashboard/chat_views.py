"""The live control room: status, live metrics and the chat with moderation tools (owner only).
Thin: the page is rendered once; the chat socket does the rest (streaming/static/streaming/control_room.js)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from core.errors import NotFoundError
from streaming.selectors.playback import stream_preview_url
from streaming.selectors.streams import stream_get
from streaming.services.metrics import stream_metrics


@login_required
def control_room(request, stream_id):
    from streaming.services.tips import stream_tips_recent, tip_payload

    try:
        stream = stream_get(stream_id=stream_id)
    except NotFoundError:
        raise Http404("No such stream.") from None
    if stream.owner_id != request.user.pk:
        raise Http404("No such stream.")
    return render(
        request,
        "streaming/studio/control_room.html",
        {
            "stream": stream,
            "metrics": stream_metrics(stream=stream),
            "socket_path": f"/ws/streams/{stream.pk}/chat/",
            "preview_url": stream_preview_url(stream=stream, user=request.user),
            "tips": [tip_payload(t, for_owner=True) for t in stream_tips_recent(stream=stream, limit=20)],
        },
    )
