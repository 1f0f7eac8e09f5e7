"""Tokens are verified against the users service's JWKS, RS256 only."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from games_project.catalog.models import GameRead
from games_project.identity.jwks import reset_jwks
from tests.support import jwt_attacks as attack
from tests.support.http import bearer
from tests.support.identity import IdentityProvider, KeyPair

pytestmark = pytest.mark.django_db


def record(api: APIClient, token: str, game_id: int):
    return api.post("/games/", {"game_id": game_id}, format="json", **bearer(token))


def test_a_valid_token_is_accepted(
    api: APIClient, identity: IdentityProvider, known_game: dict
) -> None:
    assert record(api, identity.token(uuid.uuid4()), known_game["id"]).status_code == 202


BAD = {
    "expired": lambda idp, uid: idp.token(uid, exp=int(time.time()) - 60),
    "wrong issuer": lambda idp, uid: idp.token(uid, iss="someone-else"),
    "wrong audience": lambda idp, uid: idp.token(uid, aud="another-api"),
    "wrong key": lambda idp, uid: attack.signed_with_another_key(idp.token(uid)),
    "alg none": lambda idp, uid: attack.unsigned(idp.token(uid)),
    "hs256 with the public key": lambda idp, uid: attack.hs256_with_public_key(
        idp.token(uid), idp.keys[0].public_pem
    ),
    "tampered claims": lambda idp, uid: attack.tampered(idp.token(uid), is_staff=True),
    "refresh token": lambda idp, uid: idp.token(uid, token_type="refresh"),
    "no expiry": lambda idp, uid: _without(idp, uid, "exp"),
    "subject not a uuid": lambda idp, uid: idp.token(uid, sub="42"),
    "unknown kid": lambda idp, uid: idp.token(uid, key=KeyPair()),
    "garbage": lambda idp, uid: "not.a.token",
}


def _without(idp: IdentityProvider, uid: uuid.UUID, claim: str) -> str:
    import jwt

    claims = idp.claims(uid)
    del claims[claim]
    return jwt.encode(
        claims, idp.keys[0].private_pem, algorithm="RS256", headers={"kid": idp.keys[0].kid}
    )


@pytest.mark.parametrize("kind", BAD)
def test_bad_tokens_are_401_and_record_nothing(
    api: APIClient, identity: IdentityProvider, known_game: dict, kind: str
) -> None:
    response = record(api, BAD[kind](identity, uuid.uuid4()), known_game["id"])
    assert response.status_code == 401, (kind, response.json())
    assert not GameRead.objects.exists()


def test_keys_are_fetched_once_and_refetched_for_a_new_kid(
    api: APIClient, identity: IdentityProvider, known_game: dict, settings: Any
) -> None:
    settings.JWKS_MIN_REFETCH_SECONDS = 0
    before = identity.fetches
    for _ in range(3):
        assert record(api, identity.token(uuid.uuid4()), known_game["id"]).status_code == 202
    assert identity.fetches == before + 1

    rotated = KeyPair()
    identity.keys.append(rotated)
    try:
        assert (
            record(api, identity.token(uuid.uuid4(), key=rotated), known_game["id"]).status_code
            == 202
        )
        assert identity.fetches == before + 2
    finally:
        identity.keys.remove(rotated)


def test_unknown_kids_do_not_refetch_more_than_the_minimum_interval(
    api: APIClient, identity: IdentityProvider, known_game: dict, settings: Any
) -> None:
    settings.JWKS_MIN_REFETCH_SECONDS = 60
    record(api, identity.token(uuid.uuid4()), known_game["id"])
    before = identity.fetches
    for _ in range(5):
        assert (
            record(api, identity.token(uuid.uuid4(), key=KeyPair()), known_game["id"]).status_code
            == 401
        )
    assert identity.fetches == before


def test_an_unreachable_jwks_is_503_not_a_500(
    api: APIClient, identity: IdentityProvider, known_game: dict, settings: Any, unused_port: int
) -> None:
    settings.USERS_JWKS_URL = f"http://127.0.0.1:{unused_port}/.well-known/jwks.json"
    reset_jwks()  # settings are read when the process's cache is built
    response = record(api, identity.token(uuid.uuid4()), known_game["id"])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "identity_unavailable"


def test_public_endpoints_need_no_token(api: APIClient, known_game: dict) -> None:
    assert api.get("/games/").status_code == 200
    assert api.get(f"/games/{known_game['id']}/").status_code == 200
