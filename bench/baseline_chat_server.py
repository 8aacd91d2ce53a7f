"""The chat fan-out baseline: a minimal broadcast server written with the ``websockets`` library.

Every text frame a client sends is sent to every connected client, wrapped in the same shape
Fanfare uses (``{"type": "message", "message": {"text": ...}}``), serialized once.

    python -m bench.baseline_chat_server PORT
"""

import asyncio
import json
import sys

import websockets

CLIENTS: set = set()


async def handler(socket):
    CLIENTS.add(socket)
    try:
        await socket.send(json.dumps({"type": "welcome", "messages": []}))
        async for frame in socket:
            content = json.loads(frame)
            if content.get("type") == "message":
                event = json.dumps({"type": "message", "message": {"text": content["text"]}})
                websockets.broadcast(CLIENTS, event)
    finally:
        CLIENTS.discard(socket)


async def main(port: int) -> None:
    # The library's defaults (permessage-deflate offered), as uvicorn's for the Fanfare server.
    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
