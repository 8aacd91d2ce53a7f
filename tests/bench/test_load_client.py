"""bench_load's open-loop client ends every run, whatever the server does.

A run of the load benchmark once waited five minutes on an idle server and was stopped. These run
the client (``bench.bench_load._open_loop``) against servers that misbehave, with a pool of two
connections and no early stop (the saturation check off), and assert that the run ends within
its request timeout and counts every request: answered, or an error of its kind.
"""

import asyncio
import time

import pytest

from bench import bench_load
from tests.servers import free_port

REQUEST = bench_load._request("/api/v1/videos/", {})
BODY = b'{"x":"ok"}'
GOOD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)


@pytest.fixture(autouse=True)
def small_client(monkeypatch):
    monkeypatch.setattr(bench_load, "CONNECTIONS", 2)
    monkeypatch.setattr(bench_load, "WARMUP", 0.0)
    monkeypatch.setattr(bench_load, "GIVE_UP_SECONDS", 1e9)  # no early stop: the client's own bounds only
    monkeypatch.setattr(bench_load, "REQUEST_TIMEOUT", 1.0)
    monkeypatch.setattr(bench_load, "_SERVER_PROCESSES", [])
    monkeypatch.setattr(bench_load, "_MEASURE_DB", [False])


def _run_against(handle, rate: float = 40, seconds: float = 1.0) -> tuple[dict, float]:
    async def main():
        port = free_port()
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        try:
            started = time.monotonic()
            result = await bench_load._open_loop(port, REQUEST, rate, seconds, len(BODY))
            return result, time.monotonic() - started
        finally:
            server.close()

    return asyncio.run(main())


async def _read_request(reader) -> bool:
    try:
        await reader.readuntil(b"\r\n\r\n")
        return True
    except (asyncio.IncompleteReadError, ConnectionError):
        return False


def test_a_server_that_never_answers_ends_the_run_with_every_request_a_timeout():
    async def silent(reader, writer):
        await reader.read()  # reads, never answers, until the client gives up

    result, elapsed = _run_against(silent)

    assert elapsed < 1.0 + bench_load.REQUEST_TIMEOUT + 2  # sending for 1 s, then at most one timeout
    assert result["answered"] == 0
    assert result["errors"] == {"timeout": 40}
    assert result["stuck"] == 0


def test_an_answer_the_client_cannot_parse_is_an_error_and_frees_its_connection():
    # Every other answer has no status line: the parser's IndexError used to escape the request,
    # which kept its pool slot for ever; with two slots the run then waited on an idle server.
    count = {"n": 0}

    async def garbled(reader, writer):
        while await _read_request(reader):
            count["n"] += 1
            if count["n"] % 2:
                writer.write(b"\r\n\r\n")  # no status line
                await writer.drain()
                writer.close()
                return
            writer.write(GOOD)
            await writer.drain()

    result, elapsed = _run_against(garbled)

    assert elapsed < 1.0 + bench_load.REQUEST_TIMEOUT + 2
    assert result["stuck"] == 0
    assert result["answered"] + sum(result["errors"].values()) == 40
    assert result["errors"].get("IndexError", 0) >= 1
    assert result["answered"] >= 1


def test_a_healthy_server_answers_every_request_on_kept_alive_connections():
    async def good(reader, writer):
        while await _read_request(reader):
            writer.write(GOOD)
            await writer.drain()
        writer.close()

    result, _elapsed = _run_against(good)

    assert result["errors"] == {}
    assert result["answered"] == 40
    assert result["connections"] <= 2


def test_kept_alive_connections_the_server_closed_are_resent_on_a_new_one():
    # The server answers one request per connection and then closes it, as uvicorn does with a
    # connection idle past its keep-alive timeout: every connection in the pool goes stale. The
    # client sends again until it reaches a connection it has not used (any HTTP client does);
    # a resend once, onto the pool's next idle (stale) connection, counted closed connections as
    # errors and failed load steps that had answered everything in time.
    async def one_answer_per_connection(reader, writer):
        if await _read_request(reader):
            writer.write(GOOD)
            await writer.drain()
        await asyncio.sleep(0.05)  # the client has put the connection back in its pool meanwhile
        writer.close()

    result, _elapsed = _run_against(one_answer_per_connection)

    assert result["errors"] == {}
    assert result["answered"] == 40
    assert result["stuck"] == 0
