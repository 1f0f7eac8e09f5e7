"""POST /users/: registration writes the user and its user.created event together."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from rest_framework.test import APIClient

from common.events.envelope import decode
from common.kafka.config import physical_topic
from common.outbox.models import OutboxEvent
from users_project.accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {"email": "Ada@Example.com", "password": "analytical-Engine-1843", "name": "Ada"}


def test_registration_answers_201_with_the_user_and_never_the_password(api: APIClient) -> None:
    response = api.post("/users/", GOOD, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "email", "name", "created_at", "updated_at"}
    assert body["email"] == "Ada@example.com"  # the domain part is normalised
    user = User.objects.get(pk=body["id"])
    assert user.password.startswith("argon2$")
    assert user.check_password(GOOD["password"])


def test_registration_queues_user_created_in_the_outbox(api: APIClient) -> None:
    body = api.post("/users", GOOD, format="json").json()  # without the slash too
    row = OutboxEvent.objects.get()
    event = decode(json.dumps(row.payload).encode())
    assert (row.topic, row.key) == (physical_topic("user.created"), body["id"])
    assert event.data == {"user_id": body["id"], "email": body["email"], "name": "Ada"}
    assert event.source == "users"


def test_a_failure_after_the_insert_leaves_neither_user_nor_event() -> None:
    api = APIClient(raise_request_exception=False)
    with mock.patch(
        "users_project.accounts.services.outbox_enqueue", side_effect=RuntimeError("boom")
    ):
        response = api.post("/users/", GOOD, format="json")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert not User.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_a_duplicate_email_in_another_case_is_a_field_error(api: APIClient) -> None:
    assert api.post("/users/", GOOD, format="json").status_code == 201
    again = {**GOOD, "email": "ADA@example.COM"}
    response = api.post("/users/", again, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["email"] == ["A user with this email already exists."]
    assert User.objects.count() == 1 and OutboxEvent.objects.count() == 1


@pytest.mark.parametrize(
    "password,complaint",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("84736251948", "entirely numeric"),
        ("ada@example.com", "too similar"),
    ],
)
def test_django_password_validators_apply(api: APIClient, password: str, complaint: str) -> None:
    response = api.post(
        "/users/", {**GOOD, "email": "ada@example.com", "password": password}, format="json"
    )
    assert response.status_code == 400
    assert complaint in " ".join(response.json()["error"]["fields"]["password"])
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"password": "analytical-Engine-1843", "name": "A"}, "email"),
        ({**GOOD, "email": "not-an-email"}, "email"),
        ({**GOOD, "name": ""}, "name"),
        ({**GOOD, "name": "x" * 151}, "name"),
        ({**GOOD, "password": 12345}, "password"),
        ({**GOOD, "nickname": "ada"}, "nickname"),
    ],
)
def test_bad_registration_bodies_are_400_and_store_nothing(
    api: APIClient, body: dict, field: str
) -> None:
    response = api.post("/users/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not User.objects.exists() and not OutboxEvent.objects.exists()


def test_server_owned_fields_in_the_body_are_ignored(api: APIClient) -> None:
    body = {
        **GOOD,
        "id": "00000000-0000-0000-0000-000000000001",
        "is_staff": True,
        "created_at": "2000-01-01T00:00:00Z",
    }
    response = api.post("/users/", body, format="json")
    assert response.status_code == 201
    user = User.objects.get()
    assert str(user.id) != body["id"] and not user.is_staff and user.created_at.year > 2000


def test_malformed_json_is_a_400(api: APIClient) -> None:
    response = api.post("/users/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
