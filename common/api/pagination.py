from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StandardPagination(PageNumberPagination):
    """``count``, ``next``, ``previous``, ``results``; ``?page=`` and ``?page_size=``."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        """DRF ignores a ``page_size`` it cannot read; here it is a 400, so
        a client learns that its page is not the size it asked for."""
        raw = request.query_params.get(self.page_size_query_param, str(self.page_size))
        try:
            size = int(raw) if raw.isascii() and raw.isdigit() else 0
        except ValueError:  # over int()'s digit limit: a 400, not a 500
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_page_number(self, request: Request, paginator: Paginator) -> Any:
        """A whole number, as the schema promises: an empty ``?page=`` or
        ``last`` (which DRF reads as pages) is a 404, as a page out of range."""
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit()):
            raise NotFound("Invalid page.")
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class KnownCountPagination(StandardPagination):
    """For lists whose length is kept as a counter: Django's paginator would
    otherwise run COUNT(*) over every row on every page."""

    def __init__(self, *, count: int) -> None:
        self.known_count = count

    def django_paginator_class(self, *args: Any, **kwargs: Any) -> Paginator:  # type: ignore[override]
        paginator = Paginator(*args, **kwargs)
        paginator.count = self.known_count  # fills the cached_property: no COUNT(*)
        return paginator
