"""Reading dead letters off the broker: every ``<topic>.dlq`` of this
service's consumers, from the oldest record kept to the end, with the state
an operator gave each one (``DeadLetterAction``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from common.deadletters.models import DeadLetterAction
from common.events.topics import dlq_topic, topic_of_dlq
from common.kafka.admin import partitions_of
from common.kafka.config import common_client_config, physical_topic
from common.kafka.consumer import consumer_registry

OPEN, REPLAYED, PURGED = "open", "replayed", "purged"
STATES = (OPEN, REPLAYED, PURGED)


def service_dlq_topics(topics: Iterable[str] = ()) -> list[str]:
    """The broker-side DLQ names of ``topics`` (logical names), by default of
    every topic this service's consumers read."""
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
    state: str = OPEN
    actions: list[DeadLetterAction] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.dlq_topic}:{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        """The last value of a header (a replayed event carries the earlier ones too)."""
        found = ""
        for key, value in self.headers:
            if key == name and value is not None:
                found = value.decode(errors="replace")
        return found

    @property
    def reason(self) -> str:
        return self.header("dlq.reason") or "unknown"

    @property
    def consumer(self) -> str:
        return self.header("dlq.consumer")

    @property
    def original_topic(self) -> str:
        """What the record's ``dlq.original_topic`` header says: anyone who
        can write the DLQ chooses it, so a replay never goes there."""
        return self.header("dlq.original_topic")

    @property
    def replay_topic(self) -> str | None:
        """Where a replay sends it: the topic this DLQ is named after
        (``<topic>.dlq`` -> ``<topic>``, with ``KAFKA_TOPIC_PREFIX``)."""
        return topic_of_dlq(self.dlq_topic)

    def replay_refusal(self) -> str | None:
        """Why this dead letter is not replayed, or None. A header naming
        another topic than the one the DLQ belongs to was not written by
        that topic's consumer (``DeadLetterQueue.send``): the record
        was planted or tampered with, and is left for a person."""
        target = self.replay_topic
        if target is None:
            return f"{self.dlq_topic} is not named <topic>.dlq"
        if self.original_topic != target:
            return (
                f"its dlq.original_topic header says {self.original_topic or '(none)'}, "
                f"but it sits in {self.dlq_topic}: not a dead letter of {target}"
            )
        return None

    @property
    def envelope(self) -> dict[str, Any] | None:
        """The event's JSON envelope, if the value is a JSON object at all."""
        try:
            doc = json.loads(self.value) if self.value is not None else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return doc if isinstance(doc, dict) else None

    @property
    def event_id(self) -> str:
        envelope = self.envelope or {}
        return str(envelope.get("id", "")) if isinstance(envelope.get("id"), str) else ""

    @property
    def event_type(self) -> str:
        envelope = self.envelope or {}
        return envelope["type"] if isinstance(envelope.get("type"), str) else ""

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.dead_at).total_seconds()


@dataclass(frozen=True)
class Selection:
    """Which dead letters a command is about; every given criterion must hold."""

    ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    states: tuple[str, ...] = (OPEN,)

    def matches(self, letter: DeadLetter) -> bool:
        return (
            (not self.ids or letter.id in self.ids)
            and (not self.reasons or letter.reason in self.reasons)
            and (self.since is None or letter.dead_at >= self.since)
            and (self.until is None or letter.dead_at < self.until)
            and (not self.states or letter.state in self.states)
        )


def select_dead_letters(
    selection: Selection, *, topics: list[str], timeout: float = 60
) -> list[DeadLetter]:
    """The records kept in the DLQ ``topics`` (broker-side names) that match
    ``selection``, with their state, newest first. Missing topics hold nothing."""
    consumer = KafkaConsumer(
        **common_client_config("dlq-reader"),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    letters: list[DeadLetter] = []
    try:
        partitions = partitions_of(consumer, topics)
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading the dead letters took over {timeout}s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    letters.append(
                        DeadLetter(
                            dlq_topic=tp.topic,
                            partition=tp.partition,
                            offset=record.offset,
                            dead_at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
                            key=record.key,
                            value=record.value,
                            headers=list(record.headers or []),
                        )
                    )
            # Checked for every partition, not only those that returned
            # records: a partition may end in offsets that hold no record.
            remaining = {tp for tp in remaining if consumer.position(tp) < ends[tp]}
    finally:
        consumer.close()
    _attach_actions(letters)
    letters = [letter for letter in letters if selection.matches(letter)]
    return sorted(letters, key=lambda letter: (letter.dead_at, letter.id), reverse=True)


def replay_refusals(letters: list[DeadLetter], *, timeout: float = 30) -> dict[str, str]:
    """Why each of ``letters`` that may not be replayed is refused, by id.

    Beside ``replay_refusal`` (the header must name the DLQ's own topic), a
    dead letter is replayed only if the topic itself once carried it: the
    record at its ``dlq.original_partition``/``dlq.original_offset`` must
    hold the same key and value. A service can write its own DLQs, so this
    keeps a record it planted there (an event of another service's, say)
    from reaching the topic through an operator's bulk replay. An original
    that retention has already removed cannot vouch for the letter either:
    it is left for a person."""
    refusals = {letter.id: why for letter in letters if (why := letter.replay_refusal())}
    to_check = [letter for letter in letters if letter.id not in refusals]
    if not to_check:
        return refusals
    consumer = KafkaConsumer(
        **common_client_config("dlq-verifier"), group_id=None, enable_auto_commit=False
    )
    try:
        for letter in to_check:
            if why := _original_differs(consumer, letter, timeout):
                refusals[letter.id] = why
    finally:
        consumer.close()
    return refusals


def _original_differs(consumer: KafkaConsumer, letter: DeadLetter, timeout: float) -> str | None:
    try:
        partition = int(letter.header("dlq.original_partition"))
        offset = int(letter.header("dlq.original_offset"))
    except ValueError:
        return "its dlq.original_partition/offset headers are not numbers"
    tp = TopicPartition(letter.original_topic, partition)
    if partition not in (consumer.partitions_for_topic(tp.topic) or ()):
        return f"{tp.topic} has no partition {partition}"
    consumer.assign([tp])
    first, end = consumer.beginning_offsets([tp])[tp], consumer.end_offsets([tp])[tp]
    if not first <= offset < end:
        return f"{tp.topic}:{partition} holds no offset {offset} (now {first}..{end - 1})"
    consumer.seek(tp, offset)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in consumer.poll(timeout_ms=500, max_records=1).get(tp, []):
            if record.offset != offset:
                return f"{tp.topic}:{partition} no longer holds offset {offset}"
            if (record.key, record.value) != (letter.key, letter.value):
                return f"it differs from the record at {tp.topic}:{partition}:{offset}"
            return None
    raise TimeoutError(f"reading {tp.topic}:{partition}:{offset} took over {timeout}s")


def _attach_actions(letters: list[DeadLetter]) -> None:
    if not letters:
        return
    by_id = {letter.id: letter for letter in letters}
    actions = DeadLetterAction.objects.filter(
        dlq_topic__in={letter.dlq_topic for letter in letters}
    ).order_by("performed_at", "id")
    for action in actions:
        letter = by_id.get(f"{action.dlq_topic}:{action.partition}:{action.offset}")
        if letter is None:
            continue  # the broker dropped it (retention)
        letter.actions.append(action)
        if action.action == DeadLetterAction.Kind.PURGED:
            letter.state = PURGED
        elif letter.state != PURGED:
            letter.state = REPLAYED
