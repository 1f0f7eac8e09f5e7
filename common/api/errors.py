"""One error shape for every error either service answers with::

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"email": ["..."]}, "request_id": "..."}}

``fields`` appears only for validation errors. DRF's exceptions come here
through ``exception_handler``; Django's own 404/500 pages through the
``handler404``/``handler500`` views in each project's urls.py.

Domain errors (raised by services, selectors, gateways, which know nothing
of HTTP) get their answer from ONE mapping, ``DOMAIN_ERRORS``, filled by each
app at start-up (``domain_errors_register`` in its ``AppConfig.ready``), so
views never translate exceptions by hand; views outside DRF (the admin) get
the same answers through ``common.api.middleware.DomainErrorMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.logging import get_logger

log = get_logger(__name__)
UNAVAILABLE_RETRY_AFTER = "30"  # seconds, for a 503 that names no time of its own


@dataclass(frozen=True)
class ErrorAnswer:
    """How a domain exception is answered. ``message``, ``field`` and
    ``headers`` may be functions of the exception. With a ``field`` the answer
    is a validation error of that field (``fields: {field: [message]}``)."""

    status_code: int
    code: str
    message: str | Callable[[Any], str] = str
    field: str | Callable[[Any], str] | None = None
    headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] | None = None


DOMAIN_ERRORS: dict[type[Exception], ErrorAnswer] = {}


def domain_errors_register(answers: Mapping[type[Exception], ErrorAnswer]) -> None:
    DOMAIN_ERRORS.update(answers)


def _of(value: Any, exc: Exception) -> Any:
    return value(exc) if callable(value) else value


def _domain_answer(
    exc: Exception, request: HttpRequest | None
) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """Status, body and headers ``DOMAIN_ERRORS`` gives ``exc`` (or its
    nearest base), if any."""
    answer = next((DOMAIN_ERRORS[k] for k in type(exc).__mro__ if k in DOMAIN_ERRORS), None)
    if answer is None:
        return None
    message = _of(answer.message, exc)
    field = _of(answer.field, exc)
    body = error_body(
        status_code=answer.status_code,
        code=answer.code,
        message="Invalid input." if field else message,
        fields={field: [message]} if field else None,
        request=request,
    )
    return answer.status_code, body, dict(_of(answer.headers, exc) or {})


def domain_error_response(exc: Exception, request: HttpRequest | None) -> Response | None:
    """The answer ``DOMAIN_ERRORS`` gives ``exc``, for DRF's exception handler."""
    answer = _domain_answer(exc, request)
    if answer is None:
        return None
    status_code, body, headers = answer
    set_rollback()  # as DRF does for its own exceptions
    return Response(body, status=status_code, headers=headers)


def domain_error_json(exc: Exception, request: HttpRequest) -> JsonResponse | None:
    """The same answer for views outside DRF (the admin's forms), given by
    ``common.api.middleware.DomainErrorMiddleware``."""
    answer = _domain_answer(exc, request)
    if answer is None:
        return None
    status_code, body, headers = answer
    return JsonResponse(body, status=status_code, headers=headers)


def error_body(
    *,
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return {"error": body}


def _message_and_code(exc: exceptions.APIException) -> tuple[str, str, dict[str, Any] | None]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = dict(detail)
            non_field = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, None)
            message = "; ".join(str(m) for m in non_field) if non_field else "Invalid input."
            return message, "invalid", fields or None
        messages = [str(item) for item in (detail if isinstance(detail, list) else [detail])]
        return "; ".join(messages) or "Invalid input.", "invalid", None
    if isinstance(detail, dict):
        # simplejwt raises {"detail": ..., "code": ..., "messages": [...]}:
        # the sentence and the code, never the dict's repr.
        message = detail.get("detail") or exc.default_detail
        code = detail.get("code") or exc.default_code
        return _sentence(message), str(code), None
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return _sentence(detail), str(code), None


def _sentence(detail: Any) -> str:
    """A readable message from a detail that may be a list of details."""
    if isinstance(detail, list | tuple):
        return "; ".join(_sentence(item) for item in detail) or "Error."
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_sentence(value)}" for key, value in detail.items())
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    domain = domain_error_response(exc, context.get("request"))
    if domain is not None:
        return domain
    # Let DRF translate Http404/PermissionDenied and set auth headers first.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers it
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        message, code, fields = _message_and_code(exc)
    else:  # pragma: no cover  DRF only returns responses for APIException subclasses
        message, code, fields = "Error.", "error", None
    response.data = error_body(
        status_code=response.status_code,
        code=code,
        message=message,
        fields=fields,
        request=request,
    )
    serializer = getattr(getattr(exc, "detail", None), "serializer", None)
    if serializer is not None:
        # The browsable API draws the HTML form again with the serializer's
        # errors beside its fields; the JSON body is unchanged.
        response.data = ReturnDict(response.data, serializer=serializer)
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        # Every 503 says when to come back, so clients back off instead of hammering.
        response.headers.setdefault("Retry-After", UNAVAILABLE_RETRY_AFTER)
    return response


def error_response(
    request: HttpRequest | None,
    status_code: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """An error in the one shape, for what answers outside DRF's views."""
    body = error_body(status_code=status_code, code=code, message=message, request=request)
    return JsonResponse(body, status=status_code, headers=headers)


def _error_page(status_code: int, code: str, message: str) -> Callable[..., JsonResponse]:
    def page(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        return error_response(request, status_code, code, message)

    return page


# Django's own error pages (``handler400`` ... in common/urls.py).
json_bad_request = _error_page(400, "bad_request", "Bad request.")
json_permission_denied = _error_page(403, "permission_denied", "Forbidden.")
json_not_found = _error_page(404, "not_found", "No such resource.")
json_server_error = _error_page(500, "server_error", "Internal error; it has been logged.")
