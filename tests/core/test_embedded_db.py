"""The embedded PostgreSQL: started on demand, shared by processes, recovered after a kill.

Each test runs its own server in a temporary data directory, in separate processes, so the
server that the rest of the suite uses is never touched.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from core import embedded_db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

START_AND_QUERY = """
import sys, psycopg
from core.embedded_db import ensure_running
server = ensure_running(sys.argv[1])
with psycopg.connect(dbname="fanfare", user="postgres", host=str(server.socket_dir), autocommit=True) as conn:
    conn.execute(sys.argv[2] if len(sys.argv) > 2 else "SELECT 1")
print(server.pid)
"""


def run_process(pgdata: Path, sql: str = "SELECT 1") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", START_AND_QUERY, str(pgdata), sql],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def started_pid(pgdata: Path, sql: str = "SELECT 1") -> int:
    result = run_process(pgdata, sql)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def pgdata():
    # Not tmp_path: another pytest session on the machine may delete old basetemp directories,
    # and with them the data directory of a server still running here.
    parent = Path(tempfile.mkdtemp(prefix="fanfare-pgtest-"))
    path = parent / "pg"
    yield path
    embedded_db.remove(path)
    shutil.rmtree(parent, ignore_errors=True)


def test_a_process_starts_the_server_and_the_next_one_reuses_it(pgdata):
    first = started_pid(pgdata, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
    second = started_pid(pgdata, "SELECT n FROM kept")

    assert first == second
    assert psutil.Process(first).is_running()


def test_processes_starting_at_once_share_one_server(pgdata):
    launched = [
        subprocess.Popen(
            [sys.executable, "-c", START_AND_QUERY, str(pgdata)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    pids = {int(process.communicate(timeout=120)[0].split()[-1]) for process in launched}

    assert len(pids) == 1


def test_the_server_is_recovered_after_it_was_killed(pgdata):
    first = started_pid(pgdata, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")

    os.kill(first, signal.SIGKILL)
    psutil.Process(first).wait(10) if psutil.pid_exists(first) else None

    assert (pgdata / "postmaster.pid").exists()  # the killed server's lock file is left behind
    second = started_pid(pgdata, "DO $$ BEGIN IF (SELECT n FROM kept) <> 7 THEN RAISE 'lost'; END IF; END $$")
    assert second != first


def test_a_stale_lock_naming_a_live_unrelated_process_is_recovered(pgdata):
    started_pid(pgdata)
    embedded_db.stop(pgdata)
    # A lock file whose pid now belongs to another program (pid reuse after a reboot).
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        lock = pgdata / "postmaster.pid"
        lock.write_text(f"{stranger.pid}\n{pgdata}\n{int(time.time())}\n5432\n{pgdata}\n\n  0 0\nready\n")
        pid = started_pid(pgdata)
    finally:
        stranger.kill()
    assert pid != stranger.pid
    assert embedded_db._is_our_postmaster(pid, pgdata.resolve())


def test_a_failed_start_says_why_in_one_line(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "PG_VERSION").write_text("9.6\n")

    with pytest.raises(embedded_db.EmbeddedDatabaseError) as caught:
        embedded_db.ensure_running(broken)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"embedded PostgreSQL in {broken} did not start: ")
    # The reason PostgreSQL gave: this directory has no configuration file.
    assert "postgresql.conf" in message
    assert message.endswith(f"(log: {broken / 'log'})")


def test_a_data_directory_of_something_else_is_refused(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not a database")

    with pytest.raises(embedded_db.EmbeddedDatabaseError, match="holds no PostgreSQL data"):
        embedded_db.ensure_running(other)

    assert (other / "notes.txt").read_text() == "not a database"


def test_manage_py_reports_a_start_failure_in_one_line(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "PG_VERSION").write_text("9.6\n")
    env = {**os.environ, "EMBEDDED_PGDATA": str(broken), "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    env.pop("DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: embedded PostgreSQL in {broken} did not start: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_server_left_under_a_deleted_data_directory_is_stopped(pgdata):
    # A checkout removed without `make db-stop`, then cloned again at the same path: the old
    # postmaster would later notice its lock file changed and remove the new server's socket.
    old = started_pid(pgdata)
    shutil.rmtree(pgdata)

    new = started_pid(pgdata)

    assert new != old
    assert not psutil.pid_exists(old) or psutil.Process(old).status() == psutil.STATUS_ZOMBIE


def test_stop_ends_a_server_whose_data_directory_was_deleted(pgdata):
    pid = started_pid(pgdata)
    shutil.rmtree(pgdata)
    (pgdata).mkdir()
    # The directory is made again with only a lock file naming the old, still running server.
    (pgdata / "postmaster.pid").write_text(f"{pid}\n{pgdata}\n0\n5432\n{pgdata}\n\n0 0\nready\n")

    assert embedded_db.stop(pgdata) is True
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
