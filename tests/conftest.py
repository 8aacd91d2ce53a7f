import faulthandler
import os
import sys
import threading
import time

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests import db_template


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_blocker):
    """Reuse the test database when it was just cloned from a migrated template (tests/db_template.py)."""
    if request.config.getvalue("reuse_db"):
        return True
    with django_db_blocker.unblock():
        return db_template.clone_into_test_database()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as `make run` has it: migrated, then partitions created by pgpartition."""
    with django_db_blocker.unblock():
        db_template.save_test_database_as_template()
        call_command("pgpartition", "--yes", verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_ledger_guard():
    """Transactional tests end with a flush, a TRUNCATE of every table; the ledger refuses
    TRUNCATE (billing/models/ledger.py) except under ``pgtrigger.ignore`` of its guards."""
    import pgtrigger
    from django.db.backends.postgresql.operations import DatabaseOperations

    guards = [f"billing.{model}:billing_{name}_no_truncate" for model, name in LEDGER_TABLES]
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with pgtrigger.ignore(*guards, databases=[self.connection.alias]):
            return original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


LEDGER_TABLES = [("JournalEntry", "entry"), ("JournalLine", "line"), ("JournalKey", "key")]


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def asgi_server(transactional_db):
    """The whole platform (HTTP and WebSockets) behind a real uvicorn on a free port."""
    from config.asgi import application
    from tests.servers import serve_asgi

    with serve_asgi(application) as url:
        yield url


def pytest_collection_modifyitems(session, config, items):
    """The API fuzzer (tests/contract) runs first.

    Its stateful phase replays request chains and needs the same answers on a replay; rows that
    earlier modules' transactional tests leave behind have made hypothesis report the chains as
    flaky (FlakyStrategyDefinition) after the billing tests. Until that is found, it runs on a
    clean database.
    """
    items.sort(key=lambda item: 0 if "/tests/contract/" in str(item.path) else 1)


# How long the process may take to exit once the session is over (it takes seconds).
EXIT_GRACE_SECONDS = float(os.environ.get("FANFARE_TEST_EXIT_GRACE_SECONDS", "90"))


def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_exit_status] = int(exitstatus)


_exit_status = pytest.StashKey[int]()


def pytest_unconfigure(config):
    """A watchdog for the exit: the results are in, but the interpreter's exit joins every thread
    a test left running (an executor's, a server's). If one never ends, the run would hang until
    CI gives up and the results would be lost; instead, after ``EXIT_GRACE_SECONDS`` every thread's
    stack is written to stderr (what to fix) and the process ends with the session's own status.
    Should Python code no longer run by then (late in the interpreter's shutdown), faulthandler's
    own thread dumps the stacks 30 s later and exits with status 1."""
    status = config.stash.get(_exit_status, None)
    if status is None:
        return

    def watch():
        time.sleep(EXIT_GRACE_SECONDS)
        sys.stderr.write(
            f"\nThe test process did not exit within {EXIT_GRACE_SECONDS} s of the session's end "
            f"(status {status}): a thread left running is joined at exit. Every thread's stack:\n"
        )
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        sys.stderr.flush()
        os._exit(status)

    threading.Thread(target=watch, name="exit-watchdog", daemon=True).start()
    faulthandler.dump_traceback_later(EXIT_GRACE_SECONDS + 30, exit=True)
