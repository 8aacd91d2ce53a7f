"""The video studio: upload (with progress), the list with processing state, edit, analytics.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from content.dashboard.video_charts import bar_chart, line_chart
from content.dashboard.video_forms import VideoEditForm
from content.selectors import videos as selectors
from content.services import videos as services
from core.errors import ApplicationError, NotFoundError


def _owned(request, video_id):
    try:
        return selectors.video_get_owned(video_id=video_id, owner=request.user)
    except NotFoundError:
        raise Http404("No such video.") from None


@login_required
def video_list(request):
    videos = list(selectors.video_list_for_owner(owner=request.user)[:100])
    return render(request, "content/studio/video_list.html", {"videos": videos})


@login_required
def video_upload(request):
    return render(request, "content/studio/video_upload.html", {"chunk_bytes": settings.VIDEO_STUDIO_CHUNK_BYTES})


@login_required
def video_edit(request, video_id):
    video = _owned(request, video_id)
    form = VideoEditForm.for_video(video, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if name in form.changed_data}
        try:
            services.video_update(video=video, by=request.user, changes=changes)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Saved.")
            return redirect("content_studio:video-edit", video_id=video.pk)
    return render(request, "content/studio/video_edit.html", {"video": video, "form": form})


@login_required
def video_analytics(request, video_id):
    video = _owned(request, video_id)
    end = timezone.now().date()
    start = end - dt.timedelta(days=27)
    data = selectors.video_analytics(video=video, start=start, end=end)
    by_day = {day.day: day for day in data["days"]}
    days = [start + dt.timedelta(days=offset) for offset in range(28)]
    charts = {
        "views": bar_chart(
            values=[by_day[d].views if d in by_day else 0 for d in days], labels=[d.strftime("%d %b") for d in days]
        ),
        "watch": bar_chart(
            values=[round(by_day[d].watch_seconds / 60, 1) if d in by_day else 0 for d in days],
            labels=[d.strftime("%d %b") for d in days],
        ),
        "retention": line_chart(values=data["retention"], labels=[f"{i * 5}%" for i in range(21)]),
    }
    return render(request, "content/studio/video_analytics.html", {"video": video, "data": data, "charts": charts})
