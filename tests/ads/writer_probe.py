"""A writer process that stops inside its batch's transaction, after the COPY, for the kill test.

Usage: python -m tests.ads.writer_probe <signal file> <batch size>. It writes the signal file
once the COPY of its first batch is done (the transaction still open) and then waits to be killed.
"""

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.ads.probe_settings")
    django.setup()
    from ads.services import writer

    signal_file, limit = sys.argv[1], int(sys.argv[2])
    real_copy = writer.copy_rows

    def copy_then_wait(model, attnames, rows, **kwargs):
        count = real_copy(model, attnames, rows, **kwargs)
        with open(signal_file, "w") as handle:
            handle.write(str(count))
        time.sleep(120)
        return count

    writer.copy_rows = copy_then_wait
    writer.events_write(limit=limit)


if __name__ == "__main__":
    main()
