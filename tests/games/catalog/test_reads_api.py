"""POST /games/: a user records a read; user.read goes through the outbox."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from common.events.envelope import decode
from common.events.users import user_deleted
from common.kafka.config import physical_topic
from common.outbox.models import OutboxEvent
from games_project.catalog import gateway
from games_project.catalog.client import UpstreamBusy
from games_project.catalog.models import GameRead
from games_project.catalog.serializers import ReadAcceptedSerializer
from games_project.catalog.services import UserDeleted, game_read_record
from games_project.players.handlers import handle_users_deleted
from scripts.catalog_stub.catalog import catalog
from scripts.catalog_stub.server import CatalogStub
from tests.support.http import bearer
from tests.support.identity import IdentityProvider
from tests.support.threads import in_thread

pytestmark = pytest.mark.django_db


def post_read(api: APIClient, token: str | None, body: object, **extra):
    headers = bearer(token) if token else {}
    return api.post("/games/", body, format="json", **headers, **extra)


def test_a_read_is_accepted_stored_and_queued_as_user_read(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    response = post_read(
        api, identity.token(user_id), {"game_id": known_game["id"]}, HTTP_X_REQUEST_ID="req-read-1"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["user_id"] == str(user_id) and body["title"] == known_game["title"]
    row = OutboxEvent.objects.get()
    event = decode(json.dumps(row.payload).encode())
    assert str(event.id) == body["event_id"]
    assert (row.topic, row.key) == (physical_topic("user.read"), str(user_id))
    assert row.headers["correlation_id"] == "req-read-1"
    assert event.data["game_id"] == known_game["id"] and event.data["title"] == known_game["title"]
    stored = GameRead.objects.get()
    assert stored.event_id == event.id and stored.read_at <= datetime.now(UTC)


def test_the_answer_is_drfs_rendering_of_the_stored_read(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    """ReadAcceptedSerializer answers through FlatAnswerMixin: the same
    JSON as DRF's own field-by-field rendering of the read it stored."""
    response = post_read(api, identity.token(user_id), {"game_id": known_game["id"]})
    assert response.status_code == 202
    drf = serializers.Serializer.to_representation(ReadAcceptedSerializer(), GameRead.objects.get())
    assert response.content == JSONRenderer().render(drf)


def test_a_read_is_written_with_its_event_in_one_statement(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    """The read, the deleted-user check and the outbox row are one statement,
    sent in one round trip after the reader's lock: no BEGIN or COMMIT around it."""
    token = identity.token(user_id)
    assert post_read(api, token, {"game_id": known_game["id"]}).status_code == 202  # warm
    with CaptureQueriesContext(connection) as queries:
        assert post_read(api, token, {"game_id": known_game["id"]}).status_code == 202
    [sent] = [query["sql"] for query in queries.captured_queries]
    assert [statement.split()[0] for statement in sent.split("; ")] == ["SELECT", "WITH"]
    assert "pg_advisory_xact_lock" in sent
    assert GameRead.objects.count() == OutboxEvent.objects.count() == 2


def test_paths_answer_without_the_trailing_slash(
    api: APIClient, identity: IdentityProvider, known_game: dict
) -> None:
    response = api.post(
        "/games",
        {"game_id": known_game["id"]},
        format="json",
        **bearer(identity.token(uuid.uuid4())),
    )
    assert response.status_code == 202


def test_without_a_token_it_is_401_and_nothing_is_stored(api: APIClient, known_game: dict) -> None:
    response = post_read(api, None, {"game_id": known_game["id"]})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not GameRead.objects.exists() and not OutboxEvent.objects.exists()


def test_an_unknown_game_is_404_and_nothing_is_stored(
    api: APIClient, identity: IdentityProvider, unknown_game_id: int
) -> None:
    response = post_read(api, identity.token(uuid.uuid4()), {"game_id": unknown_game_id})
    assert response.status_code == 404
    assert not GameRead.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"game_id": "seven"},
        {"game_id": 0},
        {"game_id": -1},
        {"game_id": 2**40},
        {"game_id": 1, "extra": True},
        {"game_id": 1, "user_id": "not-a-uuid"},
        [1, 2],
        "x",
    ],
)
def test_bad_bodies_are_400_and_nothing_is_stored(
    api: APIClient, identity: IdentityProvider, body: object
) -> None:
    response = post_read(api, identity.token(uuid.uuid4()), body)
    assert response.status_code == 400, response.json()
    assert not GameRead.objects.exists() and not OutboxEvent.objects.exists()


def test_a_user_id_in_the_body_must_be_the_caller_unless_staff(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    other = uuid.uuid4()
    own = post_read(
        api, identity.token(user_id), {"game_id": known_game["id"], "user_id": str(user_id)}
    )
    assert own.status_code == 202
    forbidden = post_read(
        api, identity.token(user_id), {"game_id": known_game["id"], "user_id": str(other)}
    )
    assert forbidden.status_code == 403
    staff = post_read(
        api,
        identity.token(uuid.uuid4(), is_staff=True),
        {"game_id": known_game["id"], "user_id": str(other)},
    )
    assert staff.status_code == 202 and staff.json()["user_id"] == str(other)
    assert GameRead.objects.filter(user_id=other).count() == 1


def test_a_deleted_users_still_valid_token_is_refused(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    handle_users_deleted([user_deleted(user_id=user_id, source="users")])  # as the consumer does
    response = post_read(api, identity.token(user_id), {"game_id": known_game["id"]})
    assert response.status_code == 403
    assert not OutboxEvent.objects.exists()


def test_staff_cannot_record_a_read_for_a_deleted_user(
    api: APIClient, identity: IdentityProvider, known_game: dict, user_id: uuid.UUID
) -> None:
    handle_users_deleted([user_deleted(user_id=user_id, source="users")])
    response = post_read(
        api,
        identity.token(uuid.uuid4(), is_staff=True),
        {"game_id": known_game["id"], "user_id": str(user_id)},
    )
    assert response.status_code == 403
    assert not GameRead.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["forget", "read"])
def test_a_read_racing_the_users_deletion_does_not_outlive_it(first: str) -> None:
    """One side has written but not committed when the other runs (under
    READ COMMITTED neither sees the other's row): the read must not survive
    the forget, nor its user.read be queued after the user is gone."""
    user_id = uuid.uuid4()
    written, go_on = threading.Event(), threading.Event()

    def forget() -> None:
        handle_users_deleted([user_deleted(user_id=user_id, source="users")])

    def read() -> None:
        with contextlib.suppress(UserDeleted):  # when the forget committed first
            game_read_record(user_id=user_id, caller_id=user_id, game_id=1, title="T")

    def held_open(work) -> None:
        with transaction.atomic():
            work()
            written.set()
            go_on.wait(timeout=10)

    one, other = (forget, read) if first == "forget" else (read, forget)
    holding = in_thread(lambda: held_open(one))
    assert written.wait(timeout=10)
    racing = in_thread(other)
    racing.join(timeout=0.5)  # with the fix it waits for the first to commit
    go_on.set()
    holding.join(timeout=10)
    racing.join(timeout=10)
    assert not holding.is_alive() and not racing.is_alive()
    assert not GameRead.objects.filter(user_id=user_id).exists()
    if first == "forget":
        assert not OutboxEvent.objects.filter(key=str(user_id)).exists()


def test_when_the_upstream_is_down_and_nothing_cached_it_is_503(
    api: APIClient, identity: IdentityProvider, stub: CatalogStub, known_game: dict
) -> None:
    stub.set(outage=True)
    response = post_read(api, identity.token(uuid.uuid4()), {"game_id": known_game["id"]})
    assert response.status_code == 503
    assert not GameRead.objects.exists() and not OutboxEvent.objects.exists()


def test_a_cached_game_is_recorded_during_an_upstream_outage(
    api: APIClient, identity: IdentityProvider, stub: CatalogStub, known_game: dict
) -> None:
    api.get(f"/games/{known_game['id']}/")
    stub.set(outage=True)
    response = post_read(api, identity.token(uuid.uuid4()), {"game_id": known_game["id"]})
    assert response.status_code == 202
    assert response["X-Cache"] == "HIT"


def test_recording_reads_is_throttled_per_user(
    api: APIClient, identity: IdentityProvider, known_game: dict, settings
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read_record": "3/min"},
    }
    me, other = identity.token(uuid.uuid4()), identity.token(uuid.uuid4())
    for _ in range(3):
        assert post_read(api, me, {"game_id": known_game["id"]}).status_code == 202
    blocked = post_read(api, me, {"game_id": known_game["id"]})
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked.json()["error"]["code"] == "throttled"
    assert GameRead.objects.count() == 3
    assert post_read(api, other, {"game_id": known_game["id"]}).status_code == 202
    # Reading the catalog is not held back.
    assert api.get(f"/games/{known_game['id']}/", **bearer(me)).status_code == 200


def test_the_default_read_rate_is_sixty_a_minute_per_user(settings) -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["read_record"] == "60/min"


def test_reads_of_games_nobody_opened_take_their_titles_from_the_catalog_index(
    api: APIClient, identity: IdentityProvider, stub: CatalogStub, settings
) -> None:
    # A burst of reads of many uncached games must not need one upstream fill
    # per game (fills are capped per process, and a capped fill is a 503): the
    # full list, fetched once, holds every game's title.
    settings.GAMES_CACHE_MAX_CONCURRENT_FILLS = 0  # any per-game fill would be refused
    games = catalog(stub.url)[:20]
    token = identity.token(uuid.uuid4())
    with pytest.raises(UpstreamBusy):  # nothing cached yet: even the list needs a fill
        gateway.game_list()
    settings.GAMES_CACHE_MAX_CONCURRENT_FILLS = 1
    gateway.game_list()  # the one fill
    settings.GAMES_CACHE_MAX_CONCURRENT_FILLS = 0
    for game in games:
        response = post_read(api, token, {"game_id": game["id"]})
        assert (response.status_code, response["X-Cache"]) == (202, "HIT"), response.content
        assert response.json()["title"] == game["title"]
    assert (stub.calls("/game"), stub.calls("/games")) == (0, 1)
    assert GameRead.objects.count() == 20


def test_a_title_longer_than_a_read_holds_is_recorded_cut_to_255_characters(
    api: APIClient, identity: IdentityProvider, stub: CatalogStub
) -> None:
    # The upstream's titles have no length limit; a read's (and user.read's) has 255.
    games = [dict(game) for game in catalog(stub.url)]
    games[0]["title"] = "T" * 300
    gateway.store(gateway.FULL_LIST_KEY, games)
    response = post_read(api, identity.token(uuid.uuid4()), {"game_id": games[0]["id"]})
    assert response.status_code == 202, response.content
    assert response.json()["title"] == "T" * 255
    assert GameRead.objects.get().title == "T" * 255
