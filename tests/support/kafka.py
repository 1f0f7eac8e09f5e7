"""Helpers for tests that talk to the real Kafka broker."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

from django.conf import settings
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from common.events.event import Event
from common.events.topics import dlq_topic
from common.kafka.admin import ensure_topics, wait_until_ready
from common.kafka.config import physical_topic
from scripts.poll import eventually

ROOT = Path(__file__).resolve().parents[2]


def bootstrap() -> list[str]:
    return list(settings.KAFKA_BOOTSTRAP_SERVERS)


def create_isolated_topic(prefix: str = "test", partitions: int = 3) -> str:
    """A fresh topic (and its DLQ) so a test sees only its own messages.

    Returns the name the code uses (a ``ConsumerSpec``'s topics); the broker
    has it with ``KAFKA_TOPIC_PREFIX`` in front, as every topic of this run,
    so what talks to the broker directly (``produce_raw``, ``read_all``,
    outbox rows) takes ``physical_topic(name)``."""
    name = f"{prefix}.{uuid.uuid4().hex[:12]}"
    physical = [physical_topic(name), physical_topic(dlq_topic(name))]
    ensure_topics(physical, partitions=partitions, replication_factor=1)
    return name


def delete_topics(*names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="test-cleanup")
    try:
        admin.delete_topics(list(names), raise_errors=False)
    finally:
        admin.close()


def end_offsets(topics: list[str]) -> dict[TopicPartition, int]:
    """The offset after the last record of every partition of ``topics`` (a
    topic the broker does not have counts as empty)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(), client_id="test-offsets")
    try:
        partitions = [
            TopicPartition(topic, number)
            for topic in topics
            for number in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        return consumer.end_offsets(partitions) if partitions else {}
    finally:
        consumer.close()


def group_caught_up(group: str, topics: list[str]) -> bool:
    """Whether ``group`` has committed every record now in ``topics``: nothing
    is left for its consumers to (re)deliver."""
    # Never subscribes, so it never joins the group: it only reads its offsets.
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap(),
        group_id=group,
        enable_auto_commit=False,
        client_id="test-offsets",
    )
    try:
        return all(
            end == 0 or (consumer.committed(tp) or 0) >= end
            for tp, end in end_offsets(topics).items()
        )
    finally:
        consumer.close()


def read_all(topic: str, *, expected: int, timeout: float = 30) -> list[ConsumerRecord]:
    """Every record of ``topic``: wait until ``expected`` arrived, then read on
    to the end offsets of that moment, so that extra (duplicate) records show
    without waiting for them by time."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        client_id="test-reader",
    )
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        partitions = eventually(
            lambda: consumer.partitions_for_topic(topic),
            timeout=timeout,
            message=f"no topic {topic}",
        )
        consumer.assign([TopicPartition(topic, number) for number in sorted(partitions)])
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        ends = end_offsets([topic])
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            assert time.monotonic() < deadline, f"{topic} not read to its end in {timeout}s"
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def produce_raw(topic: str, value: bytes, *, key: bytes | None = None, headers=None) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap(), client_id="test-producer")
    try:
        producer.send(topic, key=key, value=value, headers=headers or []).get(timeout=30)
    finally:
        producer.close()


def publish(topic: str, event: Event, **headers: str) -> None:
    """``event`` onto the broker's copy of ``topic`` (the code's name for it),
    keyed as the outbox relay keys it, with ``headers``."""
    produce_raw(
        physical_topic(topic),
        event.encode(),
        key=event.key.encode(),
        headers=[(k, v.encode()) for k, v in headers.items()],
    )


class LocalKafka:
    """Stops and starts the broker that ``make services`` runs, for real."""

    script = ROOT / "scripts" / "services.sh"

    @staticmethod
    def available() -> bool:
        return (
            not os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            and (ROOT / ".local" / "kafka" / "kafka.pid").exists()
        )

    def stop(self) -> None:
        subprocess.run([str(self.script), "stop", "kafka"], check=True, timeout=120)

    def start(self) -> None:
        subprocess.run([str(self.script), "start", "kafka"], check=True, timeout=300)
        assert wait_until_ready(timeout=120)
