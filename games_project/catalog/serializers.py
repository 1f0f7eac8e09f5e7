from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from common.api.pagination import StandardPagination
from common.api.serializers import FlatAnswerMixin, StrictFieldsMixin

ATTRIBUTION = "Game data and images from FreeToGame (https://www.freetogame.com)."

# FreeToGame's documented filter values (https://www.freetogame.com/api-doc);
# anything else is 400, so it can neither spend the upstream's budget nor
# mint a cache key per spelling.
PLATFORMS = ("pc", "browser", "all")
CATEGORIES = (
    "mmorpg", "shooter", "strategy", "moba", "racing", "sports", "social", "sandbox",
    "open-world", "survival", "pvp", "pve", "pixel", "voxel", "zombie", "turn-based",
    "first-person", "third-person", "top-down", "tank", "space", "sailing", "side-scroller",
    "superhero", "permadeath", "card", "battle-royale", "mmo", "mmofps", "mmotps", "3d", "2d",
    "anime", "fantasy", "sci-fi", "fighting", "action-rpg", "action", "military",
    "martial-arts", "flight", "low-spec", "tower-defense", "horror", "mmorts",
)  # fmt: skip
SORT_ORDERS = ("release-date", "popularity", "alphabetical", "relevance")


def _known(name: str, choices: tuple[str, ...]) -> serializers.ChoiceField:
    extra = {"source": name.replace("-", "_")} if "-" in name else {}
    return serializers.ChoiceField(
        choices=choices,
        required=False,
        error_messages={"invalid_choice": f'"{{input}}" is not a known {name}.'},
        **extra,
    )


class CatalogQuerySerializer(serializers.Serializer):
    """The filters as the client names them (``sort-by``), so errors do too."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "platform": _known("platform", PLATFORMS),
            "category": _known("category", CATEGORIES),
            "sort-by": _known("sort-by", SORT_ORDERS),
        }


class OwnReadRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    """A read of the caller's own: the browsable API's forms for non-staff."""

    game_id = serializers.IntegerField(min_value=1, max_value=2_147_483_647)


class ReadRequestSerializer(OwnReadRequestSerializer):
    """A read to record: the caller's own, or (staff only) ``user_id``'s."""

    user_id = serializers.UUIDField(required=False)  # staff only: another user's read


class ReadAcceptedSerializer(FlatAnswerMixin, serializers.Serializer):
    event_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    game_id = serializers.IntegerField()
    title = serializers.CharField()
    read_at = serializers.DateTimeField()


class ScreenshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    image = serializers.CharField()


class RequirementsSerializer(serializers.Serializer):
    os = serializers.CharField(allow_null=True)
    processor = serializers.CharField(allow_null=True)
    memory = serializers.CharField(allow_null=True)
    graphics = serializers.CharField(allow_null=True)
    storage = serializers.CharField(allow_null=True)


class GameSummarySerializer(serializers.Serializer):
    """One catalog entry, exactly as the upstream's list gives it."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    thumbnail = serializers.CharField()
    short_description = serializers.CharField()
    game_url = serializers.CharField()
    genre = serializers.CharField()
    platform = serializers.CharField()
    publisher = serializers.CharField()
    developer = serializers.CharField()
    release_date = serializers.CharField()
    freetogame_profile_url = serializers.CharField()


class GameDetailSerializer(GameSummarySerializer):
    status = serializers.CharField()
    description = serializers.CharField()
    minimum_system_requirements = RequirementsSerializer(required=False)
    screenshots = ScreenshotSerializer(many=True)
    attribution = serializers.CharField()


class AttributedPagination(StandardPagination):
    """The standard page, plus the credit FreeToGame asks for."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["attribution"] = ATTRIBUTION
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["attribution"] = {"type": "string", "example": ATTRIBUTION}
        paginated["required"] = [*paginated.get("required", []), "attribution"]
        return paginated
