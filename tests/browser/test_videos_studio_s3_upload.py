"""The studio's upload page in S3 mode: Chromium PUTs the parts straight to the bucket (moto's
S3 server, with the bucket's own CORS rules) and completes the upload with their ETags."""

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from content.models import Upload, Video
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory
from tests.servers import free_port

pytestmark = pytest.mark.browser
clip = video_factories.clip
video_root = video_factories.video_root

PASSWORD = "correct horse battery staple"
BUCKET = "fanfare-videos"


@pytest.fixture
def s3_bucket_for_the_studio(monkeypatch, settings, asgi_server, video_root, clip):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr("moto.s3.models.S3_UPLOAD_PART_MIN_SIZE", 1024)
    # moto otherwise answers every origin itself, without exposing ETag; real S3 applies the
    # bucket's CORS rules, and so does moto once its global CORS is off.
    monkeypatch.setattr("moto.moto_server.werkzeug_app.DISABLE_GLOBAL_CORS", True)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset").raise_for_status()
    settings.VIDEO_UPLOAD_MODE = "s3"
    settings.VIDEO_S3_BUCKET = BUCKET
    settings.VIDEO_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.VIDEO_S3_PART_BYTES = clip.stat().st_size // 3 + 1  # three parts
    s3 = boto3.client("s3", endpoint_url=settings.VIDEO_S3_ENDPOINT_URL, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": [asgi_server], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"],
                 "ExposeHeaders": ["ETag"]}
            ]
        },
    )  # fmt: skip
    yield s3
    server.stop()


def test_a_creator_uploads_straight_to_s3_from_the_studio(page, clip, s3_bucket_for_the_studio):
    VerifiedUserFactory(email="creator@example.com", handle="creator")
    page.goto("/studio/login/?next=/studio/videos/upload/")
    page.fill("#id_username", "creator@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/videos/upload/")

    page.set_input_files("#id_file", str(clip))
    page.fill("#id_title", "Straight to S3")
    page.click("#video-upload button[type=submit]")

    page.get_by_test_id("upload-message").filter(has_text="Ready to watch.").wait_for(timeout=60_000)
    steps = [int(step) for step in page.locator("#upload-progress").get_attribute("data-steps").split(",")]
    assert steps[0] == 0
    assert steps[-1] == 100
    assert len(steps) == 4  # 0, then one step per part
    video = Video.objects.get()
    upload = Upload.objects.get()
    assert (video.title, video.status, upload.mode, upload.status) == ("Straight to S3", "ready", "s3", "complete")
    stored = s3_bucket_for_the_studio.head_object(Bucket=BUCKET, Key=upload.s3_key)["ContentLength"]
    assert stored == clip.stat().st_size
