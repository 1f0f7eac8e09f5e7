"""DRF authentication with this service's own access tokens: from the
``Authorization: Bearer`` header, or from the browser's cookie (see
``common/api/browser.py``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.tokens import Token

from common.api.browser import cookie_token, enforce_csrf
from users_project.accounts.models import User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, except that a signed token whose ``sub`` is not a user id
    (not a UUID) is an invalid token (401), not a database error (500)."""

    def get_user(self, validated_token: Any) -> User:
        try:
            return super().get_user(validated_token)
        except (ValidationError, ValueError, TypeError):
            raise AuthenticationFailed("Invalid token.", code="token_not_valid") from None


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The bearer scheme (``jwtAuth``) in the OpenAPI document, for this
    subclass too: Swagger UI's Authorize, and the fuzz tests' auth checks."""

    target_class = JWTAuthentication


class JWTCookieAuthentication(JWTAuthentication):
    """The same token as ``Authorization: Bearer``, read from the cookie.

    A stale cookie (expired, or its user deleted) counts as no credential, so
    public pages keep rendering; what needs a user then answers 401. Unsafe
    methods need the CSRF token, since the browser sends the cookie by itself.
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        raw = cookie_token(request)
        if raw is None:
            return None
        try:
            validated = self.get_validated_token(raw.encode())
            user = self.get_user(validated)
        except (InvalidToken, AuthenticationFailed):
            return None
        enforce_csrf(request)
        return user, validated


class JWTCookieAuthenticationScheme(OpenApiAuthenticationExtension):
    """The cookie in the OpenAPI document, beside the bearer scheme."""

    target_class = JWTCookieAuthentication
    name = "accessCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.ACCESS_COOKIE_NAME}
