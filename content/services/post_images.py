"""Post images: checked, decoded and re-encoded with Pillow (core.images), stored in two sizes.

Only pixels reach storage: EXIF (GPS included), ICC profiles and comments are dropped. ``full``
fits ``POST_IMAGE_FULL_SIDE`` (2048 px) for the full view, ``feed`` fits ``POST_IMAGE_FEED_SIDE``
(1080 px) for feeds; both are WebP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.errors import PayloadTooLargeError
from core.images import image_decode, image_encode_webp

POST_IMAGE_FULL_SIDE = 2048
POST_IMAGE_FEED_SIDE = 1080
MAX_IMAGES = 4
ALT_TEXT_MAX_LENGTH = 1500


@dataclass
class ImageUpload:
    """An uploaded file and its alt text, as the interfaces hand them to services."""

    file: Any
    alt_text: str = ""


@dataclass
class StoredImage:
    full: str
    feed: str
    width: int
    height: int
    alt_text: str


def images_check(*, images: list[ImageUpload]) -> None:
    """The rules that need no decoding: at most 4 images, each within the size limit, alt text length."""
    if len(images) > MAX_IMAGES:
        raise ValidationError({"images": ValidationError(f"At most {MAX_IMAGES} images.", code="too_many_images")})
    limit = settings.POST_IMAGE_MAX_UPLOAD_BYTES
    for image in images:
        if image.file.size > limit:
            raise PayloadTooLargeError(f"An image is at most {limit // (1024 * 1024)} MB.")
        if len(image.alt_text) > ALT_TEXT_MAX_LENGTH:
            message = f"Alt text is at most {ALT_TEXT_MAX_LENGTH} characters."
            raise ValidationError({"alt_texts": ValidationError(message, code="max_length")})


def images_store(*, post_id: uuid.UUID, images: list[ImageUpload]) -> list[StoredImage]:
    """Decode every image first (any bad one: nothing is stored), then write both sizes of each.

    The caller deletes the files (``images_discard``) if its transaction does not commit.
    """
    images_check(images=images)
    decoded = [image_decode(upload=image.file) for image in images]
    stored: list[StoredImage] = []
    try:
        for image, pixels in zip(images, decoded, strict=True):
            full, (width, height) = image_encode_webp(image=pixels, max_side=POST_IMAGE_FULL_SIDE)
            feed, _size = image_encode_webp(image=pixels, max_side=POST_IMAGE_FEED_SIDE, quality=80)
            stem = uuid.uuid4().hex
            full_name = default_storage.save(f"posts/{post_id}/{stem}_full.webp", ContentFile(full))
            feed_name = default_storage.save(f"posts/{post_id}/{stem}_feed.webp", ContentFile(feed))
            stored.append(
                StoredImage(full=full_name, feed=feed_name, width=width, height=height, alt_text=image.alt_text.strip())
            )
    except BaseException:
        images_discard(images=stored)
        raise
    return stored


def images_discard(*, images: list[StoredImage]) -> None:
    for image in images:
        default_storage.delete(image.full)
        default_storage.delete(image.feed)
