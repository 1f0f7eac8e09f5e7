from __future__ import annotations

import signal
import threading
from types import FrameType

from common.logging import get_logger

log = get_logger(__name__)


def stop_on_signals() -> threading.Event:
    """Return an event set by SIGTERM or SIGINT: loops finish their current
    unit of work, commit, and return. A second signal exits at once."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        log.info("process.stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop
