"""The users service's public keys, fetched from its JWKS document and cached.

Keys are kept for ``JWKS_CACHE_SECONDS``; a token with an unknown ``kid``
(after a key rotation) triggers a refetch, at most once per
``JWKS_MIN_REFETCH_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings

from common.logging import get_logger

log = get_logger(__name__)


class JwksUnavailable(Exception):
    """The JWKS document could not be fetched and no key is cached."""


class JwksCache:
    def __init__(self, url: str, *, max_age: float, min_refetch: float) -> None:
        self.url = url
        self.max_age = max_age
        self.min_refetch = min_refetch
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._attempted_at = float("-inf")
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any | None:
        with self._lock:
            expired = time.monotonic() - self._fetched_at > self.max_age
            if (kid not in self._keys or expired) and self._may_fetch():
                self._fetch()
            return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        return time.monotonic() - self._attempted_at >= self.min_refetch or not self._keys

    def _fetch(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            response = requests.get(self.url, timeout=(2, 3))
            response.raise_for_status()
            keys = {}
            for jwk in response.json()["keys"]:
                if jwk.get("kty") == "RSA" and jwk.get("kid"):
                    keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
        except (requests.RequestException, ValueError, KeyError, TypeError, jwt.PyJWKError) as exc:
            log.warning("jwks.fetch_failed", url=self.url, error=repr(exc))
            if not self._keys:
                raise JwksUnavailable(str(exc)) from exc
            return  # keep serving the keys we have
        self._keys, self._fetched_at = keys, time.monotonic()
        log.info("jwks.fetched", keys=len(keys))


_cache: JwksCache | None = None
_cache_lock = threading.Lock()


def jwks() -> JwksCache:
    global _cache
    with _cache_lock:
        if _cache is None or _cache.url != settings.USERS_JWKS_URL:
            _cache = JwksCache(
                settings.USERS_JWKS_URL,
                max_age=settings.JWKS_CACHE_SECONDS,
                min_refetch=settings.JWKS_MIN_REFETCH_SECONDS,
            )
        return _cache


def reset_jwks() -> None:
    global _cache
    with _cache_lock:
        _cache = None
