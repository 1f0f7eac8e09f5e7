"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
installed by ``scripts/browser.sh`` when missing) against both services
started as processes by the e2e harness (``tests/e2e/conftest.py``).

On a failure the test's browsers leave a screenshot and the page source in
``.local/browser-failures/``; the failure report names the files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from scripts.system import ROOT, System
from tests.support.browser import BrowserFactory, Person, new_person
from tests.support.tools import project_tool

FAILURES = ROOT / ".local" / "browser-failures"


@dataclass(frozen=True)
class Chromium:
    binary: str
    driver: str


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """Installs the browser when missing (as root, from Debian's packages)."""
    binary, driver = project_tool("browser.sh", "ensure", timeout=900)[-2:]
    return Chromium(binary=binary, driver=driver)


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
