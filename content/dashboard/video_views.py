"""The video studio: upload (with progress), the list with thumbnails and processing state, a
video's page (player, details, renditions with retry, poster from the sprite, delete), analytics.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from content.dashboard.video_forms import VISIBILITY_CHOICES, PosterForm, VideoEditForm
from content.models import Video
from content.selectors import videos as selectors
from content.services import video_pipeline
from content.services import videos as services
from core.dashboard import charts
from core.errors import ApplicationError, NotFoundError

SPRITE_THUMB_WIDTH = 160  # content.transcoding.local.SPRITE_THUMB_WIDTH


def _owned(request, video_id):
    try:
        return selectors.video_get_owned(video_id=video_id, owner=request.user)
    except NotFoundError:
        raise Http404("No such video.") from None


@login_required
def video_list(request):
    status = request.GET.get("status", "")
    videos = selectors.video_list_for_owner(owner=request.user)
    if status in Video.Status.values:
        videos = videos.filter(status=status)
    return render(
        request,
        "content/studio/video_list.html",
        {"videos": list(videos[:100]), "status": status if status in Video.Status.values else ""},
    )


@login_required
def video_upload(request):
    return render(
        request,
        "content/studio/video_upload.html",
        {"chunk_bytes": settings.VIDEO_STUDIO_CHUNK_BYTES, "visibility_choices": VISIBILITY_CHOICES[:4]},
    )


def _sprite_frames(video: Video) -> list[dict]:
    count = services.video_sprite_frames(video=video)
    if not count or not video.width or not video.height or not video.sprite_columns:
        return []
    height = round(SPRITE_THUMB_WIDTH * video.height / video.width / 2) * 2
    return [
        {
            "index": index,
            "at": index * video.sprite_interval,
            "x": (index % video.sprite_columns) * SPRITE_THUMB_WIDTH,
            "y": (index // video.sprite_columns) * height,
            "height": height,
        }
        for index in range(count)
    ]


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
    context = {
        "video": video,
        "form": form,
        "renditions": list(video.renditions.order_by("height")),
        "frames": _sprite_frames(video),
        "thumb_width": SPRITE_THUMB_WIDTH,
        "master_url": reverse("v1:video-media", args=[video.pk, video.master_playlist])
        if video.master_playlist
        else "",
    }
    return render(request, "content/studio/video_edit.html", context)


@login_required
def video_delete(request, video_id):
    video = _owned(request, video_id)
    if request.method == "POST":
        services.video_delete(video=video, by=request.user, remove_files=True)
        messages.success(request, f"“{video.title}” is deleted.")
        return redirect("content_studio:videos")
    return render(
        request,
        "studio/confirm.html",
        {
            "title": "Delete this video?",
            "question": f"“{video.title}” will be deleted with its renditions, poster and statistics.",
            "consequence": "Viewers can no longer watch it, and this cannot be undone.",
            "action": reverse("content_studio:video-delete", args=[video.pk]),
            "confirm_label": "Delete the video",
            "cancel_url": reverse("content_studio:video-edit", args=[video.pk]),
        },
    )


@login_required
@require_POST
def rendition_retry(request, video_id, name):
    video = _owned(request, video_id)
    try:
        video_pipeline.rendition_retry(video=video, name=name, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The {name} rendition is being processed again.")
    return redirect("content_studio:video-edit", video_id=video.pk)


@login_required
@require_POST
def video_poster(request, video_id):
    video = _owned(request, video_id)
    form = PosterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the thumbnails.")
    else:
        try:
            services.video_poster_choose(video=video, by=request.user, frame=form.cleaned_data["frame"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The poster is updated.")
    return redirect(reverse("content_studio:video-edit", args=[video.pk]) + "#poster")


@login_required
def video_analytics(request, video_id):
    video = _owned(request, video_id)
    end = timezone.now().date()
    start = end - dt.timedelta(days=27)
    data = selectors.video_analytics(video=video, start=start, end=end)
    by_day = {day.day: day for day in data["days"]}
    days = [start + dt.timedelta(days=offset) for offset in range(28)]
    why = "No views of this video in the last 28 days yet."
    if video.status != Video.Status.READY:
        why = "This video is not ready to watch yet, so it has no views."
    elif video.visibility == Video.Visibility.PRIVATE:
        why = "This video is private: only you can watch it, so it has no views yet."
    specs = [
        charts.time_series(
            key="views",
            title="Views per day",
            days=days,
            series=[charts.Series("Views", [by_day[d].views if d in by_day else 0 for d in days])],
            empty=why,
        ),
        charts.time_series(
            key="watch",
            title="Watch time per day",
            days=days,
            unit="min",
            series=[
                charts.Series(
                    "Watch time", [round(by_day[d].watch_seconds / 60, 1) if d in by_day else 0 for d in days]
                )
            ],
            empty=why,
        ),
        charts.curve(
            key="retention",
            title="Audience retention (share of viewers still watching)",
            labels=[f"{i * 5}%" for i in range(21)],
            series=[charts.Series("Still watching", data["retention"])],
            unit="%",
            y_max=100,
            empty="No viewing sessions yet, so no retention curve: it appears after the first views.",
        ),
    ]
    return render(request, "content/studio/video_analytics.html", {"video": video, "data": data, "charts": specs})
