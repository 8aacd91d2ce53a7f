"""Demo content for ``manage.py seed_demo``: each subject has its own ``seed_<subject>`` function."""

from __future__ import annotations

import tempfile
from pathlib import Path

from accounts import selectors as account_selectors
from content.models import Video
from content.services import videos
from content.transcoding.local import generated_clip

DEMO_CREATOR_EMAIL = "creator@fanfare.local"

# (idempotency key, title, description, tags, ffmpeg test source)
DEMO_VIDEOS = [
    ("demo-video-test-pattern", "Test pattern", "ffmpeg's test source with a 440 Hz tone.", ["demo", "test-pattern"],
     "testsrc"),
    ("demo-video-colour-bars", "Colour bars", "SMPTE colour bars with a 440 Hz tone.", ["demo", "colour-bars"],
     "smptebars"),
]  # fmt: skip


def seed(*, report) -> None:
    seed_videos(report=report)


def seed_videos(*, report) -> list[Video]:
    """Two short 360p videos uploaded by the demo creator through the real upload and pipeline
    (the pipeline runs when seed_demo's transaction commits). Idempotent by upload key."""
    owner = account_selectors.user_by_email(email=DEMO_CREATOR_EMAIL)
    if owner is None:
        report("videos: no demo creator, skipped")
        return []
    seeded = []
    for key, title, description, tags, source in DEMO_VIDEOS:
        existing = Video.all_objects.filter(owner=owner, idempotency_key=key).first()
        if existing is not None and existing.status not in {Video.Status.DRAFT, Video.Status.UPLOADING}:
            report(f"video     {title:<26} {existing.status}, uploaded before")
            seeded.append(existing)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            clip = generated_clip(Path(tmp) / "clip.mp4", source=source)
            size = clip.stat().st_size
            video, _ = videos.video_create(
                owner=owner, title=title, description=description, tags=tags, size=size,
                visibility=Video.Visibility.PUBLIC, idempotency_key=key,
            )  # fmt: skip
            offset = video.upload.offset
            with open(clip, "rb") as stream:
                stream.seek(offset)
                videos.upload_append(
                    upload_id=video.upload.pk, user=owner, offset=offset, length=size - offset, stream=stream
                )
        video.refresh_from_db()
        report(f"video     {title:<26} uploaded, processing after commit: /api/v1/videos/{video.pk}/")
        seeded.append(video)
    return seeded
