"""The login page and the docs site for people who use a screen reader or a
small screen, in a real Chromium:

- axe-core (npm, pinned; ``scripts/browser.sh axe``) is injected into each
  page and finds no violation whose impact is serious or critical;
- on a 390-pixel-wide phone screen (mobile emulation, so the page's viewport
  declaration counts, as on a phone) nothing scrolls sideways, the login form
  can be filled in and logs in, and the docs' menu opens and leads to a page.

``UPDATE_SCREENSHOTS=1`` saves the 390-pixel screenshots to
``docs/screenshots/`` (``SCREENSHOT_DIR`` elsewhere), as the journeys' are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from scripts.system import System
from tests.e2e.browser import pages as p
from tests.e2e.docs_site import build_site, served
from tests.support.browser import BrowserFactory, new_person, register_over_api, screenshot
from tests.support.tools import project_tool

# What axe-core calls a barrier for some people (it ranks minor < moderate <
# serious < critical): these fail the test.
BARRIERS = frozenset({"serious", "critical"})
PHONE = {"width": 390, "height": 844}
DOCS_PAGES = [
    "",  # the home page
    "events/",  # the AsyncAPI document rendered
    "security/",  # a long text page with tables and code
]


@pytest.fixture(scope="session")
def axe_source() -> str:
    return Path(project_tool("browser.sh", "axe", timeout=600)[-1]).read_text()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("docs") / "site")


def barriers(driver: WebDriver, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page in view."""
    driver.set_script_timeout(120)
    driver.execute_script(axe_source)
    found = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"]}).then(
          (results) => done(results.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            targets: v.nodes.map((node) => node.target.join(" ")),
          }))),
          (error) => done({error: String(error)}),
        );
        """
    )
    assert isinstance(found, list), found
    return [violation for violation in found if violation["impact"] in BARRIERS]


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>\n"
        + "".join(f"    {target}\n" for target in v["targets"])
        for v in found
    )


def assert_no_barriers(driver: WebDriver, axe_source: str) -> None:
    found = barriers(driver, axe_source)
    assert not found, f"axe-core on {driver.current_url}:\n{describe(found)}"


def as_phone(driver: WebDriver) -> None:
    """A 390x844 phone: the window, and Chromium's mobile emulation, under
    which a page that declares no viewport is laid out 980 pixels wide and
    shrunk, as a phone does."""
    driver.set_window_size(PHONE["width"], PHONE["height"])
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**PHONE, "deviceScaleFactor": 1, "mobile": True}
    )


def assert_fits_the_phone(driver: WebDriver) -> None:
    width = driver.execute_script("return window.innerWidth")
    assert width == PHONE["width"], f"{driver.current_url} is laid out {width} px wide"
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width, f"{driver.current_url} scrolls sideways: {scroll} px in {width}"


def on_screen(driver: WebDriver, element: WebElement) -> bool:
    """Inside the viewport's width and not covered: a tap on its middle
    reaches it."""
    return driver.execute_script(
        """
        const el = arguments[0], box = el.getBoundingClientRect();
        if (box.width === 0 || box.left < 0 || box.right > window.innerWidth) return false;
        el.scrollIntoView({block: "center"});
        const at = el.getBoundingClientRect();
        const hit = document.elementFromPoint(at.left + at.width / 2, at.top + at.height / 2);
        return hit !== null && (hit === el || el.contains(hit));
        """,
        element,
    )


def wait_drawn(driver: WebDriver) -> None:
    """Material has loaded, and Mermaid has drawn any diagram."""
    p.wait_for(driver, ".md-content")
    WebDriverWait(driver, 30).until(
        lambda page: not page.find_elements(By.CSS_SELECTOR, "pre.mermaid"),
        message="a diagram was never drawn",
    )


def test_the_login_page_has_no_serious_accessibility_barriers(
    system: System, new_browser: BrowserFactory, axe_source: str
) -> None:
    driver = new_browser()
    driver.get(f"{system.users_url}/api-auth/login/")
    p.wait_for(driver, "#id_email")
    assert_no_barriers(driver, axe_source)
    # And with the error a mistyped password shows.
    p.fill(driver, "#id_email", new_person().email)
    p.fill(driver, "#id_password", "not-the-password")
    p.click(driver, "#login-submit")
    p.wait_for(driver, "#login-error")
    assert_no_barriers(driver, axe_source)


def test_the_games_log_in_link_leads_to_a_login_page_without_serious_barriers(
    system: System, new_browser: BrowserFactory, axe_source: str
) -> None:
    driver = new_browser()
    driver.get(f"{system.games_url}/api-auth/login/?next=/games/")
    p.wait_for(driver, "#id_email")
    assert driver.current_url.startswith(f"{system.users_url}/api-auth/login/")
    assert_no_barriers(driver, axe_source)


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_the_docs_page_has_no_serious_accessibility_barriers(
    page: str, site: Path, new_browser: BrowserFactory, axe_source: str
) -> None:
    driver = new_browser()
    with served(site) as base:
        driver.get(f"{base}/{page}")
        wait_drawn(driver)
        assert_no_barriers(driver, axe_source)


def test_a_person_logs_in_on_a_390_pixel_screen(
    system: System, new_browser: BrowserFactory, axe_source: str
) -> None:
    person = new_person()
    user_id = register_over_api(system, person)
    driver = new_browser()
    as_phone(driver)
    driver.get(f"{system.users_url}/api-auth/login/")
    p.wait_for(driver, "#id_email")
    assert_fits_the_phone(driver)
    for field in ("#id_email", "#id_password", "#login-submit"):
        assert on_screen(driver, driver.find_element(By.CSS_SELECTOR, field)), field
    assert_no_barriers(driver, axe_source)
    screenshot(driver, "login-390")
    p.fill(driver, "#id_email", person.email)
    p.fill(driver, "#id_password", person.password)
    p.click(driver, "#login-submit")
    p.wait_text(driver, person.email)
    assert driver.current_url.rstrip("/") == f"{system.users_url}/users/{user_id}"


def test_the_docs_site_reads_and_navigates_on_a_390_pixel_screen(
    site: Path, new_browser: BrowserFactory, axe_source: str
) -> None:
    driver = new_browser()
    as_phone(driver)
    with served(site) as base:
        for page in DOCS_PAGES:
            driver.get(f"{base}/{page}")
            wait_drawn(driver)
            assert_fits_the_phone(driver)
            assert_no_barriers(driver, axe_source)
        driver.get(f"{base}/")
        wait_drawn(driver)
        screenshot(driver, "docs-390")
        # The navigation is in the drawer the header's menu button opens.
        tests_link = driver.find_element(
            By.CSS_SELECTOR, ".md-sidebar--primary .md-nav__link[href$='tests/']"
        )
        assert not on_screen(driver, tests_link), "the navigation shows before the menu opens"
        p.click(driver, "label.md-header__button[for='__drawer']")
        WebDriverWait(driver, 10).until(
            lambda _: on_screen(driver, tests_link), message="the menu never opened"
        )
        screenshot(driver, "docs-menu-390")
        tests_link.click()
        p.wait_text(driver, "make test")
        assert driver.current_url == f"{base}/tests/"
        assert_fits_the_phone(driver)
