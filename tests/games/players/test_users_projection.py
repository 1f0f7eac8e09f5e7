"""The games service's projection of users, fed through the real broker."""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from common.events.event import Event
from common.events.topics import dlq_topic
from common.events.users import user_created, user_deleted
from common.kafka.config import physical_topic
from common.kafka.consumer import ConsumerRunner
from games_project.catalog.models import GameRead
from games_project.consumers import CONSUMERS
from games_project.players.models import Player
from tests.support.http import bearer
from tests.support.identity import IdentityProvider
from tests.support.kafka import create_isolated_topic, delete_topics, produce_raw, read_all

pytestmark = pytest.mark.django_db(transaction=True)

DISCARDED = "consumer_discarded_total"
DISCARD_LABELS = {"consumer": CONSUMERS["users_projection"].name, "reason": "created_after_deleted"}


@pytest.fixture
def topics():
    created, deleted = create_isolated_topic("test-created"), create_isolated_topic("test-deleted")
    yield {"user.created": created, "user.deleted": deleted}
    delete_topics(*(physical_topic(name) for t in (created, deleted) for name in (t, dlq_topic(t))))


def publish(topics: dict[str, str], event: Event) -> None:
    produce_raw(physical_topic(topics[event.type]), event.encode(), key=event.key.encode())


def consume(
    topics: dict[str, str], *, handled: int, timeout: float = 45, group: str | None = None
) -> ConsumerRunner:
    spec = dataclasses.replace(
        CONSUMERS["users_projection"],
        topics=tuple(topics.values()),
        group_id=group or f"g-{uuid.uuid4().hex}",
    )
    runner = ConsumerRunner(spec)
    deadline = time.monotonic() + timeout
    try:
        while (
            runner.stats.processed
            + runner.stats.duplicate
            + runner.stats.dead_lettered
            + runner.stats.discarded
            < handled
        ):
            assert time.monotonic() < deadline, runner.stats
            runner.run_once()
    finally:
        runner.close()
    return runner


def test_user_created_adds_the_user_once(topics: dict[str, str]) -> None:
    user_id = uuid.uuid4()
    created = user_created(user_id=user_id, email="p@example.com", name="P", source="users")
    publish(topics, created)
    publish(topics, created)  # redelivered
    runner = consume(topics, handled=2)
    player = Player.objects.get(user_id=user_id)
    assert (player.registered_at, player.deleted_at) == (created.occurred_at, None)
    assert runner.stats.duplicate == 1


def test_the_projection_holds_no_personal_data() -> None:
    fields = {field.name for field in Player._meta.get_fields()}
    assert fields == {"user_id", "registered_at", "deleted_at"}


def test_user_deleted_forgets_the_user_and_their_reads(topics: dict[str, str]) -> None:
    user_id = uuid.uuid4()
    GameRead.objects.create(
        event_id=uuid.uuid4(), user_id=user_id, game_id=1, title="T", read_at=datetime.now(UTC)
    )
    publish(topics, user_created(user_id=user_id, email="d@example.com", name="D", source="users"))
    publish(topics, user_deleted(user_id=user_id, source="users"))
    consume(topics, handled=2)
    player = Player.objects.get(user_id=user_id)
    assert player.deleted_at is not None
    assert not GameRead.objects.filter(user_id=user_id).exists()


def test_a_creation_after_the_deletion_is_discarded_and_counted_not_dead_lettered(
    topics: dict[str, str],
) -> None:
    user_id = uuid.uuid4()
    publish(topics, user_deleted(user_id=user_id, source="users"))
    consume(topics, handled=1)
    before = REGISTRY.get_sample_value(DISCARDED, DISCARD_LABELS) or 0.0
    publish(
        topics, user_created(user_id=user_id, email="late@example.com", name="L", source="users")
    )
    runner = consume(topics, handled=1)
    player = Player.objects.get(user_id=user_id)
    assert player.deleted_at is not None and player.registered_at is None
    assert (runner.stats.discarded, runner.stats.dead_lettered) == (1, 0)
    assert REGISTRY.get_sample_value(DISCARDED, DISCARD_LABELS) == before + 1
    assert read_all(physical_topic(dlq_topic(topics["user.created"])), expected=0) == []


def test_after_user_deleted_the_users_token_cannot_record_reads(
    topics: dict[str, str], identity: IdentityProvider, known_game: dict
) -> None:
    user_id = uuid.uuid4()
    token = identity.token(user_id)
    api = APIClient()
    assert (
        api.post(
            "/games/", {"game_id": known_game["id"]}, format="json", **bearer(token)
        ).status_code
        == 202
    )
    publish(topics, user_deleted(user_id=user_id, source="users"))
    consume(topics, handled=1)
    refused = api.post("/games/", {"game_id": known_game["id"]}, format="json", **bearer(token))
    assert refused.status_code == 403
    assert not GameRead.objects.filter(user_id=user_id).exists()


def test_a_forged_user_deleted_is_dead_lettered_and_the_user_keeps_their_access(
    topics: dict[str, str], identity: IdentityProvider, known_game: dict
) -> None:
    user_id = uuid.uuid4()
    publish(topics, user_created(user_id=user_id, email="v@example.com", name="V", source="users"))
    # Anyone who reaches the brokers, claiming to be games or anyone else.
    forged = [user_deleted(user_id=user_id, source=source) for source in ("games", "attacker")]
    for event in forged:
        publish(topics, event)
    group = f"g-{uuid.uuid4().hex}"
    runner = consume(topics, handled=3, group=group)

    assert (runner.stats.processed, runner.stats.dead_lettered) == (1, 2)
    assert Player.objects.get(user_id=user_id).deleted_at is None
    token = identity.token(user_id)
    api = APIClient()
    accepted = api.post("/games/", {"game_id": known_game["id"]}, format="json", **bearer(token))
    assert accepted.status_code == 202
    dead = read_all(physical_topic(dlq_topic(topics["user.deleted"])), expected=2)
    assert sorted(dict(record.headers)["dlq.reason"] for record in dead) == [b"wrong_source"] * 2

    # The users service's own deletion still applies.
    publish(topics, user_deleted(user_id=user_id, source="users"))
    assert consume(topics, handled=1, group=group).stats.processed == 1
    assert Player.objects.get(user_id=user_id).deleted_at is not None
    refused = api.post("/games/", {"game_id": known_game["id"]}, format="json", **bearer(token))
    assert refused.status_code == 403
