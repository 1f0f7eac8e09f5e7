"""The catalog's filters as a form in the browsable API.

The catalog is not a queryset (it comes from the upstream through the
cache), so this backend filters nothing itself: the list view passes the
query parameters upstream. It only gives DRF's "Filters" button its form.
"""

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
