"""The accounts' written SQL names the columns and constraints its models have."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.support.sql import assert_insert_covers, assert_names
from users_project.accounts import sql
from users_project.accounts.models import GameRead, User


def test_the_reads_insert_writes_every_column() -> None:
    assert_insert_covers(GameRead, sql.READS_INSERT)


def test_the_read_count_update_names_columns_of_users() -> None:
    assert_names(User, sql.READ_COUNTS_ADD, ["id", "read_count"])


@pytest.mark.django_db
def test_the_email_constraints_are_the_unique_ones_on_the_email() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, User._meta.db_table)
    on_email = {
        name
        for name, constraint in constraints.items()
        if constraint["unique"]
        and (
            {"email", "email_key"} & set(constraint["columns"])
            or "email" in (constraint.get("definition") or "")
        )
    }
    assert on_email == sql.EMAIL_CONSTRAINTS
