"""The Redis cache, made to degrade instead of failing every request when Redis is down.

With ``REDIS_URL`` set, Django's cache (sessions' fast path, DRF's throttles, login throttling,
chat rate limits, live metrics) is Redis. Django's own Redis backend raises on every call while
Redis is unreachable, which turned logins, verification emails and any request carrying a session
into 500s. This backend sorts the calls by what their callers can live without:

- reads (``get``, ``get_many``, ``has_key``) miss: sessions fall back to the database
  (``cached_db``), DRF's throttles see an empty history;
- writes (``set``, ``set_many``, ``delete``, ``delete_many``, ``touch``) are skipped;
- atomic counters and claims (``add``, ``incr``, ``decr``) raise :class:`CacheUnavailableError`
  (503 ``cache_unavailable``): their callers enforce limits (login attempts, chat rate limits,
  single-use login challenges), and a limit that cannot be counted must not pass silently.

So while Redis is down, DRF's generic request throttles fail open (every skipped call is logged
at WARNING, "cache unavailable"), login and the second login step answer 503 (fail closed), and
second-factor guesses stay limited by django-otp's counters in PostgreSQL. docs/architecture.md,
"When a dependency is down", has the whole table.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.errors import ServiceUnavailableError

logger = logging.getLogger(__name__)

_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheUnavailableError(ServiceUnavailableError):
    default_code = "cache_unavailable"
    default_message = "A service this request needs is not answering. Try again shortly."

    def __init__(self) -> None:
        super().__init__(extra={"retry_after": 30})


def _log(operation: str, error: Exception) -> None:
    logger.warning("cache unavailable: %s skipped (%s)", operation, error)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; see the module docstring for what each call does while Redis is down."""

    # Reads: a miss.
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _DOWN as error:
            _log("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _DOWN as error:
            _log("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _DOWN as error:
            _log("has_key", error)
            return False

    # Writes: skipped.
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except _DOWN as error:
            _log("set", error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _DOWN as error:
            _log("set_many", error)
            return []

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _DOWN as error:
            _log("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except _DOWN as error:
            _log("delete_many", error)
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _DOWN as error:
            _log("touch", error)
            return False

    # Atomic counters and claims: refused, so that no limit passes uncounted.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _DOWN as error:
            raise CacheUnavailableError() from error

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _DOWN as error:
            raise CacheUnavailableError() from error

    def decr(self, key, delta=1, version=None):
        try:
            return super().decr(key, delta, version)
        except _DOWN as error:
            raise CacheUnavailableError() from error
