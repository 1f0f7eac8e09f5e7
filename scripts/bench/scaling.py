"""Goal 6: scaling with work (`BENCH_ONLY=scaling`), printed with the
machine's core count.

- Ingestion with 1, 2 and 3 users-consumer processes in one consumer group
  over the topic's KAFKA_TOPIC_PARTITIONS (6) partitions: the same backlog
  as the ingestion section each time, produced while every consumer is
  stopped, then timed from the first to the last row stored.
- The cached `GET /games/{id}/` under gunicorn `gthread` (infra/gunicorn.conf.py)
  with 1, 2 and 4 worker processes (WEB_CONCURRENCY), alternated rounds.
"""

from __future__ import annotations

import os
import time

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
from tests.e2e.system import System, free_port

CONSUMERS = (1, 2, 3)
WORKERS = (1, 2, 4)


def bench_scaling(system: System) -> None:
    report("scaling", "machine", f"{os.cpu_count()} cores")
    consumer_scaling(system)
    worker_scaling(system)


def consumer_scaling(system: System) -> None:
    user_ids = seed_users(system, 100)
    rates: dict[int, float] = {}
    for count in CONSUMERS:
        rates[count] = ingest_with(system, user_ids, count)
        report(
            "scaling: user.read ingestion",
            f"{count} consumer process(es), first to last stored",
            f"{rates[count]:.0f} events/s ({rates[count] / rates[1]:.2f}x of 1)",
        )


def ingest_with(system: System, user_ids: list[str], count: int) -> float:
    """Events/s stored by ``count`` consumer processes, from the first row
    to the last of a fresh backlog. Leaves one consumer running."""
    for key in [k for k in system.processes if k.startswith("users-consumer.")]:
        if system.running(key):
            system.signal(key, 15)
    produce_backlog(system, f"{system.prefix}user.read", user_ids)
    before = stored_reads(system)
    for instance in range(1, count + 1):
        system.start("users-consumer", instance=instance)
    first = None
    while (stored := stored_reads(system)) - before < INGEST_EVENTS:
        if first is None and stored > before:
            first = time.monotonic()
        time.sleep(0.05)
    seconds = time.monotonic() - (first or time.monotonic())
    for instance in range(2, count + 1):
        system.signal(f"users-consumer.{instance}", 15)
    return INGEST_EVENTS / max(seconds, 1e-3)


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
