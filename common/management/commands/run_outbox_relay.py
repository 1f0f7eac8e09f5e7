from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from common.management.signals import stop_on_signals
from common.metrics import serve_metrics
from common.outbox.relay import OutboxRelay


class Command(BaseCommand):
    help = "Publish this project's outbox to Kafka until SIGTERM/SIGINT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port"
        )

    def handle(self, *args: Any, metrics_port: int | None, **options: Any) -> None:
        serve_metrics(metrics_port)
        relay = OutboxRelay(
            batch_size=settings.OUTBOX_BATCH_SIZE,
            retention=timedelta(hours=settings.OUTBOX_RETENTION_HOURS),
        )
        # Woken by NOTIFY at each commit; the safety poll catches the rest.
        relay.run_forever(stop_on_signals(), safety_poll=settings.OUTBOX_SAFETY_POLL_SECONDS)
