"""The users service's user.read consumer, fed through the real broker."""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from common.events.envelope import MAX_EVENT_BYTES
from common.events.event import Event
from common.events.reads import user_read
from common.events.topics import USER_READ, dlq_topic
from common.inbox.models import ProcessedEvent
from common.kafka.admin import ensure_topics
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner
from scripts.poll import eventually
from tests.support.kafka import delete_topics, produce_raw, publish, read_all
from tests.support.processes import spawn_manage, stop
from tests.support.users import bearer_for
from tests.users.factories import UserFactory
from users_project.accounts.models import GameRead, User
from users_project.consumers import CONSUMERS

pytestmark = pytest.mark.django_db(transaction=True)


def a_read(
    user_id: uuid.UUID, *, game_id: int = 7, title: str = "Seven Seas", minutes: int = 0
) -> Event:
    read_at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return user_read(user_id=user_id, game_id=game_id, title=title, read_at=read_at, source="games")


def runner_on(topic: str) -> ConsumerRunner:
    # The real consumer, pointed at this test's own topic and group.
    spec = dataclasses.replace(CONSUMERS["read_history"], topics=(topic,), group_id=f"g-{topic}")
    return ConsumerRunner(spec)


def consume(runner: ConsumerRunner, *, handled: int, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    stats = runner.stats
    try:
        while stats.processed + stats.duplicate + stats.dead_lettered + stats.discarded < handled:
            assert time.monotonic() < deadline, stats
            runner.run_once()
    finally:
        runner.close()


def discarded_count(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "consumer_discarded_total", {"consumer": CONSUMERS["read_history"].name, "reason": reason}
    )
    return value or 0.0


def test_each_read_is_stored_once_even_when_redelivered(kafka_topic: str) -> None:
    user = UserFactory()
    event = a_read(user.id)
    publish(kafka_topic, event)
    publish(kafka_topic, event)
    runner = runner_on(kafka_topic)
    consume(runner, handled=2)
    [stored] = GameRead.objects.filter(user=user)
    assert (stored.game_id, stored.title, stored.event_id) == (7, "Seven Seas", event.id)
    assert stored.read_at == datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert runner.stats.duplicate == 1


def test_history_keeps_the_title_as_it_was_when_read(kafka_topic: str) -> None:
    user = UserFactory()
    publish(kafka_topic, a_read(user.id, title="Old Title", minutes=0))
    publish(kafka_topic, a_read(user.id, title="Renamed Title", minutes=5))
    consume(runner_on(kafka_topic), handled=2)
    response = APIClient().get(f"/users/{user.id}/read/", **bearer_for(user)).json()
    assert [r["title"] for r in response["results"]] == ["Renamed Title", "Old Title"]


def test_reads_of_deleted_users_are_discarded_and_counted_not_dead_lettered(
    kafka_topic: str,
) -> None:
    deleted = UserFactory()
    deleted_id = deleted.id
    deleted.delete()
    kept = UserFactory()
    before = discarded_count("user_gone")
    publish(kafka_topic, a_read(uuid.uuid4()))
    publish(kafka_topic, a_read(deleted_id))
    publish(kafka_topic, a_read(kept.id))
    runner = runner_on(kafka_topic)
    consume(runner, handled=3)
    assert (runner.stats.discarded, runner.stats.dead_lettered) == (2, 0)
    assert discarded_count("user_gone") == before + 2
    assert GameRead.objects.count() == 1 and GameRead.objects.get().user_id == kept.id
    assert read_all(physical_topic(dlq_topic(kafka_topic)), expected=0) == []
    assert User.objects.count() == 1


def test_a_burst_is_stored_in_batches_with_exact_counts(kafka_topic: str) -> None:
    users = [UserFactory() for _ in range(3)]
    events = [a_read(users[n % 3].id, game_id=n + 1, minutes=n) for n in range(60)]
    for event in events:
        publish(kafka_topic, event)
    publish(kafka_topic, events[5])  # redelivered
    runner = runner_on(kafka_topic)
    consume(runner, handled=61)
    assert GameRead.objects.count() == 60
    for user in users:
        user.refresh_from_db()
        assert user.read_count == 20 == GameRead.objects.filter(user=user).count()
    history = APIClient().get(f"/users/{users[0].id}/read/", **bearer_for(users[0])).json()
    assert history["count"] == 20


def test_one_unknown_user_in_a_batch_costs_only_its_own_event(kafka_topic: str) -> None:
    user = UserFactory()
    publish(kafka_topic, a_read(user.id, minutes=1))
    publish(kafka_topic, a_read(uuid.uuid4(), minutes=2))
    publish(kafka_topic, a_read(user.id, minutes=3))
    runner = runner_on(kafka_topic)
    consume(runner, handled=3)
    assert (runner.stats.discarded, runner.stats.dead_lettered) == (1, 0)
    user.refresh_from_db()
    assert user.read_count == 2 == GameRead.objects.filter(user=user).count()


def test_the_consumer_process_dead_letters_deep_and_oversized_events_and_goes_on() -> None:
    """The real ``run_consumer`` process, on a topic prefix of its own: poison
    that once crash-looped it (RecursionError in decoding) goes to the DLQ
    with the reason, and the good event behind it on the same partition is
    applied."""
    prefix = f"poison-{uuid.uuid4().hex[:8]}."
    topic = f"{prefix}{USER_READ}"
    ensure_topics([topic, dlq_topic(topic)], partitions=1, replication_factor=1)
    user = UserFactory()
    good = a_read(user.id)
    poison = {
        "deep": b"[" * 20_000 + b"]" * 20_000,
        "deep in data": good.encode().replace(
            b'"data":{', b'"data":{"x":' + b"[" * 5_000 + b"]" * 5_000 + b",", 1
        ),
        "oversized": b'{"pad":"' + b"x" * (MAX_EVENT_BYTES + 1) + b'"}',
    }
    consumer = spawn_manage("run_consumer", "read_history", env={"KAFKA_TOPIC_PREFIX": prefix})
    try:
        for value in poison.values():
            produce_raw(topic, value, key=good.key.encode())
        produce_raw(topic, good.encode(), key=good.key.encode())
        eventually(
            lambda: consumer.poll() is not None or GameRead.objects.filter(user=user).exists(),
            timeout=90,
            message="the consumer process applied nothing",
        )
        assert consumer.poll() is None, consumer.stdout.read() if consumer.stdout else ""
        dead = read_all(dlq_topic(topic), expected=len(poison))
    finally:
        stop(consumer)
        delete_topics(topic, dlq_topic(topic))
    assert [record.value for record in dead] == list(poison.values())
    reasons = [dict(record.headers) for record in dead]
    assert {h["dlq.reason"] for h in reasons} == {b"decode_error"}
    assert b"deeper than" in reasons[0]["dlq.error"]
    assert b"deeper than" in reasons[1]["dlq.error"]
    assert b"longer than" in reasons[2]["dlq.error"]
    assert GameRead.objects.filter(user=user).count() == 1


def test_the_history_row_is_the_inbox_so_no_processed_event_rows_are_written(
    kafka_topic: str,
) -> None:
    user = UserFactory()
    events = [a_read(user.id, game_id=n + 1, minutes=n) for n in range(5)]
    for event in [*events, events[2]]:  # a duplicate inside the same batch
        publish(kafka_topic, event)
    runner = runner_on(kafka_topic)
    consume(runner, handled=6)
    assert (runner.stats.processed, runner.stats.duplicate) == (5, 1)
    user.refresh_from_db()
    assert user.read_count == 5 == GameRead.objects.filter(user=user).count()
    assert not ProcessedEvent.objects.filter(event_id__in=[e.id for e in events]).exists()


def test_a_read_stored_before_and_delivered_again_is_a_duplicate_and_not_counted_again(
    kafka_topic: str,
) -> None:
    user = UserFactory()
    stored, new = a_read(user.id, minutes=1), a_read(user.id, minutes=2)
    publish(kafka_topic, stored)
    first = runner_on(kafka_topic)
    consume(first, handled=1)
    publish(kafka_topic, stored)  # redelivered after its offset was committed
    publish(kafka_topic, new)
    # A new group reads the topic from the start: both copies come again.
    again = ConsumerRunner(dataclasses.replace(first.spec, group_id=f"again-{kafka_topic}"))
    consume(again, handled=3)
    assert (again.stats.processed, again.stats.duplicate) == (1, 2)
    user.refresh_from_db()
    assert user.read_count == 2 == GameRead.objects.filter(user=user).count()


def test_one_by_one_after_an_unknown_user_still_skips_stored_reads_and_counts_them(
    kafka_topic: str,
) -> None:
    user = UserFactory()
    stored = a_read(user.id, minutes=1)
    publish(kafka_topic, stored)
    first = runner_on(kafka_topic)
    consume(first, handled=1)
    publish(kafka_topic, stored)  # a duplicate ...
    publish(kafka_topic, a_read(uuid.uuid4(), minutes=2))  # ... in a batch that goes one by one
    publish(kafka_topic, a_read(user.id, minutes=3))
    runner = ConsumerRunner(first.spec)  # the same group: from the committed offset on
    consume(runner, handled=3)
    stats = runner.stats
    assert (stats.processed, stats.duplicate, stats.discarded, stats.dead_lettered) == (1, 1, 1, 0)
    user.refresh_from_db()
    assert user.read_count == 2 == GameRead.objects.filter(user=user).count()
