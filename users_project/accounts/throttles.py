"""Rate limits on every credential check and costly write of the users
service. Rates: ``DEFAULT_THROTTLE_RATES`` in settings (from the environment)."""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.views import APIView

from common.api.throttles import RedisOrLocalThrottle
from users_project.accounts.identity import email_identity


class LoginAddressThrottle(RedisOrLocalThrottle):
    """Login attempts per client address (REMOTE_ADDR unless proxies are trusted)."""

    scope = "login_address"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(RedisOrLocalThrottle):
    """Login attempts per target account, whatever address they come from, so
    a distributed guesser gets no more tries per account than a single one.
    The account is the email's identity form, so no spelling of one address
    gets a bucket of its own."""

    scope = "login_email"

    def submitted_email(self, request: Any) -> Any:
        return request.data.get("email") if isinstance(request.data, dict) else None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = self.submitted_email(request)
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: the cache holds no email addresses.
        ident = hashlib.sha256(email_identity(email).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AdminLoginEmailThrottle(LoginEmailThrottle):
    """The admin's login form: the same per-account bucket as the API's login."""

    def submitted_email(self, request: Any) -> Any:
        return request.POST.get("username")


class CurrentPasswordThrottle(RedisOrLocalThrottle):
    """Guesses of ``current_password`` per account, so a stolen access token
    cannot be used to find the password."""

    scope = "current_password"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method not in {"PUT", "PATCH"}:
            return None
        if not isinstance(request.data, dict) or "current_password" not in request.data:
            return None
        return self.cache_format % {"scope": self.scope, "ident": view.kwargs.get("pk", "")}


class RegistrationAddressThrottle(RedisOrLocalThrottle):
    """Registrations per client address: each costs an Argon2 hash and an event."""

    scope = "register_address"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if getattr(view, "action", None) != "create":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
