"""``/api-auth/login/``: the access cookie both services accept, throttled as ``/auth/login/``."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from rest_framework.parsers import FormParser
from rest_framework.request import Request

from common.api.browser import safe_next, set_access_cookie
from users_project.accounts.hashers import HashingBusy
from users_project.accounts.throttles import login_failure_record, login_throttled
from users_project.accounts.tokens import InvalidCredentials, token_pair_login

# Pages that look the same for everyone: logging in from them leads to one's own page.
ANYONES_PAGES = frozenset({"", "/", "/users", "/users/"})


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(max_length=128, strip=False, widget=forms.PasswordInput)


class LoginView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, LoginForm(), status=200)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LoginForm(request.POST)
        # The form as the throttles read it (request.data); a body is read once.
        as_drf = Request(request, parsers=[FormParser()])
        wait = login_throttled(as_drf)
        if wait is not None:
            form.is_valid()
            form.add_error(None, f"Too many login attempts; try again in {wait} s.")
            response = self._page(request, form, status=429)
            response["Retry-After"] = str(wait)  # as every other 429 says it
            return response
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            user, tokens = token_pair_login(request=request, **form.cleaned_data)
        except InvalidCredentials as exc:
            login_failure_record(as_drf)
            form.add_error(None, str(exc))
            return self._page(request, form, status=401)
        except HashingBusy as busy:
            form.add_error(None, f"Too many logins at once; try again in {busy.retry_after} s.")
            response = self._page(request, form, status=503)
            response["Retry-After"] = str(busy.retry_after)  # as the API's 503 says it
            return response
        own_page = reverse("user-detail", kwargs={"pk": user.pk})
        target = self._next(request)
        if target in ANYONES_PAGES:
            target = own_page
        response = HttpResponseRedirect(safe_next(request, target, default=own_page))
        set_access_cookie(response, token=tokens["access"], max_age=tokens["expires_in"])
        return response

    def _next(self, request: HttpRequest) -> str:
        return request.POST.get("next") or request.GET.get("next") or ""

    def _page(self, request: HttpRequest, form: LoginForm, *, status: int) -> HttpResponse:
        context = {"form": form, "next": self._next(request)}
        return render(request, "accounts/login.html", context, status=status)
