"""Demo content for ``manage.py seed_demo``: each kind of content seeds in its own function."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import selectors as account_selectors
from content.models import Post, Video
from content.services import posts as post_services
from content.services import videos
from content.services.posts import ImageUpload, PollSpec, PostContent
from content.transcoding.local import generated_clip


def seed(*, report) -> None:
    seed_videos(report=report)
    seed_posts(report=report)


DEMO_CREATOR_EMAIL = "creator@fanfare.local"

# (idempotency key, title, description, tags, ffmpeg test source)
DEMO_VIDEOS = [
    ("demo-video-test-pattern", "Test pattern", "ffmpeg's test source with a 440 Hz tone.", ["demo", "test-pattern"],
     "testsrc"),
    ("demo-video-colour-bars", "Colour bars", "SMPTE colour bars with a 440 Hz tone.", ["demo", "colour-bars"],
     "smptebars"),
]  # fmt: skip


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


def _demo_image(color: tuple[int, int, int], label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 800), color)
    ImageDraw.Draw(image).text((40, 40), label, fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{label}.jpg", output.getvalue(), content_type="image/jpeg")


def seed_posts(*, report) -> None:
    """Posts by the demo creator (images, hashtags, a mention, an open poll, one for Gold members),
    a repost and a quote by the demo viewer. Idempotency keys make a second run create nothing."""
    creator = account_selectors.user_by_email(email="creator@fanfare.local")
    viewer = account_selectors.user_by_email(email="viewer@fanfare.local")
    if creator is None or viewer is None:
        report("posts: the demo creator and viewer are missing; no posts")
        return
    sketch, _ = post_services.post_create(
        author=creator,
        idempotency_key="demo-post-sketches",
        content=PostContent(
            text="Two new sketches for #Inktober, day 12. Thanks @demo_viewer for the idea! #ink #sketchbook",
            images=[
                ImageUpload(file=_demo_image((40, 70, 120), "fox"), alt_text="An ink fox curled up asleep"),
                ImageUpload(file=_demo_image((120, 60, 40), "owl"), alt_text="An owl on a branch, cross-hatched"),
            ],
        ),
    )
    post_services.post_create(
        author=creator,
        idempotency_key="demo-post-poll",
        content=PostContent(
            text="What should I draw tomorrow? #inktober",
            poll=PollSpec(
                options=["A heron", "A lighthouse", "A teapot"], ends_at=timezone.now() + dt.timedelta(days=7)
            ),
        ),
    )
    post_services.post_create(
        author=creator,
        idempotency_key="demo-post-followers",
        content=PostContent(text="Work in progress, followers only for now.", visibility=Post.Visibility.FOLLOWERS),
    )
    post_services.post_create(
        author=creator,
        idempotency_key="demo-post-members",
        # Members-only: the demo creator's Gold members (tier position 2, billing's seed) read it.
        content=PostContent(text="Gold members: the full Inktober process video is up. #inktober", minimum_tier=2),
    )
    if not Post.objects.filter(author=viewer, kind=Post.Kind.REPOST, original=sketch).exists():
        post_services.post_repost(user=viewer, post=sketch)
    post_services.post_quote(
        user=viewer,
        post=sketch,
        idempotency_key="demo-quote-sketches",
        content=PostContent(text="The fox! Printing this one. #fanart"),
    )
    report(f"posts: {Post.objects.filter(author__in=[creator, viewer]).count()} demo posts by @{creator.handle}")
