"""`make bench`: measures the system beside baselines taken in the same run.

BENCH_ONLY=http,servers,upstream,history,latency,writes,ingestion,scaling,logins,capacity,postgres
runs some sections only (docs/benchmarks.md lists every BENCH_* variable).
The server choice (servers.py), the write path (writes.py), ingestion
(ingestion.py), scaling (scaling.py), memory under logins (logins.py) and
PostgreSQL per POST (postgres.py) have modules of their own; load.py
holds the table, wrk and the web servers they share.

It starts its own copy of the whole system (the end-to-end harness: the
Procfile's processes on free ports, fresh databases, a topic prefix), so it
runs beside `make run` without touching it, then prints one table. Nothing
here asserts a speed: these machines are shared and noisy; read the ratios.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_project.settings.test")

from scripts.bench.capacity import bench_capacity  # noqa: E402
from scripts.bench.ingestion import bench_ingestion  # noqa: E402
from scripts.bench.load import (  # noqa: E402
    ROUNDS,
    cached_detail,
    describe,
    keep_best,
    load_average,
    login,
    percentile,
    processes,
    report,
    rows,
    serve,
    stop,
    wait_http,
    wrk,
)
from scripts.bench.logins import bench_logins  # noqa: E402
from scripts.bench.postgres import bench_postgres  # noqa: E402
from scripts.bench.scaling import bench_scaling  # noqa: E402
from scripts.bench.servers import bench_servers  # noqa: E402
from scripts.bench.writes import bench_writes  # noqa: E402
from scripts.system import System, free_port, system_processes  # noqa: E402

LATENCY_SECONDS = int(os.environ.get("BENCH_LATENCY_SECONDS", "60"))


# -- HTTP: the cached game detail against its baselines ----------------------
BASELINES = {
    "minimal Django view + Redis": "scripts.bench.baseline_django:application",
    "DRF view with cache_page": "scripts.bench.baseline_drf:application",
    "bare WSGI, constant bytes": "scripts.bench.baseline_wsgi:application",
}


def start_baselines(system: System, body: bytes) -> tuple[dict[str, int], list[subprocess.Popen]]:
    body_file = system.workdir / "body.json"
    body_file.write_bytes(body)
    key = f"bench:{system.suffix}:game-body"
    redis.Redis.from_url(system.env.get("REDIS_URL", "redis://127.0.0.1:6379/0")).set(key, body)
    env = {**system.env, "BENCH_REDIS_KEY": key, "BENCH_BODY_FILE": str(body_file)}
    ports = {name: free_port() for name in BASELINES}
    servers = [
        serve("gthread", app, ports[name], env, system.workdir) for name, app in BASELINES.items()
    ]
    return ports, servers


def bench_http(system: System) -> None:
    game_id, body = cached_detail(system)
    ports, servers = start_baselines(system, body)
    results: dict[str, dict[str, float]] = {}
    try:
        for port in ports.values():
            wait_http(f"http://127.0.0.1:{port}/games/{game_id}/")
        # Alternated, so a burst of the others' load hits every one of them.
        for _ in range(ROUNDS):
            ours = wrk(f"{system.games_url}/games/{game_id}/")
            keep_best(results, "games service (cache HIT)", ours)
            for name, port in ports.items():
                keep_best(results, name, wrk(f"http://127.0.0.1:{port}/games/{game_id}/"))
    finally:
        stop(servers)
    report_http(results)


def report_http(results: dict[str, dict[str, float]]) -> None:
    for name, r in results.items():
        report("GET /games/{id}/", name, describe(r))
    ours, django_ = results["games service (cache HIT)"], results["minimal Django view + Redis"]
    report(
        "GET /games/{id}/",
        "throughput vs minimal Django (target >= 1.0)",
        f"{ours['rps'] / django_['rps']:.2f}x",
    )
    report(
        "GET /games/{id}/",
        "p99 vs minimal Django (target <= 1.2)",
        f"{ours['p99'] / django_['p99']:.2f}x",
    )
    for name in ("DRF view with cache_page", "bare WSGI, constant bytes"):
        report(
            "GET /games/{id}/",
            f"throughput vs {name}",
            f"{ours['rps'] / results[name]['rps']:.2f}x",
        )


# -- End-to-end latency -----------------------------------------------------------
def rss_by_process(system: System) -> dict[str, int]:
    """Resident memory (KiB) of each process, its gunicorn workers included."""
    groups: Counter[int] = Counter()
    for process in processes():
        groups[process.group] += process.rss_kib
    return {
        key: groups.get(p.popen.pid, 0)
        for key, p in system.processes.items()
        if system.running(key)
    }


POST_CLIENTS = int(os.environ.get("BENCH_POST_CLIENTS", "32"))
LATENCY_RATES = [int(r) for r in os.environ.get("BENCH_LATENCY_RATES", "50,500").split(",")]


def bench_latency(system: System) -> dict[str, int]:
    """POST /games/ at each rate; the time until each read is in the users
    database (what GET /users/{id}/read/ reads). Returns peak memory."""
    accounts = [login(system) for _ in range(10)]
    game_ids = [
        g["id"]
        for g in requests.get(
            f"{system.games_url}/games/", params={"page_size": 20}, timeout=30
        ).json()["results"]
    ]
    peak: dict[str, int] = {}
    finished = threading.Event()

    def sample_memory() -> None:
        while not finished.is_set():
            for key, kib in rss_by_process(system).items():
                peak[key] = max(peak.get(key, 0), kib)
            time.sleep(1)

    sampler = threading.Thread(target=sample_memory)
    sampler.start()
    try:
        for rate in LATENCY_RATES:
            latency_at(system, accounts, game_ids, rate)
    finally:
        finished.set()
        sampler.join()
    return peak


def watch_reads(
    system: System, user_ids: list[str], seen: dict[str, float], done: threading.Event
) -> None:
    """Note when each new history row of these users appears, until ``done``."""
    conn = psycopg2.connect(system.databases["users"])
    conn.autocommit = True
    last = system.query("users", "SELECT coalesce(max(id), 0) FROM accounts_gameread")[0][0]
    with conn.cursor() as cursor:
        while not done.is_set():
            cursor.execute(
                "SELECT id, event_id::text FROM accounts_gameread WHERE id > %s "
                "AND user_id::text = ANY(%s) ORDER BY id",
                (last, user_ids),
            )
            now = time.perf_counter()
            for row_id, event_id in cursor.fetchall():
                seen.setdefault(event_id, now)
                last = max(last, row_id)
            time.sleep(0.005)
    conn.close()


def post_reads(
    system: System, accounts: list[dict[str, str]], game_ids: list[int], rate: int
) -> dict[str, float]:
    """``rate`` POST /games/ per second for LATENCY_SECONDS; event id -> send time."""
    posted: dict[str, float] = {}
    local = threading.local()
    lock = threading.Lock()

    def post(n: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        account = accounts[n % len(accounts)]
        t0 = time.perf_counter()
        response = local.session.post(
            f"{system.games_url}/games/",
            json={"game_id": game_ids[n % len(game_ids)]},
            headers={"Authorization": account["auth"]},
            timeout=30,
        )
        if response.status_code == 202:
            with lock:
                posted[response.json()["event_id"]] = t0

    begin = time.perf_counter()
    # A bounded pool: past what the service takes, requests queue here
    # (the report says how long sending took) instead of piling up threads.
    with ThreadPoolExecutor(max_workers=POST_CLIENTS) as pool:
        for n in range(rate * LATENCY_SECONDS):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, n)
    report(
        "POST /games/ -> history",
        f"{rate}/s for {LATENCY_SECONDS} s: sending took",
        f"{time.perf_counter() - begin:.1f} s",
    )
    return posted


def latency_at(
    system: System, accounts: list[dict[str, str]], game_ids: list[int], rate: int
) -> None:
    seen: dict[str, float] = {}
    done = threading.Event()
    watcher = threading.Thread(
        target=watch_reads, args=(system, [a["user_id"] for a in accounts], seen, done)
    )
    watcher.start()
    posted = post_reads(system, accounts, game_ids, rate)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not set(posted) <= set(seen):
        time.sleep(0.05)
    done.set()
    watcher.join()
    latencies = [(seen[e] - t0) * 1000 for e, t0 in posted.items() if e in seen]
    target = 50 if rate <= 50 else 100
    # The watcher follows new row ids; what it did not see in time is looked
    # up by event id, so a late or unseen read is told apart from a lost one.
    stored = system.query(
        "users",
        "SELECT count(*) FROM accounts_gameread WHERE event_id = ANY(%s::uuid[])",
        (list(posted),),
    )[0][0]
    report(
        "POST /games/ -> history",
        f"{rate}/s: accepted (202), in the history, timed by the watcher",
        f"{len(posted)}/{rate * LATENCY_SECONDS}, {stored}/{len(posted)}, "
        f"{len(latencies)}/{len(posted)}",
    )
    report(
        "POST /games/ -> history",
        f"{rate}/s: p50 / p95 / p99 (target p95 <= {target} ms)",
        f"{percentile(latencies, 50):.0f} / {percentile(latencies, 95):.0f} / "
        f"{percentile(latencies, 99):.0f} ms"
        if latencies
        else "none delivered",
    )


# -- History page latency ----------------------------------------------------------
def bench_history(system: System) -> None:
    small, large = login(system), login(system)
    conn = psycopg2.connect(system.databases["users"])
    with conn, conn.cursor() as cursor:
        for account, count in ((small, 100), (large, 100_000)):
            cursor.execute(
                "INSERT INTO accounts_gameread (user_id, game_id, title, read_at, event_id) "
                "SELECT %s, 1 + n %% 300, 'Game ' || n, now() - n * interval '1 second', "
                "gen_random_uuid() FROM generate_series(1, %s) AS n",
                (account["user_id"], count),
            )
            cursor.execute(
                "UPDATE accounts_user SET read_count = %s WHERE id = %s",
                (count, account["user_id"]),
            )
        cursor.execute("ANALYZE accounts_gameread")
    conn.close()
    timings: dict[int, list[float]] = {}
    session = requests.Session()
    for account, count in ((small, 100), (large, 100_000)) * 1:
        url = f"{system.users_url}/users/{account['user_id']}/read/"
        for _ in range(20):  # warm up
            session.get(url, headers={"Authorization": account["auth"]}, timeout=30)
        samples = []
        for _ in range(200):
            t0 = time.perf_counter()
            response = session.get(url, headers={"Authorization": account["auth"]}, timeout=30)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.json()["count"] == count
        timings[count] = samples
    for count, samples in timings.items():
        report(
            "GET /users/{id}/read/",
            f"first page, user with {count} reads",
            f"p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms",
        )
    report(
        "GET /users/{id}/read/",
        "p50 ratio 100,000 vs 100 reads (target near 1)",
        f"{statistics.median(timings[100_000]) / statistics.median(timings[100]):.2f}x",
    )


# -- Upstream calls once warm --------------------------------------------------------
def bench_upstream(system: System) -> None:
    import random

    chooser = random.Random(7)
    lists = [
        {},
        {"platform": "pc"},
        {"platform": "browser", "sort-by": "popularity"},
        {"category": "shooter"},
        {"sort-by": "alphabetical"},
    ]
    all_ids = [
        g["id"]
        for g in requests.get(
            f"{system.games_url}/games/", params={"page_size": 100}, timeout=30
        ).json()["results"]
    ]
    hot = all_ids[:60]
    for params in lists:
        requests.get(f"{system.games_url}/games/", params=params, timeout=30)
    for game_id in hot:
        requests.get(f"{system.games_url}/games/{game_id}/", timeout=30)
    requests.post(f"{system.stub_url}/_control/reset", timeout=10)
    states: dict[str, int] = {}
    session = requests.Session()
    for _ in range(1000):
        if chooser.random() < 0.3:
            params = {**chooser.choice(lists), "page": chooser.randint(1, 2)}
            response = session.get(f"{system.games_url}/games/", params=params, timeout=30)
        else:
            response = session.get(f"{system.games_url}/games/{chooser.choice(hot)}/", timeout=30)
        states[response.headers.get("X-Cache", str(response.status_code))] = (
            states.get(response.headers.get("X-Cache", str(response.status_code)), 0) + 1
        )
    calls = (
        requests.get(f"{system.stub_url}/_control", timeout=10).json()["requests"].get("total", 0)
    )
    report(
        "catalog, warm",
        "upstream calls per 1,000 mixed requests",
        f"{calls} ({json.dumps(states)})",
    )


SECTIONS: dict[str, Callable[[System], dict[str, int] | None]] = {
    "http": bench_http,
    "servers": bench_servers,
    "upstream": bench_upstream,
    "history": bench_history,
    "latency": bench_latency,
    "writes": bench_writes,
    "ingestion": bench_ingestion,
    "scaling": bench_scaling,
    "logins": bench_logins,
    "capacity": bench_capacity,
    "postgres": bench_postgres,
}


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: sudo apt-get install -y wrk", file=sys.stderr)
        return 1
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    if only - set(SECTIONS):
        print(f"BENCH_ONLY: no section {sorted(only - set(SECTIONS))}; of {list(SECTIONS)}")
        return 2
    wanted = lambda name: not only or name in only  # noqa: E731
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    system = System(workdir=workdir)
    # The benchmark measures the service, not the throttles or debug pages.
    system.env.update(
        {
            "LOGIN_RATE_PER_EMAIL": "100000/min",
            "READ_RECORD_RATE_PER_USER": "1000000/min",
            "GAMES_API_RATE_PER_SECOND": "50",
        }
    )
    print(
        f"Machine: {os.cpu_count()} cores, {Path('/proc/meminfo').read_text().split()[1]} KiB; "
        f"gunicorn: infra/gunicorn.conf.py (WEB_CONCURRENCY={system.env.get('WEB_CONCURRENCY')}); "
        f"load average {load_average()}; logs in {workdir}\n",
        flush=True,
    )
    system.prepare()
    try:
        for name in system_processes():
            system.start(name)
        system.wait_ready()
        time.sleep(3)
        idle = rss_by_process(system)
        peak: dict[str, int] = {}
        for name, bench in SECTIONS.items():
            if wanted(name):
                report("load average (1, 5, 15 min)", f"before {name}", load_average())
                peak = bench(system) or peak  # latency returns the peak memory
        for key in sorted(idle):
            report(
                "resident memory",
                key,
                f"idle {idle[key] / 1024:.0f} MiB, under load "
                f"{peak.get(key, idle[key]) / 1024:.0f} MiB",
            )
    finally:
        system.stop_all()
        system.drop_databases()
    print("\n| section | measure | value |\n| --- | --- | --- |")
    for section, measure, value in rows:
        print(f"| {section} | {measure} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
