"""What a request body may hold (strict JSON, only the declared fields), and
the flat shape of answers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common import boundedjson


class StrictJSONParser(JSONParser):
    """JSON as RFC 8259 has it (UTF-8 text, no NaN/Infinity, no lone
    surrogates), nested at most ``boundedjson.MAX_DEPTH`` levels: deeper
    documents are a 400, never a ``RecursionError``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return boundedjson.loads(stream.read())
        except ValueError as exc:  # UnicodeError and JSONDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from None


class StrictFieldsMixin(serializers.Serializer):
    """Refuse unknown fields rather than drop them (a typo is an error, not a
    no-op); ``ignored_fields`` (``id`` a client echoes back) are ignored."""

    ignored_fields: ClassVar[frozenset[str]] = frozenset()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(self.fields) | self.ignored_fields
            if isinstance(data, QueryDict):  # DRF's HTML forms post the CSRF token too
                known.add("csrfmiddlewaretoken")
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


def closed_request_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the schema says what
    ``StrictFieldsMixin`` does (``additionalProperties: false``)."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    return result


class FlatAnswerMixin(serializers.Serializer):
    """Flat fields, each the instance's attribute of its own name, rendered
    without DRF's deep copy and binding of every field per instance: only for
    fields that need no binding (no ``source``, context or nested serializer)."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for name, field in self._declared_fields.items():
            value = getattr(instance, name)
            answer[name] = None if value is None else field.to_representation(value)
        return answer
