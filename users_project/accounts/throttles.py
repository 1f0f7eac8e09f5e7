"""Rate limits on every credential check and costly write of the users
service. Rates: ``DEFAULT_THROTTLE_RATES`` in settings (from the environment)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from rest_framework.request import Request
from rest_framework.views import APIView

from common.api.throttles import FailureThrottle, RedisOrLocalThrottle
from users_project.accounts.identity import email_identity


class LoginAddressThrottle(RedisOrLocalThrottle):
    """Login attempts per client address (REMOTE_ADDR unless proxies are trusted)."""

    scope = "login_address"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _account_ident(email: Any) -> str | None:
    """The account an attempt names, hashed (the cache holds no email
    addresses), in the email's identity form, so no spelling of one address
    gets a bucket of its own."""
    if not isinstance(email, str) or not email.strip():
        return None
    return hashlib.sha256(email_identity(email).encode()).hexdigest()


class LoginFailuresFromAddressThrottle(FailureThrottle):
    """Failed logins per account from one client address: the strict limit.
    Only failures count, and only this address's: a guesser locks itself out
    of the account, not the owner logging in from elsewhere."""

    scope = "login_email"

    def submitted_email(self, request: Any) -> Any:
        return request.data.get("email") if isinstance(request.data, dict) else None

    def ident(self, request: Any) -> str | None:
        account = _account_ident(self.submitted_email(request))
        return None if account is None else f"{account}:{self.get_ident(request)}"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        ident = self.ident(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class LoginFailuresThrottle(LoginFailuresFromAddressThrottle):
    """Failed logins per account from every address together: a higher limit
    that bounds guessing spread over many addresses. Reaching it locks the
    account for everyone until the window passes (the price of a bound)."""

    scope = "login_account_failures"

    def ident(self, request: Any) -> str | None:
        return _account_ident(self.submitted_email(request))


class AdminLoginFailuresFromAddressThrottle(LoginFailuresFromAddressThrottle):
    """The admin's login form: the same buckets as the API's login."""

    def submitted_email(self, request: Any) -> Any:
        return request.POST.get("username")


class AdminLoginFailuresThrottle(LoginFailuresThrottle):
    def submitted_email(self, request: Any) -> Any:
        return request.POST.get("username")


# The per-account buckets of each login form (all three share them).
LOGIN_FAILURES = (LoginFailuresFromAddressThrottle, LoginFailuresThrottle)
ADMIN_LOGIN_FAILURES = (AdminLoginFailuresFromAddressThrottle, AdminLoginFailuresThrottle)


def login_failure_record(request: Any, *, buckets: tuple[type[FailureThrottle], ...]) -> None:
    """Spend one of each per-account bucket: this attempt's password was wrong."""
    for bucket in buckets:
        bucket().record_failure(request, None)


class CurrentPasswordThrottle(RedisOrLocalThrottle):
    """Guesses of ``current_password`` per account, so a stolen access token
    cannot be used to find the password. Keyed on the account's parsed id and
    checked only once the caller may act on it (``UserViewSet``), never from
    the URL: another spelling of the id, or another account's refused
    attempts, spend nothing of the owner's."""

    scope = "current_password"

    def __init__(self, *, user_id: uuid.UUID) -> None:
        super().__init__()
        self.user_id = user_id

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.data, dict) or "current_password" not in request.data:
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(self.user_id)}


class RefreshAddressThrottle(RedisOrLocalThrottle):
    """``POST /auth/refresh/`` per client address: each is a signature check
    and a few writes."""

    scope = "refresh_address"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegistrationAddressThrottle(RedisOrLocalThrottle):
    """Registrations per client address: each costs an Argon2 hash and an event."""

    scope = "register_address"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if getattr(view, "action", None) != "create":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
