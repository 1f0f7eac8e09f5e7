"""Ties the written SQL of an app's ``sql.py`` to its models: a model
changed without its SQL fails these checks."""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db import models


def model_columns(model: type[models.Model]) -> set[str]:
    return {field.column for field in model._meta.concrete_fields}


def assert_insert_covers(
    model: type[models.Model], columns: Collection[str], *, left_to_database: Collection[str] = ()
) -> None:
    """``columns`` are every column of ``model`` once, but its automatic id
    and ``left_to_database`` (nullable, or filled by the database)."""
    pk = model._meta.pk
    automatic = {pk.column} if pk is not None and pk.auto_created else set()
    assert len(set(columns)) == len(columns), columns
    assert set(columns) == model_columns(model) - automatic - set(left_to_database)


def assert_names_columns(model: type[models.Model], columns: Collection[str], sql: str) -> None:
    """Each of ``columns`` is a column of ``model`` and appears in ``sql``."""
    assert set(columns) <= model_columns(model), set(columns) - model_columns(model)
    for column in columns:
        assert re.search(rf"\b{column}\b", sql), f"{column} not in {sql}"
