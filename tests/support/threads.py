"""Work on another thread with its own database connection, as a second web
process or consumer would have."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def in_thread(work: Callable[[], object]) -> threading.Thread:
    """Start ``work`` on a new thread; its connections close when it ends."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
