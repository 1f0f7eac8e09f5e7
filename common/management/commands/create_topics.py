from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.events.topics import ALL_TOPICS, dlq_topic
from common.kafka.admin import ensure_topics, wait_until_ready
from common.kafka.config import physical_topic


class Command(BaseCommand):
    help = (
        "Create the event topics and their dead-letter topics (idempotent), with "
        "KAFKA_TOPIC_PARTITIONS and KAFKA_REPLICATION_FACTOR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", type=float, default=60, help="seconds to wait for Kafka")

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        if not wait_until_ready(timeout=wait):
            servers = ",".join(settings.KAFKA_BOOTSTRAP_SERVERS)
            raise CommandError(f"Kafka at {servers} did not answer within {wait}s")
        names = [physical_topic(name) for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]
        created = ensure_topics(
            names,
            partitions=settings.KAFKA_TOPIC_PARTITIONS,
            replication_factor=settings.KAFKA_REPLICATION_FACTOR,
        )
        for name in names:
            state = "created" if name in created else "exists"
            self.stdout.write(f"{name}: {state}")
