"""The users service's public keys (``jwt.PyJWKClient``), plus what it lacks:
an unknown ``kid`` refetches at most once per ``JWKS_MIN_REFETCH_SECONDS``
(forged kids cannot flood the users service), a failed refetch keeps the last
good keys, and one thread fetches outside the lock while the others go on."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jwt
from django.conf import settings

from common.logging import get_logger
from common.per_process import PerProcess

log = get_logger(__name__)


class JwksUnavailable(Exception):
    """The JWKS document could not be fetched and no key is cached."""


class VerifiedTokens:
    """Tokens this process verified, with kid, key and result, kept until
    ``exp`` (LRU): a token seen again skips the signature and claim checks,
    unless its key has since gone or changed."""

    def __init__(self, max_size: int = 2048, clock: Callable[[], float] = time.time) -> None:
        self.max_size, self.clock = max_size, clock
        self._entries: OrderedDict[str, tuple[int, str, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> tuple[str, Any, Any] | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if self.clock() >= entry[0]:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
        return entry[1:]

    def put(self, token: str, *, expires_at: int, kid: str, key: Any, result: Any) -> None:
        with self._lock:
            self._entries[token] = (expires_at, kid, key, result)
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)


class JwksCache:
    def __init__(
        self, url: str, *, max_age: float, min_refetch: float, timeout: float = 3.0
    ) -> None:
        self.url = url
        self.min_refetch = min_refetch
        self.timeout = timeout
        self._client = jwt.PyJWKClient(url, lifespan=max(1, int(max_age)), timeout=timeout)
        self._keys: dict[str, Any] = {}
        self._attempted_at = float("-inf")
        self._fetching = False
        self.verified = VerifiedTokens()
        # Guards the fields above, never held during the HTTP fetch.
        self._changed = threading.Condition(threading.Lock())

    def key_for(self, kid: str) -> Any | None:
        with self._changed:
            cached = self._client.jwk_set_cache.get() if self._client.jwk_set_cache else None
            wanted = (cached is None or kid not in self._keys) and self._may_fetch()
            fetcher = wanted and not self._fetching
            if fetcher:
                self._fetching, self._attempted_at = True, time.monotonic()
            elif wanted and not self._keys:
                # No keys yet and another thread is fetching: wait for it, bounded.
                self._changed.wait_for(lambda: not self._fetching, timeout=self.timeout + 1)
                if not self._keys:
                    raise JwksUnavailable("the first JWKS fetch did not succeed in time")
            if not fetcher:
                return self._keys.get(kid)
        keys = None
        try:
            keys = self._fetch()
        finally:
            # The keys are stored before the waiters wake, in the same hold of
            # the lock: a waiter must never find the fetch over and no keys.
            with self._changed:
                if keys is not None:
                    self._keys = keys
                known = self._keys
                self._fetching = False
                self._changed.notify_all()
        if keys is None and not known:
            raise JwksUnavailable(f"could not fetch {self.url}")
        return known.get(kid)

    def _may_fetch(self) -> bool:
        return time.monotonic() - self._attempted_at >= self.min_refetch or not self._keys

    def _fetch(self) -> dict[str, Any] | None:
        """The document's RSA keys by kid, or ``None`` when the fetch fails."""
        try:
            jwk_set = self._client.get_jwk_set(refresh=True)
        except (jwt.PyJWTError, ValueError) as exc:
            log.warning("jwks.fetch_failed", url=self.url, error=repr(exc))
            return None
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
