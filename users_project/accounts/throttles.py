"""Rate limits on every credential check and costly write of the users
service (rates: ``DEFAULT_THROTTLE_RATES``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest

from common.api.throttles import FailureThrottle, RedisOrLocalThrottle
from users_project.accounts.models import email_identity


class LoginAddressThrottle(RedisOrLocalThrottle):
    scope = "login_address"


class RefreshAddressThrottle(RedisOrLocalThrottle):
    scope = "refresh_address"


class RegistrationAddressThrottle(RedisOrLocalThrottle):
    scope = "register_address"


def _account(request: Any) -> str | None:
    """The account an attempt names, hashed (the cache holds no addresses), in
    the email's identity form, so no spelling of one address gets a bucket of
    its own. The admin's form (a Django request) names it ``username``."""
    if isinstance(request, HttpRequest):
        email = request.POST.get("username")
    else:
        email = request.data.get("email") if isinstance(request.data, dict) else None
    if not isinstance(email, str) or not email.strip():
        return None
    return hashlib.sha256(email_identity(email).encode()).hexdigest()


class LoginFailuresFromAddressThrottle(FailureThrottle):
    """Failed logins per account and address, the strict limit: a guesser
    locks itself out, not the owner elsewhere."""

    scope = "login_email"

    def bucket(self, request: Any, view: Any) -> str | None:
        account = _account(request)
        return None if account is None else f"{account}:{self.get_ident(request)}"


class LoginFailuresThrottle(FailureThrottle):
    """Failed logins per account from every address: a higher limit bounding
    guesses spread over many addresses (it locks the account for everyone)."""

    scope = "login_account_failures"

    def bucket(self, request: Any, view: Any) -> str | None:
        return _account(request)


# Shared by the API's, the browser's and the admin's login.
LOGIN_FAILURES = (LoginFailuresFromAddressThrottle, LoginFailuresThrottle)


def login_throttled(request: Any) -> int | None:
    """Seconds to wait when a login form's attempt is over a login throttle."""
    for throttle in (LoginAddressThrottle(), *(bucket() for bucket in LOGIN_FAILURES)):
        if not throttle.allow_request(request, None):
            return throttle.wait()
    return None


def login_failure_record(request: Any) -> None:
    for bucket in LOGIN_FAILURES:
        bucket().record_failure(request, None)


class CurrentPasswordThrottle(RedisOrLocalThrottle):
    """Guesses of ``current_password`` per account, so a stolen access token
    cannot find the password; keyed on the id in the URL (its one spelling:
    the view's ``lookup_value_regex``), checked by the view once the caller may act on it,
    so refused callers spend nothing of the owner's."""

    scope = "current_password"

    def bucket(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.data, dict) or "current_password" not in request.data:
            return None
        return view.kwargs["pk"]
