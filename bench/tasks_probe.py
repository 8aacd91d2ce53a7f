"""The no-op task of bench/bench_tasks.py, loaded by its workers (``celery worker --include``).

It appends how long it waited (enqueue to start, from the time the sender put in its argument)
to the file named by ``BENCH_TASKS_LOG``: one short O_APPEND write, the least a task can do and
still be measured.
"""

import os
import time

from config.celery import app


@app.task(name="bench.noop")
def noop(sent_at: float) -> None:
    started = time.time()
    fd = os.open(os.environ["BENCH_TASKS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{started - sent_at:.6f} {started:.6f}\n".encode())
    finally:
        os.close(fd)
