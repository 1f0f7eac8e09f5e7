from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.events.topics import ALL_TOPICS, dlq_topic
from common.kafka.admin import ensure_topics, wait_until_ready
from common.kafka.config import bootstrap_servers, physical_topic, security_config


class Command(BaseCommand):
    help = "Create the event topics and their dead-letter topics (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partitions", type=int, default=settings.KAFKA_TOPIC_PARTITIONS)
        parser.add_argument(
            "--replication-factor", type=int, default=settings.KAFKA_REPLICATION_FACTOR
        )
        parser.add_argument("--wait", type=float, default=60, help="seconds to wait for Kafka")

    def handle(
        self, *args: Any, partitions: int, replication_factor: int, wait: float, **options: Any
    ) -> None:
        servers = bootstrap_servers()
        security = security_config()
        if not wait_until_ready(servers, timeout=wait, security=security):
            raise CommandError(f"Kafka at {','.join(servers)} did not answer within {wait}s")
        names = [physical_topic(name) for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]
        created = ensure_topics(
            servers,
            names,
            partitions=partitions,
            replication_factor=replication_factor,
            security=security,
        )
        for name in names:
            state = "created" if name in created else "exists"
            self.stdout.write(f"{name}: {state}")
