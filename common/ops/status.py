"""One service at a glance (docs/operations.md): ``manage_<service>.py status``
prints it, ``/metrics/ops`` exports it (:class:`OpsCollector`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from kafka import KafkaAdminClient
from kafka.errors import KafkaError
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from common.api.health import check_database, check_kafka, check_redis
from common.deadletters.models import DeadLetterAction
from common.deadletters.reader import service_dlq_topics
from common.kafka.admin import offset_ranges
from common.kafka.config import (
    common_client_config,
    offsets_reader,
    physical_group,
    physical_topic,
)
from common.kafka.consumer import consumer_registry
from common.outbox.models import OutboxEvent

HEALTH_CHECKS = {"postgresql": check_database, "redis": check_redis, "kafka": check_kafka}


def _health(name: str) -> dict[str, Any]:
    try:
        HEALTH_CHECKS[name]()
    except Exception as exc:  # noqa: BLE001  any failure means "down"
        return {"name": name, "ok": False, "detail": f"{type(exc).__name__}: {exc}"[:200]}
    return {"name": name, "ok": True, "detail": "ok"}


def outbox_backlog() -> tuple[int, float | None]:
    """Pending outbox rows and the age in seconds of the oldest."""
    pending = OutboxEvent.objects.filter(sent_at__isnull=True)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else None
    return pending.count(), age


def consumer_lag() -> list[dict[str, Any]]:
    """Per consumer group of this service and partition: end offset minus
    where the group resumes, the committed one or, when that is ``None`` or
    below the first kept one (``auto_offset_reset="earliest"``), that one."""
    rows = []
    for spec in consumer_registry().values():
        group = physical_group(spec.group_id)
        client = offsets_reader("status", group)
        try:
            for tp, (first, end) in offset_ranges(client, map(physical_topic, spec.topics)).items():
                committed = client.committed(tp)
                lag = max(0, end - max(first, committed or 0))
                rows.append(
                    {
                        "group": group,
                        "topic": tp.topic,
                        "partition": tp.partition,
                        "committed": committed,
                        "end": end,
                        "lag": lag,
                    }
                )
        finally:
            client.close()
    return rows


def consumer_group_members() -> list[dict[str, Any]]:
    """Per consumer group of this service: its consumers now, as its
    coordinator sees them (0: stopped, crashed or not started)."""
    groups = [physical_group(spec.group_id) for spec in consumer_registry().values()]
    if not groups:
        return []
    admin = KafkaAdminClient(**common_client_config("status"), request_timeout_ms=10_000)
    try:
        described = admin.describe_groups(groups)
    finally:
        admin.close()
    return [{"group": g, "members": len(described.get(g, {}).get("members") or ())} for g in groups]


def dead_letter_counts() -> list[dict[str, Any]]:
    """Per DLQ topic: the records the broker keeps, and how many of those are
    open (no one replayed or purged them yet)."""
    counts = []
    client = offsets_reader("status")
    try:
        for topic in service_dlq_topics():
            ranges = offset_ranges(client, [topic])
            in_range = Q(pk__in=[])
            for tp, (first, end) in ranges.items():
                in_range |= Q(partition=tp.partition, offset__gte=first, offset__lt=end)
            handled = (
                DeadLetterAction.objects.filter(in_range, dlq_topic=topic)
                .values("partition", "offset")
                .distinct()
                .count()
            )
            kept = sum(end - first for first, end in ranges.values())
            counts.append({"topic": topic, "kept": kept, "open": kept - handled})
    finally:
        client.close()
    return counts


def collect_status() -> dict[str, Any]:
    """The document ``status --json`` prints. A figure that cannot be read
    (its dependency is down) is left empty and the reason listed in ``errors``."""
    health = [_health(name) for name in HEALTH_CHECKS]
    up = {item["name"]: item["ok"] for item in health}
    status: dict[str, Any] = {
        "service": settings.SERVICE_NAME,
        "at": datetime.now(UTC).isoformat(),
        "health": health,
        "outbox_pending": None,
        "outbox_oldest_age_seconds": None,
        "lag": [],
        "members": [],
        "dead_letters": [],
        "errors": [],
    }
    if up["postgresql"]:
        status["outbox_pending"], status["outbox_oldest_age_seconds"] = outbox_backlog()
    else:
        status["errors"].append("outbox: PostgreSQL is down")
    if not up["kafka"]:
        status["errors"].append("lag and dead letters: Kafka is down")
        return status
    try:
        status["lag"], status["members"] = consumer_lag(), consumer_group_members()
        if up["postgresql"]:
            status["dead_letters"] = dead_letter_counts()
        else:
            status["errors"].append("dead letters: PostgreSQL is down")
    except KafkaError as exc:  # a broker that answers may still refuse these (no coordinator yet)
        status["errors"].append(f"lag and dead letters: {type(exc).__name__}: {exc}"[:200])
    return status


def _gauge(name: str, doc: str, labels: list[str], samples: list) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in samples:
        family.add_metric(values, value)
    return family


class OpsCollector(Collector):
    """The status figures as Prometheus gauges, computed at scrape time and
    reused for ``max_age`` seconds (a scrape must not hammer the broker)."""

    def __init__(self, *, max_age: float = 10.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.max_age:
                self._cached = (time.monotonic(), collect_status())
            status = self._cached[1]
        yield _gauge(
            "dependency_up",
            "1 if the dependency answers, else 0",
            ["dependency"],
            [([item["name"]], int(item["ok"])) for item in status["health"]],
        )
        if (pending := status["outbox_pending"]) is not None:
            yield GaugeMetricFamily(
                "outbox_pending_rows", "Outbox rows not yet published", value=pending
            )
            yield GaugeMetricFamily(
                "outbox_oldest_pending_age_seconds",
                "Age of the oldest outbox row not yet published (0 when none)",
                value=status["outbox_oldest_age_seconds"] or 0.0,
            )
        yield _gauge(
            "consumer_group_lag_messages",
            "Messages not yet consumed by a consumer group, per partition",
            ["group", "topic", "partition"],
            [([r["group"], r["topic"], str(r["partition"])], r["lag"]) for r in status["lag"]],
        )
        yield _gauge(
            "consumer_group_members",
            "Consumers in a consumer group now (0: none runs)",
            ["group"],
            [([row["group"]], row["members"]) for row in status["members"]],
        )
        yield _gauge(
            "dead_letters_messages",
            "Dead letters the broker keeps, by DLQ topic and state (kept, open)",
            ["topic", "state"],
            [
                ([c["topic"], state], c[state])
                for c in status["dead_letters"]
                for state in ("kept", "open")
            ],
        )
