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
import time

import psycopg2
import requests
from psycopg2.sql import SQL, Identifier

from scripts.bench.load import (
    ROUNDS,
    describe,
    keep_best,
    login,
    report,
    request_file,
    serve,
    stop,
    wait_http,
    wrk,
)
from tests.e2e.system import System, free_port

SECTION = "POST /games/ (write path)"
TABLES = {"games service": "catalog_gameread", "minimal insert view": "bench_insert"}


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
    bases = {"games service": system.games_url, "minimal insert view": f"http://127.0.0.1:{port}"}
    results: dict[str, dict[str, float]] = {}
    answered = dict.fromkeys(bases, 0)
    before = {name: last_id(system, name) for name in bases}
    try:
        wait_http(f"{bases['minimal insert view']}/games/", status=405)
        for _ in range(ROUNDS):
            for name, base in bases.items():
                r = wrk(f"{base}/games/", posts)
                answered[name] += int(r["2xx"])
                keep_best(results, name, r)
    finally:
        stop([baseline])
    report_writes(system, results, answered, before)


def report_writes(
    system: System,
    results: dict[str, dict[str, float]],
    answered: dict[str, int],
    before: dict[str, int],
) -> None:
    for name, r in results.items():
        report(SECTION, name, describe(r))
    ours, baseline = results["games service"], results["minimal insert view"]
    report(
        SECTION,
        "throughput vs minimal insert view (target >= 0.5)",
        f"{ours['rps'] / baseline['rps']:.2f}x (p99 {ours['p99'] / baseline['p99']:.2f}x)",
    )
    # wrk stops with requests in flight: a few more rows than 2xx answers.
    for name in results:
        report(
            SECTION,
            f"{name}: rows stored / 2xx answers",
            f"{stored_since(system, name, before[name])} / {answered[name]}",
        )
    report(
        SECTION,
        "games service: reads in the users' history",
        delivered(system, before["games service"]),
    )


def delivered(system: System, after_id: int, timeout: float = 60) -> str:
    """How many of the reads the games service stored (rows past
    ``after_id``) reached the users service's history, polled for up to
    ``timeout`` seconds."""
    sql = "SELECT event_id FROM catalog_gameread WHERE id > %s"
    events = [str(event_id) for (event_id,) in system.query("games", sql, (after_id,))]
    deadline = time.monotonic() + timeout
    while True:
        count = system.query(
            "users",
            "SELECT count(*) FROM accounts_gameread WHERE event_id = ANY(%s::uuid[])",
            (events,),
        )[0][0]
        if count >= len(events) or time.monotonic() > deadline:
            return f"{count} / {len(events)}"
        time.sleep(0.5)
