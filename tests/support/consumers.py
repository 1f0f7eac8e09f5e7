"""Consumers without a broker: an in-memory transport for the runner, and
small helpers for tests of handlers and of the runner."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from kafka import TopicPartition

from common.events.event import Event
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner, Handler
from common.kafka.transport import Headers, Record


def message(topic: str, offset: int, key: bytes | None, value: bytes, headers: Headers) -> Record:
    """A record as kafka-python polls it (``topic``: the broker's name)."""
    sizes = (len(key or b""), len(value), -1)
    return Record(topic, 0, -1, offset, 0, 0, key, value, list(headers), None, *sizes)


@dataclass
class InMemoryTransport:
    """One partition per topic, in this process. ``sent`` holds what the
    runner wrote (dead letters) by topic; ``committed`` its offsets."""

    max_poll_records: int = 500
    topics: dict[TopicPartition, list[Record]] = field(default_factory=dict)
    position: dict[TopicPartition, int] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    sent: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    closed: bool = False

    def publish(self, topic: str, value: Event | bytes, *, correlation_id: str = "") -> None:
        """Onto ``topic`` (the code's name), keyed by the event's key."""
        tp = TopicPartition(physical_topic(topic), 0)
        messages = self.topics.setdefault(tp, [])
        key = value.key.encode() if isinstance(value, Event) else None
        raw = value.encode() if isinstance(value, Event) else value
        headers = [("correlation_id", correlation_id.encode())] if correlation_id else []
        messages.append(message(tp.topic, len(messages), key, raw, headers))

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Record]]:
        batch: dict[TopicPartition, Sequence[Record]] = {}
        for tp, messages in self.topics.items():
            start = self.position.get(tp, self.committed.get(tp, 0))
            if records := messages[start : start + self.max_poll_records]:
                batch[tp] = records
                self.position[tp] = start + len(records)
        return batch

    def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.committed.update(offsets)

    def send(self, topic: str, *, key: bytes | None, value: bytes, headers: Headers) -> None:
        self.sent[topic].append(message(topic, len(self.sent[topic]), key, value, headers))

    def close(self) -> None:
        # As a new client would: the group starts again from its commits.
        self.position.clear()
        self.closed = True


def drain(runner: ConsumerRunner) -> None:
    """Run ``runner`` until its transport has nothing more for it."""
    while runner.run_once():
        pass


def each(apply: Callable[[Event], object]) -> Handler:
    """A handler that calls ``apply`` on every event and says it applied them all."""

    def handler(events: list[Event]) -> Collection[uuid.UUID]:
        for event in events:
            apply(event)
        return [event.id for event in events]

    return handler
