"""Each web process remembers the tokens it verified (identity/authentication.py,
``verify_token``): a token seen again skips the signature check, but
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
    caller, _exp, kid, _key = authentication.verify_token(token)
    assert kid == identity.keys[0].kid and caller.is_staff is True


def test_a_remembered_token_is_refused_from_its_expiry_on(
    api: APIClient, identity: IdentityProvider, known_game: dict, decodes: list[str]
) -> None:
    expires = int(time.time()) + 2
    token = identity.token(uuid.uuid4(), exp=expires)
    for _ in range(2):
        assert record(api, token, known_game["id"]).status_code == 202
    assert decodes == [token]  # remembered
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


def test_the_memory_is_bounded() -> None:
    assert authentication.verify_token.cache_parameters()["maxsize"] == 2048


def test_a_remembered_token_holds_until_the_second_of_its_expiry_exactly(
    identity: IdentityProvider, decodes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expires = int(time.time()) + 60
    token = identity.token(uuid.uuid4(), exp=expires)
    check = authentication.JWKSAuthentication().authenticate_token
    check(token)
    monkeypatch.setattr(authentication.time, "time", lambda: expires - 0.001)
    check(token)
    assert decodes == [token]
    monkeypatch.setattr(authentication.time, "time", lambda: float(expires))
    check(token)  # PyJWT refuses a token whose exp <= now: the memory sends it to PyJWT
    assert decodes == [token, token]
