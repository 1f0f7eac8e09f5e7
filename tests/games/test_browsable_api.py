"""The games service as a browser sees it (HTML), and the endpoints that
never authenticate."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from games_project.catalog.models import GameRead
from scripts.catalog_stub.server import CatalogStub
from tests.support.http import bearer
from tests.support.identity import IdentityProvider

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_answer_200_whatever_authorization_comes(api: APIClient, path: str) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer expired.or.forged"}):
        response = api.get(path, **headers)
        assert response.status_code == 200, (path, headers, response.content[:200])


def test_the_catalog_renders_as_html_with_its_filter_form(stub: CatalogStub) -> None:
    response = Client().get("/games/", {"platform": "pc", "sort-by": "alphabetical"}, **HTML)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="platform"' in page and 'name="sort-by"' in page and 'name="category"' in page
    assert '<option value="pc" selected>' in page
    assert "Catalog filters" in page


def test_a_catalog_page_and_a_game_render_as_html(known_game: dict[str, Any]) -> None:
    client = Client()
    listing = client.get("/games/", {"page": 2, "page_size": 5}, **HTML)
    assert listing.status_code == 200 and "?page=3" in listing.content.decode()
    detail = client.get(f"/games/{known_game['id']}/", **HTML)
    assert detail.status_code == 200
    assert known_game["title"] in detail.content.decode()


def test_the_api_root_and_docs_render_as_html() -> None:
    for path in ("/", "/api/docs/"):
        response = Client().get(path, **HTML)
        assert response.status_code == 200, path


def test_swagger_ui_can_authorize_with_a_bearer_token_for_recording_a_read() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/games/"]["post"]["security"]


def read_form(page: str) -> str | None:
    """The HTML form (not the raw one) that records a read, if the page has one."""
    found = re.search(
        r'<form action="/games/" method="POST" enctype="multipart/form-data".*?</form>', page, re.S
    )
    return found.group(0) if found else None


def test_the_read_form_offers_user_id_to_staff_only(
    identity: IdentityProvider, stub: CatalogStub
) -> None:
    anonymous = Client().get("/games/", **HTML).content.decode()
    assert read_form(anonymous) is None  # recording a read needs a login
    reader = Client().get("/games/", **HTML, **bearer(identity.token(uuid.uuid4()))).content
    staff = (
        Client()
        .get("/games/", **HTML, **bearer(identity.token(uuid.uuid4(), is_staff=True)))
        .content
    )
    for page, names in ((reader.decode(), {"game_id"}), (staff.decode(), {"game_id", "user_id"})):
        form = read_form(page)
        assert form is not None
        assert set(re.findall(r'<input name="([a-z_]+)" class="form-control"', form)) == names
        assert ("&quot;user_id&quot;" in page) == ("user_id" in names)  # the raw form's too


def test_recording_a_read_with_the_html_form_needs_the_csrf_token(
    identity: IdentityProvider, known_game: dict[str, Any]
) -> None:
    reader = uuid.uuid4()
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[settings.ACCESS_COOKIE_NAME] = identity.token(reader)
    browser.get("/games/", **HTML)
    token = browser.cookies["csrftoken"].value
    fields = {"game_id": str(known_game["id"])}
    forged = browser.post("/games/", fields)  # multipart, as the form sends it
    assert forged.status_code == 403
    assert not GameRead.objects.filter(user_id=reader).exists()
    sent = browser.post("/games/", {**fields, "csrfmiddlewaretoken": token}, **HTML)
    assert sent.status_code == 202, sent.content[:300]
    assert GameRead.objects.get(user_id=reader).game_id == known_game["id"]


@pytest.mark.parametrize(
    ("asked", "back"),
    [
        ("/games/?page=2", "http://testserver/games/?page=2"),
        (None, "http://testserver/"),
        ("https://elsewhere.example/", "http://testserver/"),
        ("//elsewhere.example/", "http://testserver/"),
    ],
)
def test_the_login_link_sends_the_browser_to_the_users_service_and_back_only_here(
    asked: str | None, back: str
) -> None:
    response = Client().get("/api-auth/login/", {"next": asked} if asked else {})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{settings.USERS_URL.rstrip('/')}/api-auth/login/?")
    assert parse_qs(urlsplit(location).query) == {"next": [back]}


def test_options_describes_the_read_a_post_records_and_only_to_whoever_may_post(
    identity: IdentityProvider,
) -> None:
    def post_fields(**headers: str) -> set[str] | None:
        actions = Client().options("/games/", **headers).json().get("actions", {})
        return set(actions["POST"]) if "POST" in actions else None

    assert post_fields() is None  # recording a read needs a login
    assert post_fields(**bearer(identity.token(uuid.uuid4()))) == {"game_id"}
    staff = bearer(identity.token(uuid.uuid4(), is_staff=True))
    assert post_fields(**staff) == {"game_id", "user_id"}
