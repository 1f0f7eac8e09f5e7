"""`user.read` ingestion (`BENCH_ONLY=ingestion`): BENCH_INGEST_EVENTS
events produced while the users consumer is stopped, then the time the
consumer takes to store them, beside a bare kafka-python loop over the same
topic (no database)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

import psycopg2
from kafka import KafkaConsumer, KafkaProducer

from common.events.reads import user_read
from scripts.bench.load import report
from scripts.system import System

INGEST_EVENTS = int(os.environ.get("BENCH_INGEST_EVENTS", "20000"))


def seed_users(system: System, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    conn = psycopg2.connect(system.databases["users"])
    with conn, conn.cursor() as cursor:
        for user_id in ids:
            cursor.execute(
                "INSERT INTO accounts_user (id, password, is_superuser, email, email_key, name, "
                "is_staff, is_active, created_at, updated_at, read_count) "
                "VALUES (%s, '!', false, %s, %s, 'bench', false, true, now(), now(), 0)",
                (user_id, f"bench-{user_id}@example.com", f"bench-{user_id}@example.com"),
            )
    conn.close()
    return ids


def stored_reads(system: System) -> int:
    return system.query("users", "SELECT count(*) FROM accounts_gameread")[0][0]


def produce_backlog(system: System, topic: str, user_ids: list[str]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=system.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        linger_ms=20,
        batch_size=256 * 1024,
    )
    now = datetime.now(UTC)
    started = time.monotonic()
    for n in range(INGEST_EVENTS):
        user_id = user_ids[n % len(user_ids)]
        event = user_read(
            user_id=uuid.UUID(user_id),
            game_id=1 + n % 300,
            title=f"Game {n % 300}",
            read_at=now,
            source="games",  # as the games service writes them (consumers check it)
        )
        producer.send(topic, key=user_id.encode(), value=event.encode())
    producer.flush()
    producer.close()
    report(
        "user.read ingestion",
        f"produce {INGEST_EVENTS} events",
        f"{time.monotonic() - started:.1f} s",
    )


def bare_loop_seconds(system: System, topic: str) -> float:
    """A bare kafka-python poll loop over the same topic, no database."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=system.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        group_id=f"bench-bare-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    seen, started = 0, time.monotonic()
    while seen < INGEST_EVENTS:
        for records in consumer.poll(timeout_ms=500).values():
            seen += len(records)
    seconds = time.monotonic() - started
    consumer.close()
    return seconds


def bench_ingestion(system: System) -> None:
    user_ids = seed_users(system, 100)
    before = stored_reads(system)
    system.signal("users-consumer.1", 15)  # stopped while the backlog is produced
    topic = f"{system.prefix}user.read"
    produce_backlog(system, topic, user_ids)
    started = time.monotonic()
    system.start("users-consumer", instance=1)
    first = None
    while stored_reads(system) - before < INGEST_EVENTS:
        if first is None and stored_reads(system) > before:
            first = time.monotonic()
        time.sleep(0.05)
    done = time.monotonic()
    first = first or started
    bare_seconds = bare_loop_seconds(system, topic)
    steady = INGEST_EVENTS / (done - first)
    report(
        "user.read ingestion",
        "users consumer, process start to all stored",
        f"{done - started:.1f} s ({INGEST_EVENTS / (done - started):.0f} events/s)",
    )
    report(
        "user.read ingestion",
        "users consumer, first to last stored (target >= 8000/s)",
        f"{steady:.0f} events/s",
    )
    report(
        "user.read ingestion",
        "bare kafka-python loop, same topic (no database)",
        f"{bare_seconds:.1f} s ({INGEST_EVENTS / bare_seconds:.0f} events/s)",
    )
    report(
        "user.read ingestion",
        "consumer vs bare loop (target >= 0.25)",
        f"{steady / (INGEST_EVENTS / bare_seconds):.2f}x",
    )
