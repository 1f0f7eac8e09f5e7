"""One object per process, built on first use and again after a fork.

Clients that own sockets, threads or locks (the Kafka producer, the games
API's HTTP session, the JWKS cache) must not be shared by the children of
gunicorn or Celery: each child builds its own the first time it asks.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    def __init__(
        self, build: Callable[[], T], *, close: Callable[[T], object] | None = None
    ) -> None:
        self._build = build
        self._close = close
        self._lock = threading.Lock()
        self._value: T | None = None
        self._pid: int | None = None

    def get(self) -> T:
        with self._lock:
            if self._value is None or self._pid != os.getpid():
                self._value, self._pid = self._build(), os.getpid()
            return self._value

    def reset(self) -> None:
        """Drop this process's object (after a fatal error, or in tests); the
        next ``get`` builds a new one. One inherited from the parent is only
        forgotten: closing it would close the parent's sockets too."""
        with self._lock:
            if self._close is not None and self._value is not None and self._pid == os.getpid():
                # Closing a broken client must not raise; it is being thrown away.
                with contextlib.suppress(Exception):
                    self._close(self._value)
            self._value, self._pid = None, None
