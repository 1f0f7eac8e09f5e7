"""The long-running commands, run as real processes, and create_topics."""

from __future__ import annotations

import signal
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from common.events.topics import ALL_TOPICS, dlq_topic
from common.events.users import user_created
from common.kafka.admin import ensure_topics
from common.kafka.config import physical_topic
from common.logging import bound_context
from common.outbox.models import OutboxEvent
from common.outbox.services import outbox_enqueue
from scripts.poll import eventually
from tests.support.kafka import bootstrap, read_all
from tests.support.processes import spawn_manage, stop


def test_a_topic_the_broker_refuses_fails_with_the_brokers_reason() -> None:
    name = physical_topic(f"test-refused-{uuid.uuid4().hex}")
    with pytest.raises(KafkaError, match="replication factor of 3 cannot be reached"):
        ensure_topics([name], partitions=1, replication_factor=3)


def test_create_topics_makes_every_topic_and_dlq_with_explicit_partitions() -> None:
    out = StringIO()
    call_command("create_topics", stdout=out)
    call_command("create_topics", stdout=out)  # idempotent: the second run only finds them
    admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="test-admin")
    try:
        names = [physical_topic(name) for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]
        described = {t["name"]: t for t in admin.describe_topics(names)}
    finally:
        admin.close()
    assert set(described) == set(names)
    for name in names:
        assert len(described[name]["partitions"]) == settings.KAFKA_TOPIC_PARTITIONS
        assert f"{name}: exists" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_relay_process_publishes_and_stops_cleanly_on_sigterm(kafka_topic: str) -> None:
    event = user_created(user_id=uuid.uuid4(), email="r@example.com", name="R", source="test")
    with transaction.atomic(), bound_context(correlation_id="relay-proc"):
        outbox_enqueue(event=event)
    OutboxEvent.objects.update(topic=physical_topic(kafka_topic))

    relay = spawn_manage("run_outbox_relay")
    try:

        def published() -> bool:
            assert relay.poll() is None, relay.stdout.read()
            return OutboxEvent.objects.filter(sent_at__isnull=False).exists()

        eventually(published, timeout=60, message="the relay process published nothing", every=0.2)
        relay.send_signal(signal.SIGTERM)
        output, _ = relay.communicate(timeout=30)
    finally:
        stop(relay)
    assert relay.returncode == 0, output
    assert "outbox.relay_stopped" in output
    assert "SIGTERM" in output
    [record] = read_all(physical_topic(kafka_topic), expected=1)
    assert dict(record.headers)["correlation_id"] == b"relay-proc"


def test_run_consumer_refuses_an_unknown_name() -> None:
    proc = spawn_manage("run_consumer", "no-such-consumer")
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode != 0
    assert "unknown consumer 'no-such-consumer'" in output
