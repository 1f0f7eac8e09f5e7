"""Goal 2: the web server, chosen on data (`BENCH_ONLY=servers`).

Both services under gunicorn `gthread` (the Procfile's own processes),
gunicorn `sync` and granian (WSGI), each with WEB_CONCURRENCY processes and,
where a server has threads, WEB_THREADS threads each; granian also with its
own default (256 blocking threads a worker). All are loaded by the same wrk
command in alternated rounds:

- games: the cached `GET /games/{id}/` (a HIT), the endpoint the seed
  promises to make fast;
- users: `GET /users/{id}/` with a bearer token, rotating over ten accounts:
  the users service's typical read (JWT check, one indexed row, DRF
  serializer). Its public endpoints are not representative: the JWKS is a
  constant document, and login and registration are password hashing.

Then the games service's cached hits beside four clients asking for
never-cached games from an upstream that takes 1 s, under each server: a
worker model that blocks on the upstream must not starve the hits.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading

import requests

from scripts.bench.load import (
    ROUNDS,
    cached_detail,
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
from scripts.system import System, free_port

APPS = {"games": "games_project.wsgi:application", "users": "users_project.wsgi:application"}
KINDS = ("gthread", "sync", "granian", "granian, default threads")
ENDPOINTS = {"games": "GET /games/{id}/, cache HIT", "users": "GET /users/{id}/, bearer"}


def start_servers(system: System) -> tuple[dict[tuple[str, str], str], list[subprocess.Popen]]:
    """(service, server kind) -> base URL; gthread is the system's own."""
    bases = {("games", "gthread"): system.games_url, ("users", "gthread"): system.users_url}
    servers = []
    for service, app in APPS.items():
        for kind in KINDS[1:]:
            port = free_port()
            servers.append(serve(kind, app, port, system.env, system.workdir))
            bases[(service, kind)] = f"http://127.0.0.1:{port}"
    return bases, servers


def bench_servers(system: System) -> None:
    game_id, _ = cached_detail(system)
    accounts = [login(system) for _ in range(10)]
    users_file = request_file(
        system.workdir / "users-get.txt",
        [("GET", f"/users/{a['user_id']}/", a["auth"], "") for a in accounts],
    )
    paths = {"games": f"/games/{game_id}/", "users": f"/users/{accounts[0]['user_id']}/"}
    bases, servers = start_servers(system)
    results: dict[str, dict[str, float]] = {}
    try:
        for (service, _), base in bases.items():
            wait_http(f"{base}{paths[service]}", headers={"Authorization": accounts[0]["auth"]})
        for _ in range(ROUNDS):  # alternated: a burst of the others' load hits each
            for (service, kind), base in bases.items():
                files = {"games": None, "users": users_file}
                r = wrk(f"{base}{paths[service]}", files[service])
                keep_best(results, f"{service}|{kind}", r)
        report_servers(results)
        slow_upstream(system, game_id, {kind: bases[("games", kind)] for kind in KINDS})
    finally:
        stop(servers)


def report_servers(results: dict[str, dict[str, float]]) -> None:
    for service in APPS:
        section = f"server: {ENDPOINTS[service]}"
        for kind in KINDS:
            report(section, kind, describe(results[f"{service}|{kind}"]))
        gthread = results[f"{service}|gthread"]
        for kind in KINDS[1:]:
            r = results[f"{service}|{kind}"]
            report(
                section,
                f"{kind} vs gthread: throughput, p99",
                f"{r['rps'] / gthread['rps']:.2f}x, {r['p99'] / gthread['p99']:.2f}x",
            )


def slow_upstream(system: System, game_id: int, bases: dict[str, str]) -> None:
    """Cached hits while 4 clients ask for uncached games from an upstream
    that takes 1 s: a worker model that blocks on the upstream starves hits."""
    requests.post(f"{system.stub_url}/_control", json={"latency_ms": 1000}, timeout=10)
    try:
        for n, (kind, base) in enumerate(bases.items()):
            done = threading.Event()
            misses = [
                threading.Thread(target=cold_misses, args=(base, 10_000_000 * (n + 1) + c, done))
                for c in range(4)
            ]
            for thread in misses:
                thread.start()
            try:
                r = wrk(f"{base}/games/{game_id}/")
            finally:
                done.set()
                for thread in misses:
                    thread.join()
            report(
                "server: upstream 1 s",
                f"games cached hits beside 4 cold misses, {kind}",
                describe(r),
            )
    finally:
        requests.post(f"{system.stub_url}/_control", json={"latency_ms": 0}, timeout=10)


def cold_misses(base: str, first_id: int, done: threading.Event) -> None:
    """Ask for never-seen game ids (each waits on the upstream) until ``done``."""
    game_id = first_id
    with requests.Session() as session:
        while not done.is_set():
            game_id += 100
            with contextlib.suppress(requests.RequestException):
                session.get(f"{base}/games/{game_id}/", timeout=30)
