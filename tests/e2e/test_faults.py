"""The running system under faults: each test breaks one part for real and
proves that requests are still answered and nothing is lost or doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time

import pytest
import requests

from scripts.poll import eventually
from scripts.system import ROOT, System
from tests.e2e.flows import (
    any_game_ids,
    applied_exactly_once,
    assert_burst_delivered,
    history_event_ids,
    login,
    outboxes_sent,
    record_reads,
    register_and_login,
    register_many,
)
from tests.support.kafka import LocalKafka
from tests.support.redis import LocalRedis

KINDS = {"consumer", "relay"}


@pytest.mark.kafka_restart
@pytest.mark.timeout(420)
@pytest.mark.usefixtures("dead_letters_stay_empty")
def test_kafka_stopped_20s_during_200_registrations_and_500_reads(system: System) -> None:
    if not LocalKafka.available():
        pytest.skip("stops the project's own broker; KAFKA_BOOTSTRAP_SERVERS points elsewhere")
    game_ids = any_game_ids(system, 20)
    kafka = LocalKafka()
    kafka.stop()
    stopped_at = time.monotonic()
    try:
        accounts = register_many(system, 200)  # every answer asserted 201
        readers = [login(system, account) for account in accounts[:25]]
        sent = record_reads(system, readers, game_ids, 500)  # every answer asserted 202
        # The outage lasts 20 s, however fast the requests were answered.
        time.sleep(max(0.0, 20 - (time.monotonic() - stopped_at)))
    finally:
        kafka.start()
    assert len(accounts) == 200
    assert_burst_delivered(system, accounts, sent, timeout=180)
    assert sum(len(ids) for ids in sent.values()) == 500
    applied_exactly_once(system, sent)


# Up to a relay lease (30 s) more than the burst: see outboxes_sent.
@pytest.mark.timeout(360)
@pytest.mark.usefixtures("dead_letters_stay_empty")
def test_relays_and_consumers_killed_at_random_lose_and_double_nothing(system: System) -> None:
    workers = ["users-consumer.1", "games-consumer.1", "users-relay.1", "games-relay.1"]
    stop = threading.Event()
    kills: list[str] = []

    def chaos() -> None:
        chooser = random.Random(2026)
        while not stop.wait(chooser.uniform(0.3, 1.2)):
            victim = chooser.choice(workers)
            system.signal(victim, signal.SIGKILL)
            kills.append(victim)
            time.sleep(chooser.uniform(0, 0.5))
            name, instance = victim.rsplit(".", 1)
            system.start(name, instance=int(instance))

    game_ids = any_game_ids(system, 20)
    killer = threading.Thread(target=chaos)
    killer.start()
    try:
        accounts = register_many(system, 40)
        readers = [login(system, a) for a in accounts[:10]]
        sent = record_reads(system, readers, game_ids, 300)
        # Keep killing until both kinds of worker died a few times, so some
        # deaths fall into the delivery that follows the burst.
        eventually(
            lambda: len(kills) >= 5 and {k.split("-")[1].split(".")[0] for k in kills} >= KINDS,
            timeout=60,
            message="the chaos thread did not kill both kinds of worker",
        )
    finally:
        stop.set()
        killer.join(timeout=30)
    assert len(kills) >= 5 and {k.split("-")[1].split(".")[0] for k in kills} >= KINDS
    assert all(system.running(key) for key in workers)

    assert len(accounts) == 40
    assert_burst_delivered(system, accounts, sent, timeout=120)
    # Copies of what a killed relay sent but could not mark sent arrive once
    # its lease runs out: wait for them, then check they changed nothing.
    outboxes_sent(system)
    assert_burst_delivered(system, accounts, sent, timeout=60)
    reads_in_games = system.query(
        "games",
        "SELECT count(*) FROM catalog_gameread WHERE user_id::text = ANY(%s)",
        ([a.user_id for a in readers],),
    )[0][0]
    assert reads_in_games == 300
    applied_exactly_once(system, sent)


def test_with_redis_stopped_games_are_served_and_reads_recorded(system: System) -> None:
    if not LocalRedis.available():
        pytest.skip("stops the project's local Redis; REDIS_URL points elsewhere")
    account = register_and_login(system)
    # A game no other test reads: Redis keeps its data across the restart, so
    # only an uncached game shows caching resume (MISS, then HIT).
    game_id = any_game_ids(system, 100)[90]
    redis = LocalRedis()
    redis.stop()
    try:
        detail = requests.get(f"{system.games_url}/games/{game_id}/", timeout=30)
        assert (detail.status_code, detail.headers["X-Cache"]) == (200, "MISS")
        assert requests.get(f"{system.games_url}/games/", timeout=30).status_code == 200
        read = requests.post(
            f"{system.games_url}/games/",
            json={"game_id": game_id},
            headers=account.auth,
            timeout=30,
        )
        assert read.status_code == 202
        # Login keeps working (and throttled) on per-process counters.
        assert login(system, account).access
        ready = requests.get(f"{system.games_url}/readyz", timeout=30)
        assert ready.status_code == 503 and "redis" in ready.json()["status"]
    finally:
        redis.start()
    eventually(
        lambda: read.json()["event_id"] in history_event_ids(system, account.user_id),
        timeout=30,
        message="the read recorded without Redis never reached the history",
    )
    first = requests.get(f"{system.games_url}/games/{game_id}/", timeout=30)
    second = requests.get(f"{system.games_url}/games/{game_id}/", timeout=30)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")


def _server_errors(system: System) -> int:
    text = requests.get(f"{system.games_url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("http_requests_total{")
        and 'status="5' in line
        and 'status="503"' not in line
    )


def test_a_full_outage_of_the_games_api_serves_the_cache_and_heals(system: System) -> None:
    control = f"{system.stub_url}/_control"
    account = register_and_login(system)
    cached, uncached = any_game_ids(system, 40)[30:32]
    assert requests.get(f"{system.games_url}/games/{cached}/", timeout=30).status_code == 200
    errors_before = _server_errors(system)
    requests.post(control, json={"outage": True}, timeout=10)
    try:
        served = requests.get(f"{system.games_url}/games/{cached}/", timeout=30)
        assert served.status_code == 200 and served.headers["X-Cache"] in {"HIT", "STALE"}
        assert requests.get(f"{system.games_url}/games/", timeout=30).status_code == 200
        for _ in range(4):  # enough failures to open the breaker
            missing = requests.get(f"{system.games_url}/games/{uncached}/", timeout=30)
            assert missing.status_code == 503
            assert missing.json()["error"]["code"] == "upstream_unavailable"
        # Reads are still recorded, even of a game whose page nobody opened:
        # the cached catalog index holds every title (the detail is not needed).
        for game_id in (cached, uncached):
            recorded = requests.post(
                f"{system.games_url}/games/",
                json={"game_id": game_id},
                headers=account.auth,
                timeout=30,
            )
            assert (recorded.status_code, recorded.headers["X-Cache"]) == (202, "HIT")
    finally:
        requests.post(control, json={"outage": False}, timeout=10)
    eventually(
        lambda: requests.get(f"{system.games_url}/games/{uncached}/", timeout=30).status_code
        == 200,
        timeout=30,
        every=0.5,
        message="the breaker never closed again",
    )
    # The breaker is shared through Redis, but each worker sets its own
    # games_upstream_breaker_open when it next sees the state (on its next
    # upstream call). Fresh games make every worker call the upstream.
    fresh = iter(any_game_ids(system, 100)[40:95])

    def all_breakers_closed() -> bool:
        status_code = requests.get(
            f"{system.games_url}/games/{next(fresh)}/", timeout=30
        ).status_code
        assert status_code in {200, 503}
        metrics = requests.get(f"{system.games_url}/metrics", timeout=10).text
        return status_code == 200 and "games_upstream_breaker_open 0.0" in metrics

    eventually(all_breakers_closed, timeout=25, every=0.5, message="a breaker stayed open")
    assert _server_errors(system) == errors_before  # no 500 anywhere


def test_after_a_postgresql_restart_both_services_recover_without_a_process_restart(
    system: System,
) -> None:
    if not LocalKafka.available():  # the same condition: services run by this project
        pytest.skip("restarts the project's local PostgreSQL")
    account = register_and_login(system)
    game_id = any_game_ids(system, 5)[1]
    pids = {key: p.popen.pid for key, p in system.processes.items() if system.running(key)}
    subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "restart", "postgres"], check=True, timeout=120
    )

    # The first requests after the restart already succeed: stale connections
    # are detected (CONN_HEALTH_CHECKS) and replaced.
    again = register_and_login(system)
    read = requests.post(
        f"{system.games_url}/games/", json={"game_id": game_id}, headers=again.auth, timeout=30
    )
    assert read.status_code == 202, read.text
    eventually(
        lambda: read.json()["event_id"] in history_event_ids(system, again.user_id),
        timeout=60,
        message="relay or consumer did not recover from the restart",
    )
    assert (
        requests.get(
            f"{system.users_url}/users/{account.user_id}/", headers=account.auth, timeout=30
        ).status_code
        == 200
    )
    assert {key: p.popen.pid for key, p in system.processes.items() if system.running(key)} == pids
