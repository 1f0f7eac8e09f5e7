"""Request headers the API tests send."""

from __future__ import annotations


def bearer(token: str) -> dict[str, str]:
    """The Django test client's keyword for ``Authorization: Bearer <token>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
