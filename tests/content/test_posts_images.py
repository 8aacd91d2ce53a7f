"""Post images: up to 4, type and size checked, re-encoded by Pillow without EXIF/GPS, two sizes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from content.models import PostImage, PostRevision
from tests.content.post_factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def author():
    return VerifiedUserFactory(handle="ana")


def error(response):
    return response.json()["errors"][0]


def image_bytes(fmt="PNG", size=(64, 48), mode="RGB", color=(200, 30, 30), **save):
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format=fmt, **save)
    return output.getvalue()


def jpeg_with_gps(size=(3000, 1500)):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    return image_bytes("JPEG", size=size, exif=exif.tobytes())


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_images_are_stored_reencoded_in_two_sizes_without_metadata(api_client, author, media):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as probe:  # the upload really carries GPS data
        assert probe.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    api_client.force_authenticate(author)

    response = api_client.post(
        POSTS,
        {"text": "trip", "images": [upload(original), upload(image_bytes(), "b.png")], "alt_texts": ["A bridge", ""]},
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()["images"]
    assert [(i["width"], i["height"], i["alt_text"]) for i in body] == [(2048, 1024, "A bridge"), (64, 48, "")]
    first = PostImage.objects.get(position=0)
    for name, size in ((first.full.name, (2048, 1024)), (first.feed.name, (1080, 540))):
        path = media / name
        with Image.open(path) as stored:
            assert (stored.format, stored.size) == ("WEBP", size)
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info
        assert b"SecretCam" not in path.read_bytes()
    assert body[0]["full_url"] == f"http://testserver/media/{first.full.name}"
    assert body[0]["feed_url"] == f"http://testserver/media/{first.feed.name}"
    assert PostRevision.objects.get().images[0]["alt_text"] == "A bridge"


def test_images_alone_make_a_post(api_client, author):
    api_client.force_authenticate(author)

    response = api_client.post(POSTS, {"images": [upload(image_bytes())]}, format="multipart")

    assert response.status_code == 201
    assert response.json()["text"] == ""


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"just some text, not pixels", "photo.png", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "a.svg", "image/svg+xml"),
        (image_bytes("BMP"), "photo.jpg", "image/jpeg"),
        (image_bytes("PNG")[:60], "photo.png", "image/png"),
    ],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_and_nothing_is_stored(
    api_client, author, media, data, name, content_type
):
    api_client.force_authenticate(author)

    response = api_client.post(
        POSTS, {"text": "x", "images": [upload(image_bytes()), upload(data, name, content_type)]}, format="multipart"
    )

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media"
    assert list(media.rglob("*.*")) == []
    assert PostImage.objects.count() == 0


def test_more_than_four_images_are_refused(api_client, author, media):
    api_client.force_authenticate(author)

    response = api_client.post(
        POSTS, {"text": "x", "images": [upload(image_bytes()) for _ in range(5)]}, format="multipart"
    )

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == ("images", "max_length")
    assert list(media.rglob("*.*")) == []


def test_an_image_over_the_size_limit_is_too_large(api_client, author, settings, media):
    settings.POST_IMAGE_MAX_UPLOAD_BYTES = 1024
    api_client.force_authenticate(author)
    data = image_bytes() + b"\0" * 1024

    response = api_client.post(POSTS, {"text": "x", "images": [upload(data, "a.png")]}, format="multipart")

    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert list(media.rglob("*.*")) == []


def test_more_alt_texts_than_images_is_refused(api_client, author):
    api_client.force_authenticate(author)

    response = api_client.post(
        POSTS, {"text": "x", "images": [upload(image_bytes())], "alt_texts": ["a", "b"]}, format="multipart"
    )

    assert response.status_code == 400
    assert error(response)["attr"] == "alt_texts"


def test_editing_images_keeps_the_old_ones_in_the_history(api_client, author, media):
    api_client.force_authenticate(author)
    created = api_client.post(
        POSTS, {"text": "v1", "images": [upload(image_bytes())], "alt_texts": ["old"]}, format="multipart"
    ).json()

    edited = api_client.patch(
        f"{POSTS}{created['id']}/",
        {"images": [upload(image_bytes(color=(0, 0, 255)), "b.png")], "alt_texts": ["new"]},
        format="multipart",
    )

    assert edited.status_code == 200
    assert [i["alt_text"] for i in edited.json()["images"]] == ["new"]
    revisions = api_client.get(f"{POSTS}{created['id']}/revisions/").json()
    assert [[i["alt_text"] for i in r["images"]] for r in revisions] == [["old"], ["new"]]
    old_url = revisions[0]["images"][0]["full_url"]
    assert (media / old_url.removeprefix("http://testserver/media/")).exists()
    removed = api_client.patch(f"{POSTS}{created['id']}/", {"remove_images": True, "text": "v3"}, format="multipart")
    assert removed.status_code == 200
    assert removed.json()["images"] == []
    assert removed.json()["sensitive"] is False
