"""uvicorn's per-socket INFO lines ("[accepted]", "connection open" on ``uvicorn.error``) are off:
they are access lines, which ``--no-access-log`` does not cover, and cost the server a formatted
write per socket (bench/README.md, chat_fanout). Warnings and errors still show."""

import logging
from logging.config import dictConfig

from django.conf import settings


def test_uvicorns_connection_lines_are_off_and_its_warnings_and_errors_show():
    dictConfig(settings.LOGGING)
    logger = logging.getLogger("uvicorn.error")
    assert not logger.isEnabledFor(logging.INFO)
    assert logger.isEnabledFor(logging.WARNING)
    assert logger.isEnabledFor(logging.ERROR)
