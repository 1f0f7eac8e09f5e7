"""Every HTML page reachable from the two API roots answers without a 5xx:
a crawler follows each link and form, anonymous and logged in."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import requests

from scripts.system import System
from tests.support.browser import new_person, register_over_api

# What Chromium sends for a page.
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MAX_PAGES = 400
SKIP = ("/api-auth/logout", "/admin/", "/static/")


class Links(HTMLParser):
    """Each link, and each GET form submitted once per option of its selects."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.found: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self._add(values["href"] or "")
        elif tag == "form":
            action = values.get("action") or self.base
            self._add(action)
            if (values.get("method") or "get").lower() == "get":
                self._form = {"action": action, "fields": {}, "choices": {}}
        elif self._form is not None and tag == "input" and values.get("name"):
            if values.get("type") not in ("submit", "button"):
                self._form["fields"][values["name"]] = values.get("value") or ""
        elif self._form is not None and tag == "select" and values.get("name"):
            self._select = values["name"]
            self._form["choices"][self._select] = []
        elif self._form is not None and tag == "option" and self._select:
            self._form["choices"][self._select].append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form, self._form = self._form, None
            base = {k: v for k, v in form["fields"].items() if v}
            for name, options in form["choices"].items():
                for option in options:
                    query = {**base, **({name: option} if option else {})}
                    self._add(f"{form['action'].split('?')[0]}?{urlencode(query)}")

    def _add(self, target: str) -> None:
        if not target.startswith(("#", "javascript:", "mailto:")):
            self.found.append(urljoin(self.base, target))


def crawl(session: requests.Session, roots: list[str], seeds: list[str]) -> dict[str, int]:
    ours = {urlsplit(root).netloc for root in roots}
    seen: dict[str, int] = {}
    queue = deque([*roots, *seeds])
    while queue and len(seen) < MAX_PAGES:
        url = urldefrag(queue.popleft())[0]
        parts = urlsplit(url)
        if url in seen or parts.netloc not in ours or parts.path.startswith(SKIP):
            continue
        response = session.get(url, headers=HTML, timeout=60, allow_redirects=False)
        seen[url] = response.status_code
        if "text/html" in response.headers.get("Content-Type", ""):
            parser = Links(url)
            parser.feed(response.text)
            queue.extend(parser.found)
    return seen


def seeds(system: System, game_id: int) -> list[str]:
    """Pages the docs name that no API page links to."""
    return [
        f"{system.games_url}/games/{game_id}/",
        *(f"{url}/api/docs/" for url in (system.users_url, system.games_url)),
    ]


def test_no_page_reachable_from_either_api_root_answers_5xx(system: System) -> None:
    roots = [f"{system.users_url}/", f"{system.games_url}/"]
    game_id = requests.get(f"{system.games_url}/games/", timeout=30).json()["results"][0]["id"]
    anonymous = crawl(requests.Session(), roots, seeds(system, game_id))

    # Logged in through the login page, as a browser does.
    person = new_person("Crawler")
    user_id = register_over_api(system, person)
    session = requests.Session()
    session.get(f"{system.users_url}/api-auth/login/", timeout=30)
    landed = session.post(
        f"{system.users_url}/api-auth/login/",
        data={
            "email": person.email,
            "password": person.password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{system.users_url}/api-auth/login/"},
        timeout=30,
    )
    assert landed.status_code == 200 and landed.url.startswith(f"{system.users_url}/users/")
    own = [f"{system.users_url}/users/{user_id}/", f"{system.users_url}/users/{user_id}/read/"]
    logged_in = crawl(session, roots, [*own, *seeds(system, game_id)])

    for label, seen in (("anonymous", anonymous), ("logged in", logged_in)):
        broken = {url: code for url, code in seen.items() if code >= 500}
        assert not broken, f"{label}: {broken}"
    assert len(anonymous) > 40 and len(logged_in) > 40
    # The catalog's filter form was followed with each of its choices.
    assert any("platform=browser" in url for url in anonymous)
    assert any("sort-by=popularity" in url for url in logged_in)
    assert all(logged_in[url] == 200 for url in own)
