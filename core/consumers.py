import json

from channels.generic.websocket import AsyncWebsocketConsumer


class HealthConsumer(AsyncWebsocketConsumer):
    """``/ws/health/``: answers ``{"type": "ping"}`` with ``{"type": "pong"}``.

    Anything else gets ``{"type": "error", "code": ...}`` with code ``invalid_json`` or
    ``unknown_type``; the socket stays open.
    """

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = json.loads(text_data if text_data is not None else bytes_data)
        except (TypeError, ValueError):
            await self._send_error("invalid_json", "Messages are JSON objects.")
            return
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self._send_error("unknown_type", 'The only message here is {"type": "ping"}.')
            return
        user = self.scope.get("user")
        await self.send(json.dumps({"type": "pong", "authenticated": bool(user and user.is_authenticated)}))

    async def _send_error(self, code: str, detail: str) -> None:
        await self.send(json.dumps({"type": "error", "code": code, "detail": detail}))
