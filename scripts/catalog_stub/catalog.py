"""A deterministic catalog of invented free-to-play games in FreeToGame's shape.

Everything here is generated from word lists with a seeded random generator:
the same seed gives the same catalog on every machine.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cache
from typing import Any

GENRES = [
    ("Shooter", "shooter"),
    ("MMORPG", "mmorpg"),
    ("MOBA", "moba"),
    ("Strategy", "strategy"),
    ("Card Game", "card"),
    ("Racing", "racing"),
    ("Sports", "sports"),
    ("Fighting", "fighting"),
    ("Social", "social"),
    ("Battle Royale", "battle-royale"),
    ("ARPG", "action-rpg"),
    ("MMO", "mmo"),
]
PLATFORMS = ["PC (Windows)", "Web Browser", "PC (Windows), Web Browser"]
_FIRST = [
    "Iron",
    "Crystal",
    "Shadow",
    "Solar",
    "Frost",
    "Ember",
    "Void",
    "Astral",
    "Rune",
    "Thunder",
    "Neon",
    "Hollow",
    "Crimson",
    "Silent",
    "Wild",
    "Golden",
    "Broken",
    "Quantum",
]
_SECOND = [
    "Frontier",
    "Legends",
    "Siege",
    "Odyssey",
    "Arena",
    "Realms",
    "Tactics",
    "Drift",
    "Vanguard",
    "Echoes",
    "Dominion",
    "Outpost",
    "Rally",
    "Covenant",
    "Harbor",
    "Circuit",
]
_STUDIO_A = ["Lumen", "Northgate", "Pixel", "Blue Fern", "Oakridge", "Copperline", "Nimbus"]
_STUDIO_B = ["Games", "Interactive", "Studios", "Works", "Labs", "Entertainment"]
_VERBS = ["Command", "Explore", "Build", "Race through", "Defend", "Conquer", "Outwit"]
_OBJECTS = [
    "a shattered continent",
    "floating islands",
    "a neon megacity",
    "the frozen north",
    "an ancient labyrinth",
    "orbital stations",
    "a haunted archipelago",
    "endless dunes",
]
STATUSES = ["Live", "Live", "Live", "Beta"]
CATALOG_SIZE = 360


def _game(rng: random.Random, game_id: int, base_url: str) -> dict[str, Any]:
    title = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)}"
    if rng.random() < 0.35:
        title += f" {rng.choice(['Online', 'II', 'Reborn', 'Infinite', 'Tactics', 'Arena'])}"
    genre, _slug = rng.choice(GENRES)
    platform = rng.choice(PLATFORMS)
    studio = f"{rng.choice(_STUDIO_A)} {rng.choice(_STUDIO_B)}"
    released = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 17 * 365))
    verb, obj = rng.choice(_VERBS), rng.choice(_OBJECTS)
    short = f"{verb} {obj} in this free-to-play {genre.lower()} game by {studio}."
    site = base_url.rstrip("/")
    return {
        "id": game_id,
        "title": title,
        "thumbnail": f"{site}/g/{game_id}/thumbnail.jpg",
        "short_description": short,
        "game_url": f"{site}/open/{game_id}",
        "genre": genre,
        "platform": platform,
        "publisher": studio if rng.random() < 0.6 else f"{rng.choice(_STUDIO_A)} Publishing",
        "developer": studio,
        "release_date": released.isoformat(),
        "freetogame_profile_url": f"{site}/profile/{game_id}",
        # Not part of the list shape; used for sort-by=popularity and details.
        "_popularity": rng.randrange(1, 100_000),
        "_status": rng.choice(STATUSES),
        "_screens": rng.randrange(1, 4),
        "_paragraphs": rng.randrange(2, 4),
    }


@cache
def catalog(base_url: str, seed: int = 2026) -> tuple[dict[str, Any], ...]:
    rng = random.Random(seed)
    ids = rng.sample(range(1, 700), CATALOG_SIZE)
    return tuple(_game(rng, game_id, base_url) for game_id in sorted(ids))


def list_item(game: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in game.items() if not key.startswith("_")}


def detail(game: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(game["id"])
    item = list_item(game)
    paragraphs = [
        f"{game['title']} is a {game['genre'].lower()} set in {rng.choice(_OBJECTS)}. "
        f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} with friends or alone."
        for _ in range(game["_paragraphs"])
    ]
    result: dict[str, Any] = {
        **item,
        "status": game["_status"],
        "description": "\r\n\r\n".join(paragraphs),
        "screenshots": [
            {
                "id": game["id"] * 10 + n,
                "image": f"{item['thumbnail'].rsplit('/', 1)[0]}/{game['id']}-{n}.jpg",
            }
            for n in range(1, game["_screens"] + 1)
        ],
    }
    # Browser games have no system requirements, as upstream.
    if game["platform"] != "Web Browser":
        result["minimum_system_requirements"] = {
            "os": rng.choice(["Windows 10 64-bit", "Windows 7 64-bit", "Windows 11"]),
            "processor": rng.choice(["Intel Core i3", "Intel Core i5-4460", "AMD FX-6300"]),
            "memory": rng.choice(["4 GB", "8 GB RAM", "16 GB"]),
            "graphics": rng.choice(["GeForce GTX 660", "Radeon HD 7850", "Intel HD 4000"]),
            "storage": rng.choice(["20 GB", "35 GB available space", "8 GB"]),
        }
    return result


def select(
    games: tuple[dict[str, Any], ...],
    *,
    platform: str | None,
    category: str | None,
    sort_by: str | None,
) -> list[dict[str, Any]]:
    chosen = list(games)
    if platform and platform != "all":
        wanted = {"pc": "PC (Windows)", "browser": "Web Browser"}[platform]
        chosen = [g for g in chosen if wanted in g["platform"]]
    if category:
        slugs = dict(GENRES)
        chosen = [g for g in chosen if slugs[g["genre"]] == category]
    if sort_by == "release-date":
        chosen.sort(key=lambda g: (g["release_date"], g["id"]), reverse=True)
    elif sort_by == "popularity":
        chosen.sort(key=lambda g: (g["_popularity"], g["id"]), reverse=True)
    elif sort_by == "alphabetical":
        chosen.sort(key=lambda g: (g["title"], g["id"]))
    return chosen


PLATFORM_VALUES = ("pc", "browser", "all")
SORT_VALUES = ("release-date", "popularity", "alphabetical", "relevance")
CATEGORY_VALUES = tuple(slug for _, slug in GENRES)
