from __future__ import annotations

from typing import Any

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
        OutboxRelay().run_forever(stop_on_signals())
