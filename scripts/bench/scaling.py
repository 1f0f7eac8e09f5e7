"""Goal 6: scaling with work (`BENCH_ONLY=scaling`), printed with the
machine's core count.

- Ingestion with 1, 2 and 3 users-consumer processes in one consumer group
  over the topic's KAFKA_TOPIC_PARTITIONS (6) partitions: the same backlog
  as the ingestion section each time, produced while the consumers, already
  in the group with their partitions, are paused; timed from their release
  to the last row stored.
- The cached `GET /games/{id}/` under gunicorn `gthread` (infra/gunicorn.conf.py)
  with 1, 2 and 4 worker processes (WEB_CONCURRENCY), alternated rounds.
"""

from __future__ import annotations

import os
import signal
import time

from kafka import KafkaAdminClient

from scripts.bench.ingestion import INGEST_EVENTS, produce_backlog, seed_users, stored_reads
from scripts.bench.load import (
    ROUNDS,
    cached_detail,
    describe,
    keep_best,
    report,
    serve,
    stop,
    wait_http,
    wrk,
)
from scripts.system import System, free_port

CONSUMERS = (1, 2, 3)
WORKERS = (1, 2, 4)


def bench_scaling(system: System) -> None:
    report("scaling", "machine", f"{os.cpu_count()} cores")
    consumer_scaling(system)
    worker_scaling(system)


def consumer_scaling(system: System) -> None:
    user_ids = seed_users(system, 100)
    rates: dict[int, tuple[float, float]] = {}
    for count in CONSUMERS:
        rates[count] = ingest_with(system, user_ids, count)
        steady, overall = rates[count]
        report(
            "scaling: user.read ingestion",
            f"{count} consumer process(es): first to last stored (released to last)",
            f"{steady:.0f} events/s, {steady / rates[1][0]:.2f}x of 1 "
            f"({overall:.0f} events/s, {overall / rates[1][1]:.2f}x)",
        )


def ingest_with(system: System, user_ids: list[str], count: int) -> tuple[float, float]:
    """Events/s stored by ``count`` consumer processes from a fresh backlog,
    from the first row to the last, and from their release to the last.

    The processes start, join the group and get their partitions first; then
    they are paused (SIGSTOP, well within the session timeout), the backlog is
    produced and they are released together. Otherwise the first to start
    takes most of a short backlog before the others have joined. Leaves one
    consumer running."""
    for key in [k for k in system.processes if k.startswith("users-consumer.")]:
        if system.running(key):
            system.signal(key, signal.SIGTERM)
    consumers = [system.start("users-consumer", instance=n) for n in range(1, count + 1)]
    wait_for_group(system, count)
    for consumer in consumers:
        os.killpg(consumer.popen.pid, signal.SIGSTOP)
    try:
        produce_backlog(system, f"{system.prefix}user.read", user_ids)
        before = stored_reads(system)
    finally:
        for consumer in consumers:
            os.killpg(consumer.popen.pid, signal.SIGCONT)
    released, first = time.monotonic(), None
    while (stored := stored_reads(system) - before) < INGEST_EVENTS:
        if first is None and stored > 0:
            first = time.monotonic()
        time.sleep(0.05)
    done = time.monotonic()
    for consumer in consumers[1:]:
        system.signal(consumer.name, signal.SIGTERM)
    return INGEST_EVENTS / (done - (first or released)), INGEST_EVENTS / (done - released)


def wait_for_group(system: System, count: int, timeout: float = 120) -> None:
    """Until the users consumers' group is stable (its partitions assigned)
    with ``count`` members."""
    admin = KafkaAdminClient(
        bootstrap_servers=system.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    group = f"{system.prefix}users.read_history"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described = admin.describe_groups([group])[group]
            if described["group_state"] == "Stable" and len(described["members"]) == count:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{group} did not settle with {count} members")
    finally:
        admin.close()


def worker_scaling(system: System) -> None:
    game_id, _ = cached_detail(system)
    ports = {workers: free_port() for workers in WORKERS}
    servers = [
        serve(
            "gthread",
            "games_project.wsgi:application",
            port,
            system.env,
            system.workdir,
            WEB_CONCURRENCY=str(workers),
        )
        for workers, port in ports.items()
    ]
    results: dict[str, dict[str, float]] = {}
    try:
        for port in ports.values():
            wait_http(f"http://127.0.0.1:{port}/games/{game_id}/")
        for _ in range(ROUNDS):
            for workers, port in ports.items():
                r = wrk(f"http://127.0.0.1:{port}/games/{game_id}/")
                keep_best(results, str(workers), r)
    finally:
        stop(servers)
    threads = system.env.get("WEB_THREADS", "4")
    for workers, r in results.items():
        report(
            "scaling: GET /games/{id}/ HIT",
            f"gunicorn gthread, {workers} worker(s) x {threads} threads",
            f"{describe(r)} ({r['rps'] / results['1']['rps']:.2f}x of 1)",
        )
