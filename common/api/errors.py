"""One error shape (``ErrorSerializer``) for every error either service answers
with. Domain errors (raised by code that knows nothing of HTTP) are answered
from ``DOMAIN_ERRORS``, which each app's ``AppConfig.ready`` fills."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback


@dataclass(frozen=True)
class ErrorAnswer:
    """How a domain exception is answered; ``message``, ``field`` and
    ``headers`` may be functions of it. A ``field`` makes it a validation
    error of that field."""

    status_code: int
    code: str
    message: str | Callable[[Any], str] = str
    field: str | Callable[[Any], str] | None = None
    headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] | None = None


DOMAIN_ERRORS: dict[type[Exception], ErrorAnswer] = {}


def domain_error_answer(
    exc: Exception, request: HttpRequest | None, response_class: type = JsonResponse
) -> Any:
    """The answer for ``exc`` (or its nearest base) in ``DOMAIN_ERRORS``, or None."""
    answer = next((DOMAIN_ERRORS[k] for k in type(exc).__mro__ if k in DOMAIN_ERRORS), None)
    if answer is None:
        return None

    def of(value: Any) -> Any:
        return value(exc) if callable(value) else value

    message, field = of(answer.message), of(answer.field)
    body = error_body(
        request,
        status_code=answer.status_code,
        code=answer.code,
        message="Invalid input." if field else message,
        fields={field: [message]} if field else None,
    )
    return response_class(body, status=answer.status_code, headers=dict(of(answer.headers) or {}))


def error_body(
    request: HttpRequest | None,
    *,
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    if request_id := getattr(request, "request_id", None):
        body["request_id"] = request_id
    return {"error": body}


def _message_and_code(exc: exceptions.APIException) -> tuple[str, str, dict[str, Any] | None]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = dict(detail) if isinstance(detail, dict) else {}
        non_field = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, None) if fields else detail
        return _sentence(non_field) if non_field else "Invalid input.", "invalid", fields or None
    if isinstance(detail, dict):
        # simplejwt's {"detail": ..., "code": ..., "messages": [...]}: never the dict's repr.
        message = detail.get("detail") or exc.default_detail
        return _sentence(message), str(detail.get("code") or exc.default_code), None
    codes = exc.get_codes()
    return _sentence(detail), codes if isinstance(codes, str) else exc.default_code, None


def _sentence(detail: Any) -> str:
    if isinstance(detail, list | tuple):
        return "; ".join(_sentence(item) for item in detail) or "Error."
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_sentence(value)}" for key, value in detail.items())
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if (domain := domain_error_answer(exc, request, Response)) is not None:
        set_rollback()  # as DRF does for its own exceptions
        return domain
    # DRF translates Http404/PermissionDenied and sets the auth headers.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers it
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    message, code, fields = _message_and_code(cast(exceptions.APIException, exc))
    response.data = error_body(
        request, status_code=response.status_code, code=code, message=message, fields=fields
    )
    if (serializer := getattr(getattr(exc, "detail", None), "serializer", None)) is not None:
        # The browsable API draws the form again with the errors beside its fields.
        response.data = ReturnDict(response.data, serializer=serializer)
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        # Every 503 says when to come back, so clients back off instead of hammering.
        response.headers.setdefault("Retry-After", "30")
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
    body = error_body(request, status_code=status_code, code=code, message=message)
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


ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()), required=False
                ),
                "request_id": serializers.CharField(required=False),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each problem.",
    401: "Missing, invalid or expired credentials.",
    403: "Not allowed for this caller.",
    404: "No such resource.",
    429: "Too many requests; see the Retry-After header.",
    503: "A dependency is unavailable.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error shape as OpenAPI responses, for ``extend_schema``."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code])
        for code in codes
    }
