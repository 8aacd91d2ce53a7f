"""The streams studio: list, create or schedule, and one stream's ingest settings (URL, key with
copy and rotate), status and end. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
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
    """The stream's page: ingest settings, status, and its details, editable until it ends (the
    time and the recording flag only before it starts)."""
    stream = _owned(request, stream_id)
    form = None
    if stream.status != stream.Status.ENDED:
        form = StreamForm.for_stream(stream, data=request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            changes = {name: value for name, value in form.cleaned_data.items() if name in form.changed_data}
            try:
                services.stream_update(stream=stream, by=request.user, changes=changes)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Saved." if changes else "Nothing changed.")
                return redirect("streaming_studio:stream", stream_id=stream.pk)
    return render(
        request,
        "streaming/studio/stream_detail.html",
        {
            "stream": stream,
            "form": form,
            "ingest_url": selectors.stream_ingest_url(stream=stream),
            "tips": _tip_totals(stream),
        },
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
def stream_end(request, stream_id):
    """GET asks for confirmation; POST ends the live stream."""
    if request.method == "POST":
        return _act(request, stream_id, services.stream_end, "Stream ended.")
    stream = _owned(request, stream_id)
    return _confirm(request, stream, title="End this stream?", label="End the stream now",
                    question=f"“{stream.title}” stops for every viewer and the chat closes.",
                    url_name="streaming_studio:stream-end")  # fmt: skip


def _confirm(request, stream, *, title: str, question: str, label: str, url_name: str):
    return render(
        request,
        "studio/confirm.html",
        {
            "title": title,
            "question": question,
            "action": reverse(url_name, args=[stream.pk]),
            "confirm_label": label,
            "cancel_url": reverse("streaming_studio:stream", args=[stream.pk]),
        },
    )


@login_required
def stream_cancel(request, stream_id):
    """GET asks for confirmation; POST cancels the scheduled stream."""
    if request.method == "POST":
        return _act(request, stream_id, services.stream_cancel, "Stream cancelled.")
    stream = _owned(request, stream_id)
    return _confirm(request, stream, title="Cancel this stream?", label="Cancel the stream",
                    question=f"“{stream.title}” will not happen; people who set a reminder are not notified.",
                    url_name="streaming_studio:stream-cancel")  # fmt: skip


def _tip_totals(stream):
    """The ended stream's paid tips for its summary (streaming.services.tips.stream_tip_totals)."""
    if stream.status != stream.Status.ENDED:
        return None
    from streaming.services.tips import stream_tip_totals

    return stream_tip_totals(stream=stream)
