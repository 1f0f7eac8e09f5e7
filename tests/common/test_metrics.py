"""The workers' own /metrics server."""

from __future__ import annotations

import pytest
import requests
from django.test import override_settings

from common.metrics import serve_metrics
from scripts.system import free_port


def test_no_metrics_port_serves_nothing() -> None:
    assert serve_metrics(None) is None


def test_worker_metrics_listen_on_loopback_by_default() -> None:
    port = free_port()
    server = serve_metrics(port)
    assert server is not None
    try:
        assert server.server_address[0] == "127.0.0.1"
        response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert response.status_code == 200
        assert "python_info" in response.text
    finally:
        server.shutdown()
        server.server_close()


@override_settings(METRICS_BIND_ADDRESS="127.0.0.2")
def test_worker_metrics_listen_on_the_configured_address_only() -> None:
    # 127.0.0.2 stands for a pod's address: reachable there, not on 127.0.0.1.
    port = free_port()
    server = serve_metrics(port)
    assert server is not None
    try:
        assert requests.get(f"http://127.0.0.2:{port}/metrics", timeout=5).status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
