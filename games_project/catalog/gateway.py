"""The only module that knows the catalog's cache keys, lifetimes and refetches
(docs/architecture.md, "The catalog cache")."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import LockError, RedisError

from common.backoff import backoff_seconds
from common.logging import get_logger
from games_project.catalog.client import (
    GameNotFound,
    UpstreamBusy,
    UpstreamUnavailable,
    get_client,
)
from games_project.catalog.metrics import CACHE_RESULTS
from games_project.celery import app

log = get_logger(__name__)

CACHE_ERRORS = (RedisError, ConnectionError, TimeoutError)


# The background refreshes, sent by the names tasks.py registers them under:
# the gateway imports no task.
REFRESH_GAME_TASK = "games_project.catalog.tasks.refresh_game"
REFRESH_GAME_LIST_TASK = "games_project.catalog.tasks.refresh_game_list"


def refresh_game(game_id: int) -> None:
    app.send_task(REFRESH_GAME_TASK, (game_id,))


def refresh_game_list(**filters: str | None) -> None:
    app.send_task(REFRESH_GAME_LIST_TASK, kwargs=filters)


class CacheStatus(StrEnum):
    HIT = "HIT"
    MISS = "MISS"
    STALE = "STALE"


@dataclass(frozen=True)
class Cached:
    value: Any
    status: CacheStatus
    # When the value was fetched: identifies this version of it (0 if unknown).
    fetched_at: float = 0.0


class NotFoundCached(GameNotFound):
    """The upstream does not know this id; ``status`` says if that came from cache."""

    def __init__(self, key: str, status: CacheStatus) -> None:
        super().__init__(key)
        self.status = status


# The single flight's lock, and how long a caller waits for another's fill.
FILL_LOCK_SECONDS = 15.0
FILL_WAIT_SECONDS = 12.0


def _counted(status: CacheStatus) -> CacheStatus:
    CACHE_RESULTS.labels(result=status.lower()).inc()
    return status


def _unwrap(key: str, entry: dict[str, Any], status: CacheStatus) -> Cached:
    if entry.get("missing"):
        raise NotFoundCached(key, _counted(status))
    return Cached(entry["value"], _counted(status), entry["fetched_at"])


def _entry(key: str) -> dict[str, Any] | None:
    """The entry under ``key``, or ``None`` (a miss) if absent or not ours."""
    try:
        entry = cache.get(key)
    except ValueError:  # not JSON (the cache's serializer), e.g. a pickle
        log.warning("cache.entry_undecodable", key=key)
        return None
    if entry is None:
        return None
    if (
        not isinstance(entry, dict)
        or type(entry.get("fetched_at")) not in (int, float)
        or not (entry.get("missing") is True or "value" in entry)
    ):
        log.warning("cache.entry_malformed", key=key)
        return None
    return entry


def _put(key: str, value: Any, fetched_at: float) -> None:
    keep = max(settings.GAMES_CACHE_KEEP_SECONDS, settings.GAMES_CACHE_STALE_SECONDS)
    timeout = settings.GAMES_CACHE_FRESH_SECONDS + keep
    cache.set(key, {"value": value, "fetched_at": fetched_at}, timeout=timeout)


def store(key: str, value: Any) -> None:
    """Write a fresh entry; the full list's index goes beside it."""
    fetched_at = time.time()
    _put(key, value, fetched_at)
    if key == FULL_LIST_KEY:
        _put(INDEX_KEY, _index(value), fetched_at)


def fetch_and_store(key: str, fetch: Callable[[], Any]) -> Any:
    try:
        value = fetch()
    except GameNotFound:
        missing = {"missing": True, "fetched_at": time.time()}
        cache.set(key, missing, timeout=settings.GAMES_CACHE_NEGATIVE_SECONDS)
        raise
    store(key, value)
    return value


@functools.cache
def _fill_slots(size: int) -> threading.BoundedSemaphore:
    # One per size, so a test that overrides the setting gets its own.
    return threading.BoundedSemaphore(size)


def read(
    key: str,
    fetch: Callable[[], Any],
    *,
    refresh_in_background: Callable[[], object],
    on_miss: Callable[[], object] = lambda: None,
) -> Cached:
    """``on_miss`` runs before any fill, and may raise to refuse the miss."""
    try:
        entry = _entry(key)
    except CACHE_ERRORS as exc:
        on_miss()
        return _without_cache(key, fetch, exc)
    if entry is None:
        on_miss()
        return _fill_once(key, fetch)
    age, fresh = time.time() - entry["fetched_at"], settings.GAMES_CACHE_FRESH_SECONDS
    if age < fresh or (entry.get("missing") and age < settings.GAMES_CACHE_NEGATIVE_SECONDS):
        return _unwrap(key, entry, CacheStatus.HIT)
    if age < fresh + settings.GAMES_CACHE_STALE_SECONDS:
        _schedule_refresh(key, refresh_in_background)
        return _unwrap(key, entry, CacheStatus.STALE)
    # Past the stale window: refetch now, but an old answer beats an error.
    try:
        return _fetched(key, lambda: fetch_and_store(key, fetch))
    except UpstreamUnavailable as exc:
        log.warning("cache.stale_if_error", key=key, error=str(exc))
        return _unwrap(key, entry, CacheStatus.STALE)


def _fill_once(key: str, fetch: Callable[[], Any]) -> Cached:
    """Single flight: one caller fetches, concurrent callers wait for it."""
    deadline = time.monotonic() + FILL_WAIT_SECONDS
    waited = 0
    while True:
        try:
            lock = cache.lock(f"fill-lock:{key}", timeout=FILL_LOCK_SECONDS)
            if lock.acquire(blocking=False):
                try:
                    entry = _entry(key)  # filled while we were taking the lock?
                    if entry is None:
                        return _fetched(key, lambda: fetch_and_store(key, fetch))
                    return _unwrap(key, entry, CacheStatus.HIT)
                finally:
                    with contextlib.suppress(LockError, *CACHE_ERRORS):
                        lock.release()  # only if still ours (it may have expired)
            entry = _entry(key)
        except CACHE_ERRORS as exc:
            return _without_cache(key, fetch, exc)
        if entry is not None:
            # Another caller's fetch: we made no upstream call.
            return _unwrap(key, entry, CacheStatus.HIT)
        if time.monotonic() >= deadline:
            raise UpstreamUnavailable("timed out waiting for a concurrent fetch of the same data")
        waited += 1
        time.sleep(backoff_seconds(waited, base=0.02, cap=0.1))


def _without_cache(key: str, fetch: Callable[[], Any], exc: BaseException) -> Cached:
    """Redis is away: a fill whose answer is not stored."""
    log.warning("cache.unavailable_serving_uncached", key=key, error=repr(exc))
    return _fetched(key, fetch)


def _fetched(key: str, fetch: Callable[[], Any]) -> Cached:
    """A fill within this process's cap: past it ``UpstreamBusy`` at once, never a queue."""
    slots = _fill_slots(settings.GAMES_CACHE_MAX_CONCURRENT_FILLS)
    if not slots.acquire(blocking=False):
        CACHE_RESULTS.labels(result="busy").inc()
        raise UpstreamBusy("every fill slot of this process is taken")
    try:
        value = fetch()
    except GameNotFound:
        raise NotFoundCached(key, _counted(CacheStatus.MISS)) from None
    finally:
        slots.release()
    return Cached(value, _counted(CacheStatus.MISS))


def _schedule_refresh(key: str, refresh: Callable[[], object]) -> None:
    """One background refresh per key, however many requests see it stale."""
    try:
        if cache.add(f"refreshing:{key}", 1, timeout=60):
            refresh()
    except Exception as exc:  # noqa: BLE001  a refresh that cannot start must not fail the read
        log.warning("cache.refresh_not_scheduled", key=key, error=repr(exc))


def list_key(*, platform: str | None, category: str | None, sort_by: str | None) -> str:
    """Values URL-encoded, so no value can imitate another filter combination."""
    given = {"platform": platform, "category": category, "sort-by": sort_by}
    return "games:list:" + urlencode({name: v for name, v in given.items() if v is not None})


FULL_LIST_KEY = list_key(platform=None, category=None, sort_by=None)
# The full list's ``{id: title}``: whether a missed id exists, and a recorded
# read's title, in one small key.
INDEX_KEY = "games:index"


def game_key(game_id: int) -> str:
    return f"games:detail:{game_id}"


def _index(games: list[dict[str, Any]]) -> dict[str, str]:
    return {str(game["id"]): game["title"] for game in games}


def local_keep_seconds(fetched_at: float) -> float:
    """How long a process may keep its own copy of a fresh entry (zero or less: not at all)."""
    fresh_until = fetched_at + settings.GAMES_CACHE_FRESH_SECONDS
    return min(settings.GAMES_CACHE_LOCAL_SECONDS, fresh_until - time.time())


# This process's copy of the fresh index entry, [(until, entry)], as the edge
# keeps a detail: every POST /games/ reads the index (docs/benchmarks.md).
local_index: list[tuple[float, dict[str, Any]]] = []


def _index_entry() -> dict[str, Any] | None:
    if local_index and settings.GAMES_CACHE_LOCAL_SECONDS > 0:
        until, kept = local_index[0]
        if time.monotonic() < until:
            return kept
    entry = _entry(INDEX_KEY)
    if entry is not None and not isinstance(entry.get("value"), dict):
        log.warning("cache.entry_malformed", key=INDEX_KEY)
        return None  # rebuilt from the full list
    if entry is not None and (keep := local_keep_seconds(entry["fetched_at"])) > 0:
        local_index[:] = [(time.monotonic() + keep, entry)]
    return entry


def catalog_index() -> tuple[dict[str, str], CacheStatus] | None:
    """Every game's title by str(id), and ``HIT`` or ``MISS``; ``None`` if not to be had now."""
    try:
        entry = _index_entry()
    except CACHE_ERRORS:
        return None
    age = time.time() - entry["fetched_at"] if entry is not None else float("inf")
    if age < settings.GAMES_CACHE_FRESH_SECONDS + settings.GAMES_CACHE_STALE_SECONDS:
        if age >= settings.GAMES_CACHE_FRESH_SECONDS:
            _schedule_refresh(FULL_LIST_KEY, refresh_game_list)  # no filter: the full list
        return (entry["value"], CacheStatus.HIT) if entry["value"] else None
    try:
        listed = game_list()
    except UpstreamUnavailable as exc:
        log.info("catalog.index_unavailable", error=str(exc))
        return None
    if not listed.value:  # an empty full list is an upstream fault, not "no game"
        return None
    index = _index(listed.value)
    if listed.status is CacheStatus.MISS:  # stored beside the list
        return index, CacheStatus.MISS
    with contextlib.suppress(*CACHE_ERRORS):  # the list predates its index entry
        _put(INDEX_KEY, index, listed.fetched_at)
    return index, CacheStatus.HIT


def game_list(
    *,
    platform: str | None = None,
    category: str | None = None,
    sort_by: str | None = None,
    on_miss: Callable[[], object] = lambda: None,
) -> Cached:
    filters = {"platform": platform, "category": category, "sort_by": sort_by}
    return read(
        list_key(**filters),
        lambda: get_client().list_games(**filters),
        refresh_in_background=lambda: refresh_game_list(**filters),
        on_miss=on_miss,
    )


def game_detail(*, game_id: int, on_miss: Callable[[], object] = lambda: None) -> Cached:
    """An id outside the cached full list is ``NotFoundCached`` without an upstream call."""
    key = game_key(game_id)

    def miss() -> None:
        on_miss()
        known = catalog_index()
        if known is not None and str(game_id) not in known[0]:
            raise NotFoundCached(key, _counted(known[1]))

    return read(
        key,
        lambda: get_client().get_game(game_id),
        refresh_in_background=lambda: refresh_game(game_id),
        on_miss=miss,
    )


def game_detail_if_fresh(*, game_id: int) -> Cached | None:
    """The cached game while fresh (a ``HIT``), else ``None`` (use ``game_detail``)."""
    try:
        entry = _entry(game_key(game_id))
    except CACHE_ERRORS:
        return None
    if entry is None or entry.get("missing"):
        return None
    fresh = time.time() - entry["fetched_at"] < settings.GAMES_CACHE_FRESH_SECONDS
    return _unwrap(game_key(game_id), entry, CacheStatus.HIT) if fresh else None


def game_title(*, game_id: int) -> tuple[str, CacheStatus]:
    """A recorded read's title and source: from the index, else the game's detail."""
    known = catalog_index()
    if known is None:
        game = game_detail(game_id=game_id)
        return game.value["title"], game.status
    titles, status = known
    if str(game_id) not in titles:
        raise NotFoundCached(game_key(game_id), _counted(status))
    return str(titles[str(game_id)]), _counted(status)


def _refresh(key: str, fetch: Callable[[], Any]) -> Any:
    try:
        return fetch_and_store(key, fetch)
    finally:
        with contextlib.suppress(*CACHE_ERRORS):
            cache.delete(f"refreshing:{key}")


def game_refresh(*, game_id: int) -> None:
    try:
        _refresh(game_key(game_id), lambda: get_client().get_game(game_id))
    except GameNotFound:
        log.info("catalog.refresh_found_no_game", game_id=game_id)


def game_list_refresh(*, platform: str | None, category: str | None, sort_by: str | None) -> int:
    filters = {"platform": platform, "category": category, "sort_by": sort_by}
    return len(_refresh(list_key(**filters), lambda: get_client().list_games(**filters)))
