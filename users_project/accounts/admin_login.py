"""The admin's login form, throttled like the API's login: per account
(the email's identity form) and per client address, sharing their buckets."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from common.api.throttles import throttled_response
from users_project.accounts.throttles import AdminLoginEmailThrottle, LoginAddressThrottle


def throttled_admin_login(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if request.method == "POST":
        for throttle in (LoginAddressThrottle(), AdminLoginEmailThrottle()):
            if not throttle.allow_request(request, None):
                return throttled_response(request, wait=throttle.wait())
    return admin.site.login(request, **kwargs)
