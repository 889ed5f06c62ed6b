"""The cache is an accelerator, never a dependency.

`RedisCache` is Django's Redis backend that answers like a cache miss when Redis
does not answer: `get()` returns the default, `add()`, `touch()`, `delete()` and
`has_key()` return False, `set()` stores nothing, `set_many()` returns every key
as not stored, and `incr()` raises ValueError as for a missing key. Every socket
operation gives up after CACHE_TIMEOUT seconds (README, "Configuration").

After a failure the backend leaves Redis alone for RETRY_AFTER seconds, so that a
hung server costs one timeout per second, not one per cache call; the first call
after that tries again, and caching resumes by itself when Redis answers. An
outage is logged once when it starts and once when it ends, not per request.

Backends are per thread, as Django makes them, so each thread of a process keeps
its own breaker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to serve without Redis after it failed to answer.
RETRY_AFTER = 1.0


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with socket timeouts, serving misses while Redis is
    down or hung."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        timeout = getattr(settings, "CACHE_TIMEOUT", 0.25)
        self._options = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            **self._options,
        }
        self.down_since: float | None = None
        self._retry_at = 0.0

    @property
    def available(self) -> bool:
        """False from a failure until Redis answers again."""
        return self.down_since is None

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys, version=None) -> dict:
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None) -> bool:
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None) -> int:
        missing = object()
        value = self._guard(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found: the cache is unavailable.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None) -> None:
        self._guard(None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._guard(False, super().clear)

    def _guard(self, fallback: Any, operation: Callable, *args) -> Any:
        if self.down_since is not None and time.monotonic() < self._retry_at:
            return fallback
        try:
            result = operation(*args)
        except RedisError as error:
            self._failed(error)
            return fallback
        if self.down_since is not None:
            logger.warning(
                "Cache %s answers again after %.1f s without it.",
                self._where(),
                time.monotonic() - self.down_since,
            )
            self.down_since = None
        return result

    def _failed(self, error: RedisError) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            logger.warning(
                "Cache %s unavailable (%s: %s): serving without it, trying again "
                "every %.0f s.",
                self._where(),
                type(error).__name__,
                error,
                RETRY_AFTER,
            )
        self._retry_at = now + RETRY_AFTER

    def _where(self) -> str:
        # Host, port and database only: a URL may carry a password.
        parts = (urlsplit(server) for server in self._servers)
        return ", ".join(f"{p.hostname}:{p.port or 6379}{p.path}" for p in parts)
