"""Wakes an idle outbox relay when a row is committed: a trigger on the
outbox (common/migrations/0003, 0005) sends ``NOTIFY outbox_event`` at commit
only while a relay holds ``SLEEP_LOCK`` (a notifying commit serialises with
every other on the server). The relay's safety poll covers what no
notification announces (expired leases, backoffs, a reconnecting listener)."""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import psycopg2.extensions
from django.db import connections

from common.logging import get_logger

log = get_logger(__name__)

CHANNEL = "outbox_event"
# The advisory lock a sleeping relay holds ("outbox" in ASCII); per database.
SLEEP_LOCK = 0x6F7574626F78
# How often a waiting relay looks at its stop flag (SIGTERM sets it), and how
# long it waits for the sleep lock another relay holds while asleep.
_STOP_CHECK_SECONDS = 0.25


class OutboxWakeup:
    """A ``LISTEN`` connection to the outbox's database, owned by one relay:
    opened on first use, closed on any error and opened again on the next."""

    def __init__(self) -> None:
        self._connection: Any = None

    def listen(self) -> Any:
        if self._connection is None:
            connection = psycopg2.connect(**connections["default"].get_connection_params())
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
                cursor.execute("SET lock_timeout = %s", [f"{int(_STOP_CHECK_SECONDS * 1000)}ms"])
            self._connection = connection
        return self._connection

    @contextlib.contextmanager
    def sleep_lock(self) -> Iterator[bool]:
        """Hold ``SLEEP_LOCK`` inside the block, so writers notify (True), or
        say it was not granted (False: another relay holds it, or the listener is broken)."""
        held = self._lock("pg_advisory_lock")
        try:
            yield held
        finally:
            # A closed listener's session, and so its lock, has already ended.
            if held and self._connection is not None:
                self._lock("pg_advisory_unlock")

    def _lock(self, function: str) -> bool:
        try:
            with self.listen().cursor() as cursor:
                cursor.execute(f"SELECT {function}(%s)", [SLEEP_LOCK])
            return True
        except psycopg2.errors.LockNotAvailable:
            return False
        except (psycopg2.Error, OSError) as exc:
            self._broken(exc)
            return False

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Sleep until a row is committed (True), ``timeout`` passes or ``stop``
        is set (False)."""
        deadline = time.monotonic() + timeout
        try:
            connection = self.listen()
            while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                if select.select([connection], [], [], min(remaining, _STOP_CHECK_SECONDS))[0]:
                    connection.poll()
                    if connection.notifies:
                        connection.notifies.clear()
                        return True
        except (psycopg2.Error, OSError) as exc:
            self._broken(exc)
            # Not a busy loop while the database is away.
            stop.wait(min(deadline - time.monotonic(), 1.0))
        return False

    def _broken(self, exc: Exception) -> None:
        log.warning("outbox.listen_failed", error=str(exc).strip())
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg2.Error):
                self._connection.close()
            self._connection = None
