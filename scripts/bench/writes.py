"""Goal 5: the write path (`BENCH_ONLY=writes`).

`POST /games/` (record a read: JWT check, one transaction with the read and
its outbox row) with the whole system running, relay and consumers
included, beside `baseline_insert.py` (one row in one transaction, no
middleware or authentication) under the same gunicorn settings. wrk sends
both from requests.lua, rotating over 20 accounts and 20 cached games, in
alternated rounds; then the rows each stored are counted against the 2xx
answers wrk saw, and the reads are followed into the users service.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import requests
from psycopg2.sql import SQL, Identifier

from scripts.bench.load import (
    ROUNDS,
    describe,
    keep_best,
    login,
    processes,
    report,
    request_file,
    serve,
    stop,
    wait_http,
    wrk,
)
from scripts.system import System, free_port

SECTION = "POST /games/ (write path)"
FLOW_PAUSED = "games service, relay and consumers paused"
TABLES = {
    "games service": "catalog_gameread",
    FLOW_PAUSED: "catalog_gameread",
    "minimal insert view": "bench_insert",
}
# What runs after a POST is answered: the relay publishes, the consumers apply.
FLOW = ("games-relay.1", "users-consumer.1")
# Shared processes counted by name (PostgreSQL, Kafka, Redis) in the CPU split.
SHARED = {"postgres": "postgres", "java": "kafka", "redis-server": "redis"}


def write_requests(system: System) -> list[tuple[str, str, str, str]]:
    """400 POST /games/ requests: 20 accounts x 20 games whose details are
    cached (the service takes the title from the cache)."""
    accounts = [login(system) for _ in range(20)]
    listing = requests.get(f"{system.games_url}/games/", params={"page_size": 20}, timeout=30)
    game_ids = [game["id"] for game in listing.json()["results"]]
    for game_id in game_ids:
        requests.get(f"{system.games_url}/games/{game_id}/", timeout=30)
    return [
        ("POST", "/games/", account["auth"], json.dumps({"game_id": game_id}))
        for account in accounts
        for game_id in game_ids
    ]


def last_id(system: System, name: str) -> int:
    query = SQL("SELECT coalesce(max(id), 0) FROM {}").format(Identifier(TABLES[name]))
    return system.query("games", query)[0][0]


def stored_since(system: System, name: str, after_id: int) -> int:
    query = SQL("SELECT count(*) FROM {} WHERE id > %s").format(Identifier(TABLES[name]))
    return system.query("games", query, (after_id,))[0][0]


def create_baseline_table(system: System) -> None:
    connection = psycopg2.connect(system.databases["games"])
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, "
            "game_id integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
    connection.close()


def bench_writes(system: System) -> None:
    create_baseline_table(system)
    posts = request_file(system.workdir / "posts.txt", write_requests(system))
    port = free_port()
    baseline = serve(
        "gthread", "scripts.bench.baseline_insert:application", port, system.env, system.workdir
    )
    bases = {
        "games service": system.games_url,
        FLOW_PAUSED: system.games_url,
        "minimal insert view": f"http://127.0.0.1:{port}",
    }
    results: dict[str, dict[str, float]] = {}
    answered = dict.fromkeys(bases, 0)
    cpu: Counter[str] = Counter()
    before = last_id(system, "games service"), last_id(system, "minimal insert view")
    try:
        wait_http(f"{bases['minimal insert view']}/games/", status=405)
        for _ in range(ROUNDS):
            for name, base in bases.items():
                with flow_paused(system, name == FLOW_PAUSED), cpu_spent(system, name, cpu):
                    r = wrk(f"{base}/games/", posts)
                answered[name] += int(r["2xx"])
                keep_best(results, name, r)
    finally:
        stop([baseline])
    report_writes(system, results, answered, before)
    report_cpu(cpu, answered["games service"])


@contextmanager
def flow_paused(system: System, paused: bool) -> Iterator[None]:
    """SIGSTOP the relay and the users consumer for the block (the outbox
    keeps what they would have sent; they catch up after SIGCONT), to show
    what the web path alone takes."""
    groups = [system.processes[key].popen.pid for key in FLOW] if paused else []
    for group in groups:
        os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        for group in groups:
            os.killpg(group, signal.SIGCONT)


def cpu_ticks(system: System) -> Counter[str]:
    """CPU clock ticks used so far, by system process (its whole process
    group) and by shared service (by process name)."""
    owners = {p.popen.pid: key.rsplit(".", 1)[0] for key, p in system.processes.items()}
    ticks: Counter[str] = Counter()
    for process in processes():
        owner = owners.get(process.group) or SHARED.get(process.name)
        if owner:
            ticks[owner] += process.cpu_ticks
    return ticks


@contextmanager
def cpu_spent(system: System, name: str, total: Counter[str]) -> Iterator[None]:
    """Add the CPU ticks the block used to ``total``, for the full flow only."""
    start = cpu_ticks(system) if name == "games service" else None
    yield
    if start is not None:
        total.update(cpu_ticks(system) - start)


def report_cpu(cpu: Counter[str], posts: int) -> None:
    """CPU milliseconds per accepted POST, by process, while the whole flow
    ran: where a write's cost goes (shared services count everything they
    did meanwhile, other users of this machine's PostgreSQL and Kafka too)."""
    per_ms = 1000 / os.sysconf("SC_CLK_TCK") / max(1, posts)
    busiest = [f"{owner} {ticks * per_ms:.2f}" for owner, ticks in cpu.most_common(8)]
    report(SECTION, "CPU ms per accepted POST, by process", ", ".join(busiest))
    report(
        SECTION,
        "CPU ms per accepted POST, all processes (target <= 4.0)",
        f"{sum(cpu.values()) * per_ms:.2f}",
    )


def report_writes(
    system: System,
    results: dict[str, dict[str, float]],
    answered: dict[str, int],
    before: tuple[int, int],
) -> None:
    for name, r in results.items():
        report(SECTION, name, describe(r))
    baseline = results["minimal insert view"]
    targets = {"games service": " (target >= 0.35)", FLOW_PAUSED: ""}
    for name, target in targets.items():
        ours = results[name]
        report(
            SECTION,
            f"{name} vs minimal insert view{target}",
            f"{ours['rps'] / baseline['rps']:.2f}x (p99 {ours['p99'] / baseline['p99']:.2f}x)",
        )
    # wrk stops with requests in flight: a few more rows than 2xx answers.
    games_before, baseline_before = before
    games_answered = answered["games service"] + answered[FLOW_PAUSED]
    report(
        SECTION,
        "games service (both): rows stored / 2xx answers",
        f"{stored_since(system, 'games service', games_before)} / {games_answered}",
    )
    report(
        SECTION,
        "minimal insert view: rows stored / 2xx answers",
        f"{stored_since(system, 'minimal insert view', baseline_before)} / "
        f"{answered['minimal insert view']}",
    )
    # The paused flow's reads too: they wait in the outbox, none is lost.
    report(
        SECTION,
        "games service (both): reads in the users' history",
        delivered(system, games_before),
    )


def history_count(system: System, after_id: int) -> tuple[int, int]:
    """Of the reads the games service stored (rows past ``after_id``), how
    many reached the users service's history, and how many there are."""
    sql = "SELECT event_id FROM catalog_gameread WHERE id > %s"
    events = [str(event_id) for (event_id,) in system.query("games", sql, (after_id,))]
    sql = "SELECT count(*) FROM accounts_gameread WHERE event_id = ANY(%s::uuid[])"
    return system.query("users", sql, (events,))[0][0], len(events)


def delivered(system: System, after_id: int, timeout: float = 60) -> str:
    """``history_count`` as "delivered / stored", polled for up to
    ``timeout`` seconds until every read arrived."""
    deadline = time.monotonic() + timeout
    while True:
        count, stored = history_count(system, after_id)
        if count >= stored or time.monotonic() > deadline:
            return f"{count} / {stored}"
        time.sleep(0.5)
