"""Ties the written SQL of an app's ``sql.py`` to its models: a model
changed without its SQL fails these checks. (Every statement also runs in
the tests of the code that uses it, against the migrated database.)"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db import models


def assert_insert_covers(
    model: type[models.Model], sql: str, *, left_to_database: Collection[str] = ()
) -> None:
    """``sql`` inserts into ``model``'s table every column of the model, in
    the model's order, but its automatic id and ``left_to_database``."""
    table, columns = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql).groups()
    pk = model._meta.pk
    expected = [
        field.column
        for field in model._meta.concrete_fields
        if not (field is pk and pk.auto_created) and field.column not in left_to_database
    ]
    assert table == model._meta.db_table
    assert [column.strip() for column in columns.split(",")] == expected


def assert_names(model: type[models.Model], sql: str, columns: Collection[str]) -> None:
    """``sql`` reads or writes ``model``'s table, and ``columns`` of it."""
    assert re.search(rf"(FROM|UPDATE|INTO) {model._meta.db_table}\b", sql), sql
    assert set(columns) <= {field.column for field in model._meta.concrete_fields}
    for column in columns:
        assert re.search(rf"\b{column}\b", sql), f"{column} not in {sql}"
