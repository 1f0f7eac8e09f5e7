from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.ops.status import collect_status
from common.ops.text import as_json, format_age, render_table


def render_status(status: dict[str, Any]) -> str:
    health = [[h["name"], "up" if h["ok"] else "DOWN", h["detail"]] for h in status["health"]]
    pending = "-" if status["outbox_pending"] is None else status["outbox_pending"]
    parts = [
        f"{status['service']} status at {status['at']}",
        render_table(["DEPENDENCY", "STATE", "DETAIL"], health),
        render_table(
            ["OUTBOX PENDING", "OLDEST PENDING AGE"],
            [[pending, format_age(status["outbox_oldest_age_seconds"])]],
        ),
    ]
    if status["lag"]:
        lag = [["-" if cell is None else cell for cell in r.values()] for r in status["lag"]]
        columns = ["CONSUMER GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG"]
        total = sum(row["lag"] for row in status["lag"])
        parts.append(f"{render_table(columns, lag)}\ntotal lag: {total}")
    if status["members"]:
        running = [
            f"consumers running in {r['group']}: {r['members'] or 'NONE'}"
            for r in status["members"]
        ]
        parts.append("\n".join(running))
    if status["dead_letters"]:
        counts = [[c["topic"], c["kept"], c["open"]] for c in status["dead_letters"]]
        parts.append(render_table(["DEAD-LETTER TOPIC", "KEPT", "OPEN"], counts))
    parts += [f"! {error}" for error in status["errors"]]
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
        self.stdout.write(as_json(status) if json else render_status(status))
