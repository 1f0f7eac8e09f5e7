"""Fuzz every operation of the users API from its OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis

from tests.support.fuzz import CHECKS, FUZZ_SETTINGS
from tests.users.factories import UserFactory
from users_project.accounts.tokens import issue_token_pair

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def token(db) -> str:
    return issue_token_pair(UserFactory())["access"]


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_users_api_never_errors_and_keeps_to_its_schema(case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
