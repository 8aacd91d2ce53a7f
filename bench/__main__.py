"""Run every benchmark in bench/ (modules named bench_*.py with a run() -> dict) and report.

    make bench                      # all of them
    python -m bench http            # the ones whose name contains "http"

Results are printed as JSON lines and saved in bench/results/<timestamp>.json.
"""

import datetime as dt
import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def main(argv: list[str]) -> int:
    import django

    django.setup()
    here = Path(__file__).resolve().parent
    wanted = argv[1:]
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    names = [n for n in names if not wanted or any(w in n for w in wanted)]
    results = []
    for name in names:
        result = importlib.import_module(f"bench.{name}").run()
        print(json.dumps(result))
        results.append(result)
    out = here / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
