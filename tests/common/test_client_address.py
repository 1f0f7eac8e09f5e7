"""The client address throttles key on: X-Forwarded-For counts only when the
peer is a trusted proxy (``TRUSTED_PROXY_NETWORKS``), walked from the right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import RequestFactory, override_settings

from common.api.throttles import RedisOrLocalThrottle, client_address
from tests.support.processes import without_this_runs_settings_module

INGRESS = ["10.42.0.0/16", "fd00:42::/64"]


def address(remote: str, forwarded: str | None = None, *, trusted: list[str] = INGRESS) -> str:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXY_NETWORKS=trusted):
        return client_address(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert address("203.0.113.7", "198.51.100.1", trusted=[]) == "203.0.113.7"


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    # Another pod of the cluster (not the Ingress controller) forging the header.
    assert address("10.99.0.5", "198.51.100.1") == "10.99.0.5"
    assert address("203.0.113.7", "198.51.100.1, 10.42.0.9") == "203.0.113.7"


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client() -> None:
    assert address("10.42.3.4", "198.51.100.1") == "198.51.100.1"
    assert address("fd00:42::8", "2001:db8::1") == "2001:db8::1"


def test_spoofed_leftmost_entries_are_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4, 5.6.7.8"; the Ingress
    # appended the address it saw. Only that last entry is vouched for.
    assert address("10.42.3.4", "1.2.3.4, 5.6.7.8, 198.51.100.1") == "198.51.100.1"


def test_trusted_hops_are_skipped_from_the_right() -> None:
    # A load balancer in front of the Ingress, both trusted.
    assert address("10.42.3.4", "9.9.9.9, 198.51.100.1, 10.42.0.2") == "198.51.100.1"


def test_garbage_ends_the_walk_at_the_last_vouched_address() -> None:
    assert address("10.42.3.4", "198.51.100.1, not-an-ip") == "10.42.3.4"
    assert address("10.42.3.4", "") == "10.42.3.4"
    assert address("10.42.3.4", "junk, 198.51.100.1") == "198.51.100.1"


def test_an_ipv4_peer_seen_as_ipv6_mapped_is_matched_against_ipv4_networks() -> None:
    assert address("::ffff:10.42.3.4", "198.51.100.1") == "198.51.100.1"


def test_every_throttle_keys_on_this_rule_not_on_drfs_num_proxies() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.99.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    with override_settings(TRUSTED_PROXY_NETWORKS=INGRESS):
        assert RedisOrLocalThrottle().get_ident(request) == "10.99.0.5"
        request.META["REMOTE_ADDR"] = "10.42.0.1"
        assert RedisOrLocalThrottle().get_ident(request) == "1.2.3.4"


def test_a_malformed_trusted_proxy_network_stops_the_process_at_start_up(tmp_path: Path) -> None:
    # Found on the first request instead, a typo would leave every throttle
    # keyed on the proxy (or fail every request) until someone looked.
    done = subprocess.run(
        [sys.executable, "manage_users.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **without_this_runs_settings_module(),
            "USERS_DJANGO_SETTINGS_MODULE": "users_project.settings.test",
            "PROJECT_ENV_FILE": str(tmp_path / "none.env"),
            "TRUSTED_PROXY_NETWORKS": "10.42.0.0/16,10.42.0.0/33",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "10.42.0.0/33" in done.stderr
