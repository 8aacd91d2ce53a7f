"""Third-party browser code is served from installed packages, never from files committed here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from core import static_assets

ROOT = Path(__file__).resolve().parents[2]


def test_each_asset_is_found_by_the_static_finders():
    for name, (_package, _directory, files) in static_assets.ASSETS.items():
        for file in files:
            found = finders.find(f"vendor/{name}/{file}")
            assert found, f"vendor/{name}/{file} is not installed"
            assert Path(found).stat().st_size > 100_000  # the real minified library, not a stub


def test_hls_js_is_the_pinned_version_from_the_lockfile():
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/hls.js"]
    installed = json.loads((static_assets.NODE_MODULES / "hls.js" / "package.json").read_text())
    assert installed["version"] == pinned["version"] == "1.7.4"
    assert pinned["integrity"].startswith("sha512-")
    # The lockfile names no download address: only the version and its checksum.
    assert "resolved" not in pinned
    served = Path(finders.find("vendor/hls/hls.min.js")).read_bytes()
    assert b"HLS" in served[:200_000]


def test_no_third_party_browser_code_is_committed():
    tracked = subprocess.run(["git", "ls-files", "*.js"], cwd=ROOT, capture_output=True, text=True, check=True)
    names = [Path(p).name for p in tracked.stdout.split()]
    assert not [n for n in names if n.startswith(("hls", "plotly"))], names


def test_the_player_page_links_the_served_file(client: Client):
    # What a template links must be what the finder serves (development) and collectstatic copies.
    response = client.get("/static/vendor/hls/hls.min.js")
    assert response.status_code == 200
    served = Path(finders.find("vendor/hls/hls.min.js"))
    assert int(response["Content-Length"]) == served.stat().st_size
    assert response["Content-Type"].startswith(("text/javascript", "application/javascript"))
