"""Reads of the catalog's own tables (reads that may call the games API live in the gateway)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from games_project.catalog.models import GameRead


def most_read_game_ids(*, limit: int) -> list[int]:
    """Over the last week."""
    return list(
        GameRead.objects.filter(read_at__gte=timezone.now() - timedelta(days=7))
        .values("game_id")
        .annotate(reads=Count("id"))
        .order_by("-reads", "game_id")
        .values_list("game_id", flat=True)[:limit]
    )
