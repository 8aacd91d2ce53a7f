"""The local video pipeline's wall time against the same ffmpeg work run directly, in the same run.

Input: one generated clip (ffmpeg's testsrc + a sine tone, BENCH_VIDEO_SIZE, BENCH_VIDEO_SECONDS).
- direct (baseline): the probe, poster, sprite and every rendition's ffmpeg command, one after
  another, exactly as the pipeline builds them (``content.transcoding.local``).
- pipeline: ``video_create`` + one ``upload_append`` of the whole file, which probes and runs the
  Celery tasks eagerly (claim, progress writes, settle, master playlist) until the video is ready.

Rounds alternate (direct, pipeline, direct, ...) and the medians are compared. The pipeline writes
its files under a temporary VIDEO_ROOT and its rows in the development database, deleted after.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_VIDEO_ROUNDS", "3"))
SIZE = os.environ.get("BENCH_VIDEO_SIZE", "640x360")
SECONDS = int(os.environ.get("BENCH_VIDEO_SECONDS", "6"))


def _direct(source: Path, out: Path) -> float:
    from content.transcoding import ladder_for
    from content.transcoding.local import LocalBackend, rendition_command

    backend = LocalBackend()
    out.mkdir(parents=True)
    started = time.perf_counter()
    probe = backend.probe(source=source)
    backend.poster(source=source, out_dir=out, duration=probe.duration)
    backend.sprite(source=source, out_dir=out, duration=probe.duration)
    for rung, width, height in ladder_for(width=probe.width, height=probe.height):
        command = rendition_command(source=source, out_dir=out, rung=rung, width=width, height=height)
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def _pipeline(source: Path, owner) -> tuple[float, list[str]]:
    from content.models import Rendition, Video
    from content.services import videos

    size = source.stat().st_size
    started = time.perf_counter()
    video, _ = videos.video_create(owner=owner, title="bench", size=size)
    with open(source, "rb") as stream:
        videos.upload_append(upload_id=video.upload.pk, user=owner, offset=0, length=size, stream=stream)
    elapsed = time.perf_counter() - started
    video.refresh_from_db()
    if video.status != Video.Status.READY:
        raise RuntimeError(f"the pipeline ended {video.status}: {video.error_message}")
    names = list(Rendition.objects.filter(video=video).order_by("height").values_list("name", flat=True))
    video.hard_delete()
    return elapsed, names


def run() -> dict:
    from django.test import override_settings

    from accounts.services.users import user_create
    from content.transcoding.local import generated_clip

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = generated_clip(root / "source.mp4", source="testsrc", size=SIZE, seconds=SECONDS)
        owner = user_create(
            email=f"bench-{uuid.uuid4().hex[:8]}@bench.local", handle=f"bench_{uuid.uuid4().hex[:8]}",
            password=None, check_password=False,
        )  # fmt: skip
        direct, pipeline, renditions = [], [], []
        try:
            with override_settings(VIDEO_ROOT=root / "videos", CELERY_TASK_ALWAYS_EAGER=True):
                from config.celery import app

                app.conf.task_always_eager = True
                for index in range(ROUNDS):
                    direct.append(_direct(source, root / f"direct-{index}"))
                    elapsed, renditions = _pipeline(source, owner)
                    pipeline.append(elapsed)
        finally:
            owner.delete()
    direct_median, pipeline_median = statistics.median(direct), statistics.median(pipeline)
    return {
        "name": "video_pipeline_local",
        "input": f"{SIZE}, {SECONDS} s",
        "renditions": renditions,
        "rounds": ROUNDS,
        "direct_s": [round(value, 3) for value in direct],
        "pipeline_s": [round(value, 3) for value in pipeline],
        "direct_median_s": round(direct_median, 3),
        "pipeline_median_s": round(pipeline_median, 3),
        "overhead_percent": round(100 * (pipeline_median / direct_median - 1), 1),
    }
