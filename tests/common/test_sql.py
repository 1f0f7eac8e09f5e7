"""The outbox's and the inbox's written SQL match their models."""

from __future__ import annotations

from common import sql
from common.inbox.models import ProcessedEvent
from common.outbox.models import OutboxEvent
from tests.support.sql import assert_insert_covers, assert_names


def test_the_outbox_insert_writes_every_column_but_sent_at() -> None:
    assert_insert_covers(OutboxEvent, sql.OUTBOX_INSERT, left_to_database={"sent_at"})


def test_the_outbox_claim_names_columns_of_the_outbox() -> None:
    assert_names(OutboxEvent, sql.OUTBOX_CLAIM, ["id", "available_at", "claimed_by", "sent_at"])


def test_the_inbox_insert_writes_every_column() -> None:
    assert_insert_covers(ProcessedEvent, sql.INBOX_INSERT)
