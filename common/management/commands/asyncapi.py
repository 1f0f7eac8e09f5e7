from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.asyncapi import render_document


class Command(BaseCommand):
    help = "Writes the event API as an AsyncAPI 3.0 JSON document (docs/asyncapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, default=None, help="write here instead of standard output"
        )

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        document = render_document()
        if output is None:
            self.stdout.write(document, ending="")
        else:
            output.write_text(document, encoding="utf-8")
            self.stderr.write(f"wrote {output}")
