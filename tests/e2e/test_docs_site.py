"""The docs site (mkdocs.yml over docs/) builds strictly, its events page
shows the whole AsyncAPI document, and the README leads to every page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.docs_site import build_site

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("docs") / "site")


def page_text(site: Path, page: str) -> str:
    """A built page's text, without tags, entities decoded."""
    raw = (site / page / "index.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def groups(operation: dict[str, Any]) -> list[str]:
    """The consumer group a receive operation names (none for a send)."""
    kafka = operation.get("bindings", {}).get("kafka", {})
    return kafka["groupId"]["enum"] if "groupId" in kafka else []


def test_the_site_builds_strictly_with_search(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "search" / "search_index.json").is_file(), "search is off"


def test_the_events_page_names_every_channel_operation_and_message(site: Path) -> None:
    document = json.loads((DOCS / "asyncapi.json").read_text())
    events = page_text(site, "events")
    wanted = [
        *(channel["address"] for channel in document["channels"].values()),
        *document["operations"],
        *document["components"]["messages"],
        *(group for operation in document["operations"].values() for group in groups(operation)),
    ]
    missing = [name for name in wanted if name not in events]
    assert not missing, f"the events page does not show {missing}"
    assert len(document["channels"]) == 6  # three topics, each with its dead-letter topic


def test_diagrams_are_mermaid_blocks_and_the_home_page_holds_the_quickstart(site: Path) -> None:
    for page in ("architecture/index.html", "index.html"):
        assert '<pre class="mermaid">' in (site / page).read_text(), page
    home = (site / "index.html").read_text()
    assert "ada@example.com" in home, "the README's quickstart is not on the home page"


def test_the_readme_links_every_docs_page_and_every_link_it_has_resolves() -> None:
    readme = README.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    broken = [
        target
        for target in targets
        if not re.match(r"[a-z]+://", target) and not (ROOT / target).exists()
    ]
    assert not broken, f"the README links to what does not exist: {broken}"
    linked = {(ROOT / target).resolve() for target in targets}
    # index.md is the site's home page, made of the README itself.
    pages = {page.resolve() for page in DOCS.glob("*.md") if page.name != "index.md"}
    assert not pages - linked, f"pages the README does not link: {sorted(pages - linked)}"


def test_the_front_page_stays_short_with_the_two_commands_on_top() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"the README is {len(lines)} lines"
    assert lines[3].startswith("make run") and lines[4].startswith("make test"), lines[:6]
