"""One object per process, built on first use and again after a fork: a
client that owns sockets, threads or locks must not be shared by gunicorn's
or Celery's children."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    def __init__(
        self, build: Callable[[], T], *, close: Callable[[T], object] = lambda _: None
    ) -> None:
        self._build, self._close = build, close
        self._lock = threading.Lock()
        self._value: T | None = None
        self._pid = 0

    def get(self) -> T:
        with self._lock:
            if self._value is None or self._pid != os.getpid():
                self._value, self._pid = self._build(), os.getpid()
            return self._value

    def reset(self) -> None:
        """Drop (and close) this process's object; one inherited from the parent
        is only dropped, since closing it would close the parent's sockets."""
        with self._lock:
            if self._value is not None and self._pid == os.getpid():
                with contextlib.suppress(Exception):  # it is being thrown away
                    self._close(self._value)
            self._value, self._pid = None, 0
