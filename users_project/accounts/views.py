"""HTTP interface of the users service; domain errors are answered by accounts/errors.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.browser import HtmlFormsMixin
from common.api.errors import error_responses
from common.api.pagination import KnownCountPagination
from users_project.accounts import serializers as s
from users_project.accounts.models import User
from users_project.accounts.selectors import user_may_write, user_read_history
from users_project.accounts.services import (
    user_create,
    user_delete,
    user_refresh_tokens_revoke,
    user_update,
)
from users_project.accounts.throttles import (
    LOGIN_FAILURES,
    CurrentPasswordThrottle,
    LoginAddressThrottle,
    RefreshAddressThrottle,
    RegistrationAddressThrottle,
    login_failure_record,
)
from users_project.accounts.tokens import (
    InvalidCredentials,
    token_backend,
    token_pair_login,
    token_pair_refresh,
)

# What a write needs on another's account; reading needs view or change.
WRITE_PERMISSIONS = {"update": "change", "partial_update": "change", "destroy": "delete"}
_UPDATE_SCHEMA = extend_schema(
    request={"application/json": s.UserUpdateSerializer},
    responses={200: s.UserSerializer, **error_responses(400, 401, 403, 404, 429)},
)


class UserViewSet(HtmlFormsMixin, viewsets.GenericViewSet):
    """Registration, and a user's own account (others' as ``get_object`` allows)."""

    # The one spelling of a user id in a URL (str(uuid)'s); any other is 404 before
    # the view runs, or it would reach an account under another name (and throttle key).
    lookup_value_regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def get_permissions(self) -> list[Any]:
        # None: GET /users/, whose 405 page holds the registration form.
        if self.action in ("create", None):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return [RegistrationAddressThrottle()] if self.action == "create" else []

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        drf_request = super().initialize_request(request, *args, **kwargs)
        if self.action == "create":
            # A stale token or cookie must not turn a registration into a 401.
            drf_request.authenticators = ()
        return drf_request

    def get_object(self) -> User:
        """Anyone may act on their own account; on another as Django's model permissions
        allow, as in the admin (``change_user`` implies ``view_user``), and only a superuser
        on a superuser; ``is_staff`` alone grants nothing. Without the permission any other
        id is 403, taken or not, so the answer reveals no ids."""
        caller: User = self.request.user
        write = WRITE_PERMISSIONS.get(self.action)
        own = self.kwargs["pk"] == str(caller.id)  # one spelling: lookup_value_regex
        granting = (write,) if write else ("view", "change")
        if not own and not any(caller.has_perm(f"accounts.{p}_user") for p in granting):
            raise PermissionDenied("You may only act on your own account.")
        user = get_object_or_404(User, pk=self.kwargs["pk"])
        if write and not user_may_write(by=caller, user=user):
            raise PermissionDenied("Only a superuser may change or delete a superuser.")
        return user

    def get_serializer_class(self) -> type:
        return {
            "create": s.UserRegistrationSerializer,
            "update": s.UserUpdateSerializer,
            "partial_update": s.UserUpdateSerializer,
        }.get(self.action, s.UserSerializer)

    @extend_schema(
        request={"application/json": s.UserRegistrationSerializer},
        responses={201: s.UserSerializer, **error_responses(400, 429)},
        auth=[],  # registration never authenticates
    )
    def create(self, request: Request) -> Response:
        serializer = s.UserRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data)
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.UserSerializer, **error_responses(401, 403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.UserSerializer(self.get_object()).data)

    @_UPDATE_SCHEMA
    def update(self, request: Request, pk: str, *, partial: bool = False) -> Response:
        user = self.get_object()
        throttle = CurrentPasswordThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        serializer = s.UserUpdateSerializer(
            data=request.data, partial=partial, context={"user": user}
        )
        serializer.is_valid(raise_exception=True)
        user = user_update(user=user, by=request.user, **serializer.validated_data)
        return Response(s.UserSerializer(user).data)

    @_UPDATE_SCHEMA
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request: Request, pk: str) -> Response:
        user_delete(user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: s.GameReadSerializer(many=True), **error_responses(400, 401, 403, 404)}
    )
    @action(detail=True, methods=["get"], url_path="read")
    def read(self, request: Request, pk: str) -> Response:
        """The games this user read, newest first."""
        user = self.get_object()
        paginator = KnownCountPagination(count=user.read_count)
        page = paginator.paginate_queryset(user_read_history(user_id=user.id), request, self)
        return paginator.get_paginated_response(s.GameReadSerializer(page, many=True).data)


class _Public(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class LoginView(_Public):
    # Every attempt per address; per account, only failures (spent below).
    throttle_classes = [LoginAddressThrottle, *LOGIN_FAILURES]

    @extend_schema(
        request=s.LoginSerializer,
        responses={200: s.TokenPairSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = s.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            _, pair = token_pair_login(request=request, **serializer.validated_data)
        except InvalidCredentials:
            login_failure_record(request)
            raise
        return Response(pair)


class RefreshView(_Public):
    throttle_classes = [RefreshAddressThrottle]

    @extend_schema(
        request=s.RefreshSerializer,
        responses={200: s.TokenPairSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = s.RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(token_pair_refresh(raw=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    """Revokes all the caller's refresh tokens; access tokens run out (``expires_in``)."""

    @extend_schema(request=None, responses={204: None, **error_responses(401)})
    def post(self, request: Request) -> Response:
        user_refresh_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthTestView(APIView):
    @extend_schema(responses={200: s.WhoAmISerializer, **error_responses(401)})
    def get(self, request: Request) -> Response:
        return Response({"id": str(request.user.id), "email": request.user.email})


class JWKSView(_Public):
    @extend_schema(responses={200: dict}, tags=["auth"])
    def get(self, request: Request) -> Response:
        keys = [token_backend().public_jwk]
        return Response({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})
