"""The form behind the browsable API's "Filters" button. It filters nothing:
the catalog is no queryset, the list view passes the filters upstream."""

from __future__ import annotations

from typing import Any

from django.template import loader
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from games_project.catalog.serializers import PLATFORMS, SORT_ORDERS


class CatalogFilterForm(BaseFilterBackend):
    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        return queryset

    def to_html(self, request: Request, queryset: Any, view: Any) -> str:
        params = request.query_params
        context = {
            "platforms": PLATFORMS,
            "sort_orders": SORT_ORDERS,
            "platform": params.get("platform", ""),
            "category": params.get("category", ""),
            "sort_by": params.get("sort-by", ""),
        }
        return loader.get_template("catalog/filters.html").render(context)
