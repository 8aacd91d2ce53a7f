"""Media storage: local files by default, S3 through django-storages when a bucket is named.

The S3 path runs against moto's S3 server on this machine, in a separate process whose
settings are read from the environment as production's would be.
"""

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_media_is_stored_in_local_files_by_default(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path

    name = default_storage.save("avatars/probe.txt", ContentFile(b"hello"))

    assert (tmp_path / name).read_bytes() == b"hello"
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.fixture
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


SAVE_AND_SIGN = """
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("avatars/probe.txt", ContentFile(b"hello from s3"))
print(settings.STORAGES["default"]["BACKEND"])
print(name)
print(default_storage.url(name))
"""


def test_media_goes_to_s3_when_a_bucket_is_named(s3_server):
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    s3 = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1", **{k.lower(): v for k, v in credentials.items()}
    )
    s3.create_bucket(Bucket="fanfare-media")
    env = {
        **os.environ,
        **credentials,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "AWS_STORAGE_BUCKET_NAME": "fanfare-media",
        "AWS_S3_ENDPOINT_URL": s3_server,
    }

    result = subprocess.run(
        [sys.executable, "-c", SAVE_AND_SIGN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    backend, name, url = result.stdout.strip().splitlines()[-3:]
    assert backend == "storages.backends.s3.S3Storage"
    assert s3.get_object(Bucket="fanfare-media", Key=name)["Body"].read() == b"hello from s3"
    assert url.startswith(f"{s3_server}/fanfare-media/avatars/probe")
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
