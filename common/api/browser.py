"""The browsable API (docs/browser.md): the access cookie both services read,
and the HTML forms of its writes. A browser sends a cookie on its own, so
every unsafe method it authenticates must carry Django's CSRF token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request, is_form_media_type, override_method
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict


class AccessCookieAuthentication:
    """The cookie's token, checked by the subclass's ``authenticate_token``; a
    stale one counts as no credential, so public pages keep rendering."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        token = request.COOKIES.get(settings.ACCESS_COOKIE_NAME)
        if not token:
            return None
        try:
            credentials = self.authenticate_token(token)  # type: ignore[attr-defined]
        except AuthenticationFailed:
            return None
        SessionAuthentication().enforce_csrf(request)
        return credentials


class AccessCookieScheme(OpenApiAuthenticationExtension):
    """The cookie in both services' OpenAPI documents, beside the bearer scheme."""

    target_class = AccessCookieAuthentication
    match_subclasses = True
    # Over the bearer scheme, whose class the cookie classes also extend.
    priority = 1
    name = "accessCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.ACCESS_COOKIE_NAME}


class HtmlFormsMixin:
    """DRF draws HTML forms only for views that parse form bodies; a form body
    comes from a browser, so it must carry the CSRF token whatever authenticates it."""

    parser_classes = [*api_settings.DEFAULT_PARSER_CLASSES, FormParser, MultiPartParser]
    # The filter form asks a list view for its queryset, and these views read through selectors.
    queryset: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in SAFE_METHODS and is_form_media_type(request.content_type or ""):
            SessionAuthentication().enforce_csrf(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class FormsBrowsableAPIRenderer(BrowsableAPIRenderer):
    """Forms drawn from the view's write serializer (filled from the stored
    object for PUT/PATCH), not from the read-only one it answers with; a 400
    keeps DRF's form with the errors and what was sent."""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        answered = getattr(data, "serializer", None)
        writable = answered is not None and not all(
            field.read_only for field in answered.fields.values()
        )
        if (
            writable
            or (answered is None and request.method != method)
            or method not in view.allowed_methods
        ):
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, method):
            try:
                instance = view.get_object() if method in ("PUT", "PATCH") else None
            except (APIException, Http404):
                instance = None  # not the caller's to change: DRF then draws no form
            data = ReturnDict(data, serializer=view.get_serializer(instance=instance))
        return super().get_rendered_html_form(data, view, method, request)


def _cookie_scope() -> dict[str, Any]:
    # Lax: not sent with another site's POST.
    return {"path": "/", "domain": settings.ACCESS_COOKIE_DOMAIN, "samesite": "Lax"}


def set_access_cookie(response: HttpResponse, *, token: str, max_age: int) -> None:
    # HttpOnly: no script reads it, so an XSS cannot steal the token.
    response.set_cookie(
        settings.ACCESS_COOKIE_NAME,
        token,
        max_age=max_age,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=True,
        **_cookie_scope(),
    )


def safe_next(request: HttpRequest, candidate: str | None, *, default: str = "/") -> str:
    """``candidate`` if it points at this service or the other one
    (``BROWSER_NEXT_HOSTS``), else ``default``: no open redirect."""
    hosts = {request.get_host(), *settings.BROWSER_NEXT_HOSTS}
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts=hosts, require_https=request.is_secure()
    ):
        return candidate
    return default


class LogoutView(View):
    """``/api-auth/logout/``: GET asks, POST forgets the cookie and goes to ``next``."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context: dict[str, Any] = {"next": safe_next(request, request.GET.get("next"))}
        return render(request, "common/logout.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        target = request.POST.get("next") or request.GET.get("next")
        response = HttpResponseRedirect(safe_next(request, target))
        response.delete_cookie(settings.ACCESS_COOKIE_NAME, **_cookie_scope())
        return response
