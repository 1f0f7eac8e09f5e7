from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from common.logging import bound_context

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless to log.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Give every request an id, bound to every log line it causes.

    The id becomes the correlation id of the events the request writes to the
    outbox, so it follows the work into the other service's consumer logs.
    A caller (or a proxy) may pass its own ``X-Request-ID``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with bound_context(request_id=request_id, correlation_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
