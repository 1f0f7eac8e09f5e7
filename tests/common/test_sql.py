"""The outbox's and the inbox's written SQL name the columns their models have."""

from __future__ import annotations

from common.inbox import sql as inbox_sql
from common.inbox.models import ProcessedEvent
from common.outbox import sql as outbox_sql
from common.outbox.models import OutboxEvent
from tests.support.sql import assert_insert_covers, assert_names_columns


def test_the_outbox_insert_writes_every_column_but_sent_at() -> None:
    assert_insert_covers(OutboxEvent, outbox_sql.INSERT_COLUMNS, left_to_database={"sent_at"})


def test_the_outbox_claim_names_columns_of_the_outbox() -> None:
    assert_names_columns(OutboxEvent, outbox_sql.CLAIM_COLUMNS, outbox_sql.CLAIM)


def test_the_inbox_inserts_write_every_column() -> None:
    assert_insert_covers(ProcessedEvent, inbox_sql.INSERT_COLUMNS)
    for sql in (inbox_sql.INSERT_ONE, inbox_sql.INSERT_MANY):
        assert_names_columns(ProcessedEvent, inbox_sql.INSERT_COLUMNS, sql)
