"""The streams studio: list, create or schedule, and one stream's ingest settings (URL, key with
copy and rotate), status and end. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFoundError
from streaming.dashboard.forms import StreamForm
from streaming.selectors import streams as selectors
from streaming.services import streams as services


def _owned(request, stream_id):
    try:
        return selectors.stream_get_owned(stream_id=stream_id, owner=request.user)
    except NotFoundError:
        raise Http404("No such stream.") from None


@login_required
def stream_list(request):
    form = StreamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.stream_create(owner=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Stream created. Point OBS at the ingest URL with your stream key.")
            return redirect("streaming_studio:stream", stream_id=stream.pk)
    streams = list(selectors.stream_list_mine(owner=request.user)[:100])
    may_stream = request.user.has_perm("streaming.add_livestream")
    return render(
        request, "streaming/studio/stream_list.html", {"streams": streams, "form": form, "may_stream": may_stream}
    )


@login_required
def stream_detail(request, stream_id):
    stream = _owned(request, stream_id)
    return render(
        request,
        "streaming/studio/stream_detail.html",
        {"stream": stream, "ingest_url": selectors.stream_ingest_url(stream=stream)},
    )


def _act(request, stream_id, action, done: str):
    stream = _owned(request, stream_id)
    try:
        action(stream=stream, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("streaming_studio:stream", stream_id=stream.pk)


@login_required
@require_POST
def stream_rotate_key(request, stream_id):
    return _act(
        request, stream_id, services.stream_key_rotate, "New stream key: update OBS; the old key no longer works."
    )


@login_required
@require_POST
def stream_end(request, stream_id):
    return _act(request, stream_id, services.stream_end, "Stream ended.")


@login_required
@require_POST
def stream_cancel(request, stream_id):
    return _act(request, stream_id, services.stream_cancel, "Stream cancelled.")
