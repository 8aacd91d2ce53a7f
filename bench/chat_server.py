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
    import uvicorn

    from config.asgi import application

    # No permessage-deflate: compressing every small chat frame once per socket costs more CPU
    # than it saves bandwidth (about 45 us per delivery here); the baseline does the same.
    uvicorn.run(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        ws="websockets-sansio", ws_per_message_deflate=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
