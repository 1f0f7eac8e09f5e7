"""Fuzz every operation of the users API from its OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis

from tests.support.fuzz import CHECKS, FUZZ_SETTINGS, wsgi_app_in_test_transaction
from tests.users.factories import UserFactory
from users_project.accounts.tokens import issue_token_pair


@pytest.fixture
def users_schema(db):
    with wsgi_app_in_test_transaction() as app:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)


schema = schemathesis.pytest.from_fixture("users_schema")


@pytest.fixture
def token(db) -> str:
    return issue_token_pair(UserFactory())["access"]


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_users_api_never_errors_and_keeps_to_its_schema(case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
