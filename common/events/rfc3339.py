"""RFC 3339 timestamps, the only time format on the wire."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# A date, a "T" (or space), a time, and a mandatory offset.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def format_rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise ValueError(f"{text!r} is not an RFC 3339 date-time with an offset")
    try:  # fromisoformat keeps the first 6 fractional digits, but wants "T" and "Z"
        return datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date-time") from None


def is_rfc3339(text: object) -> bool:
    try:
        parse_rfc3339(text)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True
