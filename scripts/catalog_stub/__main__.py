"""``python -m scripts.catalog_stub``: serve the stand-in (default 127.0.0.1:8009)."""

from __future__ import annotations

import argparse
import threading

from common.env import env
from common.management.signals import stop_on_signals
from scripts.catalog_stub.server import CatalogStub, Knobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
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
    args = parser.parse_args()
    knobs = Knobs(latency_ms=args.latency_ms, error_rate=args.error_rate, outage=args.outage)
    stub = CatalogStub(args.host, args.port, knobs)
    stop = stop_on_signals()
    print(f"FreeToGame stand-in on {stub.api_url} (control: {stub.url}/_control)", flush=True)
    # serve_forever blocks; the signal handler only sets the event, so run
    # the server in a thread and shut it down from here.
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    stop.wait()
    stub.stop()


if __name__ == "__main__":
    main()
