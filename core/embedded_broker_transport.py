"""The kombu transport of the embedded broker (``core.embedded_broker`` says why and what it costs).

Kombu imports it by the ``fanfaredb`` alias that ``config.celery`` registers, only in processes that
use the embedded broker (it imports SQLAlchemy).
"""

from __future__ import annotations

from json import loads
from queue import Empty

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str

from core.embedded_broker import POLLING_INTERVAL


class Channel(kombu_sqlalchemy.Channel):
    def _get(self, queue: str) -> dict:
        obj = self._get_or_create(queue)
        try:
            message = (
                self.session.query(self.message_cls)
                .with_for_update(skip_locked=True)
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible.is_(True))
                .order_by(self.message_cls.sent_at, self.message_cls.id)
                .limit(1)
                .first()
            )
            if message is None:
                raise Empty()
            payload = message.payload
            self.session.delete(message)
            return loads(bytes_to_str(payload))
        finally:
            self.session.commit()


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL
