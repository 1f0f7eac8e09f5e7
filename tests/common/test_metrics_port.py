"""The web processes' metrics on a port of their own (WEB_METRICS_PORT), over
real HTTP through gunicorn as deployed: the web port no longer answers
/metrics, and the metrics port answers nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from django.test import Client, override_settings

from scripts.system import free_port
from tests.support.processes import web_service

pytestmark = pytest.mark.django_db(transaction=True)


def test_metrics_answer_on_their_own_port_only(tmp_path: Path) -> None:
    metrics_port = free_port()
    env = {"WEB_METRICS_PORT": str(metrics_port), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    with web_service(env=env) as base:
        metrics = f"http://127.0.0.1:{metrics_port}"
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        for path in ("/metrics", "/metrics/", "/metrics/ops"):
            assert requests.get(f"{base}{path}", timeout=30).status_code == 404, path
        # Prometheus scrapes a pod by its address: not one of ALLOWED_HOSTS.
        scrape = requests.get(f"{metrics}/metrics", headers={"Host": "10.1.2.3:9"}, timeout=10)
        assert scrape.status_code == 200
        assert "http_requests_total" in scrape.text
        ops = requests.get(f"{metrics}/metrics/ops", timeout=60)
        assert ops.status_code == 200 and ops.headers["Content-Type"].startswith("text/plain")
        for path in ("/healthz", "/api/schema/", "/"):
            assert requests.get(f"{metrics}{path}", timeout=10).status_code == 404, path
        assert requests.post(f"{metrics}/metrics", timeout=10).status_code == 404


def test_a_host_header_naming_the_metrics_port_does_not_reach_metrics_on_the_web_port() -> None:
    # SERVER_PORT is the listener's port; a client's Host header changes nothing.
    with override_settings(WEB_METRICS_PORT=9105):
        response = Client().get("/metrics", HTTP_HOST="localhost:9105", SERVER_PORT="8001")
    assert response.status_code == 404


def test_without_a_metrics_port_the_web_port_serves_metrics_as_in_development() -> None:
    assert Client().get("/metrics").status_code == 200
