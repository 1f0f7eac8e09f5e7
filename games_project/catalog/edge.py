"""A fresh cached ``GET /games/{id}/`` in JSON, answered before DRF with the
same bytes, ETag and headers (docs/benchmarks.md, "The cached detail")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import ResolverMatch, resolve

from games_project.catalog.gateway import game_detail_if_fresh, local_keep_seconds
from games_project.catalog.metrics import CACHE_RESULTS
from games_project.catalog.views import detail_json, not_modified

_DETAIL_PATH = re.compile(r"/games/([0-9]{1,10})/?")
# What DRF would negotiate to JSON for; anything else (a browser) goes to DRF.
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# The headers that differ from one answer to the next; the edge sets them.
_PER_ANSWER = frozenset({"ETag", "X-Cache", "Content-Length"})
_LOCAL_MAX = 4096


def _game_id(request: HttpRequest) -> int | None:
    """The game id when DRF would answer the cached JSON: a plain ``GET`` of
    ``/games/<id>/`` with no query, no credential (a bad one is a 401), an
    ``Accept`` that DRF answers with JSON and a host in ``ALLOWED_HOSTS``."""
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
    try:
        request.get_host()  # what Django checks before DRF answers (else a 400)
    except DisallowedHost:
        return None
    return int(match[1])


class CachedGameDetailMiddleware:
    """Answer a fresh cached detail as DRF would (kept per process, so most hits
    skip Redis too); anything else, or a kind DRF has not answered yet, goes to DRF."""

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.get_response = get_response
        self.clock = clock
        self.local: dict[int, tuple[float, bytes, str, ResolverMatch]] = {}
        # is_secure() -> status -> the headers DRF's answer of that status carried
        self.learned: dict[bool, dict[int, dict[str, str]]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        game_id = _game_id(request)
        headers = self.learned.get(request.is_secure(), {}) if game_id else {}
        conditional = "HTTP_IF_NONE_MATCH" in request.META
        known = 200 in headers and (304 in headers or not conditional)
        found = self._found(request.path_info, game_id) if known and game_id else None
        if found is None:
            response = self.get_response(request)
            if game_id and response.status_code in (200, 304) and not response.cookies:
                # Keep the headers DRF and the middleware below gave this kind of answer.
                self.learned.setdefault(request.is_secure(), {})[response.status_code] = {
                    k: v for k, v in response.items() if k not in _PER_ANSWER
                }
            return response
        body, etag, request.resolver_match = found
        status = 304 if conditional and not_modified(request, etag) else 200
        body = body if status == 200 else b""
        answer = {**headers[status], "ETag": etag, "X-Cache": "HIT"}
        response = HttpResponse(body, status=status, headers=answer)
        response["Content-Length"] = str(len(body))
        if "Content-Type" not in answer:  # DRF's 304 has none
            del response["Content-Type"]
        return response

    def _found(self, path: str, game_id: int) -> tuple[bytes, str, ResolverMatch] | None:
        """Body, ETag and route: this process's copy, else Redis's fresh entry."""
        now = self.clock()
        local = self.local.get(game_id)
        if local is not None and local[0] > now:
            CACHE_RESULTS.labels(result="hit").inc()
            return local[1:]
        route = resolve(path)
        cached = game_detail_if_fresh(game_id=game_id) if route.url_name == "game-detail" else None
        if cached is None:
            return None
        body, etag = detail_json(game_id, cached)
        keep = local_keep_seconds(cached.fetched_at)
        if keep > 0:
            if len(self.local) >= _LOCAL_MAX:
                self.local.clear()
            self.local[game_id] = (now + keep, body, etag, route)
        return body, etag, route
