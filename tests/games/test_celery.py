"""Celery: the app's wiring, the beat schedule, and a real worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache

from games_project.catalog.gateway import game_key, list_key
from games_project.catalog.models import GameRead
from games_project.celery import app
from scripts.catalog_stub.catalog import catalog
from scripts.catalog_stub.server import CatalogStub
from scripts.poll import eventually
from tests.support.processes import ROOT, celery_worker, spawn_manage


def test_the_beat_schedule_refreshes_before_entries_go_stale(settings: Any) -> None:
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule.keys() == {"refresh-full-catalog", "refresh-most-read-games"}
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
        assert entry["schedule"] < settings.GAMES_CACHE_FRESH_SECONDS
        assert entry["options"]["expires"] <= entry["schedule"]
    assert schedule["refresh-most-read-games"]["kwargs"] == {"limit": 50}


def test_the_app_takes_its_queue_from_games_celery_queue() -> None:
    # A fresh process: the environment variable, through the settings, names
    # the queue the app sends to and its workers take from.
    queue = f"games-own-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "GAMES_DJANGO_SETTINGS_MODULE": "games_project.settings.test",
        "GAMES_CELERY_QUEUE": queue,
    }
    code = "from games_project.celery import app; print(app.conf.task_default_queue)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == [queue]


@pytest.fixture
def worker(stub: CatalogStub) -> Iterator[str]:
    # The worker's own fan-out (refresh_most_read_games) lands on its queue too.
    with celery_worker(GAMES_API_BASE_URL=stub.api_url, GAMES_API_RATE_PER_SECOND="1000") as queue:
        yield queue


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_a_game_and_the_most_read_games(
    worker: str, stub: CatalogStub
) -> None:
    from games_project.catalog.tasks import refresh_game, refresh_game_list, refresh_most_read_games

    games = catalog(stub.url)
    refresh_game.apply_async((games[0]["id"],), queue=worker)
    eventually(
        lambda: cache.get(game_key(games[0]["id"])) is not None,
        timeout=60,
        message="the worker did not do the work",
    )
    assert stub.calls(f"/game?id={games[0]['id']}") == 1
    assert cache.get(game_key(games[0]["id"]))["value"]["title"] == games[0]["title"]

    refresh_game_list.apply_async(queue=worker)
    eventually(
        lambda: cache.get(list_key(platform=None, category=None, sort_by=None)) is not None,
        timeout=60,
        message="the worker did not do the work",
    )

    now = datetime.now(UTC)
    for game, reads in ((games[1], 3), (games[2], 1)):
        for _ in range(reads):
            GameRead.objects.create(
                event_id=uuid.uuid4(),
                user_id=uuid.uuid4(),
                game_id=game["id"],
                title=game["title"],
                read_at=now,
            )
    refresh_most_read_games.apply_async(kwargs={"limit": 2}, queue=worker)
    # One refresh task per popular game, run by the worker.
    eventually(
        lambda: all(cache.get(game_key(g["id"])) for g in (games[1], games[2])),
        timeout=60,
        message="the worker did not do the work",
    )
    assert stub.calls(f"/game?id={games[1]['id']}") == 1
    assert stub.calls(f"/game?id={games[3]['id']}") == 0  # not read, not refreshed


def test_the_gateways_refreshes_sent_by_task_name_are_run_by_a_real_worker(
    worker: str, stub: CatalogStub
) -> None:
    # The gateway imports no task: it sends by name, and Celery checks neither
    # the name nor the arguments when sending. A process whose queue is the
    # worker's sends both refreshes the way a stale read does; the worker runs them.
    game_id = catalog(stub.url)[4]["id"]
    code = (
        "from games_project.catalog import gateway\n"
        f"gateway.refresh_game({game_id})\n"
        "gateway.refresh_game_list(platform='pc', category=None, sort_by=None)\n"
    )
    sender = spawn_manage("shell", "-c", code, env={"GAMES_CELERY_QUEUE": worker})
    output, _ = sender.communicate(timeout=60)
    assert sender.returncode == 0, output
    eventually(
        lambda: cache.get(game_key(game_id)) is not None
        and cache.get(list_key(platform="pc", category=None, sort_by=None)) is not None,
        timeout=60,
        message="the worker did not run the refreshes the gateway sent",
    )
    assert stub.calls(f"/game?id={game_id}") == 1
