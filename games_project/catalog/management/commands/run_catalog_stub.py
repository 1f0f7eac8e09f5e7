from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.env import env
from common.management.signals import stop_on_signals
from games_project.catalog.stub.server import CatalogStub, Knobs


class Command(BaseCommand):
    help = "Serve the stand-in of the FreeToGame API (default 127.0.0.1:8009)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=env.int("CATALOG_STUB_PORT", default=8009))
        parser.add_argument(
            "--latency-ms", type=int, default=env.int("CATALOG_STUB_LATENCY_MS", default=0)
        )
        parser.add_argument(
            "--error-rate", type=float, default=env.float("CATALOG_STUB_ERROR_RATE", default=0.0)
        )
        parser.add_argument(
            "--outage", action="store_true", default=env.bool("CATALOG_STUB_OUTAGE", default=False)
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        latency_ms: int,
        error_rate: float,
        outage: bool,
        **options: Any,
    ) -> None:
        stub = CatalogStub(
            host, port, Knobs(latency_ms=latency_ms, error_rate=error_rate, outage=outage)
        )
        stop = stop_on_signals()
        self.stdout.write(f"FreeToGame stand-in on {stub.api_url} (control: {stub.url}/_control)")
        self.stdout.flush()
        # serve_forever blocks; the signal handler only sets the event, so run
        # the server in a thread and shut it down from here.
        server = threading.Thread(target=stub.serve_forever, daemon=True)
        server.start()
        stop.wait()
        stub.stop()
