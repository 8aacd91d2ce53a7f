"""Where a chat socket's connect goes, in-process: queries, thread hops and CPU per connect.

    python -m bench.profile_chat_connect                 # 200 connects, then a burst of 200
    BENCH_CHAT_PROFILE_CONNECTS=500 BENCH_CHAT_HISTORY=50 python -m bench.profile_chat_connect
    BENCH_CHAT_PROFILE=/tmp/connect.prof python -m bench.profile_chat_connect   # and a cProfile

Each connect goes through ``config.asgi.application`` (the origin check, the session and token
middleware, the router, the consumer) with Channels' ``WebsocketCommunicator`` until the welcome
frame, anonymous (a player's ``client_id``) as most viewers are, against a live stream with
``BENCH_CHAT_HISTORY`` (50) lines of history in a throwaway database (``bench_chat_connect``, dropped
after unless ``BENCH_KEEPDB=1``), with the connection pool on as in production. Reported: SQL statements and thread hops
(``sync_to_async`` calls) per connect, the process's CPU time per connect one at a time, and
the wall time of a burst of connects 50 at a time. Not collected by ``make bench``.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import secrets
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_POOL", "true")

CONNECTS = int(os.environ.get("BENCH_CHAT_PROFILE_CONNECTS", "200"))
HISTORY = int(os.environ.get("BENCH_CHAT_HISTORY", "50"))


def _fixture():
    from django.utils import timezone

    from accounts.models import User
    from streaming.models import LiveStream, StreamChat

    LiveStream.all_objects.filter(title="Bench").update(status="ended")
    owner = User.objects.filter(handle="bench_streamer").first() or User.objects.create_user(
        email="bench-streamer@example.com", handle="bench_streamer", password=secrets.token_urlsafe(16)
    )
    stream = LiveStream.objects.create(
        owner=owner, title="Bench", stream_key=secrets.token_urlsafe(24), status="live", started_at=timezone.now()
    )
    StreamChat.objects.bulk_create(StreamChat(stream=stream, sender=owner, text=f"line {i}") for i in range(HISTORY))
    return str(stream.pk)


async def _connect(application, stream_id: str, index: int):
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(
        application,
        f"/ws/streams/{stream_id}/chat/?client_id=bench-client-{index:06d}",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )
    connected, _ = await communicator.connect(timeout=60)
    assert connected
    welcome = json.loads(await communicator.receive_from(timeout=30))
    assert welcome["type"] == "welcome", welcome
    return communicator


async def _run(application, stream_id: str) -> dict:
    from asgiref import sync

    hops = [0]
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        hops[0] += 1
        return await original(self, *args, **kwargs)

    sync.SyncToAsync.__call__ = counting
    communicators = []
    # Warm up (imports, the room, the pool).
    for i in range(20):
        communicators.append(await _connect(application, stream_id, i))
    hops[0] = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    profile = cProfile.Profile() if os.environ.get("BENCH_CHAT_PROFILE") else None
    if profile:
        profile.enable()
    for i in range(CONNECTS):
        communicators.append(await _connect(application, stream_id, 1000 + i))
    if profile:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_CHAT_PROFILE"])
    sequential_cpu = (time.process_time() - cpu0) / CONNECTS * 1000
    sequential_wall = (time.perf_counter() - wall0) / CONNECTS * 1000
    hops_per_connect = hops[0] / CONNECTS

    semaphore = asyncio.Semaphore(50)

    async def one(i):
        async with semaphore:
            communicators.append(await _connect(application, stream_id, 100000 + i))

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(CONNECTS)))
    burst_wall = time.perf_counter() - wall0
    burst_cpu = (time.process_time() - cpu0) / CONNECTS * 1000
    for communicator in communicators:
        await communicator.disconnect()
    sync.SyncToAsync.__call__ = original
    return {
        "connects": CONNECTS,
        "history": HISTORY,
        "thread_hops_per_connect": round(hops_per_connect, 2),
        "cpu_ms_per_connect": round(sequential_cpu, 2),
        "wall_ms_per_connect": round(sequential_wall, 2),
        "burst_seconds": round(burst_wall, 2),
        "burst_cpu_ms_per_connect": round(burst_cpu, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_chat_connect"
    keep = bool(os.environ.get("BENCH_KEEPDB"))  # kept for the next run (no migrations then)
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=keep)
    try:
        stream_id = _fixture()
        from config.asgi import application

        # Count SQL per connect: every statement runs in the one database thread.
        statements = []

        def wrapper(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        from django.db.backends.signals import connection_created

        def hook(sender, connection, **kwargs):
            if wrapper not in connection.execute_wrappers:
                connection.execute_wrappers.append(wrapper)

        connection_created.connect(hook)
        for conn in connections.all():
            if wrapper not in conn.execute_wrappers:
                conn.execute_wrappers.append(wrapper)

        async def count_one():
            communicator = await _connect(application, stream_id, 999999)
            await communicator.disconnect()

        asyncio.run(count_one())  # warm
        statements.clear()

        async def count_again():
            communicator = await _connect(application, stream_id, 999998)
            n = len(statements)
            await communicator.disconnect()
            return n

        per_connect = asyncio.run(count_again())
        connect_sql = list(statements[:per_connect])
        result = asyncio.run(_run(application, stream_id))
        result["queries"] = per_connect
        result["statements"] = [s[:160] for s in connect_sql]
        print(json.dumps(result, indent=1))
    finally:
        connections.close_all()
        if not keep:
            teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
