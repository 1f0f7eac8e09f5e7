from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import factory

from users_project.accounts.models import GameRead, User
from users_project.accounts.services import NewRead, game_reads_record, user_create

PASSWORD = "purple-Walrus-58-tides"


class UserFactory(factory.Factory):
    """Builds users the way the API does: through the service, with an event."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}-{uuid.uuid4().hex[:6]}@example.com")
    name = factory.Faker("name")
    password = PASSWORD
    is_staff = False

    @classmethod
    def _create(cls, model_class: type[User], **kwargs: Any) -> User:
        return user_create(**kwargs)


class GameReadFactory(factory.Factory):
    """Stores a read the way the consumer does: through the service, which
    also keeps the user's read count."""

    class Meta:
        model = GameRead

    user = factory.SubFactory(UserFactory)
    game_id = factory.Sequence(lambda n: n + 1)
    title = factory.Faker("catch_phrase")
    read_at = factory.Sequence(lambda n: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
    event_id = factory.LazyFunction(uuid.uuid4)

    @classmethod
    def _create(cls, model_class: type[GameRead], **kwargs: Any) -> GameRead:
        user = kwargs.pop("user")
        game_reads_record(reads=[NewRead(user_id=user.pk, **kwargs)])
        return GameRead.objects.get(event_id=kwargs["event_id"])
