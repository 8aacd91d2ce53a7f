"""tests/conftest.py's exit watchdog: a thread a test leaves running must not hang the run after its
results are in; the process reports every thread's stack and ends with the session's status."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUCK = textwrap.dedent(
    """
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    never = threading.Event()


    def stuck_until_released():
        never.wait()


    def test_leaves_an_executor_thread_running():
        ThreadPoolExecutor(max_workers=1).submit(stuck_until_released)  # joined at exit: never ends


    def test_outcome():
        assert os.environ["OUTCOME"] == "pass"
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(("outcome", "status"), [("pass", 0), ("fail", 1)])
def test_a_hang_at_exit_reports_the_stuck_thread_and_keeps_the_sessions_status(tmp_path, outcome, status):
    (tmp_path / "test_stuck.py").write_text(STUCK)
    env = {**os.environ, "OUTCOME": outcome, "FANFARE_TEST_EXIT_GRACE_SECONDS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == status
    assert ("2 passed" if outcome == "pass" else "1 failed, 1 passed") in run.stdout
    assert "The test process did not exit within 1.0 s of the session's end" in run.stderr
    assert f"(status {status})" in run.stderr
    assert "in stuck_until_released" in run.stderr  # the stuck thread's stack: what to fix


@pytest.mark.slow
def test_a_run_that_exits_says_nothing(tmp_path):
    (tmp_path / "test_fine.py").write_text("def test_fine():\n    assert True\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "FANFARE_TEST_EXIT_GRACE_SECONDS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0
    assert "1 passed" in run.stdout
    assert "did not exit" not in run.stderr
