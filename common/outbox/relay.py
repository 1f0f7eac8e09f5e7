"""The outbox relay: each round leases a batch of pending rows, publishes it
holding no row lock, marks the acknowledged rows sent and backs the others
off. A dead relay's leases run out and another takes the rows: at least once."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from common.backoff import LINGER_SECONDS, backoff_seconds
from common.kafka.metrics import OUTBOX_FAILED, OUTBOX_PUBLISHED
from common.kafka.producer import get_producer, reset_producer
from common.logging import get_logger
from common.outbox.models import OutboxEvent
from common.outbox.wakeup import OutboxWakeup
from common.sql import OUTBOX_CLAIM

log = get_logger(__name__)


class RoundResult(NamedTuple):
    sent: int
    failed: int


@dataclass
class OutboxRelay:
    batch_size: int = field(default_factory=lambda: settings.OUTBOX_BATCH_SIZE)
    lease_seconds: float = 30.0
    retention_hours: float = field(default_factory=lambda: settings.OUTBOX_RETENTION_HOURS)
    safety_poll: float = field(default_factory=lambda: settings.OUTBOX_SAFETY_POLL_SECONDS)
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    published: int = 0  # rows this relay published
    _last_purge: float = 0.0

    def run_once(self) -> RoundResult:
        rows = self._claim()
        if not rows:
            return RoundResult(sent=0, failed=0)
        try:
            failures = self._publish(get_producer(), rows)
        except KafkaError as exc:
            # Building the producer or sending failed as a whole: broker away.
            reset_producer()
            failures = {row.pk: repr(exc) for row in rows}
        sent = self._settle(rows, failures)
        self.published += sent
        OUTBOX_PUBLISHED.inc(sent)
        OUTBOX_FAILED.inc(len(failures))
        if failures:
            log.warning(
                "outbox.publish_failed",
                failed=len(failures),
                sent=sent,
                error=next(iter(failures.values())),
            )
        return RoundResult(sent=sent, failed=len(failures))

    def _claim(self) -> list[OutboxEvent]:
        now = timezone.now()
        rows = OutboxEvent.objects.raw(
            OUTBOX_CLAIM,
            [now + timedelta(seconds=self.lease_seconds), self.worker_id, now, self.batch_size],
        )
        # RETURNING has no order; publishing keeps the order rows were written in.
        return sorted(rows, key=lambda row: row.pk)

    def _publish(self, producer: KafkaProducer, rows: list[OutboxEvent]) -> dict[int, str]:
        """Send ``rows`` and wait for the broker: the rows that failed, by pk, and why."""
        futures = []
        for row in rows:
            value = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
            headers = [(name, str(content).encode()) for name, content in row.headers.items()]
            headers.append(("event_id", str(row.event_id).encode()))
            futures.append(
                (row, producer.send(row.topic, key=row.key.encode(), value=value, headers=headers))
            )
        # A timeout fails only the rows not acknowledged by then, not the batch.
        with contextlib.suppress(KafkaTimeoutError):
            producer.flush(timeout=self.lease_seconds / 2)
        failures: dict[int, str] = {}
        for row, future in futures:
            if not future.is_done:
                failures[row.pk] = "no acknowledgement before the timeout"
            elif future.failed():
                failures[row.pk] = repr(future.exception)
        return failures

    def _settle(self, rows: list[OutboxEvent], failures: dict[int, str]) -> int:
        """Mark the other rows sent and back ``failures`` off; return how many were sent."""
        now = timezone.now()
        if sent := [row.pk for row in rows if row.pk not in failures]:
            # One statement, its own transaction: the common case costs one commit.
            OutboxEvent.objects.filter(pk__in=sent, claimed_by=self.worker_id).update(
                sent_at=now, claimed_by="", last_error=""
            )
        if not failures:
            return len(sent)
        with transaction.atomic():
            for row in rows:
                if row.pk in failures:
                    attempts = row.attempts + 1
                    # Only while leased to this relay: a late one must not free another's.
                    OutboxEvent.objects.filter(pk=row.pk, claimed_by=self.worker_id).update(
                        attempts=attempts,
                        available_at=now + timedelta(seconds=backoff_seconds(attempts, cap=10)),
                        claimed_by="",
                        last_error=failures[row.pk][:2000],
                    )
        return len(sent)

    def purge_sent(self) -> int:
        """Delete sent rows past retention, in chunks to keep transactions short."""
        cutoff = timezone.now() - timedelta(hours=self.retention_hours)
        chunk = OutboxEvent.objects.filter(sent_at__lt=cutoff).values("pk")[:5000]
        total = 0
        # ``chunk`` is a query, not a list: each DELETE selects the next 5,000.
        while deleted := OutboxEvent.objects.filter(pk__in=chunk).delete()[0]:
            total += deleted
        return total

    def run_forever(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; idle, sleep until a row is committed
        (wakeup.py) or ``safety_poll`` passes."""
        log.info("outbox.relay_started", worker=self.worker_id, batch_size=self.batch_size)
        wakeup = OutboxWakeup()
        errors = 0
        try:
            while not stop.is_set():
                try:
                    result = self.run_once()
                    self._housekeeping()
                    errors = errors + 1 if result.failed and not result.sent else 0
                    if errors:
                        # The broker is away and the rows back off.
                        stop.wait(backoff_seconds(errors, cap=5))
                    elif result.sent == 0:
                        self._sleep(wakeup, self.safety_poll, stop)
                    elif result.sent < self.batch_size:
                        stop.wait(LINGER_SECONDS)
                except DatabaseError as exc:
                    errors += 1
                    log.warning("outbox.database_error", error=str(exc).strip(), attempt=errors)
                    connections.close_all()
                    stop.wait(backoff_seconds(errors, cap=5))
        finally:
            wakeup.close()
        log.info("outbox.relay_stopped", published=self.published)

    def _sleep(self, wakeup: OutboxWakeup, timeout: float, stop: threading.Event) -> None:
        """Sleep until a writer notifies. Writers notify only while a relay
        holds the sleep lock, and granting it waits for those that did not:
        their rows are committed by then, so look once more before sleeping."""
        with wakeup.sleep_lock() as held:
            if not held:
                # Another relay sleeps holding it (writers notify: this relay
                # hears them too), or the listener is away: look again soon.
                wakeup.wait(0.25, stop)
            elif self.run_once() == (0, 0):
                # Nothing came in. Rows that did (sent, or refused by an absent
                # broker) send the relay back to its loop, which backs off.
                wakeup.wait(timeout, stop)

    def _housekeeping(self) -> None:
        if time.monotonic() - self._last_purge > 60:
            self._last_purge = time.monotonic()
            if purged := self.purge_sent():
                log.info("outbox.purged", rows=purged)
