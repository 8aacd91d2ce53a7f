"""The kombu transport of the embedded broker (``core.embedded_broker`` says why and what it costs).

Kombu imports it by the ``fanfaredb`` alias that ``config.celery`` registers, only in processes that
use the embedded broker (it imports SQLAlchemy).
"""

from __future__ import annotations

from json import loads
from queue import Empty
from time import monotonic, sleep

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str

from core.embedded_broker import POLLING_INTERVAL

QOS_FULL_WAIT = 0.005


class Channel(kombu_sqlalchemy.Channel):
    """Kombu's channel, but: a taken message is deleted (taken with SKIP LOCKED), queue rows are
    looked up once per channel, and no transaction stays open between two calls (an idle
    transaction would hold the database's locks and connections)."""

    def __init__(self, *args, **kwargs) -> None:
        self._queue_rows: dict[str, object] = {}
        super().__init__(*args, **kwargs)

    @property
    def session(self):
        if self._session is None:
            _, session_factory = self._open()
            self._session = session_factory(expire_on_commit=False)
        return self._session

    def _get_or_create(self, queue: str):
        row = self._queue_rows.get(queue)
        if row is None:
            row = super()._get_or_create(queue)
            self.session.commit()
            self._queue_rows[queue] = row
        return row

    def _size(self, queue: str) -> int:
        try:
            return super()._size(queue)
        finally:
            self.session.commit()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        super().close()

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

    def drain_events(self, connection, timeout=None):
        """Kombu's loop, but it sleeps the polling interval only when the queues were empty: a
        worker whose prefetch is full (it asked nothing of the database) looks again after
        :data:`QOS_FULL_WAIT`, so a finished task is followed by the next at once."""
        started = monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError() from None
                full = any(channel._consumers and not channel.qos.can_consume() for channel in self.channels)
                wait = QOS_FULL_WAIT if full else self.polling_interval
                if timeout:
                    wait = min(wait, timeout)
                sleep(wait)
            else:
                return
