"""HTTP interface of the games service."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import ResolverMatch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.schema import error_responses
from common.api.viewsets import SelectorViewSetMixin
from games_project.catalog import serializers as s
from games_project.catalog.filters import CatalogFilterForm
from games_project.catalog.gateway import (
    Cached,
    game_detail,
    game_detail_if_fresh,
    game_list,
    game_title,
)
from games_project.catalog.metrics import CACHE_RESULTS
from games_project.catalog.pagination import ATTRIBUTION, AttributedPagination
from games_project.catalog.selectors import game_reader
from games_project.catalog.services import game_read_record
from games_project.catalog.tasks import refresh_game, refresh_game_list
from games_project.catalog.throttles import CatalogMissThrottle, ReadRecordThrottle

ATTRIBUTION_LINK = '<https://www.freetogame.com>; rel="author"'
# NotFoundCached, UpstreamUnavailable, NotAllowed and UserDeleted are answered
# by the one mapping in common.api.errors (see catalog/errors.py), not here.


# Rendered JSON and ETag per (cache key, fetch time): a cached game is
# rendered once per process per refresh, not on every request.
_RENDERED: dict[tuple[str, float], tuple[bytes, str]] = {}
_RENDERED_MAX = 4096


def _render(data: dict[str, Any], memo_key: tuple[str, float] | None) -> tuple[bytes, str]:
    if memo_key is not None and memo_key in _RENDERED:
        return _RENDERED[memo_key]
    body = JSONRenderer().render(data)
    rendered = body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if memo_key is not None:
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        _RENDERED[memo_key] = rendered
    return rendered


def _conditional(
    request: Request,
    data: dict[str, Any],
    cache_status: str,
    memo_key: tuple[str, float] | None = None,
) -> HttpResponseBase:
    """200 with an ETag, or 304 when the client already has this representation.

    JSON clients get the pre-rendered bytes; the browsable API (HTML) still
    goes through DRF's renderers."""
    body, etag = _render(data, memo_key)
    headers = {"ETag": etag, "X-Cache": cache_status, "Link": ATTRIBUTION_LINK}
    if _matches(request.headers.get("If-None-Match", ""), etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if request.accepted_renderer.format == "json":
        return HttpResponse(body, content_type="application/json", headers=headers)
    return Response(data, headers=headers)


class GameViewSet(SelectorViewSetMixin, viewsets.GenericViewSet):
    """The catalog (public), and recording that the caller read a game."""

    lookup_value_regex = "[^/]+"
    pagination_class = AttributedPagination
    filter_backends = [CatalogFilterForm]
    throttle_classes = [ReadRecordThrottle]

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.action == "create" else [AllowAny()]

    def get_serializer_class(self) -> type:
        return {
            "create": s.ReadRequestSerializer,
            "retrieve": s.GameDetailSerializer,
        }.get(self.action, s.GameSummarySerializer)

    @extend_schema(
        parameters=[
            OpenApiParameter("platform", str, enum=s.PLATFORMS),
            OpenApiParameter("category", str, enum=s.CATEGORIES),
            OpenApiParameter("sort-by", str, enum=s.SORT_ORDERS),
        ],
        responses={200: s.GameSummarySerializer(many=True), **error_responses(400, 404, 503)},
    )
    def list(self, request: Request) -> Response:
        query = s.CatalogQuerySerializer.from_query(request.query_params)
        query.is_valid(raise_exception=True)
        cached: Cached = game_list(
            **query.validated_data,
            refresh_in_background=refresh_game_list.delay,
            on_miss=lambda: self._spend_a_miss(request),
        )
        page = self.paginate_queryset(cached.value)
        return _conditional(request, self.get_paginated_response(page).data, cached.status)

    @extend_schema(responses={200: s.GameDetailSerializer, **error_responses(404, 503)})
    def retrieve(self, request: Request, pk: str) -> Response:
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not (pk.isascii() and pk.isdigit()) or not 0 < int(pk) < 2**31:
            raise exceptions.NotFound("No game with this id.")
        cached = game_detail(
            game_id=int(pk),
            refresh_in_background=refresh_game.delay,
            refresh_list_in_background=refresh_game_list.delay,
            on_miss=lambda: self._spend_a_miss(request),
        )
        memo = (f"detail:{pk}", cached.fetched_at) if cached.fetched_at else None
        return _conditional(
            request, {**cached.value, "attribution": ATTRIBUTION}, cached.status, memo
        )

    def _spend_a_miss(self, request: Request) -> None:
        """An anonymous caller's miss spends from their address's bucket (429 when empty)."""
        throttle = CatalogMissThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())

    @extend_schema(
        request=s.ReadRequestSerializer,
        responses={
            202: s.ReadAcceptedSerializer,
            **error_responses(400, 401, 403, 404, 429, 503),
        },
    )
    def create(self, request: Request) -> Response:
        body = s.ReadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        game_id = body.validated_data["game_id"]
        reader = game_reader(
            caller_id=request.user.id,
            caller_is_staff=request.user.is_staff,
            user_id=body.validated_data.get("user_id"),
        )
        title, cache_status = game_title(
            game_id=game_id,
            refresh_in_background=refresh_game.delay,
            refresh_list_in_background=refresh_game_list.delay,
        )
        read = game_read_record(user_id=reader, game_id=game_id, title=title)
        return Response(
            s.ReadAcceptedSerializer(
                {
                    "event_id": read.event_id,
                    "user_id": read.user_id,
                    "game_id": read.game_id,
                    "title": read.title,
                    "read_at": read.read_at,
                }
            ).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"X-Cache": cache_status},
        )


# -- The cached detail's fast path --------------------------------------------
_monotonic = time.monotonic  # the local copy's clock (a test moves it)
_DETAIL_PATH = re.compile(r"/games/([0-9]{1,10})/?")
# What DRF would negotiate to JSON for; anything else (a browser) goes to DRF.
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# The headers DRF's view adds to the same answer.
_DRF_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}


def _fast_path_id(request: HttpRequest) -> int | None:
    """The game id when DRF's answer would be the cached JSON whatever the
    request carries: a plain ``GET`` of ``/games/<id>/`` with no query, no
    credential (a bad one is a 401) and an ``Accept`` that DRF answers with JSON."""
    meta = request.META
    if (
        request.method != "GET"
        or meta.get("QUERY_STRING")
        or meta.get("HTTP_AUTHORIZATION")
        or meta.get("HTTP_COOKIE")
        or meta.get("HTTP_ACCEPT", "") not in _JSON_ACCEPTS
    ):
        return None
    match = _DETAIL_PATH.fullmatch(request.path_info)
    if match is None or not 0 < int(match[1]) < 2**31:
        return None
    return int(match[1])


class CachedGameDetailMiddleware:
    """Answer a fresh cached ``GET /games/{id}/`` in JSON without URL
    resolution, the rest of the middleware and DRF's dispatch, with the same
    bytes and headers (ETag, X-Cache, Link, 304 on a matching If-None-Match,
    and the headers the skipped middleware and DRF add). Everything else
    (miss, stale, unknown id, HTML, credentials, Redis down) goes on to the
    view. It sits right after the request-id and metrics middleware, which
    still count, time and log the request under the view's name.

    Each process keeps the rendered answer for up to
    ``GAMES_CACHE_LOCAL_SECONDS`` (never past the entry's fresh window), so
    most hits skip Redis too; a refresh reaches every process within that."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.view = GameViewSet.as_view({"get": "retrieve"})
        self.local: dict[int, tuple[float, bytes, str]] = {}
        self.static_headers: dict[bool, dict[str, str]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        game_id = _fast_path_id(request)
        found = self._rendered(game_id) if game_id else None
        if found is None:
            return self.get_response(request)
        body, etag = found
        request.resolver_match = ResolverMatch(
            self.view, (), {"pk": str(game_id)}, url_name="game-detail"
        )
        headers = {"ETag": etag, "X-Cache": "HIT", "Link": ATTRIBUTION_LINK}
        wanted = request.META.get("HTTP_IF_NONE_MATCH")
        if wanted and _matches(wanted, etag):
            headers["Content-Length"] = "0"
            response = HttpResponse(status=304, headers={**headers, **self._static(request)})
            del response["Content-Type"]
            return response
        headers["Content-Length"] = str(len(body))
        return HttpResponse(
            body, content_type="application/json", headers={**headers, **self._static(request)}
        )

    def _rendered(self, game_id: int) -> tuple[bytes, str] | None:
        now = _monotonic()
        local = self.local.get(game_id)
        if local is not None and local[0] > now:
            CACHE_RESULTS.labels(result="hit").inc()
            return local[1], local[2]
        cached = game_detail_if_fresh(game_id=game_id)
        if cached is None:
            return None
        body, etag = _render(
            {**cached.value, "attribution": ATTRIBUTION},
            (f"detail:{game_id}", cached.fetched_at),
        )
        fresh_for = cached.fetched_at + settings.GAMES_CACHE_FRESH_SECONDS - time.time()
        keep = min(settings.GAMES_CACHE_LOCAL_SECONDS, fresh_for)
        if keep > 0:
            if len(self.local) >= _RENDERED_MAX:
                self.local.clear()
            self.local[game_id] = (now + keep, body, etag)
        return body, etag

    def _static(self, request: HttpRequest) -> dict[str, str]:
        """What DRF and the middleware after this one add to every answer
        (security headers, X-Frame-Options, Vary, Allow), taken once from
        those middleware themselves."""
        secure = request.is_secure()
        if secure not in self.static_headers:
            response = HttpResponse(headers=_DRF_HEADERS)
            for middleware in (SecurityMiddleware, XFrameOptionsMiddleware):
                response = middleware(self.get_response).process_response(request, response)
            self.static_headers[secure] = {
                k: v for k, v in response.items() if k not in ("Content-Type", "Content-Length")
            }
        return self.static_headers[secure]


def _matches(if_none_match: str, etag: str) -> bool:
    wanted = [tag.strip() for tag in if_none_match.split(",")]
    return etag in wanted or f"W/{etag}" in wanted or "*" in wanted
