from __future__ import annotations

from typing import Any


class SelectorViewSetMixin:
    """For viewsets that read through selectors, not a ``queryset``.

    DRF's browsable API asks every paginated list view for its queryset
    (to draw the filter form) and fails with a 500 when there is none; the
    views never use it, so it is empty.
    """

    def get_queryset(self) -> list[Any]:
        return []
