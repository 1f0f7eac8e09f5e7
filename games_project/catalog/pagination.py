from __future__ import annotations

from typing import Any

from rest_framework.response import Response

from common.api.pagination import StandardPagination

ATTRIBUTION = "Game data and images from FreeToGame (https://www.freetogame.com)."


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
