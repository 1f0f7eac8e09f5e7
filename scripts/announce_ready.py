"""Waits until both services answer /readyz, prints where everything is,
then stays up quietly (honcho stops the whole system if a process exits)."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.error
import urllib.request

USERS = f"http://127.0.0.1:{os.environ.get('USERS_PORT', '8001')}"
GAMES = f"http://127.0.0.1:{os.environ.get('GAMES_PORT', '8002')}"
# The workers' metrics ports, with the Procfile's defaults.
METRICS = {
    name: os.environ.get(f"{name}_METRICS_PORT", default)
    for name, default in (
        ("USERS_CONSUMER", "9101"),
        ("GAMES_CONSUMER", "9102"),
        ("USERS_RELAY", "9103"),
        ("GAMES_RELAY", "9104"),
    )
}


CONSUMER_PORTS = f":{METRICS['USERS_CONSUMER']} :{METRICS['GAMES_CONSUMER']}"
RELAY_PORTS = f":{METRICS['USERS_RELAY']} :{METRICS['GAMES_RELAY']}"


def ready(base: str) -> bool:
    try:
        # Only http://127.0.0.1 URLs built above.
        with urllib.request.urlopen(f"{base}/readyz", timeout=3) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    warned = False
    while not (ready(USERS) and ready(GAMES)):
        if not warned and time.monotonic() - started > 90:
            print("Still waiting for /readyz of both services; see the lines above.", flush=True)
            warned = True
        time.sleep(1)
    upstream = os.environ.get("GAMES_API_BASE_URL", "")
    print(
        f"""
=====================================================================
 The system is up ({time.monotonic() - started:.0f}s). Ctrl-C stops every process.

 users API      {USERS}/users/          docs {USERS}/api/docs/
 users admin    {USERS}/admin/          (manage_users.py createsuperuser)
 games API      {GAMES}/games/          docs {GAMES}/api/docs/
 metrics        {USERS}/metrics  {GAMES}/metrics
                consumers {CONSUMER_PORTS}   relays {RELAY_PORTS}
 games data     {upstream}
 walk the flow  make demo
=====================================================================
""",
        flush=True,
    )
    signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
