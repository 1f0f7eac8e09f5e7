"""DRF authentication with this service's access tokens (bearer header or browser cookie)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from common.api.browser import AccessCookieAuthentication
from users_project.accounts.models import User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, but a signed token whose ``sub`` is not a UUID is a 401, not a 500."""

    def get_user(self, validated_token: Any) -> User:
        try:
            return super().get_user(validated_token)
        except (ValidationError, ValueError, TypeError):
            raise AuthenticationFailed("Invalid token.", code="token_not_valid") from None


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The bearer scheme (``jwtAuth``) in the OpenAPI document, for this subclass too."""

    target_class = JWTAuthentication


class JWTCookieAuthentication(AccessCookieAuthentication, JWTAuthentication):
    def authenticate_token(self, token: str) -> tuple[User, Token]:
        validated = self.get_validated_token(token.encode())
        return self.get_user(validated), validated
