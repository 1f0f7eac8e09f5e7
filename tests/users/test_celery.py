"""Celery of the users service: the beat schedule, the expired-token flush
against the real database, and a real worker process running it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from scripts.poll import eventually
from tests.support.processes import celery_worker
from tests.users.factories import UserFactory
from users_project.accounts.models import User
from users_project.accounts.tasks import flush_expired_tokens
from users_project.celery import app


def record_token(user: User, *, expires_in: timedelta, blacklisted: bool) -> OutstandingToken:
    now = timezone.now()
    token = OutstandingToken.objects.create(
        user=user,
        jti=uuid.uuid4().hex,
        token=f"token-{uuid.uuid4().hex}",
        created_at=now - timedelta(days=2),
        expires_at=now + expires_in,
    )
    if blacklisted:
        BlacklistedToken.objects.create(token=token)
    return token


def tokens_of_each_kind(user: User) -> tuple[list[OutstandingToken], list[OutstandingToken]]:
    expired = [
        record_token(user, expires_in=timedelta(minutes=-1), blacklisted=False),
        record_token(user, expires_in=timedelta(hours=-5), blacklisted=True),
    ]
    live = [
        record_token(user, expires_in=timedelta(hours=5), blacklisted=False),
        record_token(user, expires_in=timedelta(minutes=1), blacklisted=True),
    ]
    return expired, live


def test_the_beat_schedule_flushes_expired_tokens_on_the_users_queue(settings: Any) -> None:
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE.keys() == {"flush-expired-tokens"}
    entry = settings.CELERY_BEAT_SCHEDULE["flush-expired-tokens"]
    assert entry["task"] == flush_expired_tokens.name
    assert entry["task"] in app.tasks
    assert entry["options"]["expires"] <= entry["schedule"] == 3600
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert app.main == "users_project"


@pytest.mark.django_db
def test_the_flush_deletes_expired_tokens_and_their_blacklist_rows_and_keeps_live_ones() -> None:
    user = UserFactory()
    expired, live = tokens_of_each_kind(user)

    assert flush_expired_tokens() == len(expired)

    remaining = set(OutstandingToken.objects.values_list("jti", flat=True))
    assert remaining == {token.jti for token in live}
    assert set(BlacklistedToken.objects.values_list("token__jti", flat=True)) == {live[1].jti}


@pytest.fixture
def worker() -> Iterator[str]:
    with celery_worker() as queue:
        yield queue


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_flushes_expired_tokens(worker: str) -> None:
    user = UserFactory()
    expired, live = tokens_of_each_kind(user)
    flush_expired_tokens.apply_async(queue=worker)
    eventually(
        lambda: not OutstandingToken.objects.filter(jti__in=[t.jti for t in expired]).exists(),
        timeout=60,
        message="the worker did not flush the expired tokens",
    )
    assert OutstandingToken.objects.filter(jti__in=[t.jti for t in live]).count() == len(live)
