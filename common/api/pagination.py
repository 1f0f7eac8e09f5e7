from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StandardPagination(PageNumberPagination):
    """``count``, ``next``, ``previous``, ``results``; ``?page=`` and ``?page_size=``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class _KnownCountPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, known_count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self) -> int:
        return self._known_count


class KnownCountPagination(StandardPagination):
    """For lists whose length is kept as a counter: Django's paginator would
    otherwise run COUNT(*) over every row on every page."""

    def paginate_queryset_with_count(
        self, queryset: QuerySet, request: Request, *, count: int, view: Any = None
    ) -> list[Any] | None:
        self.django_paginator_class = partial(_KnownCountPaginator, known_count=count)
        return self.paginate_queryset(queryset, request, view)
