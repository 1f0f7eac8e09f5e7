"""The users service's access tokens, verified with its JWKS keys (issuer,
audience, expiry, token type), from the header or the browser's cookie. Only
RS256 is accepted, so ``alg: none`` and HS256-with-the-public-key fail. Also the
browsable API's login link, which sends the browser to the users service."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from common.api.browser import AccessCookieAuthentication, safe_next
from common.api.tokens import check_token_shape
from games_project.identity.jwks import jwks


@dataclass(frozen=True)
class Caller:
    id: uuid.UUID
    is_staff: bool
    is_authenticated: bool = True

    def __str__(self) -> str:  # the browsable API's navigation bar shows it
        return f"user {self.id}"


@functools.lru_cache(maxsize=2048)
def verify_token(token: str) -> tuple[Caller, int, str, Any]:
    """The token's caller, ``exp``, kid and key, its signature and claims checked."""
    try:
        check_token_shape(token)
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise exceptions.AuthenticationFailed("Invalid token.") from None
    kid = header.get("kid")
    if header.get("alg") != "RS256" or not isinstance(kid, str):
        raise exceptions.AuthenticationFailed("Invalid token.")
    key = jwks().key_for(kid)
    if key is None:
        raise exceptions.AuthenticationFailed("Token signed with an unknown key.")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise exceptions.AuthenticationFailed("Token expired.", code="token_expired") from None
    except jwt.InvalidTokenError:
        raise exceptions.AuthenticationFailed("Invalid token.") from None
    if claims.get("token_type") != "access":
        raise exceptions.AuthenticationFailed("Not an access token.")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise exceptions.AuthenticationFailed("Invalid token.") from None
    caller = Caller(id=user_id, is_staff=claims.get("is_staff") is True)
    return caller, int(claims["exp"]), kid, key


class JWKSAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Caller, str] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        # As Django read it; a token not in ASCII fails the shape check.
        return self.authenticate_token(parts[1].decode("latin-1"))

    def authenticate_token(self, token: str) -> tuple[Caller, str]:
        caller, expires_at, kid, key = verify_token(token)
        # A remembered token counts while the JWKS gives the same key for its
        # kid, and (as PyJWT) up to the second of its exp; else the full check.
        if jwks().key_for(kid) != key or time.time() >= expires_at:
            caller = verify_token.__wrapped__(token)[0]
        return caller, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class JWKSCookieAuthentication(AccessCookieAuthentication, JWKSAuthentication):
    """The same token, from the cookie the users service's login page sets."""


def login_at_users(request: HttpRequest) -> HttpResponseRedirect:
    """``/api-auth/login/``: the users service's login page, which sets that
    cookie and sends the browser back to ``next`` on this service."""
    back = request.build_absolute_uri(safe_next(request, request.GET.get("next")))
    return HttpResponseRedirect(
        f"{settings.USERS_URL.rstrip('/')}/api-auth/login/?{urlencode({'next': back})}"
    )


class JWKSAuthenticationScheme(SimpleJWTScheme):
    """The users service's bearer scheme (``jwtAuth``) in the OpenAPI document;
    its header is simplejwt's default, as games sets no ``SIMPLE_JWT``."""

    target_class = "games_project.identity.authentication.JWKSAuthentication"
