"""The flow across both services, each a real process, and its guarantees
under killed processes, a stopped broker and doubled workers."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator

import pytest
import requests
from kafka import KafkaAdminClient

from common.events.topics import USER_READ
from scripts.poll import eventually
from scripts.system import System
from tests.e2e.flows import (
    any_game_ids,
    history_event_ids,
    read_reaches_history,
    record_reads,
    register_and_login,
)
from tests.support.kafka import bootstrap, group_caught_up


def read_group(system: System) -> str:
    return f"{system.prefix}users.read_history"


def read_topic(system: System) -> str:
    return f"{system.prefix}{USER_READ}"


# On the happy path nothing is dead-lettered (tests/e2e/conftest.py).
pytestmark = pytest.mark.usefixtures("dead_letters_stay_empty")


def test_register_read_and_delete_across_both_services(system: System) -> None:
    account = register_and_login(system)
    eventually(
        lambda: system.query(
            "games", "SELECT 1 FROM players_player WHERE user_id = %s", (account.user_id,)
        ),
        timeout=15,
        message="user.created never reached the games service",
    )
    # A game no earlier test has read (so not cached yet): MISS, then HIT.
    for game_id in reversed(any_game_ids(system, 100)):
        first = requests.get(f"{system.games_url}/games/{game_id}/", timeout=10)
        if first.headers["X-Cache"] == "MISS":
            break
    second = requests.get(f"{system.games_url}/games/{game_id}/", timeout=10)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")

    read = requests.post(
        f"{system.games_url}/games/",
        json={"game_id": game_id},
        headers={**account.auth, "X-Request-ID": "e2e-trace-0001"},
        timeout=10,
    )
    assert read.status_code == 202, read.text
    event_id = read.json()["event_id"]

    read_reaches_history(system, account, event_id=event_id, title=first.json()["title"])

    # The request id followed the work into the users service's consumer.
    consumer_lines = [
        json.loads(line)
        for line in system.processes["users-consumer.1"].log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    # The batch path logs one line per batch, mapping each event id it
    # applied to its correlation id; the one-by-one path one line per event.
    applied = [
        line.get("events", {}).get(event_id, line.get("correlation_id"))
        for line in consumer_lines
        if line.get("event") == "consumer.applied"
        and (line.get("event_id") == event_id or event_id in line.get("events", {}))
    ]
    assert applied == ["e2e-trace-0001"]

    assert (
        requests.delete(
            f"{system.users_url}/users/{account.user_id}/", headers=account.auth, timeout=10
        ).status_code
        == 204
    )
    eventually(
        lambda: system.query(
            "games",
            "SELECT 1 FROM players_player WHERE user_id = %s AND deleted_at IS NOT NULL",
            (account.user_id,),
        ),
        timeout=15,
        message="user.deleted never reached the games service",
    )
    refused = requests.post(
        f"{system.games_url}/games/", json={"game_id": game_id}, headers=account.auth, timeout=10
    )
    assert refused.status_code == 403
    assert not system.query(
        "games", "SELECT 1 FROM catalog_gameread WHERE user_id = %s", (account.user_id,)
    )


def test_a_consumer_killed_with_sigkill_mid_stream_loses_and_duplicates_nothing(
    system: System,
) -> None:
    account = register_and_login(system)
    game_ids = any_game_ids(system, 10)
    sent = record_reads(system, [account], game_ids, 100)[account.user_id]
    eventually(
        lambda: len(history_event_ids(system, account.user_id)) > 0,
        timeout=15,
        message="the consumer never started storing",
    )
    system.signal("users-consumer.1", signal.SIGKILL)  # mid-stream, no chance to commit
    sent += record_reads(system, [account], game_ids, 150)[account.user_id]
    system.start("users-consumer", instance=1)
    eventually(
        lambda: len(history_event_ids(system, account.user_id)) >= len(sent),
        timeout=60,
        message="not every read arrived after the restart",
    )
    # Once the group has committed everything, nothing can be redelivered late.
    eventually(
        lambda: group_caught_up(read_group(system), [read_topic(system)]),
        timeout=60,
        message="the consumer group never committed every read",
    )
    stored = history_event_ids(system, account.user_id)
    assert sorted(stored) == sorted(sent)  # every event once: none lost, none doubled


def duplicates_skipped(system: System) -> int:
    """How often the users consumers met an event they had already applied."""
    return sum(
        p.log_path.read_text().count('"consumer.duplicate_skipped"')
        for key, p in system.processes.items()
        if key.startswith("users-consumer") and p.log_path.exists()
    )


@pytest.fixture
def second_workers(system: System) -> Iterator[None]:
    """A second consumer and relay per service, stopped after the test."""
    names = ("users-consumer", "games-consumer", "users-relay", "games-relay")
    for name in names:
        system.start(name, instance=2)
    try:
        yield
    finally:
        for name in names:
            if system.running(f"{name}.2"):
                system.signal(f"{name}.2", signal.SIGTERM)


def test_two_consumers_and_two_relays_per_service_share_work_without_duplicates(
    system: System, second_workers: None
) -> None:
    group = f"{system.prefix}users.read_history"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap(), client_id="e2e-groups")

    def split_between_two() -> bool:
        members = admin.describe_groups([group])[group]["members"]
        return len(members) == 2

    try:
        eventually(
            split_between_two, timeout=60, message="the second consumer never joined", every=0.5
        )
        members = admin.describe_groups([group])[group]["members"]
    finally:
        admin.close()
    assert len({m["member_id"] for m in members}) == 2

    skipped_before = duplicates_skipped(system)
    # Reads are keyed by user, and each consumer owns half the partitions:
    # with 6 users all of them landed on one consumer's half about once in 32
    # runs (seen in a rehearsal); with 12, about once in 2,000.
    accounts = [register_and_login(system) for _ in range(12)]
    game_ids = any_game_ids(system, 10)
    sent = record_reads(system, accounts, game_ids, 180)
    for account in accounts:
        eventually(
            lambda a=account: len(history_event_ids(system, a.user_id)) >= len(sent[a.user_id]),
            timeout=60,
            message="reads missing with two consumers",
        )
    eventually(
        lambda: group_caught_up(read_group(system), [read_topic(system)]),
        timeout=60,
        message="the consumer group never committed every read",
    )
    for account in accounts:
        assert sorted(history_event_ids(system, account.user_id)) == sorted(sent[account.user_id])
    # Both consumers did part of the work.
    workers = [p for key, p in system.processes.items() if key.startswith("users-consumer")]
    busy = [p for p in workers if '"consumer.applied"' in p.log_path.read_text()]
    assert len(busy) == 2
    # Each outbox row was published once and delivered once: no consumer met
    # an event twice (the inbox's unique key would hide it from a row count).
    assert duplicates_skipped(system) == skipped_before
