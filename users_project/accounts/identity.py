"""The one rule for when two email addresses name the same account."""

from __future__ import annotations

import unicodedata


def email_identity(email: str) -> str:
    """NFKC, case-folded, stripped: U+017F (long s) and "s", U+212A (Kelvin)
    and "k", "Straße" and "strasse" are one account (lookup, uniqueness, throttles)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())
