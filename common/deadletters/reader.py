"""Dead letters as the broker keeps them, with the state an operator gave
each one (``DeadLetterAction``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from common.deadletters.models import DeadLetterAction
from common.events.topics import dlq_topic, topic_of_dlq
from common.kafka.admin import offset_ranges
from common.kafka.config import offsets_reader, physical_topic
from common.kafka.consumer import consumer_registry, header

OPEN, REPLAYED, PURGED = "open", "replayed", "purged"
STATES = (OPEN, REPLAYED, PURGED)


def service_dlq_topics(topics: Iterable[str] = ()) -> list[str]:
    """The broker-side DLQ names of ``topics``, by default of every topic this service reads."""
    logical = list(topics) or sorted(
        {topic for spec in consumer_registry().values() for topic in spec.topics}
    )
    return [physical_topic(dlq_topic(topic)) for topic in logical]


@dataclass
class DeadLetter:
    dlq_topic: str
    partition: int
    offset: int
    dead_at: datetime
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    actions: list[DeadLetterAction] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.dlq_topic}:{self.partition}:{self.offset}"

    @property
    def state(self) -> str:
        kinds = {action.action for action in self.actions}
        return PURGED if PURGED in kinds else REPLAYED if kinds else OPEN

    def header(self, name: str) -> str:
        return header(self.headers, name) or ""

    @property
    def reason(self) -> str:
        return self.header("dlq.reason") or "unknown"

    @property
    def replay_topic(self) -> str | None:
        """The topic this DLQ is named after, never the one a header names."""
        return topic_of_dlq(self.dlq_topic)

    @cached_property
    def envelope(self) -> dict[str, Any] | None:
        """The value, if it is a JSON object at all."""
        try:
            doc = json.loads(self.value) if self.value is not None else None
        # Plain json, not the event limits: a person reads whatever can be parsed.
        except (ValueError, RecursionError):
            return None
        return doc if isinstance(doc, dict) else None

    def envelope_text(self, name: str) -> str:
        value = (self.envelope or {}).get(name)
        return value if isinstance(value, str) else ""

    @property
    def event_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.envelope_text("id"))
        except ValueError:  # not an event, or not a UUID: known by its place only
            return None


def select_dead_letters(
    topics: list[str],
    *,
    states: Iterable[str],
    ids: Iterable[str] = (),
    reasons: Iterable[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[DeadLetter]:
    """The records kept in the DLQ ``topics`` (broker-side names) in one of
    ``states`` that match every criterion given, newest first."""
    letters = _read(topics)
    by_id = {letter.id: letter for letter in letters}
    actions = DeadLetterAction.objects.filter(dlq_topic__in=topics).order_by("performed_at", "id")
    for action in actions:  # of a letter the broker still keeps (retention drops them)
        letter = by_id.get(f"{action.dlq_topic}:{action.partition}:{action.offset}")
        # A DLQ deleted and created again reuses places, not event ids.
        if letter and action.event_id in (None, letter.event_id):
            letter.actions.append(action)
    ids, reasons, states = set(ids), set(reasons), set(states)
    letters = [
        letter
        for letter in letters
        if (not ids or letter.id in ids)
        and (not reasons or letter.reason in reasons)
        and (since is None or letter.dead_at >= since)
        and (until is None or letter.dead_at < until)
        and letter.state in states
    ]
    return sorted(letters, key=lambda letter: (letter.dead_at, letter.id), reverse=True)


def _read(topics: list[str]) -> list[DeadLetter]:
    consumer = offsets_reader("dlq-reader")
    try:
        records = _records(consumer, offset_ranges(consumer, topics), timeout=60)
    finally:
        consumer.close()
    return [
        DeadLetter(
            dlq_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            dead_at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
            key=record.key,
            value=record.value,
            headers=list(record.headers or []),
        )
        for record in records
    ]


def _records(
    consumer: KafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]], timeout: float
) -> list[ConsumerRecord]:
    """The records at offsets ``first`` to ``end - 1`` of each partition of ``ranges``."""
    consumer.assign(list(ranges))
    for tp, (first, _) in ranges.items():
        consumer.seek(tp, first)
    found: list[ConsumerRecord] = []
    remaining = {tp for tp, (first, end) in ranges.items() if first < end}
    deadline = time.monotonic() + timeout
    while remaining:
        if time.monotonic() > deadline:
            late = ", ".join(f"{tp.topic}:{tp.partition}" for tp in sorted(remaining))
            raise TimeoutError(f"reading {late} took over {timeout}s")
        for tp, records in consumer.poll(timeout_ms=500).items():
            found += [record for record in records if record.offset < ranges[tp][1]]
        # Checked for every partition, not only those that returned
        # records: a partition may end in offsets that hold no record.
        remaining = {tp for tp in remaining if consumer.position(tp) < ranges[tp][1]}
    return found


def replay_refusals(letters: list[DeadLetter]) -> dict[str, str]:
    """Why each of ``letters`` may not be replayed, by id. Whoever writes a DLQ may plant
    records there: its ``dlq.original_topic`` header must name the DLQ's topic, which
    must hold the same key and value at the original partition and offset."""
    refusals = {letter.id: why for letter in letters if (why := _header_refusal(letter))}
    to_check = [letter for letter in letters if letter.id not in refusals]
    if not to_check:
        return refusals  # no broker needed
    consumer = offsets_reader("dlq-verifier")
    try:
        # One read of what each named topic keeps, however many letters name it.
        kept = offset_ranges(consumer, {str(letter.replay_topic) for letter in to_check})
        for letter in to_check:
            if why := _original_differs(consumer, letter, kept):
                refusals[letter.id] = why
    finally:
        consumer.close()
    return refusals


def _header_refusal(letter: DeadLetter) -> str | None:
    target, original = letter.replay_topic, letter.header("dlq.original_topic")
    if target is None:
        return f"{letter.dlq_topic} is not named <topic>.dlq"
    if original != target:
        return (
            f"its dlq.original_topic header says {original or '(none)'}, "
            f"but it sits in {letter.dlq_topic}: not a dead letter of {target}"
        )
    return None


def _original_differs(
    consumer: KafkaConsumer, letter: DeadLetter, kept: dict[TopicPartition, tuple[int, int]]
) -> str | None:
    try:
        partition = int(letter.header("dlq.original_partition"))
        offset = int(letter.header("dlq.original_offset"))
    except ValueError:
        return "its dlq.original_partition/offset headers are not numbers"
    tp = TopicPartition(str(letter.replay_topic), partition)
    if tp not in kept:
        return f"{tp.topic} has no partition {partition}"
    first, end = kept[tp]
    if not first <= offset < end:
        return f"{tp.topic}:{partition} holds no offset {offset} (now {first}..{end - 1})"
    records = _records(consumer, {tp: (offset, offset + 1)}, timeout=30)
    if not records:
        return f"{tp.topic}:{partition} no longer holds offset {offset}"
    if (records[0].key, records[0].value) != (letter.key, letter.value):
        return f"it differs from the record at {tp.topic}:{partition}:{offset}"
    return None
