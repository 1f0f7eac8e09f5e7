from __future__ import annotations

from typing import Any

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
