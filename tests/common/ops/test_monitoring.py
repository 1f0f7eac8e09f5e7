"""The Prometheus configuration passes promtool, and the Grafana dashboard
asks only for metrics the services really export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.urls import resolve
from prometheus_client import REGISTRY

# Importing them registers every metric the processes export.
import common.kafka.metrics
import common.metrics  # noqa: F401
import games_project.catalog.metrics  # noqa: F401
from common.ops.status import OpsCollector
from tests.support.tools import project_tool

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "infra" / "prometheus"
DASHBOARD = ROOT / "infra" / "grafana" / "dashboards" / "games-users.json"


@pytest.fixture(scope="session")
def promtool() -> str:
    """Fetched by the project's own script when the machine has none."""
    return project_tool("monitoring.sh", "promtool", timeout=600)[-1]


def check_config(promtool: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, "check", "config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_prometheus_config_and_its_alert_rules_pass_promtool(promtool: str) -> None:
    done = check_config(promtool, PROMETHEUS / "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is valid prometheus config file syntax" in done.stdout
    assert "SUCCESS: 5 rules found" in done.stdout


def test_promtool_refuses_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    shutil.copytree(PROMETHEUS, tmp_path, dirs_exist_ok=True)
    rules = (tmp_path / "alerts.yml").read_text()
    (tmp_path / "alerts.yml").write_text(rules.replace("dependency_up == 0", "dependency_up == ("))
    done = check_config(promtool, tmp_path / "prometheus.yml")
    assert done.returncode != 0
    assert "alerts.yml" in done.stdout + done.stderr


def test_prometheus_scrapes_paths_the_services_serve() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    paths = {job["metrics_path"] for job in config["scrape_configs"]}
    assert paths == {"/metrics", "/metrics/ops"}
    for path in paths:
        assert resolve(path).url_name in {"metrics", "metrics-ops"}


def exported_names() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_sum", "_count"))
    names.update(family.name for family in OpsCollector(max_age=0).collect())
    return names


def metrics_in(expr: str) -> set[str]:
    expr = re.sub(r'"[^"]*"', "", expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # selectors
    expr = re.sub(r"\b(by|without)\s*\([^)]*\)", "", expr)  # grouping labels
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr))
    return {name for name in names if not re.fullmatch(r"\d.*", name)}


@pytest.mark.django_db
def test_every_dashboard_panel_queries_metrics_the_services_export() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = exported_names()
    titles = [panel["title"] for panel in dashboard["panels"]]
    for needed in (
        "Request rate",
        "Request latency",
        "Cache hit ratio",
        "Upstream calls",
        "Circuit breaker",
        "Consumer lag",
        "Outbox backlog",
        "Dead letters",
    ):
        assert any(title.startswith(needed) for title in titles), needed
    for panel in dashboard["panels"]:
        used = set().union(*(metrics_in(target["expr"]) for target in panel["targets"]))
        assert used, panel["title"]
        assert used <= exported, (panel["title"], used - exported)


def test_monitoring_runs_in_compose_only_under_its_profile() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            assert (ROOT / volume.split(":")[0]).exists(), volume
    others = [name for name, spec in services.items() if name not in {"prometheus", "grafana"}]
    assert all("profiles" not in services[name] for name in others)
