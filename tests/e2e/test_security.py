"""Hostile input against the running system, and no secret in any log."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import jwt
import requests
from kafka import KafkaConsumer

from common.events.reads import user_read
from scripts.poll import eventually
from scripts.system import ROOT, System
from tests.e2e.flows import (
    SECRETS,
    any_game_ids,
    history_event_ids,
    register,
    register_and_login,
)
from tests.support import jwt_attacks as attack
from tests.support.kafka import bootstrap, produce_raw

DEV_KEY = ROOT / ".local" / "secrets" / "jwt-signing-key.pem"


def _expired_but_genuine(token: str) -> str:
    """Signed with the users service's own key, but past its expiry."""
    claims = {**attack.claims_of(token), "exp": int(time.time()) - 60}
    return jwt.encode(
        claims,
        DEV_KEY.read_text(),
        algorithm="RS256",
        headers={"kid": attack.header_of(token)["kid"]},
    )


def test_forged_tokens_are_refused_by_both_services(system: System) -> None:
    account = register_and_login(system)
    public_pem = jwt.PyJWK(
        requests.get(f"{system.users_url}/.well-known/jwks.json", timeout=10).json()["keys"][0]
    ).key
    from cryptography.hazmat.primitives import serialization

    pem = public_pem.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    forged = {
        "tampered": attack.tampered(account.access, is_staff=True),
        "alg none": attack.unsigned(account.access),
        "another key": attack.signed_with_another_key(account.access),
        "hs256 with the public key": attack.hs256_with_public_key(account.access, pem),
        "refresh as access": account.refresh,
    }
    if DEV_KEY.exists():
        forged["expired"] = _expired_but_genuine(account.access)
    game_id = any_game_ids(system, 3)[0]
    for kind, token in forged.items():
        headers = {"Authorization": f"Bearer {token}"}
        users = requests.get(
            f"{system.users_url}/users/{account.user_id}/", headers=headers, timeout=10
        )
        games = requests.post(
            f"{system.games_url}/games/", json={"game_id": game_id}, headers=headers, timeout=10
        )
        assert (users.status_code, games.status_code) == (401, 401), kind
    assert history_event_ids(system, account.user_id) == []


def test_objects_of_another_user_are_out_of_reach_in_both_services(system: System) -> None:
    alice, mallory = register_and_login(system), register_and_login(system)
    game_id = any_game_ids(system, 3)[0]
    base = f"{system.users_url}/users/{alice.user_id}"
    assert requests.get(f"{base}/", headers=mallory.auth, timeout=10).status_code == 403
    assert requests.get(f"{base}/read/", headers=mallory.auth, timeout=10).status_code == 403
    assert (
        requests.patch(
            f"{base}/", json={"name": "pwned"}, headers=mallory.auth, timeout=10
        ).status_code
        == 403
    )
    assert requests.delete(f"{base}/", headers=mallory.auth, timeout=10).status_code == 403
    on_behalf = requests.post(
        f"{system.games_url}/games/",
        json={"game_id": game_id, "user_id": alice.user_id},
        headers=mallory.auth,
        timeout=10,
    )
    assert on_behalf.status_code == 403
    own = requests.get(f"{base}/", headers=alice.auth, timeout=10).json()
    assert own["name"] == "E2E"
    assert history_event_ids(system, alice.user_id) == []


def test_login_brute_force_is_throttled(system: System) -> None:
    account = register(system)  # no login yet: every attempt below counts
    answers = [
        requests.post(
            f"{system.users_url}/auth/login/",
            json={"email": account.email, "password": f"guess-{n}"},
            timeout=10,
        ).status_code
        for n in range(8)
    ]
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}
    # Even the right password waits: a guesser cannot tell when it found it.
    right = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": account.email, "password": account.password},
        timeout=10,
    )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0


def test_poison_messages_go_to_the_dlq_and_consumption_goes_on(system: System) -> None:
    account = register_and_login(system)
    topic = f"{system.prefix}user.read"
    key = account.user_id.encode()
    good = user_read(
        user_id=uuid.UUID(account.user_id),
        game_id=1,
        title="After the poison",
        read_at=datetime.now(UTC),
        source="games",
    ).to_dict()
    unknown_version = {**good, "id": str(uuid.uuid4()), "version": 99}
    missing_fields = {**good, "id": str(uuid.uuid4()), "data": {"user_id": account.user_id}}
    unknown_user = {
        **good,
        "id": str(uuid.uuid4()),
        "data": {**good["data"], "user_id": str(uuid.uuid4())},
    }
    poison = [
        b"\x00not json at all",
        json.dumps(unknown_version).encode(),
        json.dumps(missing_fields).encode(),
        json.dumps(unknown_user).encode(),
    ]
    for value in poison:
        produce_raw(topic, value, key=key)
    produce_raw(topic, json.dumps(good).encode(), key=key)

    eventually(
        lambda: good["id"] in history_event_ids(system, account.user_id),
        timeout=30,
        message="the good event after the poison was not consumed",
    )
    reader = KafkaConsumer(
        f"{topic}.dlq",
        bootstrap_servers=bootstrap(),
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    try:
        dead = [record for record in reader if record.value in poison]
    finally:
        reader.close()
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in dead)
    # A read for a user that does not exist is discarded by design, not dead-lettered.
    assert reasons == ["decode_error", "decode_error", "decode_error"]


def test_no_password_or_token_is_ever_written_to_a_log(system: System) -> None:
    # Its own journey through every place a secret passes (registration,
    # login, a failed login, refresh, a password change, a read reaching the
    # consumer), so the check means as much whatever ran before it.
    account = register_and_login(system)
    wrong = f"e2e-Wrong-{uuid.uuid4().hex}"
    new_password = f"e2e-Changed-{uuid.uuid4().hex}"
    SECRETS.extend([wrong, new_password])
    failed = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": account.email, "password": wrong},
        timeout=10,
    )
    assert failed.status_code == 401
    refreshed = requests.post(
        f"{system.users_url}/auth/refresh/", json={"refresh": account.refresh}, timeout=10
    )
    assert refreshed.status_code == 200, refreshed.text
    SECRETS.extend([refreshed.json()["access"], refreshed.json()["refresh"]])
    changed = requests.patch(
        f"{system.users_url}/users/{account.user_id}/",
        json={"password": new_password, "current_password": account.password},
        headers=account.auth,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    read = requests.post(
        f"{system.games_url}/games/",
        json={"game_id": any_game_ids(system, 1)[0]},
        headers=account.auth,
        timeout=30,
    )
    assert read.status_code == 202, read.text
    eventually(
        lambda: read.json()["event_id"] in history_event_ids(system, account.user_id),
        timeout=30,
        message="the read never reached the history",
    )

    logs = system.logs()
    leaked = [secret[:12] + "..." for secret in SECRETS if secret in logs]
    assert not leaked
    assert "http.request" in logs and "consumer.applied" in logs  # the logs were really read
