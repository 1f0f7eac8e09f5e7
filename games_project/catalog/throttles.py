"""Rate limits of the games service (rates in ``DEFAULT_THROTTLE_RATES``)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.views import APIView

from common.api.throttles import RedisOrLocalThrottle


class ReadRecordThrottle(RedisOrLocalThrottle):
    """Reads recorded per user (``POST /games/``): each is a row, an event
    and possibly an upstream call."""

    scope = "read_record"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user = request.user
        if getattr(view, "action", None) != "create" or not getattr(
            user, "is_authenticated", False
        ):
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(user.id)}


class CatalogMissThrottle(RedisOrLocalThrottle):
    """Cache misses of anonymous callers, per client address: a miss may
    cost an upstream call, a hit costs nothing and never spends. Checked by
    the view when the gateway is about to fill (``on_miss``), not up front."""

    scope = "catalog_miss"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
