"""JSON from outside, with limits: too deep or too big is a :class:`JSONLimitExceeded`
(a ``ValueError``), never a ``RecursionError`` or ``MemoryError``."""

from __future__ import annotations

import json
from typing import Any

# Deeper than any document either service reads, far below Python's recursion limit.
MAX_DEPTH = 32


class JSONLimitExceeded(ValueError):
    """Too deep or too big to be read."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every call: json.loads given parse_constant builds one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(raw: bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """Parse strict JSON (no NaN/Infinity, valid UTF-8 and Unicode), or raise ``ValueError``."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise JSONLimitExceeded(f"JSON longer than {max_bytes} bytes")
    text = raw.decode("utf-8")  # strict: the text holds no lone surrogate
    try:
        value = _DECODER.decode(text)
    except RecursionError:  # the C scanner's guard, far deeper than max_depth
        raise JSONLimitExceeded(f"JSON nested deeper than {max_depth} levels") from None
    except MemoryError:
        raise JSONLimitExceeded("JSON too large to read") from None
    # Only a "\\u" escape can hold a lone surrogate (legal JSON, e.g. "\\ud800",
    # but not storable text), and only more brackets than max_depth can nest
    # too deep: the document is walked, without recursion, only then.
    if "\\u" in text or text.count("[") + text.count("{") > max_depth:
        stack: list[tuple[Any, int]] = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, str):
                item.encode("utf-8")
            elif isinstance(item, dict | list):
                if depth > max_depth:
                    raise JSONLimitExceeded(f"JSON nested deeper than {max_depth} levels")
                children = [*item, *item.values()] if isinstance(item, dict) else item  # keys too
                stack.extend((child, depth + 1) for child in children)
    return value
