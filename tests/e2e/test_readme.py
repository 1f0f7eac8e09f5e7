"""The README and the docs pages say only what the code keeps: the make
targets, management commands, environment variables and HTTP paths they
name exist and answer."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from scripts.system import System
from tests.e2e.flows import register_and_login
from tests.support.processes import without_this_runs_settings_module

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The front page and every page of the docs site (mkdocs.yml builds docs/).
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
TEXT = "\n".join(page.read_text() for page in PAGES)
# The pages that hold the settings table and the endpoint tables.
CONFIGURATION = DOCS / "configuration.md"
HTTP_APIS = DOCS / "http-api.md"

# Read by the code but set by the project's own entry points for their
# children, never by a person: not configuration, so not in the table.
INTERNAL_VARIABLES = {
    "BENCH_REDIS_KEY": "make bench hands it to its baseline app",
    "BENCH_BODY_FILE": "make bench hands it to its baseline app",
    "PATH": "the system harness (scripts/system.py) puts this venv first for its children",
}
PYTHON_READS = [
    r'env\.(?:str|int|bool|float|list|db|url|json|path|dict|cache)\(\s*"([A-Z][A-Z0-9_]+)"',
    r'\benv\(\s*"([A-Z][A-Z0-9_]+)"',
    r'os\.environ\.get\(\s*["\']([A-Z][A-Z0-9_]+)["\']',
    r'os\.environ\[\s*["\']([A-Z][A-Z0-9_]+)["\']\s*\]',
    r'os\.getenv\(\s*["\']([A-Z][A-Z0-9_]+)',
    r'\bdatabase\(\s*"([A-Z][A-Z0-9_]+)"',
    r'\bsecret_key\(\s*"([A-Z][A-Z0-9_]+)"',
    r'\bnetworks\(\s*"([A-Z][A-Z0-9_]+)"',
    r'environ\.setdefault\(\s*"([A-Z][A-Z0-9_]+)"',
]
# A shell or Procfile line reads a variable with a default: ${NAME:-...}.
SHELL_READS = [r"\$\{([A-Z][A-Z0-9_]+):[-=?]"]


def variables_read_by_the_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    folders = ["common", "users_project", "games_project", "scripts", "infra"]
    files = [p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file()]
    files += [
        ROOT / name for name in ("Procfile", "Makefile", "manage_users.py", "manage_games.py")
    ]
    for path in files:
        if path.suffix == ".py":
            patterns = PYTHON_READS
        elif path.suffix in (".sh", "") and "migrations" not in path.parts:
            patterns = SHELL_READS
        else:
            continue
        text = path.read_text(errors="ignore")
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                found.setdefault(match.group(1), set()).add(str(path.relative_to(ROOT)))
    return found


def variables_in_the_table() -> set[str]:
    names: set[str] = set()
    for line in CONFIGURATION.read_text().splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_every_variable_the_code_reads_is_in_the_configuration_table() -> None:
    read = variables_read_by_the_code()
    missing = {
        name: sorted(where)
        for name, where in read.items()
        if name not in variables_in_the_table() and name not in INTERNAL_VARIABLES
    }
    assert not missing, f"read by the code, absent from {CONFIGURATION.name}'s table: {missing}"


def test_every_variable_in_the_configuration_table_is_read_by_the_code() -> None:
    unread = variables_in_the_table() - set(variables_read_by_the_code())
    assert not unread, f"in {CONFIGURATION.name}'s table, read by no code: {sorted(unread)}"


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))


def test_every_make_target_the_docs_name_exists_and_make_help_lists_every_target() -> None:
    named = set(re.findall(r"`make ([a-z][a-z-]*)", TEXT)) | set(
        re.findall(r"^make ([a-z][a-z-]*)", TEXT, re.M)
    )
    assert {"run", "test"} <= named, "the docs do not name make run and make test"
    assert named <= make_targets(), f"no such target: {sorted(named - make_targets())}"
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    listed = set(re.findall(r"^make ([a-z][a-z-]*)", shown, re.M))
    assert make_targets() - {"help"} <= listed, sorted(make_targets() - {"help"} - listed)


@pytest.mark.parametrize(
    ("project", "command"),
    sorted(set(re.findall(r"manage_(users|games)\.py ([a-z][a-z_]*)", TEXT))),
)
def test_every_management_command_the_docs_name_exists(project: str, command: str) -> None:
    done = subprocess.run(
        [sys.executable, f"manage_{project}.py", "help", command],
        cwd=ROOT,
        env=without_this_runs_settings_module(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


ENDPOINT = re.compile(
    r"`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/[^`\s]*)`"
)


def documented_endpoints() -> list[tuple[str, str, str]]:
    """(service, method, path) for each endpoint of the HTTP APIs page."""
    endpoints, service = [], ""
    for line in HTTP_APIS.read_text().splitlines():
        heading = re.match(r"\*\*(users|games)\*\*", line)
        if heading:
            service = heading.group(1)
        elif line.startswith("Both:"):
            service = "both"
        for methods, path in ENDPOINT.findall(line):
            for method in methods.split("/"):
                for each in ("users", "games") if service == "both" else (service,):
                    endpoints.append((each, method, path))
    return endpoints


def test_the_docs_document_endpoints_of_both_services() -> None:
    services = {service for service, _, _ in documented_endpoints()}
    assert services == {"users", "games"}


def test_every_documented_endpoint_answers_with_and_without_the_slash(system: System) -> None:
    account = register_and_login(system)
    base = {"users": system.users_url, "games": system.games_url}
    wrong = []
    for service, method, path in documented_endpoints():
        # A file name (jwks.json) is served as written, as the page says.
        variants = (
            [path] if re.search(r"\.\w+$", path) else [path.rstrip("/"), path.rstrip("/") + "/"]
        )
        for variant in variants:
            # A deletion gets an account of its own, so the others live on.
            who = register_and_login(system) if method == "DELETE" else account
            concrete = variant.replace("{id}", who.user_id if path.startswith("/users") else "36")
            response = requests.request(
                method,
                f"{base[service]}{concrete}",
                headers=who.auth,
                json={} if method in ("POST", "PUT", "PATCH") else None,
                timeout=30,
                allow_redirects=False,
            )
            if response.status_code in (404, 405) or response.status_code >= 500:
                wrong.append(f"{method} {concrete} ({service}): {response.status_code}")
    assert not wrong, wrong
