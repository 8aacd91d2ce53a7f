"""A writer process that stops inside its batch's transaction, after its rows are written, for the kill test.

Usage: python -m tests.ads.writer_probe <signal file> <batch size>. It writes the signal file
once the rows of its first batch are in the event tables (the in-database writer's statement,
or the portable writer's COPY; the transaction still open) and then waits to be killed.
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
    real_copy, real_judge = writer.copy_rows, writer._judge_and_insert

    def wait(count: int) -> None:
        with open(signal_file, "w") as handle:
            handle.write(str(count))
        time.sleep(120)

    def copy_then_wait(model, attnames, rows, **kwargs):
        count = real_copy(model, attnames, rows, **kwargs)
        wait(count)
        return count

    def judge_then_wait(params):
        rows = real_judge(params)
        wait(sum(row[4] + row[5] for row in rows if row[0] == "n"))
        return rows

    writer.copy_rows = copy_then_wait
    writer._judge_and_insert = judge_then_wait
    writer.events_write(limit=limit)


if __name__ == "__main__":
    main()
