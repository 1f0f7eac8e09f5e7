"""The users service's public keys, fetched by ``jwt.PyJWKClient`` and kept
``JWKS_CACHE_SECONDS``; an unknown ``kid`` refetches at most once per ``JWKS_MIN_REFETCH_SECONDS``
(forged kids cannot flood the users service), a failed refetch keeps the last
good keys, and one caller fetches while the others go on with the keys they
have (before the first keys, they wait for that fetch, bounded)."""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any

import jwt
from django.conf import settings
from rest_framework import exceptions

from common.logging import get_logger
from common.per_process import PerProcess

log = get_logger(__name__)


class JwksUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "identity_unavailable"
    default_detail = "Cannot verify tokens right now: the users service's keys are unreachable."


class JwksCache:
    def __init__(
        self, url: str, *, max_age: float, min_refetch: float, timeout: float = 3.0
    ) -> None:
        self.max_age, self.min_refetch, self.timeout = max_age, min_refetch, timeout
        # Its fetch only: its cache is not safe to read while a failed fetch clears it.
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self._keys: dict[str, Any] | None = None  # until a fetch succeeds
        self._fresh_until = float("-inf")  # a failed fetch makes the keys stale at once
        self._attempted_at = float("-inf")  # when the last fetch ended
        self._fetching = threading.Lock()

    def key_for(self, kid: str) -> Any | None:
        asked, keys = time.monotonic(), self._keys
        if keys is None or (
            (kid not in keys or asked > self._fresh_until)
            and asked - self._attempted_at >= self.min_refetch
        ):
            # Only a caller without keys waits (bounded) for another's fetch.
            if self._fetching.acquire(timeout=self.timeout + 1 if keys is None else 0):
                try:
                    if self._attempted_at < asked:  # else one ended while this caller waited
                        try:
                            self._keys = self._fetch()
                        finally:  # a fetch that raised counts too: the refetch limit holds
                            self._attempted_at = time.monotonic()
                finally:
                    self._fetching.release()
            if (keys := self._keys) is None:
                raise JwksUnavailable()
        return keys.get(kid)

    def _fetch(self) -> dict[str, Any] | None:
        """The document's RSA keys by kid; the last good ones if the fetch fails."""
        try:
            jwk_set = self._client.get_jwk_set()
        # OSError and HTTPException: a connection reset or cut-off answer, which
        # PyJWKClient lets through (only URLError becomes a PyJWKClientError).
        except (jwt.PyJWTError, ValueError, OSError, http.client.HTTPException) as exc:
            log.warning("jwks.fetch_failed", url=self._client.uri, error=repr(exc))
            self._fresh_until = float("-inf")
            return self._keys
        self._fresh_until = time.monotonic() + self.max_age
        keys = {key.key_id: key.key for key in jwk_set.keys if key.key_type == "RSA" and key.key_id}
        log.info("jwks.fetched", keys=len(keys))
        return keys


# One per process: its lock and last good keys are this process's own.
_jwks = PerProcess(
    lambda: JwksCache(
        settings.USERS_JWKS_URL,
        max_age=settings.JWKS_CACHE_SECONDS,
        min_refetch=settings.JWKS_MIN_REFETCH_SECONDS,
    )
)
jwks = _jwks.get
reset_jwks = _jwks.reset
