"""DRF authentication with this service's own access tokens."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from users_project.accounts.models import User


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, except that a signed token whose ``sub`` is not a user id
    (not a UUID) is an invalid token (401), not a database error (500)."""

    def get_user(self, validated_token: Any) -> User:
        try:
            return super().get_user(validated_token)
        except (ValidationError, ValueError, TypeError):
            raise AuthenticationFailed("Invalid token.", code="token_not_valid") from None
