"""The admin's login form, throttled with the API login's buckets."""

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
        # The form again: this attempt failed (a login redirects).
        login_failure_record(request)
    return response
