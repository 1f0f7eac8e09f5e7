"""The RSA key that signs tokens (its public half served as JWKS), and
simplejwt's tokens signed with it, with the ``kid`` (which simplejwt leaves
out) that games needs to pick the JWKS key."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from jwt.algorithms import RSAAlgorithm
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from common.api.tokens import check_token_shape
from common.env import development_secret
from users_project.accounts.models import User


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class KeyIdTokenBackend(TokenBackend):
    """RS256 with ``private``; its public half is served as ``public_jwk``."""

    def __init__(self, private: rsa.RSAPrivateKey) -> None:
        public = private.public_key()
        super().__init__(
            "RS256", private, public, audience=settings.JWT_AUDIENCE, issuer=settings.JWT_ISSUER
        )
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        # The RFC 7638 thumbprint: base64url(SHA-256) of the key's required members.
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        self.public_jwk = {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def encode(self, payload: dict[str, Any]) -> str:
        claims = {**payload, "aud": self.audience, "iss": self.issuer}
        return jwt.encode(
            claims, self.prepared_signing_key, algorithm=self.algorithm, headers={"kid": self.kid}
        )

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        # Malformed (deeply nested headers too): invalid, never a RecursionError.
        try:
            check_token_shape(token if isinstance(token, str) else token.decode("ascii"))
        except (jwt.InvalidTokenError, UnicodeError):
            raise TokenBackendError("Token is invalid") from None
        return super().decode(token, verify=verify)


@cache
def token_backend() -> KeyIdTokenBackend:
    if settings.JWT_PRIVATE_KEY:
        private_pem = settings.JWT_PRIVATE_KEY
    elif settings.JWT_GENERATE_DEVELOPMENT_KEY:
        private_pem = development_secret("jwt-signing-key.pem", make=_new_private_pem)
    else:
        raise ImproperlyConfigured("set JWT_PRIVATE_KEY (an RSA key in PEM)")
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
        raise ImproperlyConfigured("the JWT signing key must be an RSA key of 2048 bits or more")
    return KeyIdTokenBackend(private)


class AccessToken(tokens.AccessToken):
    get_token_backend = staticmethod(token_backend)


class RefreshToken(tokens.RefreshToken):
    get_token_backend = staticmethod(token_backend)
    access_token_class = AccessToken


class InvalidCredentials(Exception):
    """No active account with this email and password (one message for both)."""


class RefreshTokenRejected(Exception):
    """This refresh token gives no new pair; the message says why."""


def token_pair_login(
    *, request: HttpRequest | None, email: str, password: str
) -> tuple[User, dict[str, Any]]:
    # Django's backend hashes for an unknown email too: timing tells nothing.
    user = authenticate(request, email=email.strip(), password=password)
    if user is None:
        raise InvalidCredentials("Invalid email or password.")
    update_last_login(None, user)  # the admin's "last login" counts API logins too
    return user, issue_token_pair(user)


def token_pair_refresh(*, raw: str) -> dict[str, Any]:
    """Spend ``raw`` for a new pair with the account's current role; of two
    racing requests, only the one creating its (unique) blacklist row wins."""
    try:
        refresh = RefreshToken(raw)
    except TokenError as exc:
        raise RefreshTokenRejected(str(exc)) from None
    with transaction.atomic():
        # Its active account, locked as a logout or password change locks it:
        # one under way waits for the new pair, then revokes it too.
        spent = (
            OutstandingToken.objects.select_related("user")
            .select_for_update(of=("user",), no_key=True)
            .filter(jti=refresh["jti"], user__is_active=True)
            .first()
        )
        if spent is None:
            raise RefreshTokenRejected("This account no longer exists.")
        _, created = BlacklistedToken.objects.get_or_create(token=spent)
        if not created:  # used already (or revoked): a refresh token rotates on use
            raise RefreshTokenRejected("This refresh token was used already.")
        return issue_token_pair(spent.user)


def issue_token_pair(user: User) -> dict[str, Any]:
    refresh = RefreshToken.for_user(user)
    refresh["is_staff"] = user.is_staff  # the games service authorises on it
    access = refresh.access_token
    return {
        "access": str(access),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(access.lifetime.total_seconds()),
    }
