"""PUT/DELETE /api/v1/accounts/me/avatar/: decoded and re-encoded by Pillow, stored in default storage."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AVATAR = "/api/v1/accounts/me/avatar/"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def error(response):
    return response.json()["errors"][0]


def image_bytes(fmt, size=(64, 48), mode="RGB", color=(200, 30, 30), **save):
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format=fmt, **save)
    return output.getvalue()


def jpeg_with_gps_and_orientation(size=(600, 300)):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: show rotated 90 degrees
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    return image_bytes("JPEG", size=size, exif=exif.tobytes())


def upload(data, name="avatar.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def put(api_client, data, **kwargs):
    return api_client.put(AVATAR, {"avatar": upload(data, **kwargs)}, format="multipart")


def stored_image(media, user):
    user.refresh_from_db()
    path = media / user.avatar.name
    return path, Image.open(path)


def test_owner_uploads_an_avatar_stored_reencoded_without_metadata(api_client, user, media):
    original = jpeg_with_gps_and_orientation()
    with Image.open(io.BytesIO(original)) as probe:  # the upload really carries GPS data
        assert probe.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    api_client.force_authenticate(user)

    response = put(api_client, original)

    assert response.status_code == 200
    path, image = stored_image(media, user)
    assert image.format == "WEBP"
    assert image.size == (256, 512)  # turned upright as EXIF asked, then fitted into 512x512
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"SecretCam" not in path.read_bytes()
    assert path.read_bytes() != original
    assert user.avatar.name.startswith("avatars/")
    assert user.avatar.name.endswith(".webp")
    assert response.json()["avatar_url"] == f"http://testserver/media/{user.avatar.name}"


@pytest.mark.parametrize(
    ("fmt", "mode", "size", "expected_size", "expected_mode"),
    [
        ("PNG", "RGBA", (1024, 1024), (512, 512), "RGBA"),
        ("WEBP", "RGB", (100, 50), (100, 50), "RGB"),
        ("GIF", "P", (2000, 1000), (512, 256), "RGB"),
        ("JPEG", "L", (30, 30), (30, 30), "RGB"),
    ],
)
def test_each_accepted_format_is_reencoded_to_webp(
    api_client, user, media, fmt, mode, size, expected_size, expected_mode
):
    api_client.force_authenticate(user)
    color = (1, 2, 3, 128) if mode == "RGBA" else (7 if mode in ("P", "L") else (1, 2, 3))

    response = put(api_client, image_bytes(fmt, size=size, mode=mode, color=color), name="a.bin")

    assert response.status_code == 200
    _path, image = stored_image(media, user)
    assert (image.format, image.size, image.mode) == ("WEBP", expected_size, expected_mode)


def test_an_animated_gif_keeps_its_first_frame_only(api_client, user, media):
    frames = [Image.new("RGB", (40, 40), color) for color in ((255, 0, 0), (0, 0, 255))]
    output = io.BytesIO()
    frames[0].save(output, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    api_client.force_authenticate(user)

    response = put(api_client, output.getvalue(), name="a.gif", content_type="image/gif")

    assert response.status_code == 200
    _path, image = stored_image(media, user)
    assert getattr(image, "n_frames", 1) == 1
    red, _green, blue = image.convert("RGB").getpixel((20, 20))  # the first frame is red
    assert red > 200
    assert blue < 50


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"just some text, not pixels", "avatar.png", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg", "image/svg+xml"),
        (image_bytes("BMP"), "avatar.jpg", "image/jpeg"),  # an image, but not a format we take
        (image_bytes("TIFF"), "avatar.png", "image/png"),
        (image_bytes("PNG")[:60], "avatar.png", "image/png"),  # truncated
    ],
)
def test_anything_but_a_real_jpeg_png_webp_or_gif_is_unsupported_media(
    api_client, user, media, data, name, content_type
):
    api_client.force_authenticate(user)

    response = put(api_client, data, name=name, content_type=content_type)

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media"
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert list(media.rglob("*.*")) == []


def test_a_file_over_5_mb_is_too_large(api_client, user, media):
    api_client.force_authenticate(user)
    padded = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)

    response = put(api_client, padded, name="big.png", content_type="image/png")

    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert list(media.rglob("*.*")) == []


def test_exactly_5_mb_is_accepted(api_client, user, media):
    api_client.force_authenticate(user)
    data = image_bytes("PNG")
    data += b"\0" * (5 * 1024 * 1024 - len(data))  # trailing bytes after IEND: still a PNG

    response = put(api_client, data, name="edge.png", content_type="image/png")

    assert response.status_code == 200


def test_an_image_with_too_many_pixels_is_too_large(api_client, user, media):
    api_client.force_authenticate(user)
    data = image_bytes("PNG", size=(8000, 6000), mode="1", color=0)  # tiny file, 48 megapixels

    response = put(api_client, data, name="bomb.png", content_type="image/png")

    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"


def test_missing_field_is_a_validation_error(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.put(AVATAR, {"picture": upload(image_bytes("PNG"))}, format="multipart")

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == ("avatar", "required")


def test_an_empty_file_is_a_validation_error(api_client, user):
    api_client.force_authenticate(user)

    response = put(api_client, b"", name="empty.png", content_type="image/png")

    assert response.status_code == 400
    assert (error(response)["attr"], error(response)["code"]) == ("avatar", "empty")


def test_json_instead_of_multipart_is_unsupported(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.put(AVATAR, {"avatar": "aGVsbG8="}, format="json")

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("method", ["put", "delete"])
def test_anonymous_cannot_change_an_avatar(api_client, method):
    response = getattr(api_client, method)(AVATAR, {}, format="multipart")

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_another_user_changes_only_their_own_avatar(api_client, user, media):
    services.avatar_set(user=user, upload=upload(image_bytes("PNG")))
    other = UserFactory()
    api_client.force_authenticate(other)

    assert put(api_client, image_bytes("PNG")).status_code == 200
    assert api_client.delete(AVATAR).status_code == 204

    user.refresh_from_db()
    assert user.avatar.name != ""
    assert (media / user.avatar.name).exists()


def test_replacing_deletes_the_old_file_only_after_commit(api_client, user, media, django_capture_on_commit_callbacks):
    api_client.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        put(api_client, image_bytes("PNG"))
    user.refresh_from_db()
    old = media / user.avatar.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = put(api_client, image_bytes("JPEG"))
    assert response.status_code == 200
    assert old.exists()  # not committed yet

    for callback in callbacks:
        callback()
    user.refresh_from_db()
    assert not old.exists()
    assert (media / user.avatar.name).exists()
    assert len(list(media.rglob("*.webp"))) == 1


def test_owner_deletes_their_avatar_and_its_file(api_client, user, media, django_capture_on_commit_callbacks):
    services.avatar_set(user=user, upload=upload(image_bytes("PNG")))
    path = media / user.avatar.name
    api_client.force_authenticate(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(AVATAR)

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert not path.exists()
    assert api_client.get("/api/v1/accounts/me/").json()["avatar_url"] is None


def test_deleting_no_avatar_is_fine(api_client, user):
    api_client.force_authenticate(user)

    assert api_client.delete(AVATAR).status_code == 204


def test_public_profile_shows_the_avatar_url(api_client, user):
    services.avatar_set(user=user, upload=upload(image_bytes("PNG")))

    response = api_client.get(f"/api/v1/accounts/{user.handle}/")

    assert response.json()["avatar_url"] == f"http://testserver/media/{user.avatar.name}"
