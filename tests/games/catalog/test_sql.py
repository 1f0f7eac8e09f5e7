"""The catalog's written SQL matches its models."""

from __future__ import annotations

from games_project.catalog import sql
from games_project.catalog.models import ForgottenReader, GameRead
from tests.support.sql import assert_insert_covers, assert_names


def test_the_read_insert_writes_every_column_in_the_models_order() -> None:
    # game_read_record builds the GameRead from the same values, in this order.
    assert_insert_covers(GameRead, sql.READ_INSERT)


def test_the_read_insert_checks_forgotten_readers_by_their_user_id() -> None:
    assert_names(ForgottenReader, sql.READ_INSERT, ["user_id"])
