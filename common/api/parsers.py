from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _check_strings(value: Any) -> None:
    """Every string must be valid Unicode text: a lone surrogate ("\\ud800")
    is legal JSON but cannot be stored, so it is refused up front."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


class StrictJSONParser(JSONParser):
    """JSON as RFC 8259 has it: UTF-8 text, no NaN/Infinity, no lone surrogates."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = json.loads(stream.read().decode("utf-8"), parse_constant=_reject_constant)
            _check_strings(data)
        except (ValueError, UnicodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return data
