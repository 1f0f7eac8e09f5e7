from __future__ import annotations

from rest_framework import serializers

from common.api.serializers import StrictFieldsMixin

PLATFORMS = ("pc", "browser", "all")
SORT_ORDERS = ("release-date", "popularity", "alphabetical", "relevance")


class CatalogQuerySerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=PLATFORMS, required=False)
    category = serializers.RegexField(r"^[a-z0-9-]{1,40}$", required=False)
    sort_by = serializers.ChoiceField(choices=SORT_ORDERS, required=False)

    @classmethod
    def from_query(cls, params: dict[str, str]) -> CatalogQuerySerializer:
        # The upstream spells it sort-by; Python cannot.
        data = {key: params[key] for key in ("platform", "category") if key in params}
        if "sort-by" in params:
            data["sort_by"] = params["sort-by"]
        return cls(data=data)


class ReadRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    game_id = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    user_id = serializers.UUIDField(required=False)


class ReadAcceptedSerializer(serializers.Serializer):
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
