from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.kafka.consumer import ConsumerRunner, consumer_registry
from common.kafka.deadletter_policy import DeadLetterLimitReached
from common.management.signals import stop_on_signals
from common.metrics import serve_metrics


class Command(BaseCommand):
    help = (
        "Run one of this project's Kafka consumers until SIGTERM/SIGINT, or until "
        "its dead letters pass CONSUMER_DLQ_MAX_CONSECUTIVE/CONSUMER_DLQ_MAX_RATIO (exit 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port"
        )
        parser.add_argument("name", nargs="?", help="consumer name; omit to list them")
        parser.add_argument("--max-attempts", type=int, default=3)

    def handle(
        self,
        *args: Any,
        name: str | None,
        max_attempts: int,
        metrics_port: int | None,
        **options: Any,
    ) -> None:
        registry = consumer_registry()
        if name is None or name not in registry:
            listing = "\n".join(
                f"  {key}: {', '.join(spec.topics)} -> {spec.description}"
                for key, spec in registry.items()
            )
            if name is None:
                self.stdout.write(f"Consumers:\n{listing}")
                return
            raise CommandError(f"unknown consumer {name!r}; this project has:\n{listing}")
        serve_metrics(metrics_port)
        runner = ConsumerRunner(registry[name], stop=stop_on_signals(), max_attempts=max_attempts)
        try:
            runner.run_forever()
        except DeadLetterLimitReached as exc:
            # Exit status 1: the orchestrator sees a failed consumer, not a finished one.
            raise CommandError(f"consumer {name} stopped: {exc}") from exc
