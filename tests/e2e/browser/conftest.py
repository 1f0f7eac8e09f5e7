"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
installed by ``scripts/browser.sh`` when missing) against both services
started as processes by the e2e harness (``tests/e2e/conftest.py``).

On a failure the test's browsers leave a screenshot and the page source in
``.local/browser-failures/``; the failure report names the files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.e2e.flows import SECRETS
from tests.e2e.system import ROOT, System

FAILURES = ROOT / ".local" / "browser-failures"
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Chromium:
    binary: str
    driver: str


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """Installs the browser when missing (as root, from Debian's packages)."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "browser.sh"), "ensure"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/browser.sh ensure failed:\n{done.stderr}")
    binary, driver = done.stdout.split()
    return Chromium(binary=binary, driver=driver)


BrowserFactory = Callable[[], webdriver.Chrome]


@pytest.fixture
def new_browser(request: pytest.FixtureRequest, chromium: Chromium) -> Iterator[BrowserFactory]:
    """Opens browsers (each its own profile, so its own cookies); all of them
    are closed after the test, and saved first if the test failed."""
    opened: list[webdriver.Chrome] = []

    def open_one() -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium.binary
        for argument in (
            "--headless=new",
            "--no-sandbox",  # root in a container has no user namespace sandbox
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1280,1000",
            "--lang=en-US",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(executable_path=chromium.driver), options=options)
        driver.set_page_load_timeout(60)
        opened.append(driver)
        return driver

    request.node.browsers = opened
    yield open_one
    for driver in opened:
        driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    browsers = getattr(item, "browsers", None)
    if report.when != "call" or not report.failed or not browsers:
        return
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
    saved = []
    for n, driver in enumerate(browsers):
        base = FAILURES / f"{stem}-{n}"
        try:
            driver.save_screenshot(str(base.with_suffix(".png")))
            base.with_suffix(".html").write_text(driver.page_source)
            saved.append(f"{driver.current_url}\n  {base}.png\n  {base}.html")
        except Exception as exc:  # noqa: BLE001  the browser may be the failure
            saved.append(f"browser {n} could not be saved: {exc!r}")
    report.sections.append(("browser state", "\n".join(saved)))


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    """The README's screenshots, refreshed when UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


@dataclass
class Person:
    email: str
    password: str
    name: str


def new_person(name: str = "Ada Browser") -> Person:
    person = Person(
        email=f"browser-{uuid.uuid4().hex[:10]}@example.com",
        # Nothing in common with the email: Django's similarity validator
        # refused "Browser-Secret-…" beside "browser-…@example.com" now and then.
        password=f"Pass-{uuid.uuid4().hex}",
        name=name,
    )
    SECRETS.append(person.password)
    return person


def register_over_api(system: System, person: Person) -> str:
    """Register ``person`` as a JSON client would; their user id."""
    created = requests.post(
        f"{system.users_url}/users/",
        json={"email": person.email, "password": person.password, "name": person.name},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


@pytest.fixture(scope="session")
def staff(system: System) -> Person:
    """A superuser made the way the docs say: createsuperuser."""
    person = new_person("Staff Member")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage_users.py"),
            "createsuperuser",
            "--noinput",
            "--email",
            person.email,
            "--name",
            person.name,
        ],
        cwd=ROOT,
        env={**system.env, "DJANGO_SUPERUSER_PASSWORD": person.password},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return person
