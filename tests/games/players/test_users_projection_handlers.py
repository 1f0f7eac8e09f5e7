"""The users projection's handlers, run by the real runner over the
in-memory transport: no broker (test_users_projection.py feeds the same
consumer through the real one)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from common.events.event import Event
from common.events.topics import USER_CREATED, USER_DELETED
from common.events.users import user_created, user_deleted
from common.kafka.consumer import ConsumerRunner
from games_project.catalog.models import GameRead
from games_project.consumers import CONSUMERS
from games_project.players.models import Player
from tests.support.consumers import InMemoryTransport, drain

pytestmark = pytest.mark.django_db(transaction=True)


def consume(*events: Event) -> ConsumerRunner:
    transport = InMemoryTransport()
    for event in events:
        transport.publish(event.type, event)
    runner = ConsumerRunner(CONSUMERS["users_projection"], transport=transport)
    drain(runner)
    return runner


def created(user_id: uuid.UUID) -> Event:
    return user_created(user_id=user_id, email="h@example.com", name="H", source="users")


def test_the_projection_declares_a_handler_per_event_type() -> None:
    assert set(CONSUMERS["users_projection"].handlers) == {USER_CREATED, USER_DELETED}


def test_user_created_registers_the_player_once() -> None:
    user_id = uuid.uuid4()
    event = created(user_id)
    runner = consume(event, event)
    assert (runner.stats.processed, runner.stats.duplicate) == (1, 1)
    assert Player.objects.get(user_id=user_id).registered_at == event.occurred_at


def test_user_deleted_keeps_a_tombstone_and_forgets_the_reads() -> None:
    user_id = uuid.uuid4()
    GameRead.objects.create(
        event_id=uuid.uuid4(), user_id=user_id, game_id=1, title="T", read_at=datetime.now(UTC)
    )
    consume(created(user_id), user_deleted(user_id=user_id, source="users"))
    assert Player.objects.get(user_id=user_id).deleted_at is not None
    assert not GameRead.objects.filter(user_id=user_id).exists()


def test_a_creation_after_the_deletion_is_discarded_not_applied() -> None:
    user_id = uuid.uuid4()
    # Its topic first: the in-memory transport polls topic by topic.
    deleted = user_deleted(user_id=user_id, source="users")
    runner = consume(deleted, created(uuid.uuid4()), created(user_id))
    assert (runner.stats.processed, runner.stats.discarded, runner.stats.dead_lettered) == (2, 1, 0)
    player = Player.objects.get(user_id=user_id)
    assert player.deleted_at is not None and player.registered_at is None
