"""A flood of cache misses cannot starve the games service: while many
concurrent clients ask for ids that do not exist (anonymous) and for games
not cached yet from a slow upstream (signed in, so no per-address budget
stops them), a cached game and ``/healthz`` still answer at once.

A games-web of its own (two workers of four threads, as ``make run``), with
a stand-in of its own, a Redis key prefix of its own and the production
upstream rate (4/s), beside the session's system."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from scripts.catalog_stub.catalog import catalog
from scripts.system import System
from tests.e2e.flows import register_and_login
from tests.support.isolated import IsolatedGames, games_beside

CLIENTS = 24
PER_CLIENT = 20
# Far beyond what a hit costs, far below the 8 s timeouts the flood caused.
BOUND_SECONDS = 1.5


@pytest.fixture
def isolated_games(system: System) -> Iterator[IsolatedGames]:
    with games_beside(
        system,
        "flood",
        WEB_CONCURRENCY="2",
        WEB_THREADS="4",
        GAMES_API_RATE_PER_SECOND="4",
        CATALOG_MISS_RATE_PER_ADDRESS="30/min",
    ) as isolated:
        yield isolated


def _timed(url: str) -> tuple[int | str, float]:
    started = time.monotonic()
    try:
        status: int | str = requests.get(url, timeout=8).status_code
    except requests.RequestException as exc:
        status = type(exc).__name__
    return status, time.monotonic() - started


def test_a_flood_of_misses_leaves_hits_and_healthz_answering_at_once(
    system: System, isolated_games: IsolatedGames
) -> None:
    games = catalog(isolated_games.stub_url)
    hit_id = games[0]["id"]
    hit_url = f"{isolated_games.games_url}/games/{hit_id}/"
    health_url = f"{isolated_games.games_url}/healthz"
    assert requests.get(hit_url, timeout=10).status_code == 200  # now cached
    before = [_timed(url) for url in (hit_url, health_url) for _ in range(5)]
    assert {status for status, _ in before} == {200}
    baseline = max(seconds for _, seconds in before)

    signed_in = register_and_login(system)  # its misses spend no per-address budget
    known_uncached = iter(game["id"] for game in games[1:])
    unknown = itertools.count(900_000_000)
    plan = []
    for n in range(CLIENTS * PER_CLIENT):
        if n % 2:
            plan.append(("unknown", next(unknown), {}))
        else:
            plan.append(("uncached", next(known_uncached), signed_in.auth))
    requests.post(
        f"{isolated_games.stub_url}/_control", json={"latency_ms": 1500}, timeout=10
    )  # every upstream fill now takes 1.5 s

    answers: list[tuple[str, int | str, dict[str, str]]] = []
    flooding = threading.Event()
    flooding.set()

    def ask(item: tuple[str, int, dict[str, str]]) -> None:
        kind, game_id, headers = item
        try:
            response = requests.get(
                f"{isolated_games.games_url}/games/{game_id}/", headers=headers, timeout=10
            )
            answers.append((kind, response.status_code, dict(response.headers)))
        except requests.RequestException as exc:
            answers.append((kind, type(exc).__name__, {}))

    probes: list[tuple[str, int | str, float]] = []

    def probe() -> None:
        while flooding.is_set():
            for name, url in (("hit", hit_url), ("healthz", health_url)):
                status, seconds = _timed(url)
                probes.append((name, status, seconds))
            time.sleep(0.1)

    prober = threading.Thread(target=probe)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        prober.start()
        list(pool.map(ask, plan))
    flooding.clear()
    prober.join(timeout=30)
    took = time.monotonic() - started

    by_kind: dict[str, dict[int | str, int]] = {"unknown": {}, "uncached": {}}
    for kind, status, _ in answers:
        by_kind[kind][status] = by_kind[kind].get(status, 0) + 1
    report = (
        f"flood of {len(plan)} in {took:.1f}s: {by_kind}; baseline {baseline * 1000:.0f} ms; "
        f"probes {[(n, s, round(t, 3)) for n, s, t in probes]}"
    )
    (system.workdir / "miss-flood.txt").write_text(report)  # for whoever reads the run
    assert len(answers) == len(plan)
    assert set(by_kind["unknown"]) <= {404, 429, 503}, report
    assert 429 in by_kind["unknown"], report  # the per-address budget ran out
    assert set(by_kind["uncached"]) <= {200, 503}, report
    assert 503 in by_kind["uncached"], report  # the fill cap or the slot deadline refused some
    for kind, status, headers in answers:
        if status in (429, 503):
            assert int(headers["Retry-After"]) >= 1, (kind, status, headers)

    assert len(probes) >= 4, report
    assert {status for _, status, _ in probes} == {200}, report
    slowest = max(seconds for _, _, seconds in probes)
    assert slowest < max(BOUND_SECONDS, 20 * baseline), report
