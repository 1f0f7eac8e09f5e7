"""A failing deploy stops the games consumer process instead of dead-lettering
its topics: ``run_consumer`` exits non-zero with one clear line, the events it
did not dead-letter stay on the topic, and the fixed deploy loses none."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection
from kafka import KafkaConsumer, TopicPartition

from common.events.envelope import decode
from common.events.topics import USER_CREATED, USER_DELETED, dlq_topic
from common.events.users import user_created
from common.kafka.admin import ensure_topics
from games_project.consumers import CONSUMERS
from games_project.players.models import Player
from scripts.poll import eventually
from tests.support.kafka import bootstrap, delete_topics, produce_raw, read_all
from tests.support.processes import spawn_manage, stop

pytestmark = pytest.mark.django_db(transaction=True)

SPEC = CONSUMERS["users_projection"]


@pytest.fixture
def prefix() -> Iterator[str]:
    """A KAFKA_TOPIC_PREFIX of this test's own: the consumer's real topics,
    with one partition each, so the events keep one order."""
    prefix = f"{settings.KAFKA_TOPIC_PREFIX}t{uuid.uuid4().hex[:8]}."
    names = [prefix + name for t in (USER_CREATED, USER_DELETED) for name in (t, dlq_topic(t))]
    ensure_topics(names, partitions=1, replication_factor=1)
    yield prefix
    delete_topics(*names)


@pytest.fixture
def bad_deploy() -> Iterator[Callable[[], None]]:
    """Every write of a player fails, as under a deploy whose code does not
    match the schema; calling the result is the fix."""

    def fix() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS bad_deploy ON players_player")
            cursor.execute("DROP FUNCTION IF EXISTS bad_deploy()")

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION bad_deploy() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'column players_player.nickname does not exist'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER bad_deploy BEFORE INSERT OR UPDATE ON players_player "
            "FOR EACH ROW EXECUTE FUNCTION bad_deploy()"
        )
    try:
        yield fix
    finally:
        fix()


def committed(prefix: str, topic: str) -> int | None:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap(),
        group_id=prefix + SPEC.group_id,
        enable_auto_commit=False,
        client_id="test-offsets",
    )
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close()


def test_a_handler_failing_every_event_stops_the_process_and_the_fixed_deploy_loses_nothing(
    prefix: str, bad_deploy: Callable[[], None]
) -> None:
    topic = prefix + USER_CREATED
    users = [uuid.uuid4() for _ in range(8)]
    for user_id in users:
        event = user_created(user_id=user_id, email="f@example.com", name="F", source="users")
        produce_raw(topic, event.encode(), key=event.key.encode())
    env = {"KAFKA_TOPIC_PREFIX": prefix, "CONSUMER_DLQ_MAX_CONSECUTIVE": "3"}

    failing = spawn_manage("run_consumer", "users_projection", "--max-attempts", "1", env=env)
    try:
        output, _ = failing.communicate(timeout=120)
    finally:
        stop(failing)
    assert failing.returncode == 1, output
    assert "consumer.halted" in output
    assert "4 dead letters in a row, over CONSUMER_DLQ_MAX_CONSECUTIVE=3" in output
    dead = read_all(prefix + dlq_topic(USER_CREATED), expected=3)
    assert [decode(record.value).data["user_id"] for record in dead] == [str(u) for u in users[:3]]
    # The three dead letters are committed; the five others wait on the topic.
    assert committed(prefix, topic) == 3
    assert not Player.objects.exists()

    bad_deploy()  # the fix
    fixed = spawn_manage("run_consumer", "users_projection", env={"KAFKA_TOPIC_PREFIX": prefix})
    try:
        eventually(
            lambda: fixed.poll() is not None or Player.objects.count() == 5,
            timeout=90,
            message="the fixed consumer did not apply the five waiting events",
        )
        assert fixed.poll() is None
        replay = spawn_manage("dlq", "replay", "--execute", "--by", "test", env=env)
        replayed, _ = replay.communicate(timeout=120)
        assert replay.returncode == 0, replayed
        assert "replayed 3 by test" in replayed
        eventually(
            lambda: Player.objects.count() == 8,
            timeout=90,
            message="the replayed dead letters were not applied",
        )
    finally:
        stop(fixed)
    assert set(Player.objects.values_list("user_id", flat=True)) == set(users)
