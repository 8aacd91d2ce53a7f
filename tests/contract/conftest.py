import sys


def pytest_terminal_summary(terminalreporter):
    """The API fuzzer's counts (operations, requests, time) at the end of any run that ran it."""
    module = sys.modules.get("tests.contract.test_fuzz_api")
    line = module.summary_line() if module is not None else None
    if line:
        terminalreporter.write_line(line)
