"""OpenAPI pieces both services use to document their error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()), required=False
                ),
                "request_id": serializers.CharField(required=False),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each problem.",
    401: "Missing, invalid or expired credentials.",
    403: "Not allowed for this caller.",
    404: "No such resource.",
    413: "Request body too large.",
    429: "Too many requests; see the Retry-After header.",
    503: "A dependency is unavailable.",
}


def closed_request_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: request bodies refuse fields they
    do not declare (``StrictFieldsMixin``), so the document says so
    (``additionalProperties: false``) and clients and fuzzers know."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code])
        for code in codes
    }
