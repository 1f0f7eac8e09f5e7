"""The user.read handler, run by the real runner over the in-memory
transport: no broker (tests/users/accounts/test_read_history_consumer.py
feeds the same consumer through the real one)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from common.events.event import Event
from common.events.reads import user_read
from common.events.topics import USER_READ
from common.inbox.models import ProcessedEvent
from common.kafka.consumer import ConsumerRunner
from tests.support.consumers import InMemoryTransport, drain
from tests.users.factories import UserFactory
from users_project.accounts.handlers import handle_user_reads
from users_project.accounts.models import GameRead
from users_project.consumers import CONSUMERS

pytestmark = pytest.mark.django_db(transaction=True)


def a_read(user_id: uuid.UUID, game_id: int = 7) -> Event:
    at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    return user_read(user_id=user_id, game_id=game_id, title="Seven", read_at=at, source="games")


def consume(*events: Event) -> ConsumerRunner:
    transport = InMemoryTransport()
    for event in events:
        transport.publish(USER_READ, event)
    runner = ConsumerRunner(CONSUMERS["read_history"], transport=transport)
    drain(runner)
    return runner


def test_the_read_history_consumer_has_one_handler_for_user_read() -> None:
    assert CONSUMERS["read_history"].handlers == {USER_READ: handle_user_reads}


def test_reads_are_stored_and_counted_once_without_a_broker() -> None:
    user = UserFactory()
    first, second = a_read(user.id, 1), a_read(user.id, 2)
    runner = consume(first, second, first)
    assert (runner.stats.processed, runner.stats.duplicate) == (2, 1)
    user.refresh_from_db()
    assert user.read_count == 2 == GameRead.objects.filter(user=user).count()
    assert set(GameRead.objects.values_list("event_id", flat=True)) == {first.id, second.id}
    # The history row is the inbox: no processed-event rows.
    assert not ProcessedEvent.objects.exists()


def test_a_read_of_a_gone_user_is_discarded_and_the_others_stored() -> None:
    user = UserFactory()
    runner = consume(a_read(user.id, 1), a_read(uuid.uuid4(), 2), a_read(user.id, 3))
    assert (runner.stats.processed, runner.stats.discarded) == (2, 1)
    assert runner.stats.dead_lettered == 0
    assert GameRead.objects.filter(user=user).count() == 2


def test_a_read_without_its_fields_is_dead_lettered_and_nothing_stored() -> None:
    user = UserFactory()
    bad = dataclasses.replace(a_read(user.id), data={"user_id": str(user.id)})
    transport = InMemoryTransport()
    transport.publish(USER_READ, bad)
    drain(ConsumerRunner(CONSUMERS["read_history"], transport=transport, max_attempts=1))
    [dead] = next(iter(transport.sent.values()))
    assert dict(dead.headers)["dlq.reason"] == b"decode_error"  # the contract refuses it
    assert not GameRead.objects.exists()
