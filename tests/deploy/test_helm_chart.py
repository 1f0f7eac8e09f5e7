"""The Helm chart (deploy/helm/users-games), checked with the real helm.

helm lints and renders the chart with its default values and with the
production-like values file; every rendered object is validated against the
Kubernetes API schemas (kubernetes-validate) and every Strimzi resource
against Strimzi's CRD schemas; and the chart runs the Procfile's processes
with the Procfile's commands, as docker-compose.yml does. No cluster and no
database are needed: scripts/helm.sh builds helm and fetches the schemas.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from common.events.topics import ALL_TOPICS, dlq_topic
from scripts.system import ROOT, procfile, system_processes
from tests.e2e.test_deployment import compose_processes, essential, procfile_argv
from tests.support.tools import project_tool, run_node

# The first run builds helm from source (minutes on a loaded machine); the
# checks themselves take seconds, each subprocess has its own timeout.
pytestmark = pytest.mark.timeout(1800)

CHART = ROOT / "deploy" / "helm" / "users-games"
PRODUCTION_VALUES = ROOT / "deploy" / "helm" / "values-production.yaml"
# The Kubernetes release helm v4.3 is built against (its k8s.io/client-go
# v0.37), and whose API schemas kubernetes-validate ships.
KUBE_VERSION = "1.37.0"
# What every install must give (unless secrets.existingSecret): the Redis
# URL, with the password Redis requires.
REDIS_URL = "redis://:not-a-real-password@redis-master:6379/0"
REDIS = ("--set-string", f"secrets.redisUrl={REDIS_URL}")
CONFIGURATIONS = {"default": REDIS, "production": ("-f", str(PRODUCTION_VALUES))}
STUB_ON = ("--set", "processes.catalog-stub.enabled=true")
STRIMZI_GROUP = "kafka.strimzi.io/"
# Options saying where a process listens or keeps a file: the host part of
# --bind, --host and --schedule differ between a machine and a pod.
WHERE_OPTIONS = {"--host", "--schedule"}
FLAGS = {"--beat"}  # options without a value

Resource = dict[str, Any]
# What a web pod's grace period must cover: gunicorn's graceful_timeout.
GUNICORN_GRACEFUL_TIMEOUT = int(
    re.search(
        r"^graceful_timeout = (\d+)$", (ROOT / "infra" / "gunicorn.conf.py").read_text(), re.M
    ).group(1)
)


def _tool(what: str) -> str:
    return project_tool("helm.sh", what, timeout=1700)[-1]


@cache
def helm() -> str:
    return _tool("helm")


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm(), *args], capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
    )


def render_args(*values: str) -> list[str]:
    return [
        "template",
        "users-games",
        str(CHART),
        "--namespace",
        "users-games",
        "--kube-version",
        KUBE_VERSION,
        *REDIS,
        *values,
    ]


@cache
def render(*values: str) -> tuple[Resource, ...]:
    done = run_helm(*render_args(*values))
    assert done.returncode == 0, done.stderr
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def of_kind(resources: tuple[Resource, ...], kind: str) -> list[Resource]:
    return [resource for resource in resources if resource["kind"] == kind]


def component(resource: Resource) -> str:
    return resource["metadata"]["labels"]["app.kubernetes.io/component"]


def deployments(resources: tuple[Resource, ...]) -> dict[str, Resource]:
    return {component(d): d for d in of_kind(resources, "Deployment")}


def container(deployment: Resource) -> Resource:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def kubernetes_errors(resource: Resource) -> str | None:
    try:
        kubernetes_validate.validate(resource, KUBE_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return f"{resource['kind']} {resource['metadata']['name']}: {error.message} at {error.path}"
    return None


def strimzi_errors(resources: list[Resource]) -> list[dict[str, Any]]:
    validator = Path(__file__).with_name("validate_strimzi.mjs")
    return run_node(validator, _tool("strimzi"), stdin=json.dumps(resources))


def command_shape(argv: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """The program, its arguments and its options, without where it listens
    (hosts) or keeps files; --bind keeps its port."""
    words = [word for word in argv if word != "exec"]
    positionals: list[str] = []
    options: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word in FLAGS:
            options[word] = ""
            index += 1
        elif word.startswith("-"):  # every other option of these commands takes a value
            options[word] = words[index + 1]
            index += 2
        else:
            positionals.append(word)
            index += 1
    if "--bind" in options:
        options["--bind"] = options["--bind"].rsplit(":", 1)[1]
    return tuple(positionals), {k: v for k, v in options.items() if k not in WHERE_OPTIONS}


def procfile_command(name: str) -> list[str]:
    """A Procfile line as argv, each ${VAR:-default} at its default."""
    return procfile_argv(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", procfile()[name]))


# -- helm itself ---------------------------------------------------------------
@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_helm_lint_passes_strictly(configuration: str) -> None:
    done = run_helm("lint", "--strict", str(CHART), *CONFIGURATIONS[configuration])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_rendered_object_matches_the_kubernetes_api_schema(configuration: str) -> None:
    resources = render(*CONFIGURATIONS[configuration], *STUB_ON)
    native = [r for r in resources if not r["apiVersion"].startswith(STRIMZI_GROUP)]
    assert len(native) > 20
    errors = [error for error in map(kubernetes_errors, native) if error]
    assert errors == []


def test_every_strimzi_resource_matches_strimzis_crd_schema() -> None:
    resources = render(*CONFIGURATIONS["production"])
    strimzi = [r for r in resources if r["apiVersion"].startswith(STRIMZI_GROUP)]
    assert Counter(r["kind"] for r in strimzi) == {
        "Kafka": 1,
        "KafkaNodePool": 1,
        "KafkaTopic": 2 * len(ALL_TOPICS),
        "KafkaUser": 3,
    }
    results = strimzi_errors(strimzi)
    assert len(results) == len(strimzi)
    assert [r for r in results if r["errors"]] == []


def test_both_validators_reject_a_broken_object() -> None:
    """The schema checks above can fail: a mistake of each kind is caught."""
    resources = render(*CONFIGURATIONS["production"])
    deployment = copy.deepcopy(of_kind(resources, "Deployment")[0])
    deployment["spec"]["replicas"] = "two"
    assert kubernetes_errors(deployment)
    typo = copy.deepcopy(deployments(resources)["users-web"])
    container(typo)["livenessProbe"]["httpGett"] = container(typo)["livenessProbe"].pop("httpGet")
    assert kubernetes_errors(typo)
    topic = copy.deepcopy(of_kind(resources, "KafkaTopic")[0])
    topic["spec"]["partitions"] = "six"
    kafka = copy.deepcopy(of_kind(resources, "Kafka")[0])
    del kafka["spec"]["kafka"]["listeners"]
    user = copy.deepcopy(of_kind(resources, "KafkaUser")[0])
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Writ"]
    results = strimzi_errors([topic, kafka, user])
    assert all(result["errors"] for result in results), results


def test_a_mistyped_value_is_refused_by_the_values_schema() -> None:
    done = run_helm(*render_args("--set", "processes.users-relay.replica=2"))
    assert done.returncode != 0
    assert "additional properties 'replica' not allowed" in done.stderr


# -- the same processes as the Procfile and docker-compose.yml ---------------------
def test_the_chart_runs_every_procfile_process_with_its_command() -> None:
    chart = deployments(render(*STUB_ON))
    assert set(chart) == set(system_processes())
    for name, deployment in chart.items():
        assert command_shape(container(deployment)["command"]) == command_shape(
            procfile_command(name)
        ), name


def test_compose_runs_the_processes_the_chart_runs() -> None:
    chart = deployments(render(*STUB_ON))
    services = compose_processes()
    assert set(services) == set(chart)
    for name, spec in services.items():
        assert essential(spec["command"]) == essential(container(chart[name])["command"]), name


def test_the_catalog_stand_in_is_off_by_default() -> None:
    for values in CONFIGURATIONS.values():
        resources = render(*values)
        assert "catalog-stub" not in deployments(resources)
        games_api = {
            env["value"]
            for d in deployments(resources).values()
            for env in container(d)["env"]
            if env["name"] == "GAMES_API_BASE_URL"
        }
        assert games_api == {"https://www.freetogame.com/api"}


# -- processes -------------------------------------------------------------------
@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_pod_runs_unprivileged_with_limits_and_enough_time_to_stop(
    configuration: str,
) -> None:
    resources = render(*CONFIGURATIONS[configuration], *STUB_ON)
    pods = [
        r["spec"]["template"]["spec"]
        for r in resources
        if r["kind"] in {"Deployment", "Job"} and r["apiVersion"] in {"apps/v1", "batch/v1"}
    ]
    assert pods
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        for box in pod["containers"]:
            assert box["securityContext"]["allowPrivilegeEscalation"] is False
            assert box["securityContext"]["readOnlyRootFilesystem"] is True
            assert box["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert box["resources"]["requests"]["cpu"]
            assert box["resources"]["limits"]["memory"]
    for name, deployment in deployments(resources).items():
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        if name.endswith(("-consumer", "-relay")):
            # Longer than a producer send may take (KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS).
            assert grace > 30, name
        elif name.endswith("-web"):
            # The preStop pause (the Services stop sending it connections),
            # then gunicorn's graceful_timeout, both within the grace period.
            pause = container(deployment)["lifecycle"]["preStop"]["exec"]["command"]
            assert pause[0] == "sleep" and int(pause[1]) >= 5, name
            assert grace > int(pause[1]) + GUNICORN_GRACEFUL_TIMEOUT, name


def test_node_ports_are_off_by_default_and_open_the_web_port_only() -> None:
    assert not [s for s in of_kind(render(), "Service") if s["spec"]["type"] != "ClusterIP"]
    opened = of_kind(render("--set", "processes.users-web.nodePort=30801"), "Service")
    node_ports = [s for s in opened if s["spec"]["type"] == "NodePort"]
    assert [s["spec"]["ports"] for s in node_ports] == [
        [{"name": "http", "port": 8001, "targetPort": "http", "nodePort": 30801, "protocol": "TCP"}]
    ]


def test_web_processes_probe_healthz_and_readyz_and_workers_their_metrics_port() -> None:
    chart = deployments(render())
    for name, deployment in chart.items():
        box = container(deployment)
        if name.endswith("-web"):
            assert box["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert box["readinessProbe"]["httpGet"]["path"] == "/readyz"
            bind = dict(zip(box["command"], box["command"][1:], strict=False))["--bind"]
            assert box["ports"][0]["containerPort"] == int(bind.rsplit(":", 1)[1])
        elif name.endswith(("-consumer", "-relay")):
            port = dict(zip(box["command"], box["command"][1:], strict=False))["--metrics-port"]
            assert box["ports"] == [
                {"name": "metrics", "containerPort": int(port), "protocol": "TCP"}
            ]
            assert box["livenessProbe"]["httpGet"]["port"] == "metrics"
            assert box["readinessProbe"]["httpGet"]["port"] == "metrics"
            env = {e["name"]: e.get("value") for e in box["env"]}
            assert env["METRICS_BIND_ADDRESS"] == "0.0.0.0"  # noqa: S104  reachable in the pod


def test_celery_beat_runs_as_exactly_one_replica_replaced_not_rolled() -> None:
    for values in CONFIGURATIONS.values():
        for name in ("celery-beat", "users-celery"):  # users-celery runs beat inside
            beat = deployments(render(*values))[name]
            assert beat["spec"]["replicas"] == 1, name
            assert beat["spec"]["strategy"] == {"type": "Recreate"}, name
    done = run_helm(*render_args("--set", "processes.celery-beat.replicas=2"))
    assert done.returncode != 0
    assert "exactly one replica" in done.stderr


def test_consumer_replicas_beyond_the_partition_count_are_refused() -> None:
    done = run_helm(*render_args("--set", "processes.users-consumer.replicas=7"))
    assert done.returncode != 0
    assert "more than the 6 partitions" in done.stderr
    accepted = render("--set", "processes.users-consumer.replicas=6")
    assert deployments(accepted)["users-consumer"]["spec"]["replicas"] == 6


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_both_web_services_scale_on_cpu_and_every_budget_selects_pods(configuration: str) -> None:
    resources = render(*CONFIGURATIONS[configuration])
    chart = deployments(resources)
    scaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(resources, "HorizontalPodAutoscaler")
    }
    assert scaled == {
        chart["users-web"]["metadata"]["name"],
        chart["games-web"]["metadata"]["name"],
    }
    upgraded = deployments(render(*CONFIGURATIONS[configuration], "--is-upgrade"))
    minimum = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
        for h in of_kind(resources, "HorizontalPodAutoscaler")
    }
    for name in ("users-web", "games-web"):
        # A first install starts the HPA's minimum, not the API's default of
        # one; an upgrade keeps the live count (rendered here with no cluster
        # to look it up in: the minimum again; the real cluster's test checks
        # the count survives `helm upgrade`). Never left out: helm would
        # remove it, and the Deployment would drop to one pod.
        least = minimum[chart[name]["metadata"]["name"]]
        assert chart[name]["spec"]["replicas"] == upgraded[name]["spec"]["replicas"] == least > 1
    budgets = of_kind(resources, "PodDisruptionBudget")
    assert {component(b) for b in budgets} == set(chart) - {"celery-beat", "users-celery"}
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        pod_labels = chart[component(budget)]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()


# -- hooks and topics ------------------------------------------------------------------
def test_migrations_and_topics_run_as_hooks_before_the_new_pods() -> None:
    jobs = {component(j): j for j in of_kind(render(), "Job")}
    assert set(jobs) == {"migrate-users", "migrate-games", "create-topics"}
    commands = {name: container(job)["command"] for name, job in jobs.items()}
    assert commands["migrate-users"][:4] == ["python", "manage_users.py", "migrate", "--noinput"]
    assert commands["migrate-games"][:4] == ["python", "manage_games.py", "migrate", "--noinput"]
    assert commands["create-topics"][:3] == ["python", "manage_users.py", "create_topics"]
    for job in jobs.values():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    weight = {
        name: int(j["metadata"]["annotations"]["helm.sh/hook-weight"]) for name, j in jobs.items()
    }
    assert weight["create-topics"] > weight["migrate-users"]
    # The Secret the jobs read exists before them, on the very first install.
    (secret,) = of_kind(render(), "Secret")
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < min(weight.values())


def test_strimzi_runs_three_kraft_nodes_and_a_topic_for_every_topic_and_dlq() -> None:
    resources = render(*CONFIGURATIONS["production"])
    (pool,) = of_kind(resources, "KafkaNodePool")
    assert pool["spec"]["replicas"] == 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    (kafka,) = of_kind(resources, "Kafka")
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    assert kafka["spec"]["kafka"]["config"]["default.replication.factor"] == 3
    topics = of_kind(resources, "KafkaTopic")
    assert {t["spec"]["topicName"] for t in topics} == {
        name for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))
    }
    for topic in topics:
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    # Strimzi copies a resource's labels to its pods: none may fall under this
    # release's policies (its default deny would cut the brokers off).
    (deny,) = [
        p for p in of_kind(resources, "NetworkPolicy") if "default-deny" in p["metadata"]["name"]
    ]
    ours = deny["spec"]["podSelector"]["matchLabels"].items()
    assert not any(ours <= r["metadata"]["labels"].items() for r in [pool, kafka, *topics])
    # Strimzi makes the topics: no Job races it, and the processes use its brokers.
    assert "create-topics" not in {component(j) for j in of_kind(resources, "Job")}
    env = {
        e["name"]: e.get("value") for e in container(deployments(resources)["users-relay"])["env"]
    }
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka['metadata']['name']}-kafka-bootstrap:9093"
    assert env["KAFKA_REPLICATION_FACTOR"] == "3"


def test_the_charts_topic_list_is_the_projects() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert tuple(values["kafka"]["topics"]) == ALL_TOPICS


# -- secrets, ingress, network ---------------------------------------------------------
def pod_environment(deployment: Resource, secret: Resource, tmp_path: Path) -> dict[str, str]:
    """A process's environment as the chart gives it, the Secret's values filled in."""
    env = {"PATH": os.environ["PATH"], "PROJECT_LOCAL_DIR": str(tmp_path / "local")}
    for variable in container(deployment)["env"]:
        if "valueFrom" in variable:
            env[variable["name"]] = secret["stringData"][
                variable["valueFrom"]["secretKeyRef"]["key"]
            ]
        else:
            env[variable["name"]] = variable["value"]
    if "PROMETHEUS_MULTIPROC_DIR" in env:  # gunicorn makes it in a pod
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
        Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir()
    return env


@pytest.mark.parametrize("service", ["users", "games"])
def test_the_environment_the_chart_gives_loads_the_production_settings(
    service: str, tmp_path: Path
) -> None:
    """Nothing production settings require is missing (Django's deployment
    checks pass), and the JWT key the chart generates is one users accepts."""
    resources = render()
    (secret,) = of_kind(resources, "Secret")
    env = pod_environment(deployments(resources)[f"{service}-web"], secret, tmp_path)
    assert env[f"{service.upper()}_DJANGO_SETTINGS_MODULE"].endswith(".production")
    script = str(ROOT / f"manage_{service}.py")
    commands = [[sys.executable, script, "check", "--deploy", "--fail-level", "ERROR"]]
    if service == "users":
        load_key = (
            "from users_project.accounts.tokens import token_backend; print(token_backend().kid)"
        )
        commands.append([sys.executable, script, "shell", "-c", load_key])
    for command in commands:
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_each_service_gets_only_its_own_database_and_keys() -> None:
    for values in CONFIGURATIONS.values():
        for name, deployment in deployments(render(*values, *STUB_ON)).items():
            names = {e["name"] for e in container(deployment)["env"]}
            service = deployment["metadata"]["labels"]["users-games/service"]
            own, other = ("USERS", "GAMES") if service == "users" else ("GAMES", "USERS")
            assert {f"{own}_DATABASE_URL", f"{own}_DJANGO_SECRET_KEY"} <= names, name
            assert {f"{own}_DATABASE_URL", f"{own}_DJANGO_SETTINGS_MODULE"} <= names, name
            theirs = {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
            assert not {f"{other}_{variable}" for variable in theirs} & names, name
            assert ("JWT_PRIVATE_KEY" in names) == (service == "users"), name


def test_production_reads_an_existing_secret_and_creates_none() -> None:
    resources = render(*CONFIGURATIONS["production"])
    assert of_kind(resources, "Secret") == []
    refs = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for d in deployments(resources).values()
        for env in container(d)["env"]
        if "valueFrom" in env and env["name"] != "KAFKA_SASL_PASSWORD"
    }
    assert refs == {"users-games-credentials"}


def test_the_ingress_routes_users_paths_to_users_and_games_to_games_only() -> None:
    resources = render()
    (ingress,) = of_kind(resources, "Ingress")
    routes = {
        path["path"]: path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    services = {component(s): s["metadata"]["name"] for s in of_kind(resources, "Service")}
    users, games = services["users-web"], services["games-web"]
    assert routes == {
        "/users": users,
        "/auth": users,
        "/.well-known": users,
        "/admin": users,
        "/static": users,
        "/games": games,
    }
    assert not any(p.startswith(("/metrics", "/healthz", "/readyz")) for p in routes)


def test_network_policies_let_each_service_reach_only_its_own_database() -> None:
    resources = render(*CONFIGURATIONS["production"])
    values = yaml.safe_load(PRODUCTION_VALUES.read_text())["networkPolicy"]
    policies = {
        p["metadata"]["name"].removeprefix("users-games-"): p
        for p in of_kind(resources, "NetworkPolicy")
    }
    deny = policies["default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "egress" not in deny
    for service, other in (("users", "games"), ("games", "users")):
        peers = [
            peer for rule in policies[f"{service}-egress"]["spec"]["egress"] for peer in rule["to"]
        ]
        assert values[f"{service}Database"]["to"][0] in peers
        assert values[f"{other}Database"]["to"][0] not in peers


def test_worker_metrics_are_reachable_from_inside_the_cluster_only() -> None:
    resources = render(*CONFIGURATIONS["production"])
    (policy,) = [
        p
        for p in of_kind(resources, "NetworkPolicy")
        if p["metadata"]["name"].endswith("worker-metrics")
    ]
    (rule,) = policy["spec"]["ingress"]
    assert all("ipBlock" not in peer for peer in rule["from"])  # pods only
    workers = {n for n in deployments(resources) if n.endswith(("-consumer", "-relay"))}
    selected = set(policy["spec"]["podSelector"]["matchExpressions"][0]["values"])
    assert selected == workers


# -- Kafka users, proxies and metrics ports ------------------------------------------
def acl_rights(user: Resource) -> dict[tuple[str, str], set[str]]:
    """(resource type, name) -> the operations a KafkaUser is allowed."""
    rights: dict[tuple[str, str], set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        key = (acl["resource"]["type"], acl["resource"]["name"])
        assert acl["resource"]["patternType"] == "literal", acl  # no wildcard prefixes
        rights.setdefault(key, set()).update(acl["operations"])
    return rights


def test_production_kafka_requires_scram_and_authorizes_every_request() -> None:
    resources = render(*CONFIGURATIONS["production"])
    (kafka,) = of_kind(resources, "Kafka")
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert listeners and all(
        listener["authentication"] == {"type": "scram-sha-512"} for listener in listeners
    )
    assert [listener["tls"] for listener in listeners] == [True]
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple"}
    assert "userOperator" in kafka["spec"]["entityOperator"]


def test_each_services_kafka_user_writes_only_its_own_topics() -> None:
    resources = render(*CONFIGURATIONS["production"], "--set", "kafka.topicPrefix=prod.")
    users = {u["metadata"]["name"]: acl_rights(u) for u in of_kind(resources, "KafkaUser")}
    assert set(users) == {"users-games-users", "users-games-games", "users-games-operator"}

    def writes(name: str) -> set[str]:
        return {n for (kind, n), ops in users[name].items() if kind == "topic" and "Write" in ops}

    def reads(name: str) -> set[str]:
        return {n for (kind, n), ops in users[name].items() if kind == "topic" and "Read" in ops}

    def groups(name: str) -> set[str]:
        return {n for (kind, n), ops in users[name].items() if kind == "group" and "Read" in ops}

    assert writes("users-games-users") == {
        "prod.user.created",
        "prod.user.deleted",
        "prod.user.read.dlq",
    }
    assert reads("users-games-users") == {"prod.user.read", "prod.user.read.dlq"}
    assert groups("users-games-users") == {"prod.users.read_history"}
    assert writes("users-games-games") == {
        "prod.user.read",
        "prod.user.created.dlq",
        "prod.user.deleted.dlq",
    }
    assert reads("users-games-games") == {
        "prod.user.created",
        "prod.user.deleted",
        "prod.user.created.dlq",
        "prod.user.deleted.dlq",
    }
    assert groups("users-games-games") == {"prod.games.users_projection"}
    # The forgeries: users cannot publish user.read, games cannot publish
    # user.created or user.deleted (games would refuse that user for good).
    assert "prod.user.read" not in writes("users-games-users")
    assert not {"prod.user.created", "prod.user.deleted"} & writes("users-games-games")
    # Nothing may create, delete or reconfigure topics, or act on the cluster.
    for rights in users.values():
        assert all(kind in {"topic", "group"} for kind, _ in rights)
        assert not set().union(*rights.values()) - {"Read", "Write", "Describe"}
    # The operator's user replays dead letters and joins no group.
    assert writes("users-games-operator") == {f"prod.{t}" for t in ALL_TOPICS}
    assert reads("users-games-operator") == {f"prod.{dlq_topic(t)}" for t in ALL_TOPICS}


def test_every_pod_connects_to_kafka_as_its_services_user_with_the_secrets_password() -> None:
    resources = render(*CONFIGURATIONS["production"])
    (kafka,) = of_kind(resources, "Kafka")
    for name, deployment in deployments(resources).items():
        box = container(deployment)
        env = {e["name"]: e for e in box["env"]}
        service = deployment["metadata"]["labels"]["users-games/service"]
        user = f"users-games-{service}"
        assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL", name
        assert env["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512", name
        assert env["KAFKA_SASL_USERNAME"]["value"] == user, name
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"] == {
            "secretKeyRef": {"name": user, "key": "password"}
        }, name
        assert env["KAFKA_BOOTSTRAP_SERVERS"]["value"].endswith(":9093"), name
        ca_file = Path(env["KAFKA_SSL_CAFILE"]["value"])
        (mount,) = [m for m in box["volumeMounts"] if m["name"] == "kafka-ca"]
        assert ca_file.parent == Path(mount["mountPath"]), name
        (volume,) = [
            v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "kafka-ca"
        ]
        assert volume["secret"]["secretName"] == f"{kafka['metadata']['name']}-cluster-ca-cert"
    # The hook Jobs run before Strimzi has made the users: no broker, no password.
    for job in of_kind(resources, "Job"):
        names = {e["name"] for e in container(job)["env"]}
        assert not names & {"KAFKA_SASL_PASSWORD", "KAFKA_SASL_USERNAME"}
        assert all(v["name"] != "kafka-ca" for v in job["spec"]["template"]["spec"]["volumes"])
    # Without Strimzi (a Kafka run elsewhere) nothing of this is rendered.
    plain = render()
    assert of_kind(plain, "KafkaUser") == []
    for deployment in deployments(plain).values():
        assert "KAFKA_SASL_PASSWORD" not in {e["name"] for e in container(deployment)["env"]}


def test_the_brokers_policy_opens_the_tls_listener_port() -> None:
    resources = render(*CONFIGURATIONS["production"])
    (egress,) = [
        p
        for p in of_kind(resources, "NetworkPolicy")
        if p["metadata"]["name"].endswith("users-egress")
    ]
    (kafka_rule,) = [
        rule
        for rule in egress["spec"]["egress"]
        if any(
            "strimzi.io/cluster" in peer.get("podSelector", {}).get("matchLabels", {})
            for peer in rule["to"]
        )
    ]
    assert kafka_rule["ports"] == [{"port": 9093, "protocol": "TCP"}]


def test_x_forwarded_for_is_believed_only_from_the_configured_proxy_networks() -> None:
    for values, expected in ((CONFIGURATIONS["production"], "10.32.0.0/14"), ((), "")):
        for name, deployment in deployments(render(*values)).items():
            env = {e["name"]: e.get("value") for e in container(deployment)["env"]}
            assert env["TRUSTED_PROXY_NETWORKS"] == expected, name
            assert "TRUSTED_PROXY_COUNT" not in env, name


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_web_ports_take_the_ingress_controller_and_metrics_ports_only_the_monitoring(
    configuration: str,
) -> None:
    """No other pod of the cluster reaches a web port (to forge
    X-Forwarded-For, say): the metrics have a port of their own."""
    resources = render(*CONFIGURATIONS[configuration])
    chart = deployments(resources)
    policies = {p["metadata"]["name"]: p for p in of_kind(resources, "NetworkPolicy")}
    monitoring = [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    for name in ("users-web", "games-web"):
        ports = {p["name"]: p["containerPort"] for p in container(chart[name])["ports"]}
        assert ports["http"] != ports["metrics"]
        rules = policies[f"users-games-{name}-ingress"]["spec"]["ingress"]
        by_port = {rule["ports"][0]["port"]: rule["from"] for rule in rules}
        assert set(by_port) == {ports["http"], ports["metrics"]}, name
        web_peers = by_port[ports["http"]]
        ingress_ns = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
        }
        assert ingress_ns in web_peers
        # Not the monitoring namespace, and no namespace-wide or empty selector.
        assert not [p for p in web_peers if p in monitoring or p.get("namespaceSelector") == {}]
        others = [p for p in web_peers if p != ingress_ns]
        if name == "users-web":  # games fetches users' JWKS
            assert [p["podSelector"]["matchLabels"]["users-games/service"] for p in others] == [
                "games"
            ]
        else:
            assert others == []
        assert by_port[ports["metrics"]] == monitoring, name
    worker_rule = policies["users-games-worker-metrics"]["spec"]["ingress"][0]
    assert worker_rule["from"] == monitoring


def test_web_pods_serve_metrics_on_their_metrics_port_and_prometheus_is_pointed_there() -> None:
    resources = render()
    chart = deployments(resources)
    services = {component(s): s for s in of_kind(resources, "Service")}
    for name in ("users-web", "games-web"):
        box = container(chart[name])
        ports = {p["name"]: p["containerPort"] for p in box["ports"]}
        env = {e["name"]: e.get("value") for e in box["env"]}
        assert env["WEB_METRICS_PORT"] == str(ports["metrics"])
        assert env["METRICS_BIND_ADDRESS"] == "0.0.0.0"  # noqa: S104  reachable in the pod
        annotations = chart[name]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(ports["metrics"])
        assert annotations["prometheus.io/path"] == "/metrics"
        service_ports = {p["name"]: p["targetPort"] for p in services[name]["spec"]["ports"]}
        assert service_ports == {"http": "http", "metrics": "metrics"}
    done = run_helm(*render_args("--set", "processes.users-web.metricsPort=null"))
    assert done.returncode != 0
    assert "metricsPort is needed" in done.stderr


# -- Redis -------------------------------------------------------------------------
def test_redis_is_reached_with_a_password_from_the_secret() -> None:
    (secret,) = of_kind(render(), "Secret")
    assert secret["stringData"]["REDIS_URL"] == REDIS_URL
    for values, secret_name in (
        (CONFIGURATIONS["default"], secret["metadata"]["name"]),
        (CONFIGURATIONS["production"], "users-games-credentials"),
    ):
        for name, deployment in deployments(render(*values)).items():
            (redis_url,) = [e for e in container(deployment)["env"] if e["name"] == "REDIS_URL"]
            assert redis_url == {
                "name": "REDIS_URL",
                "valueFrom": {"secretKeyRef": {"name": secret_name, "key": "REDIS_URL"}},
            }, name


def test_a_redis_url_without_a_password_is_refused() -> None:
    bare = run_helm(*[arg for arg in render_args() if arg not in REDIS])
    assert bare.returncode != 0
    assert "secrets.redisUrl, with its password" in bare.stderr
    for url in (
        "redis://redis-master:6379/0",
        "redis://user@redis-master:6379/0",
        "redis://:@redis-master:6379/0",
    ):
        done = run_helm(*render_args("--set-string", f"secrets.redisUrl={url}"))
        assert done.returncode != 0, url
        assert "/secrets/redisUrl" in done.stderr, url
    for url in ("redis://:s3cret@redis-master:6379/0", "rediss://games:s3cret@10.20.3.5:6380/1"):
        done = run_helm(*render_args("--set-string", f"secrets.redisUrl={url}"))
        assert done.returncode == 0, done.stderr
