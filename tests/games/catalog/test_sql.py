"""The catalog's written SQL names the columns its models have."""

from __future__ import annotations

from games_project.catalog import sql
from games_project.catalog.models import ForgottenReader
from tests.support.sql import assert_names_columns


def test_the_forgotten_query_names_columns_of_forgotten_readers() -> None:
    assert_names_columns(ForgottenReader, sql.FORGOTTEN_COLUMNS, sql.ANY_FORGOTTEN)
