"""Writes of the users service. Each runs in one transaction with the
outbox row of the event it causes."""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import BaseUserManager
from django.db import IntegrityError, connection, transaction
from psycopg2.extras import execute_values
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from common.events.users import user_created, user_deleted
from common.logging import get_logger
from common.outbox.services import outbox_enqueue
from users_project.accounts.models import User, email_identity
from users_project.accounts.sql import EMAIL_CONSTRAINTS, READ_COUNTS_ADD, READS_INSERT

log = get_logger(__name__)
SOURCE = "users"
EMAIL_TAKEN = "A user with this email already exists."


class EmailTaken(Exception):
    """Another user already has this email (compared without case)."""


class PasswordChangeRejected(Exception):
    """A password or login email change without the right current password."""

    def __init__(self, message: str, *, field: str = "current_password") -> None:
        super().__init__(message)
        self.field = field


def user_email_set(*, user: User, email: str) -> None:
    # As stored and shown: NFKC, the domain in lower case; compared: email_identity.
    user.email = unicodedata.normalize("NFKC", BaseUserManager.normalize_email(email.strip()))
    user.email_key = email_identity(email)


def user_create(
    *,
    email: str,
    password: str | None,
    name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(name=name, is_staff=is_staff, is_superuser=is_superuser)
    user_email_set(user=user, email=email)
    user.set_password(password)
    with _email_unique(user.email), transaction.atomic():
        user.save(force_insert=True)
        outbox_enqueue(
            event=user_created(user_id=user.id, email=user.email, name=user.name, source=SOURCE)
        )
    log.info("user.created", user_id=str(user.id))
    return user


def user_update(
    *,
    user: User,
    by: User,
    email: str | None = None,
    name: str | None = None,
    password: str | None = None,
    current_password: str | None = None,
) -> User:
    """Change what is given, for ``by`` (already allowed to). A new password,
    or a new email of one's own account, needs the current password (checked
    here, so no caller skips it): a stolen access token cannot take the
    account over. A new password revokes every refresh token."""
    email_changes = email is not None and email_identity(email) != user.email_key
    if password is None and not (email_changes and by.pk == user.pk):
        if current_password is not None:
            raise PasswordChangeRejected(
                "Give the new password (or the new email) with the current password.",
                field="password",
            )
    elif not current_password:
        what = "password" if password is not None else "email"
        raise PasswordChangeRejected(f"Required to change the {what}.")
    elif not user.check_password(current_password):
        raise PasswordChangeRejected("The current password is wrong.")
    if email is not None:
        user_email_set(user=user, email=email)
    if name is not None:
        user.name = name
    if password is not None:
        user.set_password(password)
    with _email_unique(user.email), transaction.atomic():
        user.save()
        if password is not None:
            user_refresh_tokens_revoke(user=user)
    log.info(
        "user.updated",
        user_id=str(user.id),
        by=str(by.pk),
        password_changed=password is not None,
        email_changed=email_changes,
    )
    return user


@contextmanager
def _email_unique(email: str) -> Iterator[None]:
    """``EmailTaken`` for the race the serializer's check cannot see."""
    try:
        yield
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if diag is not None and diag.constraint_name in EMAIL_CONSTRAINTS:
            raise EmailTaken(email) from exc
        raise


def user_refresh_tokens_revoke(*, user: User) -> None:
    with transaction.atomic():
        # A refresh under way holds this lock until its new token is stored.
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
        live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
        )


def user_delete(*, user: User) -> None:
    user_id = user.id
    with transaction.atomic():
        outbox_enqueue(event=user_deleted(user_id=user_id, source=SOURCE))
        user.delete()  # cascades to the read history
    log.info("user.deleted", user_id=str(user_id))


@dataclass(frozen=True)
class NewRead:
    user_id: uuid.UUID
    game_id: int
    title: str
    read_at: datetime
    event_id: uuid.UUID


def game_reads_record(*, reads: list[NewRead]) -> set[uuid.UUID]:
    """A consumer batch of reads of existing users, in two statements
    (``sql.py``); returns the event ids stored now (not those stored before)."""
    with connection.cursor() as cursor:
        # UUIDs go as text, which skips psycopg2's Python UUID adapter.
        cursor.execute(
            READS_INSERT,
            [
                [str(r.user_id) for r in reads],
                [r.game_id for r in reads],
                [r.title for r in reads],
                [r.read_at for r in reads],
                [str(r.event_id) for r in reads],
            ],
        )
        stored = {event_id for (event_id,) in cursor.fetchall()}
        reader = {r.event_id: r.user_id for r in reads}
        counts = list(Counter(reader[event_id] for event_id in stored).items())
        if counts:
            execute_values(
                cursor, READ_COUNTS_ADD, counts, template="(%s::uuid, %s)", page_size=len(counts)
            )
    return stored
