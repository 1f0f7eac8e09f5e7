"""A games-web and a catalog stand-in of their own, beside the e2e session's
system: for a test that puts the upstream in outage or floods the service,
so that what it does touches no other test."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from scripts.poll import eventually
from scripts.system import System, free_port


@dataclass
class IsolatedGames:
    games_url: str
    stub_url: str
    metrics: Path  # the games-web's Prometheus multiprocess folder


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def games_beside(system: System, name: str, **env: str) -> Iterator[IsolatedGames]:
    """Both started with ``env`` on top of the system's, under a Redis key
    prefix of their own; stopped, and their keys deleted, afterwards."""
    stub_port, games_port = free_port(), free_port()
    prefix = f"e2e-{name}-{uuid.uuid4().hex[:8]}"
    keys = (f"catalog-stub.{prefix}", f"games-web.{prefix}")
    system.start("catalog-stub", instance=prefix, CATALOG_STUB_PORT=str(stub_port))
    system.start(
        "games-web",
        instance=prefix,
        GAMES_PORT=str(games_port),
        GAMES_API_BASE_URL=f"http://127.0.0.1:{stub_port}/api",
        GAMES_CACHE_KEY_PREFIX=prefix,
        **env,
    )
    isolated = IsolatedGames(
        games_url=f"http://127.0.0.1:{games_port}",
        stub_url=f"http://127.0.0.1:{stub_port}",
        metrics=system.workdir / "metrics" / keys[1],
    )
    try:
        eventually(
            lambda: answers(f"{isolated.games_url}/healthz")
            and answers(f"{isolated.stub_url}/_control"),
            timeout=60,
            every=0.2,
            message="the isolated games-web and stand-in did not start",
        )
        yield isolated
    finally:
        for key in keys:
            if system.running(key):
                system.signal(key, signal.SIGTERM)
        store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)
