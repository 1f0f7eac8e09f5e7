"""``/api-auth/login/`` on games: the login page is the users service's."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def login_at_users(request: HttpRequest) -> HttpResponseRedirect:
    """Send the browser to the users service's login page, which sends it
    back here (to ``next`` on this service) once the cookie is set."""
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    back = request.build_absolute_uri(target)
    return HttpResponseRedirect(
        f"{settings.USERS_URL.rstrip('/')}/api-auth/login/?{urlencode({'next': back})}"
    )
