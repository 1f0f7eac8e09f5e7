"""Stop and start the project's local Redis, for real."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class LocalRedis:
    script = ROOT / "scripts" / "services.sh"

    @staticmethod
    def available() -> bool:
        return not os.environ.get("REDIS_URL")

    def stop(self) -> None:
        # Stop whichever Redis answers on 6379, started by us or reused.
        subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
            check=False,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> None:
        subprocess.run([str(self.script), "start", "redis"], check=True, timeout=120)
