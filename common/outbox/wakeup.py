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
# How often a waiting relay looks at its stop flag (SIGTERM sets it).
_STOP_CHECK_SECONDS = 0.25


class OutboxWakeup:
    """A ``LISTEN`` connection to the outbox's database, owned by one relay."""

    def __init__(self) -> None:
        self._connection: Any = None

    def listen(self) -> Any:
        """The ``LISTEN`` connection, opened on first use."""
        if self._connection is None:
            params = connections["default"].get_connection_params()
            params.pop("cursor_factory", None)
            connection = psycopg2.connect(**params)
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
                # Another relay asleep holds SLEEP_LOCK for as long as it sleeps.
                cursor.execute("SET lock_timeout = %s", [f"{int(_STOP_CHECK_SECONDS * 1000)}ms"])
            self._connection = connection
        return self._connection

    @contextlib.contextmanager
    def sleep_lock(self) -> Iterator[bool]:
        """Hold ``SLEEP_LOCK`` inside the block, so writers notify (True), or
        say it was not granted (False: another relay holds it, or the listener is broken)."""
        held = False
        try:
            with self.listen().cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [SLEEP_LOCK])
            held = True
        except psycopg2.errors.LockNotAvailable:
            pass
        except (psycopg2.Error, OSError) as exc:
            log.warning("outbox.listen_failed", error=str(exc).strip())
            self.close()
        try:
            yield held
        finally:
            if held and self._connection is not None:
                try:
                    with self._connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [SLEEP_LOCK])
                except (psycopg2.Error, OSError):
                    self.close()  # the session, and so its lock, ends with it

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Sleep until a row is committed (True), ``timeout`` passes or ``stop``
        is set (False). A broken connection answers True: a notification may have been missed."""
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                if self._connection is None:
                    # A new listener cannot know what was committed before it.
                    self.listen()
                    return True
                connection = self._connection
                readable, _, _ = select.select(
                    [connection], [], [], min(remaining, _STOP_CHECK_SECONDS)
                )
                if readable:
                    connection.poll()
                    if connection.notifies:
                        connection.notifies.clear()
                        return True
            except (psycopg2.Error, OSError) as exc:
                log.warning("outbox.listen_failed", error=str(exc).strip())
                self.close()
                # Not a busy loop while the database is away.
                stop.wait(min(remaining, 1.0))
                return True
        return False

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg2.Error):
                self._connection.close()
            self._connection = None
