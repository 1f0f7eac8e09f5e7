"""Login, refresh, the JWKS document, the login throttle and the token matrix."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import connections
from django.test import override_settings
from rest_framework.test import APIClient

from common import settings_production
from tests.support import jwt_attacks as attack
from tests.support.threads import in_thread
from tests.support.users import bearer_for, login
from tests.users.factories import PASSWORD, UserFactory
from users_project.accounts import tokens
from users_project.accounts.models import User
from users_project.accounts.services import user_refresh_tokens_revoke, user_update
from users_project.accounts.tokens import AccessToken, issue_token_pair, token_backend

pytestmark = pytest.mark.django_db


def test_login_returns_a_token_pair(api: APIClient, user: User) -> None:
    response = login(api, user.email.upper(), PASSWORD)  # email case does not matter
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()


def test_a_login_records_last_login_and_a_failed_one_does_not(api: APIClient, user: User) -> None:
    assert login(api, user.email, "not-the-password").status_code == 401
    user.refresh_from_db()
    assert user.last_login is None
    assert login(api, user.email, PASSWORD).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None


def test_tokens_are_rs256_with_kid_issuer_audience_expiry_and_role(
    api: APIClient, staff: User
) -> None:
    access = login(api, staff.email, PASSWORD).json()["access"]
    header = attack.header_of(access)
    assert header["alg"] == "RS256" and header["kid"] == token_backend().kid
    claims = attack.claims_of(access)
    assert claims["sub"] == str(staff.id)
    assert claims["iss"] == settings.JWT_ISSUER and claims["aud"] == settings.JWT_AUDIENCE
    assert claims["exp"] > claims["iat"] and claims["is_staff"] is True
    assert claims["token_type"] == "access"


def test_the_jwks_document_verifies_issued_tokens(api: APIClient, user: User) -> None:
    response = api.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key  # public half only
    access = issue_token_pair(user)["access"]
    public = jwt.PyJWK(key).key
    claims = jwt.decode(
        access,
        public,
        algorithms=["RS256"],
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
    )
    assert claims["sub"] == str(user.id)


def test_wrong_password_and_unknown_email_get_the_same_401(api: APIClient, user: User) -> None:
    wrong = login(api, user.email, "not-the-password")
    unknown = login(api, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json()["error"].items() if k != "request_id"}  # noqa: E731
    assert (
        strip(wrong)
        == strip(unknown)
        == {
            "status": 401,
            "code": "invalid_credentials",
            "message": "Invalid email or password.",
        }
    )


def test_an_inactive_user_cannot_log_in(api: APIClient, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert login(api, user.email, PASSWORD).status_code == 401


def test_login_with_a_missing_field_is_400(api: APIClient) -> None:
    response = api.post("/auth/login/", {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_failed_logins_are_throttled_per_account_and_address(api: APIClient, user: User) -> None:
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_email"].split("/")[0])
    for _ in range(rate):
        assert login(api, user.email, "guess", REMOTE_ADDR="10.0.0.1").status_code == 401
    blocked = login(api, user.email, PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["error"]["code"] == "throttled"
    # Another account is not affected.
    assert login(api, "someone-else@example.com", "x", REMOTE_ADDR="10.0.0.1").status_code == 401


def test_login_is_throttled_per_address_across_emails(api: APIClient) -> None:
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_address"].split("/")[0])
    for n in range(rate):
        assert login(api, f"u{n}@example.com", "guess", REMOTE_ADDR="10.9.9.9").status_code == 401
    assert login(api, "fresh@example.com", "guess", REMOTE_ADDR="10.9.9.9").status_code == 429
    # A forged X-Forwarded-For does not open a new bucket.
    forged = login(
        api, "fresh2@example.com", "guess", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert forged.status_code == 429


def refresh(api: APIClient, token: str) -> Any:
    return api.post("/auth/refresh/", {"refresh": token}, format="json")


def test_refresh_exchanges_a_refresh_token_for_a_new_pair(api: APIClient, user: User) -> None:
    pair = issue_token_pair(user)
    response = refresh(api, pair["refresh"])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["refresh"] != pair["refresh"]
    assert (
        api.get("/auth/auth-test/", HTTP_AUTHORIZATION=f"Bearer {body['access']}").status_code
        == 200
    )


def test_a_refresh_token_works_once_and_its_successor_goes_on(api: APIClient, user: User) -> None:
    first = issue_token_pair(user)["refresh"]
    second = refresh(api, first).json()["refresh"]
    reused = refresh(api, first)
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"
    third = refresh(api, second)
    assert third.status_code == 200
    assert refresh(api, second).status_code == 401


def test_logout_revokes_every_refresh_token_of_the_caller_only(
    api: APIClient, user: User, other_user: User
) -> None:
    sessions = [issue_token_pair(user) for _ in range(3)]
    others = issue_token_pair(other_user)
    response = api.post("/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {sessions[0]['access']}")
    assert response.status_code == 204
    for session in sessions:
        assert refresh(api, session["refresh"]).status_code == 401
    assert refresh(api, others["refresh"]).status_code == 200
    # A new login starts a new session.
    assert refresh(api, issue_token_pair(user)["refresh"]).status_code == 200


def test_logout_needs_a_token(api: APIClient) -> None:
    response = api.post("/auth/logout/")
    assert response.status_code == 401


def test_a_password_change_revokes_the_users_refresh_tokens(api: APIClient, user: User) -> None:
    before = [issue_token_pair(user) for _ in range(2)]
    response = api.patch(
        f"/users/{user.id}/",
        {"password": "another-Long-secret-77", "current_password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {before[0]['access']}",
    )
    assert response.status_code == 200, response.json()
    for pair in before:
        assert refresh(api, pair["refresh"]).status_code == 401
    # The documented limit: an access token lives out its lifetime (15 min).
    still = api.get("/auth/auth-test/", HTTP_AUTHORIZATION=f"Bearer {before[1]['access']}")
    assert still.status_code == 200


def test_a_name_change_revokes_nothing(api: APIClient, user: User) -> None:
    pair = issue_token_pair(user)
    api.patch(f"/users/{user.id}/", {"name": "New"}, format="json", **bearer_for(user))
    assert refresh(api, pair["refresh"]).status_code == 200


@pytest.mark.parametrize("which", ["access", "garbage"])
def test_refresh_refuses_what_is_not_a_refresh_token(
    api: APIClient, user: User, which: str
) -> None:
    token = issue_token_pair(user)["access"] if which == "access" else "a.b.c"
    response = api.post("/auth/refresh", {"refresh": token}, format="json")
    assert response.status_code == 401


def test_refresh_for_a_deleted_user_is_401(api: APIClient, user: User) -> None:
    refresh = issue_token_pair(user)["refresh"]
    user.delete()
    assert api.post("/auth/refresh/", {"refresh": refresh}, format="json").status_code == 401


def test_auth_test_names_the_caller(api: APIClient, user: User) -> None:
    response = api.get("/auth/auth-test", **bearer_for(user))
    assert response.json() == {"id": str(user.id), "email": user.email}
    assert api.get("/auth/auth-test/").status_code == 401


def _expired(user: User) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=30))
    return str(token)


def _public_pem() -> str:
    """The public key as an attacker rebuilds it from the JWKS document."""
    key = jwt.PyJWK(token_backend().public_jwk).key
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


MATRIX = {
    "expired": lambda u: _expired(u),
    "tampered subject": lambda u: attack.tampered(issue_token_pair(u)["access"], is_staff=True),
    "alg none": lambda u: attack.unsigned(issue_token_pair(u)["access"]),
    "another key": lambda u: attack.signed_with_another_key(issue_token_pair(u)["access"]),
    "hs256 with public key": lambda u: attack.hs256_with_public_key(
        issue_token_pair(u)["access"], _public_pem()
    ),
    "refresh as access": lambda u: issue_token_pair(u)["refresh"],
    "not a jwt": lambda u: "definitely-not-a-token",
}


@pytest.mark.parametrize("kind", MATRIX)
def test_bad_tokens_are_401_everywhere(api: APIClient, user: User, kind: str) -> None:
    token = MATRIX[kind](user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for method, path in (
        ("get", f"/users/{user.id}/"),
        ("get", "/auth/auth-test/"),
        ("get", f"/users/{user.id}/read/"),
        ("delete", f"/users/{user.id}/"),
    ):
        response = getattr(api, method)(path, **headers)
        assert response.status_code == 401, (kind, path, response.json())
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_uses_of_one_refresh_token_exactly_one_wins() -> None:
    token = issue_token_pair(UserFactory())["refresh"]

    def use(_: int) -> int:
        try:
            return APIClient().post("/auth/refresh/", {"refresh": token}, format="json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(use, range(6)))
    assert statuses == [200, 401, 401, 401, 401, 401]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("revoke", ["logout", "password change"])
def test_a_refresh_under_way_during_a_revocation_makes_no_token_that_outlives_it(
    monkeypatch: Any, revoke: str
) -> None:
    """The refresh has made its new pair but not committed when the logout or
    password change runs: that pair must be revoked too, not left alive."""
    user = UserFactory()
    spent = issue_token_pair(user)["refresh"]
    made, go_on, pairs = threading.Event(), threading.Event(), []

    def issue_then_wait(account: User) -> dict[str, Any]:
        pairs.append(issue_token_pair(account))
        made.set()
        go_on.wait(timeout=10)
        return pairs[-1]

    def revocation() -> None:
        account = User.objects.get(pk=user.pk)
        if revoke == "logout":
            user_refresh_tokens_revoke(user=account)
        else:
            user_update(
                user=account, by=account, password="Another-long-7", current_password=PASSWORD
            )

    monkeypatch.setattr(tokens, "issue_token_pair", issue_then_wait)
    refreshing = in_thread(lambda: tokens.token_pair_refresh(raw=spent))
    assert made.wait(timeout=10)
    revoking = in_thread(revocation)
    revoking.join(timeout=0.5)
    go_on.set()
    refreshing.join(timeout=10)
    revoking.join(timeout=10)
    monkeypatch.undo()
    answer = APIClient().post("/auth/refresh/", {"refresh": pairs[0]["refresh"]}, format="json")
    assert answer.status_code == 401


def test_in_production_the_jwks_document_answers_plain_http_inside_the_cluster(
    api: APIClient,
) -> None:
    """The games service fetches it from the users Service over plain HTTP;
    a redirect to HTTPS there would leave games unable to verify any token.
    Everything else is still redirected."""
    with override_settings(
        SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=settings_production.SECURE_REDIRECT_EXEMPT
    ):
        assert api.get("/.well-known/jwks.json").status_code == 200
        assert api.get("/metrics/ops").status_code == 200
        assert api.get("/users/").status_code == 301
