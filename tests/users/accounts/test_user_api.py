"""GET/PUT/PATCH/DELETE /users/{id}/: who may do what."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from common.events.envelope import decode
from common.events.topics import USER_DELETED
from common.kafka.config import physical_topic
from common.outbox.models import OutboxEvent
from tests.support.users import bearer_for, grant
from tests.users.factories import PASSWORD, GameReadFactory, UserFactory
from users_project.accounts.models import GameRead, User

pytestmark = pytest.mark.django_db


def test_a_user_reads_itself(api: APIClient, user: User) -> None:
    for path in (f"/users/{user.id}/", f"/users/{user.id}"):
        response = api.get(path, **bearer_for(user))
        assert response.status_code == 200
        assert response.json()["email"] == user.email
        assert "password" not in response.json()


def test_without_a_token_it_is_401_with_a_bearer_challenge(api: APIClient, user: User) -> None:
    response = api.get(f"/users/{user.id}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_another_users_id_is_403_whether_or_not_it_exists(
    api: APIClient, user: User, other_user: User
) -> None:
    existing = api.get(f"/users/{other_user.id}/", **bearer_for(user))
    missing = api.get(f"/users/{uuid.uuid4()}/", **bearer_for(user))
    assert existing.status_code == missing.status_code == 403
    assert existing.json()["error"]["message"] == missing.json()["error"]["message"]


def test_with_view_user_one_reads_anyone_and_gets_404_for_unknown_ids(
    api: APIClient, staff: User, user: User
) -> None:
    viewer = grant(staff, "view")
    assert api.get(f"/users/{user.id}/", **bearer_for(viewer)).status_code == 200
    response = api.get(f"/users/{uuid.uuid4()}/", **bearer_for(viewer))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_malformed_id_is_404(api: APIClient, user: User, superuser: User) -> None:
    assert api.get("/users/not-a-uuid/", **bearer_for(user)).status_code == 404
    assert api.get("/users/12345/", **bearer_for(superuser)).status_code == 404


SPELLINGS = {
    "upper case": str.upper,
    "no hyphens": lambda raw: raw.replace("-", ""),
    "braces": lambda raw: "{" + raw + "}",
    "urn": lambda raw: f"urn:uuid:{raw}",
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_a_user_id_has_one_spelling_in_urls_any_other_is_404(
    api: APIClient, user: User, superuser: User, spelling: Any
) -> None:
    other = spelling(str(user.id))
    for caller in (user, superuser):
        for method, path in (
            ("get", f"/users/{other}/"),
            ("get", f"/users/{other}/read/"),
            ("patch", f"/users/{other}/"),
            ("delete", f"/users/{other}/"),
        ):
            response = getattr(api, method)(
                path, {"name": "Other"}, format="json", **bearer_for(caller)
            )
            assert response.status_code == 404, (method, path)
            assert response.json()["error"]["code"] == "not_found"
    user.refresh_from_db()
    assert user.name != "Other"
    assert api.get(f"/users/{user.id}/", **bearer_for(user)).status_code == 200


def test_patch_changes_the_name_and_ignores_server_owned_fields(api: APIClient, user: User) -> None:
    response = api.patch(
        f"/users/{user.id}/",
        {
            "name": "New Name",
            "is_staff": True,
            "id": str(uuid.uuid4()),
            "created_at": "2000-01-01T00:00:00Z",
        },
        format="json",
        **bearer_for(user),
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.name == "New Name" and not user.is_staff
    assert response.json()["id"] == str(user.id)


def test_put_needs_every_field(api: APIClient, user: User) -> None:
    response = api.put(f"/users/{user.id}/", {"name": "Only"}, format="json", **bearer_for(user))
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]
    ok = api.put(
        f"/users/{user.id}",
        {"name": "Both", "email": user.email},
        format="json",
        **bearer_for(user),
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "Both"


def test_changing_email_to_a_taken_one_in_another_case_is_refused(
    api: APIClient, user: User, other_user: User
) -> None:
    response = api.patch(
        f"/users/{user.id}/", {"email": other_user.email.upper()}, format="json", **bearer_for(user)
    )
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]


def test_a_password_change_needs_the_current_password(api: APIClient, user: User) -> None:
    new = "fresh-Lemon-2026-orbit"
    missing = api.patch(f"/users/{user.id}/", {"password": new}, format="json", **bearer_for(user))
    assert missing.status_code == 400
    assert "current_password" in missing.json()["error"]["fields"]
    wrong = api.patch(
        f"/users/{user.id}/",
        {"password": new, "current_password": "not-it"},
        format="json",
        **bearer_for(user),
    )
    assert wrong.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    ok = api.patch(
        f"/users/{user.id}/",
        {"password": new, "current_password": PASSWORD},
        format="json",
        **bearer_for(user),
    )
    assert ok.status_code == 200
    user.refresh_from_db()
    assert user.check_password(new)


@pytest.mark.parametrize("field", ["name", "email"])
def test_a_new_password_may_not_resemble_the_name_or_email_given_with_it(
    api: APIClient, user: User, field: str
) -> None:
    # The validators compare with the account as it will be, and as it was.
    resembling = {"name": "Quintessa Wolfhart", "email": "quintessa.wolfhart@example.com"}
    for body in (
        {field: resembling[field], "password": "QuintessaWolfhart"},
        {"password": user.email},
    ):
        answer = api.patch(
            f"/users/{user.id}/",
            {**body, "current_password": PASSWORD},
            format="json",
            **bearer_for(user),
        )
        assert answer.status_code == 400, body
        assert "too similar" in " ".join(answer.json()["error"]["fields"]["password"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_user_cannot_change_someone_else(api: APIClient, user: User, other_user: User) -> None:
    response = api.patch(
        f"/users/{other_user.id}/", {"name": "Mallory"}, format="json", **bearer_for(user)
    )
    assert response.status_code == 403
    other_user.refresh_from_db()
    assert other_user.name != "Mallory"


def test_delete_removes_the_user_and_history_and_queues_user_deleted(
    api: APIClient, user: User
) -> None:
    GameReadFactory.create_batch(3, user=user)
    response = api.delete(f"/users/{user.id}/", **bearer_for(user))
    assert response.status_code == 204
    assert not User.objects.filter(pk=user.id).exists()
    assert not GameRead.objects.filter(user_id=user.id).exists()
    row = OutboxEvent.objects.filter(topic=physical_topic(USER_DELETED)).get()
    assert decode(json.dumps(row.payload).encode()).data == {"user_id": str(user.id)}
    assert row.key == str(user.id)


def test_a_deleted_users_token_no_longer_works(api: APIClient, user: User) -> None:
    headers = bearer_for(user)
    assert api.delete(f"/users/{user.id}/", **headers).status_code == 204
    assert api.get(f"/users/{user.id}/", **headers).status_code == 401


def test_history_is_newest_first_and_paginated(api: APIClient, user: User) -> None:
    reads = GameReadFactory.create_batch(25, user=user)
    GameReadFactory.create_batch(2)  # someone else's
    first = api.get(f"/users/{user.id}/read/", **bearer_for(user)).json()
    assert first["count"] == 25
    assert first["previous"] is None and first["next"]
    assert [r["event_id"] for r in first["results"]] == [
        str(r.event_id) for r in sorted(reads, key=lambda r: r.read_at, reverse=True)[:20]
    ]
    assert set(first["results"][0]) == {"game_id", "title", "read_at", "event_id"}
    second = api.get(first["next"], **bearer_for(user)).json()
    assert len(second["results"]) == 5


def test_history_has_the_same_authorization(
    api: APIClient, user: User, other_user: User, staff: User
) -> None:
    assert api.get(f"/users/{other_user.id}/read/", **bearer_for(user)).status_code == 403
    assert api.get(f"/users/{other_user.id}/read/", **bearer_for(staff)).status_code == 403
    viewer = grant(staff, "view")
    assert api.get(f"/users/{other_user.id}/read", **bearer_for(viewer)).status_code == 200
    assert api.get(f"/users/{user.id}/read/").status_code == 401


# -- another account: Django's model permissions ---------------------------------
def rename(api: APIClient, caller: User, target: User) -> int:
    return api.patch(
        f"/users/{target.id}/", {"name": "Changed by another"}, format="json", **bearer_for(caller)
    ).status_code


def test_staff_without_model_permissions_cannot_see_change_or_delete_another_account(
    api: APIClient, staff: User, user: User
) -> None:
    assert api.get(f"/users/{user.id}/", **bearer_for(staff)).status_code == 403
    assert rename(api, staff, user) == 403
    assert api.delete(f"/users/{user.id}/", **bearer_for(staff)).status_code == 403
    user.refresh_from_db()
    assert user.name != "Changed by another"
    # Their own account needs no permission.
    assert rename(api, staff, staff) == 200


def test_each_model_permission_allows_only_its_own_action(
    api: APIClient, staff: User, user: User
) -> None:
    viewer = grant(staff, "view")
    assert api.get(f"/users/{user.id}/", **bearer_for(viewer)).status_code == 200
    assert rename(api, viewer, user) == 403
    assert api.delete(f"/users/{user.id}/", **bearer_for(viewer)).status_code == 403

    changer = grant(staff, "change")
    assert (
        api.get(f"/users/{user.id}/", **bearer_for(changer)).status_code == 200
    )  # as in the admin
    assert rename(api, changer, user) == 200
    assert api.delete(f"/users/{user.id}/", **bearer_for(changer)).status_code == 403
    assert User.objects.filter(pk=user.id).exists()

    deleter = grant(staff, "delete")
    assert api.delete(f"/users/{user.id}/", **bearer_for(deleter)).status_code == 204
    assert not User.objects.filter(pk=user.id).exists()


def test_only_a_superuser_changes_or_deletes_a_superuser(
    api: APIClient, staff: User, superuser: User
) -> None:
    admin = grant(staff, "view", "change", "delete")
    assert api.get(f"/users/{superuser.id}/", **bearer_for(admin)).status_code == 200
    assert rename(api, admin, superuser) == 403
    assert api.delete(f"/users/{superuser.id}/", **bearer_for(admin)).status_code == 403
    assert User.objects.filter(pk=superuser.id, is_superuser=True).exists()

    other_superuser = UserFactory(is_staff=True, is_superuser=True)
    assert rename(api, other_superuser, superuser) == 200
    assert api.delete(f"/users/{superuser.id}/", **bearer_for(other_superuser)).status_code == 204


def test_an_account_changed_by_someone_allowed_needs_no_password_of_its_own(
    api: APIClient, staff: User, user: User
) -> None:
    changer = grant(staff, "change")
    response = api.patch(
        f"/users/{user.id}/",
        {"email": "admin-set@example.com"},
        format="json",
        **bearer_for(changer),
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.email == "admin-set@example.com"


# -- a new login email needs the current password ----------------------------------
def test_a_bearer_token_alone_cannot_change_the_login_email(api: APIClient, user: User) -> None:
    before = user.email
    alone = api.patch(
        f"/users/{user.id}/", {"email": "attacker@example.com"}, format="json", **bearer_for(user)
    )
    assert alone.status_code == 400
    assert "current_password" in alone.json()["error"]["fields"]
    wrong = api.patch(
        f"/users/{user.id}/",
        {"email": "attacker@example.com", "current_password": "not-it"},
        format="json",
        **bearer_for(user),
    )
    assert wrong.status_code == 400
    user.refresh_from_db()
    assert user.email == before
    ok = api.patch(
        f"/users/{user.id}/",
        {"email": "moved@example.com", "current_password": PASSWORD},
        format="json",
        **bearer_for(user),
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["email"] == "moved@example.com"
