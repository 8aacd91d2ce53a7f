"""``/ws/notifications/``: live notifications and unread counts for every open session of a user."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.services.sockets import CLOSE_ACCOUNT, account_group
from notifications import selectors
from notifications.services import BROADCAST_GROUP, user_group

# Close code for a connection without a signed-in user (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401


@database_sync_to_async
def _group_payload(user, notification_id):
    from notifications.api.serializers import NotificationGroupSerializer

    group = selectors.notification_group_for_user(user=user, notification_id=notification_id)
    return None if group is None else NotificationGroupSerializer(group).data


@database_sync_to_async
def _announcement_payload(user, announcement_id):
    from notifications.api.serializers import NotificationGroupSerializer

    group = selectors.user_received_announcement(user=user, announcement_id=announcement_id)
    return None if group is None else NotificationGroupSerializer(group).data


@database_sync_to_async
def _unread_count(user) -> int:
    return selectors.unread_count(user=user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Server to client only. On connect: ``{"type": "unread_count", "count": n}``. Then, as
    things happen: ``{"type": "notification", "event": "created"|"updated", "notification": {...}}``
    (the same shape as the REST list), ``{"type": "notification_removed", "id": ...}`` and a fresh
    ``unread_count``. Anonymous connections are closed with code 4401; a suspended or banned
    account's sockets get ``{"type": "error", "code": "account_suspended"|"account_banned"}`` and close with 4409."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        # account_group: a suspension or ban closes the socket (account.close, 4409).
        self.groups_joined = [user_group(user.pk), BROADCAST_GROUP, account_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self._send_count()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "read_only", "detail": "This socket only sends."})

    async def _send_count(self):
        await self.send_json({"type": "unread_count", "count": await _unread_count(self.user)})

    async def notification_changed(self, message):
        if message["event"] == "removed":
            await self.send_json({"type": "notification_removed", "id": message["notification_id"]})
        else:
            payload = await _group_payload(self.user, message["notification_id"])
            if payload is not None:
                await self.send_json({"type": "notification", "event": message["event"], "notification": payload})
        await self._send_count()

    async def notification_unread(self, message):
        await self._send_count()

    async def notification_announcement(self, message):
        payload = await _announcement_payload(self.user, message["announcement_id"])
        if payload is not None:
            await self.send_json({"type": "notification", "event": "created", "notification": payload})
            await self._send_count()

    async def account_close(self, message):
        await self.send_json({"type": "error", "code": message.get("code", "account_suspended"),
                              "detail": "This account can no longer use this connection."})  # fmt: skip
        await self.close(code=CLOSE_ACCOUNT)
