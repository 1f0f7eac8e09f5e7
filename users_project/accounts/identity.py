"""The one rule for when two email addresses name the same account."""

from __future__ import annotations

import unicodedata


def email_identity(email: str) -> str:
    """NFKC-normalised, case-folded and stripped, so that U+017F (long s) and
    "s", U+212A (Kelvin sign) and "k", "Straße" and "strasse" are one
    account. Used for lookup, uniqueness and the login throttle alike."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())
