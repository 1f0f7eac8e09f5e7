"""Serves the event API: docs/asyncapi.json, an AsyncAPI 3.0 document written
as the document it is, and held to common/events by tests/common/test_asyncapi.py
(docs/events.md)."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"


@require_safe
def asyncapi_view(request: HttpRequest) -> HttpResponse:
    """Public like the OpenAPI document beside it (/api/schema/)."""
    return HttpResponse(DOCUMENT.read_bytes(), content_type="application/json")
