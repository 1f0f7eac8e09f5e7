"""The Django admin for users, and createsuperuser with an email."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from common.events.envelope import decode
from common.events.topics import USER_CREATED, USER_DELETED
from common.kafka.config import physical_topic
from common.outbox.models import OutboxEvent
from tests.users.factories import GameReadFactory, UserFactory
from users_project.accounts.models import GameRead, User
from users_project.accounts.tokens import issue_token_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_staff(client: Client) -> Client:
    admin = UserFactory(is_staff=True)
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    client.force_login(User.objects.get(pk=admin.pk))
    return client


def test_createsuperuser_works_with_an_email_and_emits_user_created(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-Password-for-admin-9")
    call_command("createsuperuser", "--noinput", "--email", "root@example.com", "--name", "Root")
    user = User.objects.get(email="root@example.com")
    assert user.is_superuser and user.is_staff and user.check_password("root-Password-for-admin-9")
    event = decode(json.dumps(OutboxEvent.objects.get(key=str(user.id)).payload).encode())
    assert event.type == "user.created"


def test_the_admin_lists_users_searchable_by_email(admin_client_for_staff: Client) -> None:
    UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com")
    page = admin_client_for_staff.get("/admin/accounts/user/", {"q": "findme"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "findme@example.com" in content and "other@example.com" not in content


def test_the_admin_user_page_shows_the_read_history(admin_client_for_staff: Client) -> None:
    user = UserFactory()
    GameReadFactory(user=user, title="Nebula Drift")
    page = admin_client_for_staff.get(f"/admin/accounts/user/{user.id}/change/")
    assert page.status_code == 200
    assert "Nebula Drift" in page.content.decode()


def test_reads_cannot_be_deleted_one_by_one_in_the_admin(admin_client_for_staff: Client) -> None:
    read = GameReadFactory()
    page = admin_client_for_staff.post(
        f"/admin/accounts/gameread/{read.pk}/delete/", {"post": "yes"}
    )
    assert page.status_code == 403
    bulk = admin_client_for_staff.post(
        "/admin/accounts/gameread/",
        {"action": "delete_selected", "_selected_action": [read.pk], "post": "yes"},
    )
    assert bulk.status_code == 200  # the list again: no such action offered
    assert GameRead.objects.filter(pk=read.pk).exists()


def test_deleting_in_the_admin_emits_user_deleted(admin_client_for_staff: Client) -> None:
    user = UserFactory()
    GameReadFactory(user=user)  # goes with the user, though reads alone cannot be deleted
    confirm = admin_client_for_staff.get(f"/admin/accounts/user/{user.id}/delete/")
    assert 'type="submit"' in confirm.content.decode()
    response = admin_client_for_staff.post(
        f"/admin/accounts/user/{user.id}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.id).exists()
    assert not GameRead.objects.filter(user_id=user.id).exists()
    assert OutboxEvent.objects.filter(topic=physical_topic(USER_DELETED), key=str(user.id)).exists()


def test_adding_in_the_admin_emits_user_created(admin_client_for_staff: Client) -> None:
    response = admin_client_for_staff.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.com",
            "name": "Added",
            "password1": "Added-pass-2026!",
            "password2": "Added-pass-2026!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="added@example.com")
    assert OutboxEvent.objects.filter(topic=physical_topic(USER_CREATED), key=str(user.id)).exists()


def test_the_bare_admin_path_redirects_to_the_admin(client: Client) -> None:
    response = client.get("/admin")
    assert response.status_code == 301
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("add", [True, False], ids=["adding", "changing"])
def test_an_email_taken_in_its_identity_form_is_a_form_error_in_the_admin(
    admin_client_for_staff: Client, add: bool
) -> None:
    """Lower() alone tells "straße" from "STRASSE": the identity form does not."""
    UserFactory(email="straße@example.com")
    form = {"email": "STRASSE@example.com", "name": "Other"}
    if add:
        url = "/admin/accounts/user/add/"
        form |= {"password1": "Added-pass-2026!", "password2": "Added-pass-2026!"}
    else:
        user = UserFactory(email="other@example.com")
        url = f"/admin/accounts/user/{user.id}/change/"
        form |= {"is_active": "on", "last_login_0": "", "last_login_1": ""}
    client = admin_client_for_staff
    client.raise_request_exception = False
    response = client.post(url, form)
    assert response.status_code == 200  # the form again
    assert "A user with this email already exists." in response.content.decode()
    assert User.objects.filter(email_key="strasse@example.com").count() == 1


def test_an_email_changed_in_the_admin_is_stored_as_the_api_stores_it(
    admin_client_for_staff: Client,
) -> None:
    """The domain in lower case, the identity form beside it: one rule for every path."""
    user = UserFactory(email="old@example.com")
    form = {"email": "New@EXAMPLE.COM", "name": "N", "is_active": "on"}
    form |= {"last_login_0": "", "last_login_1": ""}
    url = f"/admin/accounts/user/{user.id}/change/"
    assert admin_client_for_staff.post(url, form).status_code == 302
    user.refresh_from_db()
    assert (user.email, user.email_key) == ("New@example.com", "new@example.com")


def test_setting_a_password_in_the_admin_revokes_the_users_refresh_tokens(
    admin_client_for_staff: Client,
) -> None:
    user = UserFactory()
    refresh = issue_token_pair(user)["refresh"]
    new = "Set-by-admin-2026!"
    response = admin_client_for_staff.post(
        f"/admin/accounts/user/{user.id}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=user.pk).check_password(new)
    spent = APIClient().post("/auth/refresh/", {"refresh": refresh}, format="json")
    assert spent.status_code == 401


@pytest.fixture
def user_manager(client: Client) -> Client:
    """Staff with every permission on users, but not a superuser."""
    manager = UserFactory(is_staff=True)
    for action in ("view", "change", "delete"):
        manager.user_permissions.add(Permission.objects.get(codename=f"{action}_user"))
    client.force_login(manager)
    client.raise_request_exception = False
    return client


def test_in_the_admin_only_a_superuser_changes_or_deletes_a_superuser(
    user_manager: Client,
) -> None:
    """As over the API (docs/security.md, "Whose account")."""
    root = User.objects.create_superuser(email="root@example.com", password="Root-pass-2026!")
    new = "Taken-over-2026!"
    base = f"/admin/accounts/user/{root.id}"
    password = user_manager.post(f"{base}/password/", {"password1": new, "password2": new})
    delete = user_manager.post(f"{base}/delete/", {"post": "yes"})
    bulk = user_manager.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [str(root.id)], "post": "yes"},
    )
    assert password.status_code == delete.status_code == bulk.status_code == 403
    root.refresh_from_db()
    assert root.check_password("Root-pass-2026!")
    # An ordinary account is still theirs to change.
    plain = UserFactory()
    done = user_manager.post(
        f"/admin/accounts/user/{plain.id}/password/", {"password1": new, "password2": new}
    )
    assert done.status_code == 302


def test_in_the_admin_only_a_superuser_makes_a_superuser(user_manager: Client) -> None:
    plain = UserFactory(email="plain@example.com")
    page = user_manager.get(f"/admin/accounts/user/{plain.id}/change/")
    assert 'name="is_superuser"' not in page.content.decode()
    form = {"email": plain.email, "name": "P", "is_active": "on", "is_superuser": "on"}
    form |= {"last_login_0": "", "last_login_1": ""}
    assert user_manager.post(f"/admin/accounts/user/{plain.id}/change/", form).status_code == 302
    assert not User.objects.get(pk=plain.pk).is_superuser
