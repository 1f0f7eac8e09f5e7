"""Helpers for the browser tests (tests/e2e/browser): the people they sign up
and the README's screenshots."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from selenium import webdriver

from scripts.system import ROOT, System
from tests.e2e.flows import SECRETS

SCREENSHOTS = ROOT / "docs" / "screenshots"

BrowserFactory = Callable[[], webdriver.Chrome]


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    """The README's screenshots, refreshed when UPDATE_SCREENSHOTS=1; saved
    to SCREENSHOT_DIR instead when that is set (to look at, not commit)."""
    elsewhere = os.environ.get("SCREENSHOT_DIR")
    if elsewhere or os.environ.get("UPDATE_SCREENSHOTS") == "1":
        folder = Path(elsewhere) if elsewhere else SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / f"{name}.png"))


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
