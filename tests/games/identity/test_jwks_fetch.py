"""A slow or failing users service delays only the request that refetches the
JWKS: every other caller goes on with the last good keys, and before the first
keys, callers wait for one fetch (bounded) and share its outcome."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from games_project.identity.authentication import Caller, JWKSAuthentication
from games_project.identity.jwks import JwksCache, JwksUnavailable, reset_jwks
from tests.support.identity import IdentityProvider, KeyPair


@pytest.fixture
def gated(identity: IdentityProvider) -> Iterator[IdentityProvider]:
    """The session's identity provider, its fetches counted from zero; its
    gate and cut-off knobs are restored afterwards."""
    identity.fetches = 0
    identity.arrived.clear()
    yield identity
    identity.gate.set()
    identity.cut_off = False


def _authenticate(token: str) -> Caller:
    request = APIRequestFactory().get("/games/", HTTP_AUTHORIZATION=f"Bearer {token}")
    result = JWKSAuthentication().authenticate(request)
    assert result is not None
    return result[0]


def test_a_slow_jwks_refetch_does_not_hold_up_other_authentications(
    settings: Any, identity: IdentityProvider, gated: IdentityProvider
) -> None:
    settings.USERS_JWKS_URL = gated.url
    settings.JWKS_MIN_REFETCH_SECONDS = 0
    reset_jwks()
    known = uuid.uuid4()
    assert _authenticate(identity.token(known)).id == known  # keys loaded

    # A token with a new kid makes its request refetch; the users service hangs.
    gated.gate.clear()
    gated.arrived.clear()
    refetcher_saw: list[BaseException] = []

    def refetch() -> None:
        try:
            _authenticate(identity.token(uuid.uuid4(), key=KeyPair()))
        except exceptions.AuthenticationFailed as exc:
            refetcher_saw.append(exc)

    refetcher = threading.Thread(target=refetch)
    refetcher.start()
    assert gated.arrived.wait(timeout=5), "the refetch never reached the JWKS endpoint"

    # Meanwhile a token with a known kid authenticates at once.
    answered: list[Caller] = []
    other = threading.Thread(target=lambda: answered.append(_authenticate(identity.token(known))))
    other.start()
    other.join(timeout=2)
    still_waiting = other.is_alive()
    gated.gate.set()
    refetcher.join(timeout=10)
    other.join(timeout=10)
    assert not still_waiting, "a known key waited for the slow JWKS fetch"
    assert [c.id for c in answered] == [known]
    assert len(refetcher_saw) == 1  # the new kid is still unknown: 401, not a hang


def test_before_any_keys_callers_wait_for_the_first_fetch_and_share_it(
    identity: IdentityProvider, gated: IdentityProvider
) -> None:
    cache = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=5)
    kid = identity.keys[0].kid
    gated.gate.clear()
    found: list[Any] = []
    callers = [threading.Thread(target=lambda: found.append(cache.key_for(kid))) for _ in range(4)]
    for caller in callers:
        caller.start()
    assert gated.arrived.wait(timeout=5)
    gated.gate.set()
    for caller in callers:
        caller.join(timeout=10)
    assert len(found) == 4 and all(key is not None for key in found)
    assert gated.fetches == 1


def test_the_first_fetch_stores_its_keys_before_it_wakes_the_callers_waiting_for_it(
    identity: IdentityProvider, gated: IdentityProvider
) -> None:
    # A waiter that wakes between "fetch over" and "keys stored" would answer
    # 503 on a cold start: every wake-up must already see the keys.
    cache = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=5)
    keys_at_wakeup: list[bool] = []
    lock = cache._fetching

    class SpyingLock:
        def acquire(self, *args: Any, **kwargs: Any) -> bool:
            return lock.acquire(*args, **kwargs)

        def release(self) -> None:
            keys_at_wakeup.append(bool(cache._keys))
            lock.release()

    cache._fetching = SpyingLock()  # type: ignore[assignment]
    assert cache.key_for(identity.keys[0].kid) is not None
    assert keys_at_wakeup == [True]


def test_a_first_fetch_that_hangs_is_a_bounded_wait_then_unavailable(
    identity: IdentityProvider, gated: IdentityProvider
) -> None:
    cache = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=0.5)
    gated.gate.clear()
    failures: list[BaseException] = []

    def ask() -> None:
        try:
            cache.key_for(identity.keys[0].kid)
        except JwksUnavailable as exc:
            failures.append(exc)

    callers = [threading.Thread(target=ask) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=5)
    assert not any(caller.is_alive() for caller in callers)
    assert len(failures) == 3


class EcKey:
    def jwk(self) -> dict[str, Any]:
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        return {**ECAlgorithm.to_jwk(public, as_dict=True), "kid": "ec"}


def test_a_jwks_without_rsa_keys_knows_no_key_and_still_refetches_no_more_than_the_limit(
    gated: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gated, "keys", [EcKey()])
    cache = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=5)
    # No RSA key is a 401 (no such key), not a 503 (unreachable)...
    assert cache.key_for("ec") is None
    assert cache.key_for("forged") is None
    # ...and forged kids cannot make each request refetch.
    assert gated.fetches == 1


def test_a_jwks_answer_cut_off_is_a_failed_fetch_kept_to_the_refetch_limit(
    identity: IdentityProvider, gated: IdentityProvider
) -> None:
    # http.client raises RemoteDisconnected (an OSError) for it, which
    # PyJWKClient does not wrap: it must not become a 500 or skip the limit.
    gated.cut_off = True
    cold = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=5)
    with pytest.raises(JwksUnavailable):
        cold.key_for(identity.keys[0].kid)

    gated.cut_off = False
    cache = JwksCache(gated.url, max_age=300, min_refetch=60, timeout=5)
    assert cache.key_for(identity.keys[0].kid) is not None
    gated.cut_off = True
    cache.min_refetch = 0  # the limit has passed: the next unknown kid refetches...
    assert cache.key_for("forged") is None  # ...fails, and keeps the last good keys
    cache.min_refetch = 60
    assert cache.key_for("forged-again") is None
    assert cache.key_for(identity.keys[0].kid) is not None
    assert gated.fetches == 3  # cold, first keys, one refetch


def test_known_keys_answer_while_refetches_keep_failing_and_succeeding(
    identity: IdentityProvider, gated: IdentityProvider
) -> None:
    """A failed refetch must not break the callers reading the keys meanwhile
    (PyJWKClient's own cache is not safe to read while a fetch clears it)."""
    cache = JwksCache(gated.url, max_age=300, min_refetch=0, timeout=5)
    kid = identity.keys[0].kid
    assert cache.key_for(kid) is not None
    stop, failed = threading.Event(), []

    def read() -> None:
        while not stop.is_set():
            try:
                cache.key_for(kid)
            except Exception as exc:  # noqa: BLE001  (reported below)
                failed.append(exc)
                stop.set()

    readers = [threading.Thread(target=read) for _ in range(3)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 2
        while not stop.is_set() and time.monotonic() < deadline:
            gated.cut_off = not gated.cut_off  # each unknown kid refetches: fails, then not
            cache.key_for("forged")
    finally:
        sys.setswitchinterval(switch)
        stop.set()
        for reader in readers:
            reader.join(timeout=5)
    assert not failed, failed[:1]


def test_keys_older_than_max_age_are_refetched_so_a_removed_key_is_noticed(
    identity: IdentityProvider, gated: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = JwksCache(gated.url, max_age=1, min_refetch=0, timeout=5)
    kid = identity.keys[0].kid
    assert cache.key_for(kid) is not None
    assert cache.key_for(kid) is not None and gated.fetches == 1  # fresh: no refetch
    monkeypatch.setattr(gated, "keys", [KeyPair()])  # the users service dropped it
    time.sleep(1.1)
    assert cache.key_for(kid) is None and gated.fetches == 2
