"""Demo content for ``manage.py seed_demo``. Each kind of content seeds in its own function."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import selectors as account_selectors
from content.models import Post
from content.services import posts as post_services
from content.services.posts import ImageUpload, PollSpec, PostContent


def seed(*, report) -> None:
    seed_posts(report=report)


def _demo_image(color: tuple[int, int, int], label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 800), color)
    ImageDraw.Draw(image).text((40, 40), label, fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{label}.jpg", output.getvalue(), content_type="image/jpeg")


def seed_posts(*, report) -> None:
    """Posts by the demo creator (images, hashtags, a mention, an open poll), a repost and a quote
    by the demo viewer. Idempotency keys make a second run create nothing."""
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
    if not Post.objects.filter(author=viewer, kind=Post.Kind.REPOST, original=sketch).exists():
        post_services.post_repost(user=viewer, post=sketch)
    post_services.post_quote(
        user=viewer,
        post=sketch,
        idempotency_key="demo-quote-sketches",
        content=PostContent(text="The fox! Printing this one. #fanart"),
    )
    report(f"posts: {Post.objects.filter(author__in=[creator, viewer]).count()} demo posts by @{creator.handle}")
