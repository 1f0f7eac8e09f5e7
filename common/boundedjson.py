"""JSON with limits, for whatever comes from outside (request bodies, token
headers, events). ``json.loads`` recurses once per nesting level; everything
the services accept is shallow, so :func:`loads` refuses deep or oversized
documents with :class:`JSONLimitExceeded` (a ``ValueError``), never letting
``RecursionError`` or ``MemoryError`` escape.
"""

from __future__ import annotations

import json
from typing import Any

# Deeper than any document either service reads (the deepest, an event's
# envelope, is three levels), far below Python's recursion limit.
MAX_DEPTH = 32


class JSONLimitExceeded(ValueError):
    """The document is too deep or too big to be read."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _prescan_depth(text: str, max_depth: int) -> None:
    """Refuse before parsing when brackets nest deeper than ``max_depth``, so
    the parser never recurses thousands of levels deep."""
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise JSONLimitExceeded(f"JSON nested deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1


# One decoder for every call: json.loads builds a new one per call when
# given parse_constant.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def check_value(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Walk a parsed document without recursion: every string must be valid
    Unicode text (a lone surrogate such as "\\ud800" is legal JSON but cannot
    be stored), and nesting must stay within ``max_depth``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise JSONLimitExceeded(f"JSON nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    key.encode("utf-8")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """Parse strict JSON (no NaN/Infinity, valid UTF-8 and Unicode).

    Raises ``ValueError`` (``JSONLimitExceeded``, ``json.JSONDecodeError``,
    ``UnicodeError``) for anything it will not return."""
    if max_bytes is not None and len(text) > max_bytes:
        raise JSONLimitExceeded(f"JSON longer than {max_bytes} bytes")
    # Bytes decoded strictly hold no lone surrogate; a str may (surrogateescape).
    may_hold_surrogates = not isinstance(text, bytes)
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    _prescan_depth(text, max_depth)
    try:
        value = _DECODER.decode(text)
    except (RecursionError, MemoryError):
        raise JSONLimitExceeded("JSON too large or too deep to read") from None
    if may_hold_surrogates or "\\u" in text:
        # Otherwise only a "\\u" escape could make a lone surrogate, and the
        # prescan already bounded the depth: the walk (a tenth of a
        # consumer's CPU per event) is needed only then.
        check_value(value, max_depth=max_depth)
    return value
