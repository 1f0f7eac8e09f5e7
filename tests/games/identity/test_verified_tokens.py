"""Each web process remembers the tokens it verified (identity/jwks.py,
``VerifiedTokens``): a token seen again skips the signature check, but
never outlives its ``exp``, never survives its key leaving or changing in
the JWKS, and the memory stays bounded."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

from games_project.identity import authentication
from games_project.identity.jwks import VerifiedTokens, jwks
from tests.support.http import bearer
from tests.support.identity import IdentityProvider, KeyPair

pytestmark = pytest.mark.django_db


def record(api: APIClient, token: str, game_id: int) -> Any:
    return api.post("/games/", {"game_id": game_id}, format="json", **bearer(token))


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature and claims PyJWT checked."""
    checked: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(authentication.jwt, "decode", counting)
    return checked


def test_a_token_seen_again_is_not_checked_again(
    api: APIClient, identity: IdentityProvider, known_game: dict, decodes: list[str]
) -> None:
    token = identity.token(uuid.uuid4(), is_staff=True)
    for _ in range(3):
        assert record(api, token, known_game["id"]).status_code == 202
    assert decodes == [token]
    kid, _key, caller = jwks().verified.get(token)
    assert kid == identity.keys[0].kid and caller.is_staff is True


def test_a_remembered_token_is_refused_from_its_expiry_on(
    api: APIClient, identity: IdentityProvider, known_game: dict
) -> None:
    expires = int(time.time()) + 2
    token = identity.token(uuid.uuid4(), exp=expires)
    assert record(api, token, known_game["id"]).status_code == 202
    assert jwks().verified.get(token) is not None
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    response = record(api, token, known_game["id"])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


@pytest.mark.parametrize("replacement", ["another kid", "the same kid"])
def test_a_remembered_token_is_refused_once_the_jwks_no_longer_gives_its_key(
    api: APIClient, identity: IdentityProvider, known_game: dict, settings: Any, replacement: str
) -> None:
    settings.JWKS_MIN_REFETCH_SECONDS = 0
    token = identity.token(uuid.uuid4())
    assert record(api, token, known_game["id"]).status_code == 202
    old = identity.keys[0]
    identity.keys[:] = [KeyPair(kid=old.kid if replacement == "the same kid" else None)]
    try:
        # A token of a kid this process does not know refetches the JWKS.
        assert record(api, identity.token(uuid.uuid4(), key=KeyPair()), 1).status_code == 401
        assert record(api, token, known_game["id"]).status_code == 401
    finally:
        identity.keys[:] = [old]


def test_the_memory_is_bounded_and_drops_the_least_recently_used() -> None:
    now = [1000.0]
    tokens = VerifiedTokens(max_size=3, clock=lambda: now[0])
    for name in "abc":
        tokens.put(name, expires_at=2000, kid="k", key=None, result=name)
    assert tokens.get("a") is not None  # "a" is now the most recently used
    tokens.put("d", expires_at=2000, kid="k", key=None, result="d")
    assert len(tokens) == 3
    assert tokens.get("b") is None
    assert [tokens.get(name)[2] for name in "acd"] == ["a", "c", "d"]


def test_an_entry_holds_until_the_second_of_its_expiry_exactly() -> None:
    now = [1999.999]
    tokens = VerifiedTokens(clock=lambda: now[0])
    tokens.put("t", expires_at=2000, kid="k", key=None, result="caller")
    assert tokens.get("t") == ("k", None, "caller")
    now[0] = 2000.0  # PyJWT refuses a token whose exp <= now
    assert tokens.get("t") is None
    assert len(tokens) == 0
