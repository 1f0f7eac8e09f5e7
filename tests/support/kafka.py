"""Helpers for tests that talk to the real Kafka broker."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

from django.conf import settings
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from common.events.topics import dlq_topic
from common.kafka.admin import ensure_topics, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]


def bootstrap() -> list[str]:
    return list(settings.KAFKA_BOOTSTRAP_SERVERS)


def create_isolated_topic(prefix: str = "test", partitions: int = 3) -> str:
    """A fresh topic (and its DLQ) so a test sees only its own messages."""
    name = f"{prefix}.{uuid.uuid4().hex[:12]}"
    ensure_topics(bootstrap(), [name, dlq_topic(name)], partitions=partitions, replication_factor=1)
    return name


def delete_topics(*names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="test-cleanup")
    try:
        admin.delete_topics(list(names), raise_errors=False)
    finally:
        admin.close()


def read_all(
    topic: str, *, expected: int, timeout: float = 30, settle: float = 1.0
) -> list[ConsumerRecord]:
    """Read a topic from the beginning until ``expected`` records arrived, then
    keep reading for ``settle`` seconds so that extra (duplicate) records show."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        client_id="test-reader",
    )
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        settle_until = time.monotonic() + settle
        while time.monotonic() < settle_until:
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
        assert wait_until_ready(bootstrap(), timeout=120)
