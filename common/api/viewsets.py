from __future__ import annotations

from typing import Any


class SelectorViewSetMixin:
    """For viewsets that read through selectors: the browsable API asks a
    list view for its queryset (the filter form) and fails without one."""

    def get_queryset(self) -> list[Any]:
        return []
