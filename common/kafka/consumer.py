"""The runner every Kafka consumer runs in (``run_consumer <name>``): poll a
batch (transport), apply it (apply), dead-letter what cannot be handled
unless the policy says stop (dlq), commit offsets after the database work.
Its guarantees: docs/architecture.md and docs/operations.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from kafka import TopicPartition
from kafka.errors import KafkaError

from common.backoff import LINGER_SECONDS, backoff_seconds
from common.events.envelope import decode
from common.events.errors import EventDecodeError
from common.events.event import Event
from common.events.topics import origin_problem
from common.kafka.apply import Applier, Run, log_context, partition_of
from common.kafka.config import logical_topic
from common.kafka.deadletter_policy import DeadLetterLimitReached, DeadLetterPolicy
from common.kafka.dlq import DeadLetterQueue
from common.kafka.handlers import Handler
from common.kafka.metrics import ConsumerStats
from common.kafka.transport import MAX_POLL_RECORDS, KafkaTransport, Record, Transport
from common.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer: the topics it reads, its group, and its handler for
    each event type it takes (``{event type: handler}``)."""

    name: str
    topics: tuple[str, ...]
    group_id: str
    handlers: Mapping[str, Handler]
    description: str = ""


def consumer_registry() -> dict[str, ConsumerSpec]:
    """This project's consumers by name (the ``KAFKA_CONSUMERS`` setting)."""
    return import_string(settings.KAFKA_CONSUMERS)


class ConsumerRunner:
    def __init__(
        self,
        spec: ConsumerSpec,
        *,
        transport: Transport | None = None,
        stop: threading.Event | None = None,
        max_attempts: int = 3,
        poll_timeout_ms: int = 500,
        policy: DeadLetterPolicy | None = None,
    ) -> None:
        self.spec, self.poll_timeout_ms = spec, poll_timeout_ms
        if transport is None:
            transport = KafkaTransport(name=spec.name, topics=spec.topics, group_id=spec.group_id)
        self.transport = transport
        self.stop = stop or threading.Event()
        self.stats = ConsumerStats(spec.name)
        self.policy = policy or DeadLetterPolicy.from_settings()
        self.dead_letters = DeadLetterQueue(spec.name, transport, self.policy, self.stats)
        self.applier = Applier(
            name=spec.name,
            handlers=spec.handlers,
            dead_letters=self.dead_letters,
            stats=self.stats,
            policy=self.policy,
            stop=self.stop,
            max_attempts=max_attempts,
        )

    def run_once(self) -> int:
        """Poll, handle and commit one batch; return the messages handled."""
        batch = self.transport.poll(self.poll_timeout_ms)
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
        self.transport.commit(done)
        for tp, records in batch.items():
            if (first_undone := done.get(tp, records[0].offset)) <= records[-1].offset:
                # Stopped during a temporary error: do not move past the
                # message; it is consumed again after the restart.
                self.transport.seek(tp, first_undone)
        return sum(offset - batch[tp][0].offset for tp, offset in done.items())

    def _handle(self, records: list[Record], done: dict[TopicPartition, int]) -> None:
        """Apply the runs of good events between dead letters, in order."""
        run: Run = []
        for record in records:
            checked = self._check(record)
            if isinstance(checked, Event):
                run.append((record, checked))
                continue
            if not self.applier.apply(run, done):
                return
            run = []
            with log_context(self.spec.name, record):
                self.dead_letters.send(record, **checked)
            done[partition_of(record)] = record.offset + 1
        self.applier.apply(run, done)

    def _check(self, record: Record) -> Event | dict[str, Any]:
        """The record's event, or why it is a dead letter (the arguments of
        :meth:`DeadLetterQueue.send`)."""
        try:
            event = decode(record.value)
        except EventDecodeError as exc:
            return {"reason": "decode_error", "error": str(exc)}
        except Exception as exc:  # noqa: BLE001  e.g. RecursionError, MemoryError
            # Whatever cannot be decoded is poison: retrying would fail the
            # same way and stop the partition.
            return {"reason": "decode_error", "error": f"{type(exc).__name__}: {exc}"}
        topic = logical_topic(record.topic)
        if problem := origin_problem(event_type=event.type, source=event.source, topic=topic):
            # Not counted by the stop policy: a forged event says nothing
            # about this consumer's deploy, and counting it would let
            # whoever forges events stop the consumer.
            return {"reason": "wrong_source", "error": problem, "counted": False}
        if event.type not in self.spec.handlers:
            return {"reason": "rejected", "error": f"{self.spec.name} takes no {event.type}"}
        return event

    def close(self) -> None:
        self.transport.close()

    def run_forever(self, *, lag_every: float = 10.0) -> None:
        log.info("consumer.started", consumer=self.spec.name, topics=list(self.spec.topics))
        failures = 0
        lag_due = time.monotonic() + lag_every
        try:
            while not self.stop.is_set():
                try:
                    handled = self.run_once()
                    failures = 0
                    if 0 < handled < MAX_POLL_RECORDS:
                        self.stop.wait(LINGER_SECONDS)
                    if time.monotonic() >= lag_due:
                        lag_due = time.monotonic() + lag_every
                        self.stats.lag(self.transport.lag())
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
