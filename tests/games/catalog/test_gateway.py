"""The gateway's single flight, on django-redis' lock."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.cache import cache

from games_project.catalog import gateway
from games_project.catalog.client import UpstreamUnavailable

pytestmark = pytest.mark.django_db


def test_a_fill_whose_lock_expired_leaves_the_next_holders_lock_alone() -> None:
    key = "games:test:single-flight"
    others: list[Any] = []

    def slow_fetch() -> dict[str, str]:
        # Our lock runs out mid-fetch and another caller takes it.
        cache.delete(f"fill-lock:{key}")
        other = cache.lock(f"fill-lock:{key}", timeout=30)
        assert other.acquire(blocking=False)
        others.append(other)
        return {"title": "T"}

    filled = gateway.read(key, slow_fetch, refresh_in_background=lambda: None)
    assert (filled.value, filled.status) == ({"title": "T"}, gateway.CacheStatus.MISS)
    assert others[0].owned()  # our release did not take the other caller's lock
    others[0].release()


def test_a_caller_that_finds_the_lock_taken_waits_for_it_and_never_fetches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "games:test:waiter"
    holder = cache.lock(f"fill-lock:{key}", timeout=30)
    assert holder.acquire(blocking=False)
    calls: list[int] = []
    monkeypatch.setattr(gateway, "FILL_WAIT_SECONDS", 0.3)
    try:
        with pytest.raises(UpstreamUnavailable, match="concurrent fetch"):
            gateway.read(key, lambda: calls.append(1), refresh_in_background=lambda: None)
    finally:
        holder.release()
    assert calls == []


def test_the_refreshes_reach_the_broker_as_the_tasks_from_any_thread(settings: Any) -> None:
    from kombu import Connection

    from games_project.catalog import tasks

    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
        queue.clear()
        # A request thread, as gunicorn's: not the one that loaded Django.
        sender = threading.Thread(target=lambda: gateway.refresh_game_list(platform="pc"))
        sender.start()
        sender.join()
        gateway.refresh_game(7)
        sent = [queue.get(timeout=5) for _ in range(2)]
        assert [m.headers["task"] for m in sent] == [
            tasks.refresh_game_list.name,
            tasks.refresh_game.name,
        ]
        assert [m.headers["kwargsrepr"] for m in sent] == ["{'platform': 'pc'}", "{}"]
        assert sent[1].headers["argsrepr"] == "(7,)"
        for message in sent:
            message.ack()
        queue.close()
