"""The admin's login form, throttled like the API's login: every attempt
per client address, and failures per account (the email's identity form),
sharing their buckets with the API's login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from common.api.throttles import throttled_response
from users_project.accounts.throttles import login_failure_record, login_throttled


def throttled_admin_login(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    wait = login_throttled(request)
    if wait is not None:
        return throttled_response(request, wait=wait)
    response = admin.site.login(request, **kwargs)
    if response.status_code == 200:
        # The form again, with an error: this attempt was refused (a login
        # redirects). Only failures spend the per-account buckets.
        login_failure_record(request)
    return response
