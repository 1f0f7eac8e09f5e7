"""HTTP interface of the games service."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template import loader
from django.utils.cache import get_conditional_response
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api.browser import HtmlFormsMixin
from common.api.errors import error_responses
from common.api.throttles import RedisOrLocalThrottle
from games_project.catalog import serializers as s
from games_project.catalog.gateway import Cached, game_detail, game_list, game_title
from games_project.catalog.services import game_read_record

ATTRIBUTION_LINK = '<https://www.freetogame.com>; rel="author"'

# A detail's JSON and ETag per (game id, fetch time): once per process per refresh.
_RENDERED: dict[tuple[int, float], tuple[bytes, str]] = {}
_RENDERED_MAX = 4096


def _json(data: dict[str, Any]) -> tuple[bytes, str]:
    body = JSONRenderer().render(data)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def detail_json(game_id: int, cached: Cached) -> tuple[bytes, str]:
    """A game's detail in JSON and its ETag, as ``retrieve`` and the edge answer them."""
    memo = (game_id, cached.fetched_at)
    rendered = _RENDERED.get(memo) if cached.fetched_at else None
    if rendered is None:
        rendered = _json({**cached.value, "attribution": s.ATTRIBUTION})
        if not cached.fetched_at:  # a version nothing can name again: not kept
            return rendered
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        _RENDERED[memo] = rendered
    return rendered


def not_modified(request: HttpRequest | Request, etag: str) -> bool:
    """Whether ``If-None-Match`` holds ``etag``, by Django's rules."""
    answer = get_conditional_response(request, etag=etag)
    return answer is not None and answer.status_code == status.HTTP_304_NOT_MODIFIED


def _conditional(
    request: Request,
    data: dict[str, Any],
    cache_status: str,
    rendered: tuple[bytes, str] | None = None,
) -> HttpResponseBase:
    """JSON pre-rendered, 200 with an ETag or 304; the browsable page through DRF."""
    headers = {"X-Cache": cache_status, "Link": ATTRIBUTION_LINK}
    if request.accepted_renderer.format != "json":
        # No ETag: the page shows who is logged in, and a 304 would make the
        # browser show a page drawn for someone else (or nobody) after a login.
        return Response(data, headers=headers)
    body, etag = rendered or _json(data)
    headers["ETag"] = etag
    if not_modified(request, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return HttpResponse(body, content_type="application/json", headers=headers)


class ReadRecordThrottle(RedisOrLocalThrottle):
    """Reads recorded per user: each is a row, an event and maybe an upstream call."""

    scope = "read_record"

    def bucket(self, request: Request, view: APIView) -> str | None:
        # Throttles run after permissions: a caller of ``create`` is authenticated.
        return str(request.user.id) if view.action == "create" else None


class CatalogMissThrottle(RedisOrLocalThrottle):
    """Anonymous cache misses per address, spent only on a fill (``_spend_a_miss``)."""

    scope = "catalog_miss"

    def bucket(self, request: Request, view: APIView) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.get_ident(request)


class CatalogFilterForm(BaseFilterBackend):
    """The browsable API's "Filters" form; it filters nothing, the list view
    passes the filters upstream."""

    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        return queryset

    def to_html(self, request: Request, queryset: Any, view: Any) -> str:
        params = request.query_params
        context = {
            "platforms": s.PLATFORMS,
            "sort_orders": s.SORT_ORDERS,
            "platform": params.get("platform", ""),
            "category": params.get("category", ""),
            "sort_by": params.get("sort-by", ""),
        }
        return loader.get_template("catalog/filters.html").render(context)


class GameViewSet(HtmlFormsMixin, viewsets.GenericViewSet):
    """The catalog (public), and recording that the caller read a game."""

    lookup_value_regex = "[^/]+"
    pagination_class = s.AttributedPagination
    filter_backends = [CatalogFilterForm]
    throttle_classes = [ReadRecordThrottle]

    def _creates(self) -> bool:
        # By the method: OPTIONS (action "metadata") asks about a POST here too.
        return self.action_map.get(self.request.method.lower()) == "create"

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self._creates() else [AllowAny()]

    def get_serializer_class(self) -> type:
        if self._creates():  # only staff may name a user_id
            staff = getattr(self.request.user, "is_staff", False)
            return s.ReadRequestSerializer if staff else s.OwnReadRequestSerializer
        return s.GameDetailSerializer if self.action == "retrieve" else s.GameSummarySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("platform", str, enum=s.PLATFORMS),
            OpenApiParameter("category", str, enum=s.CATEGORIES),
            OpenApiParameter("sort-by", str, enum=s.SORT_ORDERS),
        ],
        responses={200: s.GameSummarySerializer(many=True), **error_responses(400, 404, 503)},
    )
    def list(self, request: Request) -> Response:
        params = request.query_params
        query = s.CatalogQuerySerializer(
            # A dict: in a QueryDict, DRF would take "?sort-by=" as absent.
            data={key: params[key] for key in ("platform", "category", "sort-by") if key in params}
        )
        query.is_valid(raise_exception=True)
        cached = game_list(**query.validated_data, on_miss=lambda: self._spend_a_miss(request))
        page = self.paginate_queryset(cached.value)
        return _conditional(request, self.get_paginated_response(page).data, cached.status)

    @extend_schema(responses={200: s.GameDetailSerializer, **error_responses(404, 503)})
    def retrieve(self, request: Request, pk: str) -> Response:
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not (pk.isascii() and pk.isdigit()) or not 0 < int(pk) < 2**31:
            raise exceptions.NotFound("No game with this id.")
        cached = game_detail(game_id=int(pk), on_miss=lambda: self._spend_a_miss(request))
        return _conditional(
            request,
            {**cached.value, "attribution": s.ATTRIBUTION},
            cached.status,
            detail_json(int(pk), cached),
        )

    def _spend_a_miss(self, request: Request) -> None:
        """An anonymous caller's miss spends from their address's bucket (429 when empty)."""
        throttle = CatalogMissThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())

    @extend_schema(
        request={"application/json": s.ReadRequestSerializer},
        responses={
            202: s.ReadAcceptedSerializer,
            **error_responses(400, 401, 403, 404, 429, 503),
        },
    )
    def create(self, request: Request) -> Response:
        body = s.ReadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        game_id = body.validated_data["game_id"]
        reader = body.validated_data.get("user_id", request.user.id)
        if reader != request.user.id and not request.user.is_staff:
            raise exceptions.PermissionDenied("You may only record your own reads.")
        title, cache_status = game_title(game_id=game_id)
        read = game_read_record(
            user_id=reader, caller_id=request.user.id, game_id=game_id, title=title
        )
        return Response(
            s.ReadAcceptedSerializer(read).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"X-Cache": cache_status},
        )
