"""The games service as a browser sees it (HTML), and the endpoints that
never authenticate."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from scripts.catalog_stub.server import CatalogStub

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
