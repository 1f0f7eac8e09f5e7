"""The users service's rules hold for every caller, not only the HTTP API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.users.factories import PASSWORD, GameReadFactory, UserFactory
from users_project.accounts.models import GameRead, User
from users_project.accounts.services import (
    EmailTaken,
    NewRead,
    PasswordChangeRejected,
    game_reads_record,
    user_create,
    user_update,
)
from users_project.accounts.tokens import issue_token_pair

pytestmark = pytest.mark.django_db
NEW = "fresh-Lemon-2026-orbit"


@pytest.mark.parametrize(
    ("current", "field"),
    [(None, "current_password"), ("", "current_password"), ("not-it", "current_password")],
)
def test_user_update_refuses_a_new_password_without_the_right_current_one(
    user: User, current: str | None, field: str
) -> None:
    with pytest.raises(PasswordChangeRejected) as rejected:
        user_update(user=user, by=user, password=NEW, current_password=current)
    assert rejected.value.field == field
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_user_update_refuses_a_current_password_without_a_new_one(user: User) -> None:
    with pytest.raises(PasswordChangeRejected) as rejected:
        user_update(user=user, by=user, name="Renamed", current_password=PASSWORD)
    assert rejected.value.field == "password"
    user.refresh_from_db()
    assert user.name != "Renamed"


def test_user_update_changes_the_password_and_revokes_every_refresh_token(user: User) -> None:
    issue_token_pair(user)
    issue_token_pair(user)
    user_update(user=user, by=user, password=NEW, current_password=PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW)
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert not live.exists()


@pytest.mark.parametrize(("current", "message"), [(None, "Required"), ("not-it", "wrong")])
def test_user_update_refuses_a_new_own_email_without_the_right_current_password(
    user: User, current: str | None, message: str
) -> None:
    before = user.email
    with pytest.raises(PasswordChangeRejected) as rejected:
        user_update(user=user, by=user, email="elsewhere@example.com", current_password=current)
    assert rejected.value.field == "current_password"
    assert message in str(rejected.value)
    user.refresh_from_db()
    assert user.email == before


def test_user_update_takes_a_new_own_email_with_the_current_password(user: User) -> None:
    user_update(user=user, by=user, email="moved@example.com", current_password=PASSWORD)
    user.refresh_from_db()
    assert user.email == "moved@example.com"


def test_user_update_keeps_the_same_email_in_another_case_without_a_password(user: User) -> None:
    user_update(user=user, by=user, email=user.email.upper(), name="Same Me")
    user.refresh_from_db()
    assert user.name == "Same Me"


def test_someone_allowed_to_change_another_account_changes_its_email_without_its_password(
    user: User, staff: User
) -> None:
    user_update(user=user, by=staff, email="set-by-admin@example.com")
    user.refresh_from_db()
    assert user.email == "set-by-admin@example.com"
    # A password change is never theirs to make without the account's password.
    with pytest.raises(PasswordChangeRejected):
        user_update(user=user, by=staff, password=NEW)


@pytest.mark.parametrize("spelling", [str, str.upper])
def test_user_create_refuses_an_email_taken_in_any_case(
    user: User, spelling: Callable[[str], str]
) -> None:
    # The serializer checks first; this is the race it can lose, caught by
    # the constraint's name.
    with pytest.raises(EmailTaken):
        user_create(email=spelling(user.email), password=NEW)
    assert User.objects.count() == 1


def test_user_update_refuses_another_users_email(user: User, other_user: User) -> None:
    with pytest.raises(EmailTaken):
        user_update(user=other_user, by=user, email=user.email.upper())


def test_user_create_lets_another_integrity_error_through() -> None:
    # A NOT NULL violation names no email constraint: not EmailTaken.
    with pytest.raises(IntegrityError):
        user_create(email="nameless@example.com", password=NEW, name=None)  # type: ignore[arg-type]


def test_game_reads_record_stores_and_counts_each_event_id_once(user: User) -> None:
    other = UserFactory()
    stored = GameReadFactory(user=user)
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def read(reader: User, event_id: uuid.UUID) -> NewRead:
        return NewRead(user_id=reader.id, game_id=3, title="Three", read_at=at, event_id=event_id)

    new_ids = [uuid.uuid4() for _ in range(3)]
    reads = [
        read(user, stored.event_id),  # applied before
        read(user, new_ids[0]),
        read(user, new_ids[0]),  # twice in the same call
        read(other, new_ids[1]),
        read(other, new_ids[2]),
    ]
    assert game_reads_record(reads=reads) == set(new_ids)
    user.refresh_from_db()
    other.refresh_from_db()
    assert user.read_count == 2 == GameRead.objects.filter(user=user).count()
    assert other.read_count == 2 == GameRead.objects.filter(user=other).count()
    assert game_reads_record(reads=reads) == set()  # all stored now: nothing counted again
    user.refresh_from_db()
    assert user.read_count == 2


def test_game_reads_record_keeps_titles_and_times_exactly(user: User) -> None:
    at = datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=UTC)
    titles = ['Say "{a,b}" \\ NULL', "It's ünïcode — 日本", ""]
    reads = [
        NewRead(user_id=user.id, game_id=n, title=title, read_at=at, event_id=uuid.uuid4())
        for n, title in enumerate(titles)
    ]
    game_reads_record(reads=reads)
    stored = {r.event_id: (r.title, r.read_at, r.game_id) for r in GameRead.objects.all()}
    assert stored == {r.event_id: (r.title, at, r.game_id) for r in reads}
