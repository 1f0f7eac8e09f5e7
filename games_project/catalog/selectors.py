"""Reads of the catalog: through the cache, from the upstream when needed."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.utils import timezone

from games_project.catalog import cache
from games_project.catalog.client import get_client
from games_project.catalog.models import GameRead


def list_key(*, platform: str | None, category: str | None, sort_by: str | None) -> str:
    """One key per filter combination, and no two combinations share one: an
    absent filter is left out (not spelled as a value), and values are
    URL-encoded, so no value can imitate a separator."""
    given = {"platform": platform, "category": category, "sort-by": sort_by}
    return "games:list:" + urlencode({name: v for name, v in given.items() if v is not None})


def game_key(game_id: int) -> str:
    return f"games:detail:{game_id}"


def game_list(
    *, platform: str | None = None, category: str | None = None, sort_by: str | None = None
) -> cache.Cached:
    from games_project.catalog.tasks import refresh_game_list

    return cache.get_or_fetch(
        list_key(platform=platform, category=category, sort_by=sort_by),
        lambda: get_client().list_games(platform=platform, category=category, sort_by=sort_by),
        refresh_in_background=lambda: refresh_game_list.delay(
            platform=platform, category=category, sort_by=sort_by
        ),
    )


def game_detail(*, game_id: int) -> cache.Cached:
    """Raises ``NotFoundCached`` for an unknown id, ``UpstreamUnavailable``
    when the upstream fails and nothing usable is cached."""
    from games_project.catalog.tasks import refresh_game

    return cache.get_or_fetch(
        game_key(game_id),
        lambda: get_client().get_game(game_id),
        refresh_in_background=lambda: refresh_game.delay(game_id),
    )


def most_read_game_ids(*, limit: int, within: timedelta = timedelta(days=7)) -> list[int]:
    since = timezone.now() - within
    return list(
        GameRead.objects.filter(read_at__gte=since)
        .values("game_id")
        .annotate(reads=Count("id"))
        .order_by("-reads", "game_id")
        .values_list("game_id", flat=True)[:limit]
    )
