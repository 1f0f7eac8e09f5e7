"""The circuit breaker to the games API is one for every gunicorn worker:
opened by the failures one worker saw, it is open in the others too.

A games-web of its own (four workers, one thread each), beside the session's
system, with a stand-in in full outage of its own and a Redis key prefix of
its own, so the breaker it opens touches no other test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from scripts.poll import eventually
from scripts.system import System
from tests.support.isolated import IsolatedGames, games_beside

THRESHOLD = 3
WORKERS = 4


@pytest.fixture
def isolated_games(system: System) -> Iterator[IsolatedGames]:
    with games_beside(
        system,
        "breaker",
        WEB_CONCURRENCY=str(WORKERS),
        WEB_THREADS="1",
        GAMES_API_MAX_ATTEMPTS="1",
        GAMES_API_BREAKER_THRESHOLD=str(THRESHOLD),
        # Longer than the test: the breaker cannot half-open during it.
        GAMES_API_BREAKER_RESET_SECONDS="600",
    ) as isolated:
        yield isolated


def upstream_requests(isolated: IsolatedGames) -> int:
    snapshot = requests.get(f"{isolated.stub_url}/_control", timeout=10).json()
    return snapshot["requests"].get("total", 0)


def per_worker(isolated: IsolatedGames, outcome: str) -> dict[str, float]:
    """games_upstream_calls_total{outcome} of each gunicorn worker, by pid
    (each worker writes its own file in Prometheus' multiprocess folder)."""
    counts = {}
    for path in isolated.metrics.glob("counter_*.db"):
        with tempfile.TemporaryDirectory() as alone:
            shutil.copy(path, alone)
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=alone)
            value = registry.get_sample_value("games_upstream_calls_total", {"outcome": outcome})
        counts[path.stem.split("_", 1)[1]] = value or 0.0
    return counts


def test_a_breaker_opened_by_one_worker_is_open_for_all(isolated_games: IsolatedGames) -> None:
    requests.post(f"{isolated_games.stub_url}/_control", json={"outage": True}, timeout=10)
    ids = iter(range(1, 100_000))

    # Failing calls until the breaker opens: THRESHOLD of them, in all.
    while upstream_requests(isolated_games) < THRESHOLD:
        answer = requests.get(f"{isolated_games.games_url}/games/{next(ids)}/", timeout=30)
        assert answer.status_code == 503
    assert upstream_requests(isolated_games) == THRESHOLD

    def burst() -> bool:
        """Concurrent requests, spread over the workers: each fails fast."""
        with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
            paths = [f"{isolated_games.games_url}/games/{next(ids)}/" for _ in range(WORKERS * 6)]
            statuses = list(pool.map(lambda url: requests.get(url, timeout=30).status_code, paths))
        assert set(statuses) == {503}
        # Not one more upstream call, whichever worker answered.
        assert upstream_requests(isolated_games) == THRESHOLD
        failed_itself = per_worker(isolated_games, "503")
        refused = per_worker(isolated_games, "breaker_open")
        # A worker that saw no upstream failure of its own refused calls:
        # the breaker it obeyed was opened by the others.
        return any(refused[pid] > 0 and not failed_itself.get(pid) for pid in refused)

    eventually(
        burst,
        timeout=60,
        every=0.2,
        message="no worker without failures of its own answered (the requests never spread)",
    )
