"""Uploaded images, decoded and re-encoded with Pillow so that only the pixels survive.

Every image a user uploads (avatars, post images) goes through :func:`image_decode`: the
format is read from the bytes (never from the name or content type), images with too many
pixels are refused before decoding, the orientation EXIF asked for is applied, and only the
first frame of an animation is kept. :func:`image_encode_webp` then writes a resized WebP
copy that carries no EXIF (GPS included), ICC profile or comment.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from core.errors import PayloadTooLargeError, UnsupportedMediaError

if TYPE_CHECKING:
    from PIL import Image

# Pillow (about 5 MB) is imported by the calls below, not by this module: the web process loads it
# on its first image upload, not at start-up (tests/core/test_lazy_imports.py).

# Pillow formats an upload may be in, whatever the file's name or content type says.
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
# More pixels than this is refused before decoding (a small file can hold a huge image).
IMAGE_MAX_PIXELS = 40_000_000


def image_decode(
    *,
    upload: Any,
    formats: frozenset[str] = IMAGE_FORMATS,
    max_pixels: int = IMAGE_MAX_PIXELS,
    unsupported_message: str = "This file is not an image we can read.",
    too_many_pixels_message: str = "This image has too many pixels.",
) -> Image.Image:
    """Decode ``upload`` (a file object) into an upright, single-frame RGB or RGBA image.

    Raises ``unsupported_media`` (415) for anything Pillow cannot decode in one of ``formats``
    and ``request_too_large`` (413) above ``max_pixels``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.format not in formats:
                raise UnsupportedMediaError(unsupported_message)
            width, height = probe.size
            if width * height > max_pixels:
                raise PayloadTooLargeError(too_many_pixels_message)
            probe.verify()  # checks the whole file's structure without decoding pixels
        upload.seek(0)
        with Image.open(upload) as image:
            image.seek(0)  # the first frame of an animation
            image.load()
            upright = ImageOps.exif_transpose(image)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            return upright.convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        # SyntaxError and ValueError are what some Pillow decoders raise on broken data.
        raise UnsupportedMediaError(unsupported_message) from None


def image_encode_webp(*, image: Image.Image, max_side: int, quality: int = 85) -> tuple[bytes, tuple[int, int]]:
    """A WebP copy of ``image`` fitted into ``max_side`` x ``max_side``: (bytes, (width, height)).

    Lossless when the image has transparency. Nothing but the pixels is written.
    """
    from PIL import Image

    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    if copy.mode == "RGBA":
        copy.save(output, format="WEBP", lossless=True)
    else:
        copy.save(output, format="WEBP", quality=quality)
    return output.getvalue(), copy.size
