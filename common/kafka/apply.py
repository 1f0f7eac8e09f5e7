"""Applying a run of decoded events, for the consumer runner: all in one
transaction or, when that fails, one at a time with retries; each
transaction counted and logged."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from django.db import InterfaceError, OperationalError, connections, transaction
from kafka import TopicPartition

from common.backoff import backoff_seconds
from common.events.event import Event
from common.kafka.deadletter_policy import DeadLetterPolicy
from common.kafka.dlq import DeadLetterQueue
from common.kafka.handlers import EventDiscarded, EventRejected, Handler
from common.kafka.metrics import ConsumerStats
from common.kafka.transport import Record
from common.logging import bound_context, get_logger

log = get_logger(__name__)

# Errors that say "try again later" rather than "this message is bad".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

Run = list[tuple[Record, Event]]


def header(record: Record, name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name and value is not None:
            return value.decode(errors="replace")
    return None


def partition_of(record: Record) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


def log_context(
    consumer: str, record: Record, event: Event | None = None
) -> AbstractContextManager:
    """What every log line about ``record`` carries."""
    ids = {"event_id": str(event.id), "event_type": event.type} if event else {}
    return bound_context(
        consumer=consumer,
        correlation_id=header(record, "correlation_id"),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        **ids,
    )


@dataclass
class Applier:
    name: str
    handlers: Mapping[str, Handler]
    dead_letters: DeadLetterQueue
    stats: ConsumerStats
    policy: DeadLetterPolicy
    stop: threading.Event
    max_attempts: int

    def apply(self, run: Run, done: dict[TopicPartition, int]) -> bool:
        """Apply ``run`` in one transaction or, if that fails, one event at a
        time, noting in ``done`` each partition's next offset as it goes;
        False if stopped before its end (while waiting to retry)."""
        if len(run) > 1:
            try:
                applied = self._transaction([event for _, event in run])
            except (EventDiscarded, EventRejected) as exc:
                # A handler's answer about one event: one by one finds which.
                log.info("consumer.batch_one_by_one", consumer=self.name, why=str(exc))
            except Exception:  # a bug or the database away: logged as such
                log.exception("consumer.batch_failed", consumer=self.name, size=len(run))
            else:
                self._record(run, applied)
                done.update((partition_of(record), record.offset + 1) for record, _ in run)
                return True
        for record, event in run:
            if not self._apply_one(record, event):
                return False
            done[partition_of(record)] = record.offset + 1
        return True

    def _transaction(self, events: list[Event]) -> set[uuid.UUID]:
        """Apply ``events`` in one transaction, each run of one type by its
        handler, in order; return the ids applied."""
        first: dict[uuid.UUID, Event] = {}
        for event in events:  # a redelivery can sit in the batch beside its original
            first.setdefault(event.id, event)
        applied: set[uuid.UUID] = set()
        with transaction.atomic():
            for event_type, same_type in groupby(first.values(), key=attrgetter("type")):
                applied.update(self.handlers[event_type](list(same_type)))
        return applied

    def _apply_one(self, record: Record, event: Event) -> bool:
        """Apply one event, retrying what fails: a temporary error until it
        passes, a bug ``max_attempts`` times before the DLQ. False if
        stopped while waiting to retry."""
        bugs = temporary = 0
        with log_context(self.name, record, event):
            while True:
                try:
                    applied = self._transaction([event])
                except EventRejected as exc:
                    self.dead_letters.send(record, reason="rejected", error=str(exc))
                except EventDiscarded as exc:
                    self.stats.count("discarded", reason=exc.reason)
                    self.policy.record_handled()
                    log.info("consumer.discarded", reason=exc.reason, detail=exc.detail)
                except TRANSIENT_ERRORS as exc:
                    temporary += 1
                    log.warning(
                        "consumer.temporary_error", error=str(exc).strip(), attempt=temporary
                    )
                    connections.close_all()
                    if not self._wait_to_retry(backoff_seconds(temporary, base=0.4, cap=10.0)):
                        return False
                    continue
                except Exception as exc:  # noqa: BLE001  any handler bug: retry, then DLQ
                    bugs += 1
                    log.warning("consumer.handler_failed", error=repr(exc), attempt=bugs)
                    if bugs < self.max_attempts:
                        if not self._wait_to_retry(backoff_seconds(bugs, base=0.2, cap=2.0)):
                            return False
                        continue
                    self.dead_letters.send(record, reason="handler_error", error=repr(exc))
                else:
                    self._record([(record, event)], applied)
                return True

    def _wait_to_retry(self, seconds: float) -> bool:
        """Count a failed attempt and wait; False if stopped meanwhile."""
        self.stats.count("failed_attempt")
        return not self.stop.wait(seconds)

    def _record(self, run: Run, applied: set[uuid.UUID]) -> None:
        """Count and log what one transaction did: one ``consumer.applied``
        line per transaction (docs/benchmarks.md) mapping each event id to its
        correlation id, and one line per duplicate (rare)."""
        correlation_ids: dict[str, str | None] = {}
        for record, event in run:
            if event.id in applied and str(event.id) not in correlation_ids:
                correlation_ids[str(event.id)] = header(record, "correlation_id")
            else:
                with log_context(self.name, record, event):
                    log.info("consumer.duplicate_skipped")
        self.stats.count("processed", len(correlation_ids))
        self.stats.count("duplicate", len(run) - len(correlation_ids))
        self.policy.record_handled(len(run))
        if correlation_ids:
            types = sorted({event.type for _, event in run if str(event.id) in correlation_ids})
            log.info(
                "consumer.applied",
                consumer=self.name,
                count=len(correlation_ids),
                event_types=types,
                events=correlation_ids,
            )
