"""The users service's public keys, from its JWKS document.

``jwt.PyJWKClient`` fetches, parses and caches the document for
``JWKS_CACHE_SECONDS``. Kept by hand around it, because PyJWKClient does
neither: a token with an unknown ``kid`` (after a key rotation) refetches at
most once per ``JWKS_MIN_REFETCH_SECONDS`` (PyJWKClient refetches for every
such token, so forged kids would make this service flood the users service),
and when a refetch fails the last good keys are still served (PyJWKClient
drops its cache on a failed fetch).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
from django.conf import settings

from common.logging import get_logger

log = get_logger(__name__)


class JwksUnavailable(Exception):
    """The JWKS document could not be fetched and no key is cached."""


class JwksCache:
    def __init__(self, url: str, *, max_age: float, min_refetch: float) -> None:
        self.url = url
        self.min_refetch = min_refetch
        self._client = jwt.PyJWKClient(url, lifespan=max(1, int(max_age)), timeout=3)
        self._keys: dict[str, Any] = {}
        self._attempted_at = float("-inf")
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any | None:
        with self._lock:
            cached = self._client.jwk_set_cache.get() if self._client.jwk_set_cache else None
            if (cached is None or kid not in self._keys) and self._may_fetch():
                self._fetch()
            return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        return time.monotonic() - self._attempted_at >= self.min_refetch or not self._keys

    def _fetch(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            jwk_set = self._client.get_jwk_set(refresh=True)
        except (jwt.PyJWTError, ValueError) as exc:
            log.warning("jwks.fetch_failed", url=self.url, error=repr(exc))
            if not self._keys:
                raise JwksUnavailable(str(exc)) from exc
            return  # keep serving the keys we have
        self._keys = {
            key.key_id: key.key for key in jwk_set.keys if key.key_type == "RSA" and key.key_id
        }
        log.info("jwks.fetched", keys=len(self._keys))


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
