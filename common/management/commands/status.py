from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.ops.status import ServiceStatus, collect_status
from common.ops.text import format_age, render_table


def render_status(status: ServiceStatus) -> str:
    """The status as tables a person reads at a glance."""
    parts = [f"{status.service} status at {status.at}"]
    parts.append(
        render_table(
            ["DEPENDENCY", "STATE", "DETAIL"],
            [[h.name, "up" if h.ok else "DOWN", h.detail] for h in status.health],
        )
    )
    pending = "-" if status.outbox_pending is None else status.outbox_pending
    parts.append(
        render_table(
            ["OUTBOX PENDING", "OLDEST PENDING AGE"],
            [[pending, format_age(status.outbox_oldest_age_seconds)]],
        )
    )
    if status.lag:
        parts.append(
            render_table(
                ["CONSUMER GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG"],
                [
                    [
                        row.group,
                        row.topic,
                        row.partition,
                        "-" if row.committed is None else row.committed,
                        row.end,
                        row.lag,
                    ]
                    for row in status.lag
                ],
            )
            + f"\ntotal lag: {sum(row.lag for row in status.lag)}"
        )
    if status.members:
        parts.append(
            "\n".join(
                f"consumers running in {row.group}: {row.members or 'NONE'}"
                for row in status.members
            )
        )
    if status.dead_letters:
        parts.append(
            render_table(
                ["DEAD-LETTER TOPIC", "KEPT", "OPEN"],
                [[count.topic, count.kept, count.open] for count in status.dead_letters],
            )
        )
    parts.extend(f"! {error}" for error in status.errors)
    return "\n\n".join(parts) + "\n"


class Command(BaseCommand):
    help = (
        "This service at a glance: consumer lag, outbox backlog, dead letters, "
        "and the health of PostgreSQL, Redis and Kafka."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, json: bool, **options: Any) -> None:
        status = collect_status()
        if json:
            self.stdout.write(_dumps(asdict(status)))
        else:
            self.stdout.write(render_status(status))


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2)
