"""Over real HTTP (gunicorn, as deployed): a forged X-Forwarded-For from a
peer outside ``TRUSTED_PROXY_NETWORKS`` opens no new throttle bucket, and the
same header from a trusted proxy does name the client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from django.core.cache import cache

from tests.support.processes import web_service

pytestmark = pytest.mark.django_db(transaction=True)

RATE = 3


@contextmanager
def users_web(*, trusted: str) -> Iterator[str]:
    with web_service(
        env={
            "TRUSTED_PROXY_NETWORKS": trusted,
            # What the chart used to set (one proxy, wherever it is): retired,
            # and it must not make the header believed from any peer.
            "TRUSTED_PROXY_COUNT": "1",
            "LOGIN_RATE_PER_ADDRESS": f"{RATE}/min",
        }
    ) as base:
        yield base


def login_status(base: str, n: int, forwarded_for: str) -> int:
    response = requests.post(
        f"{base}/auth/login/",
        json={"email": f"nobody{n}@example.com", "password": "guess"},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )
    return response.status_code


@pytest.fixture(autouse=True)
def _empty_buckets() -> Iterator[None]:
    cache.delete_pattern("*throttle*")
    yield
    cache.delete_pattern("*throttle*")


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_throttle() -> None:
    # The peer is 127.0.0.1; only a proxy elsewhere is trusted.
    with users_web(trusted="10.42.0.0/16") as base:
        statuses = [login_status(base, n, f"198.51.100.{n}") for n in range(RATE + 2)]
    assert statuses == [401] * RATE + [429, 429]


def test_the_same_header_from_a_trusted_proxy_gives_each_client_its_own_bucket() -> None:
    with users_web(trusted="127.0.0.0/8") as base:
        statuses = [login_status(base, n, f"1.2.3.4, 198.51.100.{n}") for n in range(RATE + 2)]
        # One client behind the proxy, however it spoofs the leftmost entry.
        same_client = [login_status(base, n, f"9.9.9.{n}, 198.51.100.200") for n in range(RATE + 1)]
    assert statuses == [401] * (RATE + 2)
    assert same_client == [401] * RATE + [429]
