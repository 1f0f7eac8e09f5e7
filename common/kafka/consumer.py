"""The consumer runner every Kafka consumer of both services runs in.

A consumer is a :class:`ConsumerSpec` in its project's registry
(``KAFKA_CONSUMERS`` setting), started by ``run_consumer <name>``. The runner

- polls a batch (``enable_auto_commit=False``);
- handles each message in its own database transaction together with its
  inbox row (common.inbox), so an effect happens once per event id; a
  handler whose own row is unique by event id is its own inbox
  (``ConsumerSpec.inbox=False``);
- sends what cannot be decoded, what does not come from its topic's owner
  (``common.events.topics.OWNERS``), what a handler rejects, and what keeps
  failing to ``<topic>.dlq`` with the reason in headers, and goes on: those
  need a person (``dlq list/show/replay/purge``);
- stops instead, exiting non-zero, when dead letters pass its
  :class:`DeadLetterPolicy` (a failing deploy, not a poison message);
- acknowledges, logs and counts (``consumer_discarded_total{reason}``) what a
  domain rule discards by design (:class:`EventDiscarded`): no person needed;
- retries temporary failures (the database away) with backoff, without
  moving past the message, so nothing is skipped;
- commits offsets only after the batch's database work has committed;
- stops cleanly, after the current message, when ``stop`` is set (SIGTERM).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils.module_loading import import_string
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from common.backoff import backoff_seconds
from common.events.envelope import decode
from common.events.errors import EventDecodeError
from common.events.event import Event
from common.events.topics import dlq_topic, origin_problem
from common.inbox.services import (
    inbox_process_batch,
    inbox_process_once,
    keyed_process_batch,
    keyed_process_once,
)
from common.kafka.config import (
    common_client_config,
    logical_topic,
    physical_group,
    physical_topic,
)
from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy
from common.kafka.metrics import (
    CONSUMER_DEAD_LETTERS,
    CONSUMER_DISCARDED,
    CONSUMER_EVENTS,
    CONSUMER_LAG,
)
from common.kafka.producer import get_producer
from common.logging import bound_context, get_logger

log = get_logger(__name__)

# Errors that say "try again later" rather than "this message is bad".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class EventRejected(Exception):
    """Raised by a handler for an event it will never be able to apply (for
    example, about a user that does not exist). The runner sends it to the
    DLQ at once, without retries."""


class EventDiscarded(Exception):
    """Raised by a handler for an event a domain rule discards by design (a
    read for a user already deleted, a creation after the deletion). Nothing
    is applied (the inbox row rolls back with it); the runner acknowledges,
    logs and counts it by ``reason``, and does not dead-letter it: an
    expected race needs no person."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer: the topics it reads, its group, and its handler.

    One handler may serve several topics (a projection fed by ``user.created``
    and ``user.deleted``); it tells events apart by ``event.type``.
    """

    name: str
    topics: tuple[str, ...]
    group_id: str
    # With ``inbox=False`` it returns whether it applied the event.
    handler: Callable[[Event], bool | None]
    description: str = ""
    # Optional: applies a whole poll batch in one transaction (one commit, not
    # one per event). Any failure rolls the batch back and the runner applies
    # its events one at a time with ``handler``, which isolates the culprit.
    # With ``inbox=False`` it returns the ids of the events it applied.
    batch_handler: Callable[[list[Event]], Collection[uuid.UUID] | None] | None = None
    # True: the runner writes a processed-event row (common.inbox) per event
    # in the handler's transaction, and skips an event whose row exists.
    # False: the handler's own effect is a row unique by event id, which
    # already says "applied": it skips what it applied before (``INSERT ...
    # ON CONFLICT (event_id) DO NOTHING RETURNING``) and reports what it
    # applied, sparing a second indexed insert per event. Same guarantee.
    inbox: bool = True


def consumer_registry() -> dict[str, ConsumerSpec]:
    """This project's consumers by name (the ``KAFKA_CONSUMERS`` setting)."""
    return import_string(settings.KAFKA_CONSUMERS)


@dataclass
class ConsumerStats:
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    discarded: int = 0
    failed_attempts: int = 0

    def count(self, consumer: str, outcome: str, n: int = 1) -> None:
        """``n`` handled messages: in these stats and in the exported counters."""
        field_name = {
            "processed": "processed",
            "duplicate": "duplicates",
            "dead_lettered": "dead_lettered",
            "discarded": "discarded",
            "failed_attempt": "failed_attempts",
        }[outcome]
        setattr(self, field_name, getattr(self, field_name) + n)
        CONSUMER_EVENTS.labels(consumer, outcome).inc(n)


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name and value is not None:
            return value.decode(errors="replace")
    return None


@dataclass
class ConsumerRunner:
    spec: ConsumerSpec
    stop: threading.Event = field(default_factory=threading.Event)
    max_attempts: int = 3
    poll_timeout_ms: int = 500
    max_poll_records: int = 500
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    policy: DeadLetterPolicy = field(default_factory=DeadLetterPolicy.from_settings)
    _consumer: KafkaConsumer | None = None

    # -- client --------------------------------------------------------------
    @property
    def consumer(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                *(physical_topic(topic) for topic in self.spec.topics),
                **common_client_config(f"consumer-{self.spec.name}"),
                group_id=physical_group(self.spec.group_id),
                enable_auto_commit=False,
                # A new group starts from the beginning, not only new messages.
                auto_offset_reset="earliest",
                max_poll_records=self.max_poll_records,
                session_timeout_ms=10_000,
                heartbeat_interval_ms=3_000,
            )
        return self._consumer

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            except KafkaError as exc:
                log.warning("consumer.close_failed", error=repr(exc))
            self._consumer = None

    # -- one batch -----------------------------------------------------------
    def run_once(self) -> int:
        """Poll, handle and commit one batch; return the messages consumed."""
        batch = self.consumer.poll(timeout_ms=self.poll_timeout_ms)
        if batch and self.spec.batch_handler is not None and self._apply_batch(batch):
            self._commit(
                {
                    tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                    for tp, records in batch.items()
                }
            )
            return sum(len(records) for records in batch.values())
        to_commit: dict[TopicPartition, OffsetAndMetadata] = {}
        consumed = 0
        try:
            for tp, records in batch.items():
                for record in records:
                    if not self._handle(record):
                        # Stopping while a temporary error lasts: do not move
                        # past this message; it is consumed again after the restart.
                        self.consumer.seek(tp, record.offset)
                        break
                    to_commit[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
                    consumed += 1
        except DeadLetterLimitReached:
            # What was handled (applied or dead-lettered) stays handled; the
            # message that passed the limit and all after it stay on the topic.
            self._commit(to_commit)
            raise
        self._commit(to_commit)
        return consumed

    def _commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        if not offsets:
            return
        try:
            self.consumer.commit(offsets)
        except CommitFailedError as exc:
            # A rebalance took the partitions; the new owner redelivers and
            # the inbox drops what was already applied.
            log.warning("consumer.commit_failed", error=str(exc))

    def _apply_batch(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> bool:
        """The fast path: every event of the poll in one transaction. Returns
        False, having changed nothing, when the batch must go one by one."""
        records = [record for records in batch.values() for record in records]
        try:
            events = [decode(record.value) for record in records]
            for record, event in zip(records, events, strict=True):
                if problem := self._origin_problem(record, event):
                    raise ValueError(problem)  # dead-lettered on the one-by-one path
            applied = self._process_batch(events)
        except Exception as exc:  # noqa: BLE001  any failure: redo one at a time
            log.info("consumer.batch_one_by_one", size=len(records), reason=repr(exc)[:300])
            return False
        self._record_batch_outcome(records, events, applied)
        self.policy.record_handled(len(records))
        return True

    def _record_batch_outcome(
        self, records: list[ConsumerRecord], events: list[Event], applied: list[Event]
    ) -> None:
        """Count each event of an applied batch; log one line for what was
        applied and one per duplicate.

        One ``consumer.applied`` line per batch, not per event: a line per
        event (rendered, time-stamped, written) cost about an eighth of the
        consumer's CPU at full speed. The line maps each applied event id to
        its correlation id, so a request id still leads to the line of the
        batch that applied its event. Duplicates are rare and keep a line
        each, with the same fields as the one-by-one path.
        """
        applied_ids = {event.id for event in applied}  # each id counted once below
        correlation_ids: dict[str, str | None] = {}
        for record, event in zip(records, events, strict=True):
            if event.id in applied_ids:
                applied_ids.discard(event.id)
                correlation_ids[str(event.id)] = _header(record, "correlation_id")
                continue
            with bound_context(
                consumer=self.spec.name,
                correlation_id=_header(record, "correlation_id"),
                event_id=str(event.id),
                event_type=event.type,
            ):
                self._record_outcome(applied=False)
        if correlation_ids:
            self.stats.count(self.spec.name, "processed", len(correlation_ids))
            log.info(
                "consumer.applied",
                consumer=self.spec.name,
                count=len(correlation_ids),
                event_types=sorted({event.type for event in applied}),
                events=correlation_ids,
            )

    def _process_batch(self, events: list[Event]) -> list[Event]:
        """Apply new events in one transaction; return those applied."""
        handler = self.spec.batch_handler
        if handler is None:
            raise TypeError(f"{self.spec.name} has no batch handler")
        if self.spec.inbox:
            return inbox_process_batch(consumer=self.spec.name, events=events, handler=handler)
        return keyed_process_batch(events=events, handler=handler)

    def _process_once(self, event: Event) -> bool:
        """Apply one event in one transaction unless applied before."""
        if self.spec.inbox:
            return inbox_process_once(
                consumer=self.spec.name, event=event, handler=self.spec.handler
            )
        return keyed_process_once(event=event, handler=self.spec.handler)

    @staticmethod
    def _origin_problem(record: ConsumerRecord, event: Event) -> str | None:
        return origin_problem(
            event_type=event.type, source=event.source, topic=logical_topic(record.topic)
        )

    def _record_outcome(self, *, applied: bool) -> None:
        """Count and log one handled event (inside its bound log context)."""
        if applied:
            self.stats.count(self.spec.name, "processed")
            log.info("consumer.applied")
        else:
            self.stats.count(self.spec.name, "duplicate")
            log.info("consumer.duplicate_skipped")

    def _handle(self, record: ConsumerRecord) -> bool:
        correlation_id = _header(record, "correlation_id")
        with bound_context(
            consumer=self.spec.name,
            correlation_id=correlation_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        ):
            try:
                event = decode(record.value)
            except EventDecodeError as exc:
                self._dead_letter(record, reason="decode_error", error=str(exc))
                return True
            except Exception as exc:  # noqa: BLE001  e.g. RecursionError, MemoryError
                # Whatever cannot be decoded is poison: retrying would fail the
                # same way and stop the partition.
                self._dead_letter(
                    record, reason="decode_error", error=f"{type(exc).__name__}: {exc}"
                )
                return True
            with bound_context(event_id=str(event.id), event_type=event.type):
                if problem := self._origin_problem(record, event):
                    # Not counted by the stop policy: a forged event says
                    # nothing about this consumer's deploy, and counting it
                    # would let whoever forges events stop the consumer.
                    self._dead_letter(record, reason="wrong_source", error=problem, counted=False)
                    return True
                return self._apply(record, event)

    def _apply(self, record: ConsumerRecord, event: Event) -> bool:
        attempt = 0
        transient = 0
        while True:
            try:
                applied = self._process_once(event)
            except EventRejected as exc:
                self._dead_letter(record, reason="rejected", error=str(exc))
                return True
            except EventDiscarded as exc:
                self.stats.count(self.spec.name, "discarded")
                self.policy.record_handled()
                CONSUMER_DISCARDED.labels(self.spec.name, exc.reason).inc()
                log.info("consumer.discarded", reason=exc.reason, detail=exc.detail)
                return True
            except TRANSIENT_ERRORS as exc:
                transient += 1
                self.stats.count(self.spec.name, "failed_attempt")
                log.warning("consumer.temporary_error", error=str(exc).strip(), attempt=transient)
                connections.close_all()
                if self.stop.wait(backoff_seconds(transient, base=0.4, cap=10.0)):
                    return False
                continue
            except Exception as exc:  # noqa: BLE001  any handler bug: retry, then DLQ
                attempt += 1
                self.stats.count(self.spec.name, "failed_attempt")
                log.warning("consumer.handler_failed", error=repr(exc), attempt=attempt)
                if attempt >= self.max_attempts:
                    self._dead_letter(record, reason="handler_error", error=repr(exc))
                    return True
                time.sleep(backoff_seconds(attempt, base=0.2, cap=2.0))
                continue
            self._record_outcome(applied=applied)
            self.policy.record_handled()
            return True

    def _dead_letter(
        self, record: ConsumerRecord, *, reason: str, error: str, counted: bool = True
    ) -> None:
        """Send ``record`` to its DLQ; unless the policy says stop instead
        (raises :class:`DeadLetterLimitReached`, nothing sent). ``counted=False``:
        a dead letter the policy does not count."""
        if counted:
            self.policy.check_dead_letter()
        headers = list(record.headers or [])
        headers += [
            ("dlq.reason", reason.encode()),
            ("dlq.error", error[:4000].encode()),
            ("dlq.consumer", self.spec.name.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
        ]
        producer: KafkaProducer = get_producer()
        dead_letters = dlq_topic(record.topic)
        # Wait for the acknowledgement: the offset is committed after this.
        producer.send(dead_letters, key=record.key, value=record.value, headers=headers).get(
            timeout=30
        )
        if counted:
            self.policy.record_dead_letter()
        self.stats.count(self.spec.name, "dead_lettered")
        CONSUMER_DEAD_LETTERS.labels(self.spec.name, reason).inc()
        log.error("consumer.dead_lettered", reason=reason, error=error, dlq=dead_letters)

    def update_lag(self) -> None:
        consumer = self.consumer
        partitions = list(consumer.assignment())
        if not partitions:
            return
        ends = consumer.end_offsets(partitions)
        for tp in partitions:
            lag = max(0, ends[tp] - consumer.position(tp))
            CONSUMER_LAG.labels(self.spec.name, tp.topic, str(tp.partition)).set(lag)

    # -- the loop ------------------------------------------------------------
    def run_forever(self, *, lag_every: float = 10.0) -> None:
        log.info("consumer.started", consumer=self.spec.name, topics=list(self.spec.topics))
        failures = 0
        lag_due = time.monotonic() + lag_every
        try:
            while not self.stop.is_set():
                try:
                    self.run_once()
                    failures = 0
                    if time.monotonic() >= lag_due:
                        lag_due = time.monotonic() + lag_every
                        self.update_lag()
                except KafkaError as exc:
                    # Broker away or the DLQ unwritable: start over from the
                    # last committed offsets with a fresh client.
                    failures += 1
                    log.warning("consumer.kafka_error", error=repr(exc), attempt=failures)
                    self.close()
                    self.stop.wait(min(10.0, 0.5 * 2**failures))
        except DeadLetterLimitReached as exc:
            log.error(
                "consumer.halted",
                consumer=self.spec.name,
                why=str(exc),
                action="fix the handler or the data, then restart: the events not "
                "dead-lettered are still on the topic; dlq replay the rest",
            )
            raise
        finally:
            self.close()
            log.info(
                "consumer.stopped",
                consumer=self.spec.name,
                processed=self.stats.processed,
                dead_lettered=self.stats.dead_lettered,
            )
