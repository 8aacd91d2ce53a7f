"""`make run`'s last words: once the web server answers, print where everything is, then wait.

It is one of the Procfile's processes, so its lines come after the others' start-up lines and stay
the last thing on screen; it waits (doing nothing) until `make run` stops, because honcho stops
every process when one of them ends.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Wait until /healthz says ok (web, worker, scheduler), print the demo logins and URLs, then wait."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="The web server's base URL, e.g. http://127.0.0.1:8000")
        parser.add_argument("--logins", default="", help="A file with the demo logins (seed_demo's output)")
        parser.add_argument("--timeout", type=float, default=120.0)

    def handle(self, *args, url, logins, timeout, **options):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        base = url.rstrip("/")
        deadline = time.monotonic() + timeout
        status = "no answer"
        while time.monotonic() < deadline:
            # Wait for every process (the worker and scheduler too), so these lines come last.
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310 - our own server
                    status = json.load(response).get("status", "")
            except (OSError, ValueError):
                status = "no answer"
            if status == "ok":
                break
            time.sleep(0.5)
        if status != "ok":
            self.stderr.write(f"{base}/healthz says {status!r} after {timeout:.0f} s: see the lines above")
        for line in self.lines(base=base, logins=Path(logins) if logins else None):
            self.stdout.write(line)
        self.stdout.flush()
        while True:
            signal.pause()

    def lines(self, *, base: str, logins: Path | None) -> list[str]:
        out = [""]
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            out.append(f"Emails are written to {settings.EMAIL_FILE_PATH}/ (one file per message), not sent.")
        if logins and logins.exists():
            out.append("Demo logins:")
            out += [f"  {line.strip()}" for line in logins.read_text().splitlines() if "password:" in line]
        ws = base.replace("http", "ws", 1)
        out += [
            f"Fanfare is running on {base}   (web, worker, scheduler; Ctrl-C stops them all)",
            f"  API docs   {base}/api/docs/        Studio  {base}/studio/",
            f"  Admin      {base}/admin/           (password + backup code above)",
            f"  Health     {base}/healthz          WebSockets {ws}/ws/health/",
        ]
        if settings.STREAMING_PROVIDER == "local":
            out.append(
                f"  RTMP       rtmp://{settings.STREAMING_RTMP_HOST}:{settings.STREAMING_RTMP_PORT}/live/<stream key>"
                "   (OBS/ffmpeg; key from /studio/streams/)"
            )
        return out
