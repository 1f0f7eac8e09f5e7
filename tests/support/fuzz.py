"""Property-based fuzzing of a service from its own OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks

# Every check schemathesis has: no 5xx, every status, header, content type and
# body as documented, invalid data rejected and valid data accepted, auth not
# ignored, unsupported methods refused, deleted resources gone.
load_all_checks()
CHECKS = list(REGISTERED_CHECKS.get_all())

FUZZ_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure reproduces
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@contextmanager
def wsgi_app_in_test_transaction() -> Iterator[Any]:
    """The project's WSGI app, without closing the database connection at the
    end of each request (Django's test client does the same), so requests run
    inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
