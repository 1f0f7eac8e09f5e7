"""``status`` and ``/metrics/ops`` over the real broker and database: the
figures are those of the consumer groups, the outbox and the DLQs."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from kafka import KafkaAdminClient
from kafka.errors import CoordinatorNotAvailableError
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from common.events.event import Event
from common.events.topics import dlq_topic
from common.events.users import user_created
from common.inbox.services import inbox
from common.kafka.admin import ensure_topics
from common.kafka.config import physical_group, physical_topic
from common.kafka.consumer import ConsumerRunner, ConsumerSpec, EventRejected
from common.ops import status as status_module
from common.ops.status import OpsCollector, collect_status
from common.outbox.services import outbox_enqueue
from tests.support.consumers import each
from tests.support.kafka import bootstrap, delete_topics, end_offsets, produce_raw

pytestmark = pytest.mark.django_db(transaction=True)

# The registry ``status`` reads in these tests (KAFKA_CONSUMERS points here):
# one consumer on a topic of the test's own.
CONSUMERS: dict[str, ConsumerSpec] = {}


def reject_bad(event: Event) -> None:
    if event.data["name"] == "bad":
        raise EventRejected("bad name")


@pytest.fixture
def spec(settings) -> Iterator[ConsumerSpec]:
    topic = f"test.status.{uuid.uuid4().hex[:12]}"
    physical = [physical_topic(topic), physical_topic(dlq_topic(topic))]
    ensure_topics(physical, partitions=2, replication_factor=1)
    CONSUMERS.clear()
    CONSUMERS["probe"] = ConsumerSpec(
        name=f"c-{topic}",
        topics=(topic,),
        group_id=f"g-{topic}",
        handlers={"user.created": inbox(f"c-{topic}", each(reject_bad))},
    )
    settings.KAFKA_CONSUMERS = f"{__name__}.CONSUMERS"
    yield CONSUMERS["probe"]
    CONSUMERS.clear()
    delete_topics(*physical)


def publish(spec: ConsumerSpec, *names: str) -> None:
    for name in names:
        event = user_created(user_id=uuid.uuid4(), email="s@example.com", name=name, source="users")
        produce_raw(physical_topic(spec.topics[0]), event.encode(), key=event.key.encode())


def consume_all(spec: ConsumerSpec, handled: int) -> None:
    runner = ConsumerRunner(spec)
    deadline = time.monotonic() + 45
    try:
        while runner.stats.processed + runner.stats.dead_lettered < handled:
            assert time.monotonic() < deadline, runner.stats
            runner.run_once()
    finally:
        runner.close()


def status_json() -> dict:
    out = StringIO()
    call_command("status", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_lag_per_partition_follows_what_the_group_committed(spec: ConsumerSpec) -> None:
    publish(spec, "a", "b", "c")
    before = status_json()["lag"]
    assert {row["group"] for row in before} == {physical_group(spec.group_id)}
    assert sorted(row["partition"] for row in before) == [0, 1]
    assert sum(row["lag"] for row in before) == 3
    assert all(row["committed"] is None for row in before)

    consume_all(spec, 3)
    assert sum(row["lag"] for row in status_json()["lag"]) == 0
    publish(spec, "d", "e")
    after = status_json()["lag"]
    assert sum(row["lag"] for row in after) == 2
    for row in after:  # a fresh topic keeps everything: a group without commits starts at 0
        assert row["lag"] == row["end"] - (row["committed"] or 0)


def test_records_retention_deleted_before_the_group_read_them_are_no_lag(
    spec: ConsumerSpec,
) -> None:
    # A committed offset below the first kept one restarts at that one
    # (auto_offset_reset="earliest"): what retention deleted is never consumed.
    topic = physical_topic(spec.topics[0])
    published = 0
    while any(end == 0 for end in end_offsets([topic]).values()):
        publish(spec, "a")
        published += 1
    consume_all(spec, published)
    consumed = end_offsets([topic])
    while any(end == consumed[tp] for tp, end in end_offsets([topic]).items()):
        publish(spec, "b")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="test-delete-records")
    try:
        admin.delete_records(end_offsets([topic]))  # as retention would
    finally:
        admin.close()
    rows = status_json()["lag"]
    assert all(row["committed"] is not None and row["committed"] < row["end"] for row in rows)
    assert [row["lag"] for row in rows] == [0, 0]


def test_outbox_backlog_and_dead_letter_counts(spec: ConsumerSpec) -> None:
    with transaction.atomic():
        for _ in range(2):
            outbox_enqueue(
                event=user_created(
                    user_id=uuid.uuid4(), email="o@example.com", name="O", source="t"
                )
            )
    publish(spec, "bad", "good", "bad")
    consume_all(spec, 3)
    [dead] = status_json()["dead_letters"]
    assert (dead["topic"], dead["kept"], dead["open"]) == (
        physical_topic(dlq_topic(spec.topics[0])),
        2,
        2,
    )

    entries = json.loads(_run("dlq", "list", "--json"))
    _run("dlq", "purge", entries[0]["id"], "--yes")
    status = status_json()
    assert (status["dead_letters"][0]["kept"], status["dead_letters"][0]["open"]) == (2, 1)
    assert status["outbox_pending"] == 2
    assert status["outbox_oldest_age_seconds"] >= 0
    assert {h["name"]: h["ok"] for h in status["health"]} == {
        "postgresql": True,
        "redis": True,
        "kafka": True,
    }


def test_the_table_reads_at_a_glance(spec: ConsumerSpec) -> None:
    publish(spec, "a")
    text = _run("status")
    assert "DEPENDENCY  STATE  DETAIL" in text
    assert "kafka       up     ok" in text
    assert "total lag: 1" in text
    group_rows = [
        line for line in text.splitlines() if line.startswith(physical_group(spec.group_id))
    ]
    assert len(group_rows) == 2  # one per partition


def test_prometheus_exports_the_same_figures(spec: ConsumerSpec) -> None:
    publish(spec, "bad", "x")
    consume_all(spec, 2)
    publish(spec, "y")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OpsCollector(max_age=0))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }
    status = collect_status()
    dlq = physical_topic(dlq_topic(spec.topics[0]))
    assert samples[("dead_letters_messages", (("state", "open"), ("topic", dlq)))] == 1
    assert samples[("outbox_pending_rows", ())] == status["outbox_pending"]
    lag = sum(
        value for (name, labels), value in samples.items() if name == "consumer_group_lag_messages"
    )
    assert lag == sum(row["lag"] for row in status["lag"]) == 1
    assert samples[("dependency_up", (("dependency", "kafka"),))] == 1

    response = Client().get("/metrics/ops")
    assert response.status_code == 200
    assert b"consumer_group_lag_messages" in response.content


def test_a_broker_that_is_down_shows_as_down_and_the_rest_still_reports(
    settings, unused_port: int
) -> None:
    settings.KAFKA_BOOTSTRAP_SERVERS = [f"127.0.0.1:{unused_port}"]
    text = _run("status")
    assert "kafka       DOWN" in text
    assert "! lag and dead letters: Kafka is down" in text
    assert "OUTBOX PENDING" in text


def test_a_broker_that_answers_but_refuses_the_group_reads_is_reported_not_crashed_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_coordinator() -> None:
        raise CoordinatorNotAvailableError("still electing")

    monkeypatch.setattr(status_module, "consumer_group_members", no_coordinator)
    text = _run("status")
    assert "kafka       up" in text
    assert "! lag and dead letters: CoordinatorNotAvailableError" in text
    assert "OUTBOX PENDING" in text
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OpsCollector(max_age=0))
    assert registry.get_sample_value("dependency_up", {"dependency": "kafka"}) == 1


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_group_whose_consumer_stopped_has_no_members_and_prometheus_says_so(
    spec: ConsumerSpec,
) -> None:
    def members() -> float | None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(OpsCollector(max_age=0))
        return registry.get_sample_value(
            "consumer_group_members", {"group": physical_group(spec.group_id)}
        )

    assert members() == 0  # never started
    publish(spec, "a")
    runner = ConsumerRunner(spec)
    try:
        deadline = time.monotonic() + 45
        while not runner.stats.processed:
            assert time.monotonic() < deadline, runner.stats
            runner.run_once()
        assert members() == 1
        assert f"consumers running in {physical_group(spec.group_id)}: 1" in _run("status")
    finally:
        runner.close()
    assert members() == 0  # stopped: the ConsumerDown alert's condition
    assert f"consumers running in {physical_group(spec.group_id)}: NONE" in _run("status")
