"""The capacity model (`BENCH_ONLY=capacity`): how many pods, partitions and
cores a rate of reads needs, from what this run measures. Printed with the
other sections and written to docs/capacity.md (`BENCH_CAPACITY_DOC`).

Measured here:
- CPU per accepted read, by process, while the whole flow runs under wrk
  (`POST /games/`, the writes section's requests and CPU accounting);
- WAL bytes and Redis commands per accepted read over the same run;
- users-consumer ingestion with 1, 2 and 3 processes (the scaling section's
  method), and games-relay publishing of an outbox backlog with 1 and 2.

The model: a kind of process needs ``rate x CPU ms per read / 1000`` cores,
divided by 0.7 for 30% headroom, one core per replica; a consumer group
needs a partition per consumer. It is checked against this machine: with
1 process measured, n are predicted to reach ``min(n x rate of 1, cores x
1000 / CPU ms per event of everything that ran)``, then measured.
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections import Counter
from pathlib import Path

import redis
from kafka.admin import KafkaAdminClient, NewTopic

from scripts.bench.ingestion import INGEST_EVENTS, seed_users
from scripts.bench.load import report, request_file, wrk
from scripts.bench.scaling import ingest_with
from scripts.bench.writes import (
    cpu_ticks,
    history_count,
    last_id,
    stored_since,
    write_requests,
)
from scripts.system import ROOT, System

SECTION = "capacity"
HEADROOM = 0.7
RATES = (1_000, 5_000, 50_000)
CONSUMERS = (1, 2, 3)
RELAYS = (1, 2)
RELAY_BACKLOG = int(os.environ.get("BENCH_RELAY_BACKLOG", "20000"))
DOC = Path(os.environ.get("BENCH_CAPACITY_DOC", ROOT / "docs" / "capacity.md"))
# Stated, not measured here: the largest single instances the table assumes.
POSTGRES_CORES = 16
WAL_MB_PER_SECOND = 200
REDIS_CORES = 1  # Redis executes commands on one thread


def ticks_to_ms(ticks: float) -> float:
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_per_read(system: System) -> tuple[dict[str, float], float, float]:
    """CPU ms per accepted POST by process kind, WAL bytes and Redis commands
    per accepted POST, over one wrk run of the whole flow (the relay and the
    consumer given time to catch up before the ticks are read)."""
    posts = request_file(system.workdir / "capacity-posts.txt", write_requests(system))
    store = redis.Redis.from_url(system.env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    before_id = last_id(system, "games service")
    wal_before = system.query("games", "SELECT pg_current_wal_lsn()")[0][0]
    commands_before = store.info("stats")["total_commands_processed"]
    ticks_before = cpu_ticks(system)
    accepted = int(wrk(f"{system.games_url}/games/", posts)["2xx"])
    stored = stored_since(system, "games service", before_id)
    delivered_by = time.monotonic() + 60
    while time.monotonic() < delivered_by and history_count(system, before_id)[0] < stored:
        time.sleep(0.2)
    ticks = cpu_ticks(system) - ticks_before
    wal = system.query("games", "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal_before,))
    commands = store.info("stats")["total_commands_processed"] - commands_before
    store.close()
    per_read = {kind: ticks_to_ms(t) / max(1, accepted) for kind, t in ticks.most_common()}
    return per_read, float(wal[0][0]) / max(1, accepted), commands / max(1, accepted)


def consumer_check(system: System) -> list[tuple[str, float, float]]:
    """Predicted and measured events/s for 1, 2 and 3 users-consumers."""
    user_ids = seed_users(system, 100)
    ticks_before = cpu_ticks(system)
    one, _ = ingest_with(system, user_ids, 1)
    ticks = cpu_ticks(system) - ticks_before
    busy = ("users-consumer", "postgres", "kafka")
    ms_per_event = sum(ticks_to_ms(ticks[kind]) for kind in busy) / INGEST_EVENTS
    ceiling = (os.cpu_count() or 1) * 1000 / ms_per_event
    rows = [(f"{SECTION}: users-consumer x1 (measured, CPU ms/event {ms_per_event:.3f})", one, one)]
    for count in CONSUMERS[1:]:
        measured, _ = ingest_with(system, user_ids, count)
        rows.append((f"{SECTION}: users-consumer x{count}", min(count * one, ceiling), measured))
    return rows


def relay_check(system: System) -> list[tuple[str, float, float]]:
    """Predicted and measured rows/s for 1 and 2 games-relays, each draining
    a backlog of RELAY_BACKLOG outbox rows for a topic nobody consumes."""
    topic = f"{system.prefix}bench.relay"
    admin = KafkaAdminClient(
        bootstrap_servers=system.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    if topic not in admin.list_topics():
        admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    admin.close()
    rates: dict[int, float] = {}
    ms_per_row = 0.0
    for count in RELAYS:
        relays = [system.start("games-relay", instance=n) for n in range(2, count + 1)]
        time.sleep(5 if relays else 0)  # a new relay's Django start, not its rate
        ticks_before = cpu_ticks(system)
        rates[count] = drain_backlog(system, topic)
        if count == 1:
            ticks = cpu_ticks(system) - ticks_before
            busy = ("games-relay", "postgres", "kafka")
            ms_per_row = sum(ticks_to_ms(ticks[kind]) for kind in busy) / RELAY_BACKLOG
        for relay in relays:
            system.signal(relay.name, signal.SIGTERM)
    ceiling = (os.cpu_count() or 1) * 1000 / ms_per_row
    return [
        (f"{SECTION}: games-relay x1 (measured, CPU ms/row {ms_per_row:.3f})", rates[1], rates[1]),
        (f"{SECTION}: games-relay x2", min(2 * rates[1], ceiling), rates[2]),
    ]


def drain_backlog(system: System, topic: str) -> float:
    """Rows/s the running relays publish from a backlog written at once."""
    system.query(
        "games",
        "INSERT INTO common_outboxevent (event_id, topic, key, payload, headers, created_at, "
        "available_at, attempts, claimed_by, last_error) SELECT gen_random_uuid(), %s, "
        "n::text, '{}'::jsonb, '{}'::jsonb, now(), now(), 0, '', '' "
        "FROM generate_series(1, %s) AS n RETURNING 1",
        (topic, RELAY_BACKLOG),
    )
    begin = time.monotonic()
    pending = "SELECT count(*) FROM common_outboxevent WHERE sent_at IS NULL AND topic = %s"
    while system.query("games", pending, (topic,))[0][0]:
        time.sleep(0.05)
    return RELAY_BACKLOG / (time.monotonic() - begin)


def capacity_table(per_read: dict[str, float], wal: float, commands: float) -> list[str]:
    """The table's rows for RATES, at 30% headroom."""
    # The processes a read passes through; the others' cost does not grow with reads.
    kinds = [k for k in ("games-web", "games-relay", "users-consumer") if k in per_read]
    lines = [
        "| reads/s | " + " | ".join(f"{k} replicas" for k in kinds) + " | user.read partitions "
        "| PostgreSQL cores | WAL MB/s | Kafka cores | Redis cores |",
        "|" + " --- |" * (len(kinds) + 6),
    ]
    for rate in RATES:
        cores = {k: rate * per_read[k] / 1000 / HEADROOM for k in per_read}
        replicas = {k: max(1, math.ceil(cores[k])) for k in kinds}
        partitions = replicas.get("users-consumer", 1)
        lines.append(
            f"| {rate:,} | "
            + " | ".join(str(replicas[k]) for k in kinds)
            + f" | {partitions} | {cores.get('postgres', 0):.1f} | {rate * wal / 1e6:.1f} "
            f"| {cores.get('kafka', 0):.1f} | {cores.get('redis', 0):.2f} |"
        )
    return lines


def first_limits(per_read: dict[str, float], wal: float) -> list[tuple[str, float]]:
    """The reads/s at which each single instance runs out, lowest first."""
    limits = [
        (f"PostgreSQL primary CPU ({POSTGRES_CORES} cores)", "postgres", POSTGRES_CORES),
        (f"Redis ({REDIS_CORES} core: one command thread)", "redis", REDIS_CORES),
    ]
    ceilings = [
        (name, HEADROOM * cores * 1000 / per_read[kind])
        for name, kind, cores in limits
        if per_read.get(kind)
    ]
    if wal:
        name = f"PostgreSQL WAL at {WAL_MB_PER_SECOND} MB/s"
        ceilings.append((name, HEADROOM * WAL_MB_PER_SECOND * 1e6 / wal))
    return sorted(ceilings, key=lambda item: item[1])


def bench_capacity(system: System) -> None:
    per_read, wal, commands = cpu_per_read(system)
    total = sum(per_read.values())
    split = ", ".join(f"{kind} {ms:.2f}" for kind, ms in per_read.items())
    report(SECTION, "CPU ms per accepted read, by process", f"{split} (all {total:.2f})")
    report(SECTION, "WAL bytes / Redis commands per accepted read", f"{wal:.0f} / {commands:.1f}")
    table = capacity_table(per_read, wal, commands)
    limits = first_limits(per_read, wal)
    for name, ceiling in limits:
        report(SECTION, f"single-instance limit: {name}", f"{ceiling:,.0f} reads/s")
    checks = consumer_check(system) + relay_check(system)
    for name, predicted, measured in checks:
        report(
            SECTION,
            f"{name}: predicted / measured",
            f"{predicted:.0f} / {measured:.0f} per s ({measured / predicted:.2f}x)",
        )
    write_doc(per_read, wal, commands, table, limits, checks)


def write_doc(
    per_read: dict[str, float],
    wal: float,
    commands: float,
    table: list[str],
    limits: list[tuple[str, float]],
    checks: list[tuple[str, float, float]],
) -> None:
    measured = Counter(per_read)
    lines = [
        "# Capacity",
        "",
        f"Written by `make bench` (`BENCH_ONLY=capacity`) on {time.strftime('%Y-%m-%d')}, "
        f"on a machine of {os.cpu_count()} cores shared with everything else it ran: "
        "the figures are this run's, the method is `scripts/bench/capacity.py`.",
        "",
        "## CPU per read, measured",
        "",
        "| process | CPU ms per accepted read |",
        "| --- | --- |",
        *(f"| {kind} | {ms:.2f} |" for kind, ms in measured.most_common()),
        "",
        f"WAL per read: {wal:.0f} bytes. Redis commands per read: {commands:.1f}.",
        "",
        "## What a rate needs, with 30% headroom",
        "",
        "One core per replica; a consumer group needs a partition per consumer, "
        "so `user.read` needs as many partitions as users-consumers. Shared services "
        "(PostgreSQL, Kafka, Redis) are counted whole, other work on this machine "
        "included: their figures are an upper bound.",
        "",
        *table,
        "",
        "## What runs out first",
        "",
        "The stateless processes scale by replicas (and partitions); these do not:",
        "",
        *(f"- {name}: {ceiling:,.0f} reads/s" for name, ceiling in limits),
        "",
        "Connections: each web pod holds one PostgreSQL connection per thread "
        "(`WEB_CONCURRENCY` x `WEB_THREADS`, kept for `DB_CONN_MAX_AGE`), each "
        "consumer and relay one; past PostgreSQL's `max_connections` put PgBouncer "
        "(transaction mode) in front.",
        "",
        "## The model checked here",
        "",
        "| setup | predicted per s | measured per s | measured / predicted |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {p:.0f} | {m:.0f} | {m / p:.2f} |" for name, p, m in checks),
        "",
    ]
    DOC.write_text("\n".join(lines))
    report(SECTION, "written", str(DOC.relative_to(ROOT)) if DOC.is_relative_to(ROOT) else str(DOC))
