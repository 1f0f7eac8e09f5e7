"""Rate limits of the games service (rates in ``DEFAULT_THROTTLE_RATES``)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.views import APIView

from common.api.throttles import RedisOrLocalThrottle


class ReadRecordThrottle(RedisOrLocalThrottle):
    """Reads recorded per user: each is a row, an event and maybe an upstream call."""

    scope = "read_record"

    def bucket(self, request: Request, view: APIView) -> str | None:
        user = request.user
        if getattr(view, "action", None) != "create" or not getattr(
            user, "is_authenticated", False
        ):
            return None
        return str(user.id)


class CatalogMissThrottle(RedisOrLocalThrottle):
    """Anonymous cache misses per address, spent only on a fill (``on_miss``)."""

    scope = "catalog_miss"

    def bucket(self, request: Request, view: APIView) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.get_ident(request)
