"""The runner every Kafka consumer runs in (``run_consumer <name>``): poll a
batch, apply it, dead-letter what cannot be handled unless the policy says
stop, commit offsets after the database work (docs/architecture.md)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils.module_loading import import_string
from kafka import TopicPartition
from kafka.errors import KafkaError

from common.backoff import LINGER_SECONDS, backoff_seconds
from common.events.envelope import decode
from common.events.errors import EventDecodeError
from common.events.event import Event
from common.events.topics import dlq_topic, origin_problem
from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy
from common.kafka.metrics import ConsumerStats
from common.kafka.transport import MAX_POLL_RECORDS, KafkaTransport, Record, Transport
from common.logging import bound_context, get_logger

log = get_logger(__name__)

Run = list[tuple[Record, Event]]
# A handler takes a batch of events of one type, each id once, inside the
# runner's transaction, and returns the ids it applied (the rest were
# duplicates): at most once through ``common.inbox``, or rows unique by event id.
Handler = Callable[[list[Event]], Collection[uuid.UUID]]


class EventRejected(Exception):
    """An event the handler will never be able to apply: dead-lettered at
    once, without retries."""


class EventDiscarded(Exception):
    """An event a domain rule discards by design (a read for a deleted
    user): counted by ``reason``, not dead-lettered (an expected race needs no person)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topics: tuple[str, ...]
    group_id: str
    handlers: Mapping[str, Handler]
    description: str = ""


def consumer_registry() -> dict[str, ConsumerSpec]:
    return import_string(settings.KAFKA_CONSUMERS)


def header(headers: Sequence[tuple[str, bytes | None]] | None, name: str) -> str | None:
    """The last value of a header: a dead letter's ``dlq.*`` follow any the record had."""
    for key, value in reversed(headers or ()):
        if key == name and value is not None:
            return value.decode(errors="replace")
    return None


def partition_of(record: Record) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


class ConsumerRunner:
    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        transport: Transport | None = None,
        stop: threading.Event | None = None,
        max_attempts: int = 3,
        policy: DeadLetterPolicy | None = None,
    ) -> None:
        self.spec, self.name, self.max_attempts = spec, spec.name, max_attempts
        self.transport = transport or KafkaTransport(
            name=spec.name, topics=spec.topics, group_id=spec.group_id
        )
        self.stop = stop or threading.Event()
        self.stats = ConsumerStats(spec.name)
        self.policy = policy or DeadLetterPolicy()

    def run_once(self) -> int:
        """Poll, handle and commit one batch; return the messages handled."""
        batch = self.transport.poll(timeout_ms=500)
        done: dict[TopicPartition, int] = {}  # per partition, the next offset to read
        try:
            self._handle([record for records in batch.values() for record in records], done)
        except DeadLetterLimitReached:
            # What was handled (applied or dead-lettered) stays handled; the
            # message that passed the limit and all after it stay on the topic.
            try:
                self.transport.commit(done)
            except KafkaError as exc:  # the limit is the news; they come again anyway
                log.warning("consumer.commit_failed", error=repr(exc))
            raise
        # A stop while waiting to retry leaves ``done`` short: that message comes
        # again, since the runner then closes without committing past it and
        # the next poll after a close starts from the commits.
        self.transport.commit(done)
        return sum(offset - batch[tp][0].offset for tp, offset in done.items())

    def _handle(self, records: list[Record], done: dict[TopicPartition, int]) -> None:
        """Apply the runs of good events between dead letters, in order."""
        run: Run = []
        for record in records:
            checked = self._check(record)
            if isinstance(checked, Event):
                run.append((record, checked))
                continue
            if not self._apply(run, done):
                return
            run = []
            with self._log_context(record):
                self._dead_letter(record, **checked)
            done[partition_of(record)] = record.offset + 1
        self._apply(run, done)

    def _check(self, record: Record) -> Event | dict[str, Any]:
        """The record's event, or the arguments of :meth:`_dead_letter`."""
        try:
            event = decode(record.value)
        except Exception as exc:  # noqa: BLE001  e.g. RecursionError, MemoryError
            # Whatever cannot be decoded is poison: a retry would fail the same way.
            why = str(exc) if isinstance(exc, EventDecodeError) else f"{type(exc).__name__}: {exc}"
            return {"reason": "decode_error", "error": why}
        topic = record.topic.removeprefix(settings.KAFKA_TOPIC_PREFIX)
        if problem := origin_problem(event_type=event.type, source=event.source, topic=topic):
            # Not counted by the stop policy: counting a forged event would
            # let whoever forges events stop the consumer.
            return {"reason": "wrong_source", "error": problem, "counted": False}
        if event.type not in self.spec.handlers:
            return {"reason": "rejected", "error": f"{self.name} takes no {event.type}"}
        return event

    def _apply(self, run: Run, done: dict[TopicPartition, int]) -> bool:
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
        first: dict[uuid.UUID, Event] = {}
        for event in events:  # a redelivery can sit in the batch beside its original
            first.setdefault(event.id, event)
        applied: set[uuid.UUID] = set()
        with transaction.atomic():
            for event_type, same_type in groupby(first.values(), key=attrgetter("type")):
                applied.update(self.spec.handlers[event_type](list(same_type)))
        return applied

    def _apply_one(self, record: Record, event: Event) -> bool:
        """Apply one event, retrying what fails: a temporary error until it
        passes, a bug ``max_attempts`` times before the DLQ. False if
        stopped while waiting to retry."""
        bugs = temporary = 0
        with self._log_context(record, event):
            while True:
                try:
                    applied = self._transaction([event])
                except EventRejected as exc:
                    self._dead_letter(record, reason="rejected", error=str(exc))
                except EventDiscarded as exc:
                    self.stats.count("discarded", reason=exc.reason)
                    self.policy.record_handled()
                    log.info("consumer.discarded", reason=exc.reason, detail=exc.detail)
                except (OperationalError, InterfaceError) as exc:  # temporary: not a bad message
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
                    self._dead_letter(record, reason="handler_error", error=repr(exc))
                else:
                    self._record([(record, event)], applied)
                return True

    def _wait_to_retry(self, seconds: float) -> bool:
        self.stats.count("failed_attempt")
        return not self.stop.wait(seconds)

    def _record(self, run: Run, applied: set[uuid.UUID]) -> None:
        correlation_ids: dict[str, str | None] = {}
        for record, event in run:
            if event.id in applied and str(event.id) not in correlation_ids:
                correlation_ids[str(event.id)] = header(record.headers, "correlation_id")
            else:
                with self._log_context(record, event):
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

    def _dead_letter(
        self, record: Record, *, reason: str, error: str, counted: bool = True
    ) -> None:
        """Send ``record`` to ``<topic>.dlq`` with why in its headers, unless the
        policy says stop (:class:`DeadLetterLimitReached`, nothing sent)."""
        if counted:
            self.policy.check_dead_letter()
        headers = [
            *(record.headers or []),
            ("dlq.reason", reason.encode()),
            ("dlq.error", error[:4000].encode()),
            ("dlq.consumer", self.name.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
        ]
        dead_letters = dlq_topic(record.topic)
        # Acknowledged before the runner commits the offset past it.
        self.transport.send(dead_letters, key=record.key, value=record.value, headers=headers)
        if counted:
            self.policy.record_dead_letter()
        self.stats.count("dead_lettered", reason=reason)
        log.error("consumer.dead_lettered", reason=reason, error=error, dlq=dead_letters)

    def _log_context(self, record: Record, event: Event | None = None) -> AbstractContextManager:
        ids = {"event_id": str(event.id), "event_type": event.type} if event else {}
        return bound_context(
            consumer=self.name,
            correlation_id=header(record.headers, "correlation_id"),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            **ids,
        )

    def close(self) -> None:
        self.transport.close()

    def run_forever(self) -> None:
        log.info("consumer.started", consumer=self.name, topics=list(self.spec.topics))
        failures = 0
        try:
            while not self.stop.is_set():
                try:
                    handled = self.run_once()
                    failures = 0
                    if 0 < handled < MAX_POLL_RECORDS:
                        self.stop.wait(LINGER_SECONDS)
                except KafkaError as exc:
                    # Broker away or the DLQ unwritable: start over from the
                    # last committed offsets with a fresh client.
                    failures += 1
                    log.warning("consumer.kafka_error", error=repr(exc), attempt=failures)
                    self.close()
                    self.stop.wait(backoff_seconds(failures, base=1.0, cap=10.0))
        except DeadLetterLimitReached as exc:
            log.error(
                "consumer.halted",
                consumer=self.name,
                why=str(exc),
                action="fix the handler or the data, then restart: the events not "
                "dead-lettered are still on the topic; dlq replay the rest",
            )
            raise
        finally:
            self.close()
            log.info(
                "consumer.stopped",
                consumer=self.name,
                processed=self.stats.processed,
                dead_lettered=self.stats.dead_lettered,
            )
