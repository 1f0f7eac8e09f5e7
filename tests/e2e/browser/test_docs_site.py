"""The docs site in a real Chromium: its Mermaid diagrams are drawn, from the
site's own copy of Mermaid, with nothing fetched from another host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from scripts.system import ROOT
from tests.e2e.docs_site import build_site, served
from tests.support.browser import BrowserFactory, screenshot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("docs") / "site")


def test_the_architecture_diagram_is_drawn_offline(site: Path, new_browser: BrowserFactory) -> None:
    browser = new_browser()
    with served(site) as base:
        browser.get(f"{base}/architecture/")
        # Material swaps the diagram's <pre class="mermaid"> source for a
        # <div class="mermaid"> holding the drawing once Mermaid has drawn it.
        WebDriverWait(browser, 30).until(
            lambda page: page.find_elements(By.CSS_SELECTOR, "div.mermaid")
            and not page.find_elements(By.CSS_SELECTOR, "pre.mermaid"),
            message="the diagram was never drawn",
        )
        drawing = browser.find_element(By.CSS_SELECTOR, "div.mermaid")
        assert drawing.size["height"] > 200, drawing.size
        fetched = browser.execute_script(
            "return performance.getEntriesByType('resource').map(entry => entry.name)"
        )
    elsewhere = [url for url in fetched if not url.startswith(base)]
    assert not elsewhere, f"the page fetched from other hosts: {elsewhere}"
    assert f"{base}/javascripts/mermaid.min.js" in fetched


def test_the_events_page_shows_every_topic_of_the_asyncapi_document(
    site: Path, new_browser: BrowserFactory
) -> None:
    document = json.loads((ROOT / "docs" / "asyncapi.json").read_text())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {"user.created", "user.deleted", "user.read", "user.read.dlq"} <= addresses
    browser = new_browser()
    browser.set_window_size(1280, 1600)
    with served(site) as base:
        browser.get(f"{base}/events/")
        text = browser.find_element(By.TAG_NAME, "article").text
        screenshot(browser, "docs-events")
    missing = sorted(address for address in addresses if address not in text)
    assert not missing, f"topics of docs/asyncapi.json not on the events page: {missing}"
