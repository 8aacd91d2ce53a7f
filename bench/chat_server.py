"""Fanfare's ASGI app under uvicorn, one process, against a named database (the bench's throwaway one).

python -m bench.chat_server PORT DATABASE_NAME
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def main() -> None:
    import django
    from django.conf import settings

    port, database = int(sys.argv[1]), sys.argv[2]
    django.setup()
    settings.DATABASES["default"]["NAME"] = database  # before the first connection is made
    import gc

    import uvicorn

    from config.asgi import application

    # Garbage-collector tuning for a long-lived ASGI worker holding thousands of sockets: the
    # start-up objects move out of the collector's sight, and young collections run every
    # 100,000 allocations instead of 700. Without it, full collections over every consumer made
    # the p99 delivery delay 2-3 times the baseline's (bench/README.md).
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)

    # No permessage-deflate: compressing every small chat frame once per socket costs more CPU
    # than it saves bandwidth (about 45 us per delivery here); the baseline does the same.
    uvicorn.run(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        ws="websockets-sansio", ws_per_message_deflate=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
