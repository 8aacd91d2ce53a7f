"""Third-party browser code that the studio uses, taken from the Python packages that ship it
(installed from requirements.txt), never committed here and never loaded from a CDN.

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

# name: (package, directory inside it, files served from there)
ASSETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # plotly.js (charts with axes, dates, tooltips), shipped by the ``plotly`` wheel.
    "plotly": ("plotly", "package_data", ("plotly.min.js",)),
}


def _package_dir(package: str) -> Path | None:
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

        missing = [name for name in ASSETS if name not in self.storages]
        return [
            checks.Warning(
                f"The package that ships {name} is not installed (pip install -r requirements.txt).", id="core.W010"
            )
            for name in missing
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
