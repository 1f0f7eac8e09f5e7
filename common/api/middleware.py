from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from common.api.errors import domain_error_answer, error_response
from common.logging import bound_context, get_logger

log = get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless to log.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Give every request an id (a caller's own ``X-Request-ID`` if safe),
    bound to its log lines and, as correlation id, to the events it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with bound_context(request_id=request_id, correlation_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class BodySizeLimitMiddleware(MiddlewareMixin):
    """Refuse bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with 413 before
    reading them. DRF's parsers read the request stream directly, so Django's
    own limit (which guards ``request.body``) does not protect the API."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            message = f"Request bodies are limited to {limit} bytes."
            return error_response(request, 413, "payload_too_large", message)
        return None


class ErrorAnswerMiddleware(MiddlewareMixin):
    """Answer in the one error shape, instead of a 500: a database that cannot
    be reached (503, e.g. during a restart; a later request reconnects), and a
    domain error raised outside DRF (the admin), from ``DOMAIN_ERRORS``."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("database.unavailable", error=str(exception).strip()[:300])
            message = "The database is unavailable; try again shortly."
            return error_response(
                request, 503, "database_unavailable", message, headers={"Retry-After": "5"}
            )
        return domain_error_answer(exception, request)
