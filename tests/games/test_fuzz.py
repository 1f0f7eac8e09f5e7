"""Fuzz every operation of the games API from its OpenAPI document."""

from __future__ import annotations

import uuid

import schemathesis

from tests.support.fuzz import CHECKS, FUZZ_SETTINGS
from tests.support.identity import IdentityProvider

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_games_api_never_errors_and_keeps_to_its_schema(
    case, identity: IdentityProvider
) -> None:
    token = identity.token(uuid.uuid4())
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
