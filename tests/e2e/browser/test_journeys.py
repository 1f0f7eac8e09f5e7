"""The journeys a person takes with only a browser, in headless Chromium
against both services running as real processes."""

from __future__ import annotations

import json
import re

import requests
from selenium.webdriver.common.by import By

from scripts.poll import eventually
from scripts.system import System
from tests.e2e.browser import pages as p
from tests.support.browser import (
    BrowserFactory,
    Person,
    new_person,
    register_over_api,
    screenshot,
)


def register_in_the_browser(driver, system: System, person: Person) -> str:
    driver.get(f"{system.users_url}/users/")
    assert p.response_status(driver) == 405  # /users/ only takes POST: the form is below
    p.submit_html_form(
        driver,
        "post-object-form",
        {"email": person.email, "password": person.password, "name": person.name},
        "POST",
    )
    assert p.response_status(driver) == 201
    screenshot(driver, "registered-with-the-html-form")
    return p.response_body(driver)["id"]


def test_register_log_in_browse_record_a_read_and_see_it_in_the_history(
    system: System, new_browser: BrowserFactory
) -> None:
    driver = new_browser()
    person = new_person()
    user_id = register_in_the_browser(driver, system, person)

    # Log in from the link every browsable page has: lands on the own page.
    p.log_in(driver, person.email, person.password)
    p.wait_text(driver, person.email)
    assert driver.current_url.rstrip("/") == f"{system.users_url}/users/{user_id}"
    assert p.response_status(driver) == 200
    assert p.response_body(driver)["name"] == person.name
    # Update oneself with the HTML form of the own page (cookie + CSRF token):
    # it comes filled in, and the empty password boxes change nothing.
    p.submit_html_form(driver, "put-object-form", {"name": "Ada Renamed"}, "PUT")
    assert p.response_status(driver) == 200
    assert p.response_body(driver)["name"] == "Ada Renamed"
    # A new login email needs the current password, from the browser too.
    moved = f"moved-{person.email}"
    p.submit_html_form(driver, "put-object-form", {"email": moved}, "PUT")
    assert p.response_status(driver) == 400
    assert "current_password" in p.response_body(driver)["error"]["fields"]
    p.submit_html_form(
        driver, "put-object-form", {"email": moved, "current_password": person.password}, "PUT"
    )
    assert p.response_status(driver) == 200, p.response_body(driver)
    assert p.response_body(driver)["email"] == moved
    # The raw form stays for what the HTML form cannot say: a PATCH.
    p.submit_raw_form(driver, "put-generic-content-form", {"name": "Ada Patched"}, "PATCH")
    assert p.response_status(driver) == 200
    assert p.response_body(driver)["name"] == "Ada Patched"

    # The catalog on the other service knows who is logged in (the cookie).
    driver.get(f"{system.games_url}/games/")
    p.wait_text(driver, f"user {user_id}")
    assert p.response_status(driver) == 200
    p.click(driver, "button[data-target='#filtersModal']")
    p.choose(driver, "#filter-platform", "pc")
    p.choose(driver, "#filter-sort-by", "alphabetical")
    p.click(driver, "#filter-submit")
    p.wait_for(driver, ".response-info")
    assert "platform=pc" in driver.current_url and "sort-by=alphabetical" in driver.current_url
    listing = p.response_body(driver)
    titles = [game["title"] for game in listing["results"]]
    assert titles == sorted(titles, key=str.lower) and listing["count"] > 0
    assert all("PC" in game["platform"] for game in listing["results"])
    screenshot(driver, "catalog")

    # Open a game from the list.
    game = listing["results"][0]
    driver.get(f"{system.games_url}/games/{game['id']}/")
    assert p.response_status(driver) == 200
    assert p.response_body(driver)["title"] == game["title"]

    # Record the read with the HTML form under the catalog.
    driver.get(f"{system.games_url}/games/")
    p.submit_html_form(driver, "post-object-form", {"game_id": game["id"]}, "POST")
    assert p.response_status(driver) == 202, p.page_text(driver)
    accepted = p.response_body(driver)
    assert accepted["user_id"] == user_id and accepted["title"] == game["title"]

    # It reaches the history through Kafka; the history page shows it.
    def history_shows_it() -> bool:
        driver.get(f"{system.users_url}/users/{user_id}/read/")
        return game["title"] in p.page_text(driver)

    eventually(history_shows_it, timeout=60, every=0.5, message="the read never reached history")
    history = p.response_body(driver)
    assert history["count"] == 1 and history["results"][0]["game_id"] == game["id"]
    screenshot(driver, "history")

    # Log out: the cookie is gone at both services.
    p.click(driver, "a.dropdown-toggle")
    p.click(driver, "a[onclick*='logoutForm']")
    p.wait_for(driver, "a[href*='/api-auth/login/']")
    driver.get(f"{system.users_url}/users/{user_id}/")
    assert p.response_status(driver) == 401
    driver.get(f"{system.games_url}/games/")
    assert f"user {user_id}" not in p.page_text(driver)


def test_a_person_who_mistypes_the_password_too_often_is_told_to_wait_and_not_let_in(
    system: System, new_browser: BrowserFactory
) -> None:
    # LOGIN_RATE_PER_EMAIL's default (5/min); the e2e system keeps it, and the
    # per-address limit it raises is not what this person runs into.
    assert "LOGIN_RATE_PER_EMAIL" not in system.env
    attempts_per_minute = 5
    person = new_person("Careless Typist")
    user_id = register_over_api(system, person)
    driver = new_browser()
    driver.get(f"{system.users_url}/")

    p.log_in(driver, person.email, f"wrong-{person.password}")
    assert p.wait_for(driver, "#login-error").text == "Invalid email or password."
    for _ in range(attempts_per_minute - 1):
        submit_login_form(driver, f"wrong-{person.password}")
        assert p.wait_for(driver, "#login-error").text == "Invalid email or password."

    # One more, now with the right password: refused, with how long to wait,
    # and the form keeps the email so the person need not type it again.
    submit_login_form(driver, person.password)
    refusal = p.wait_for(driver, "#login-error").text
    assert re.fullmatch(r"Too many login attempts; try again in \d+ s\.", refusal), refusal
    assert 1 <= int(re.findall(r"\d+", refusal)[0]) <= 61
    assert p.wait_for(driver, "#id_email").get_attribute("value") == person.email
    assert p.wait_for(driver, "#id_password").get_attribute("value") == ""
    # No cookie was set: the own page still asks who this is.
    driver.get(f"{system.users_url}/users/{user_id}/")
    assert p.response_status(driver) == 401


def submit_login_form(driver, password: str) -> None:
    """Type the password into the login page in view (its email is kept from
    the last try) and submit; returns once the answer replaced the page."""
    before = driver.find_element(By.TAG_NAME, "html")
    p.fill(driver, "#id_password", password)
    p.click(driver, "#login-submit")
    p.wait_page_replaced(driver, before)


def test_swagger_ui_authorizes_with_a_token_from_login_and_tries_operations(
    system: System, new_browser: BrowserFactory
) -> None:
    person = new_person("Swagger User")
    register_over_api(system, person)
    driver = new_browser()

    # users: log in with Try it out, then Authorize with the token it gave.
    driver.get(f"{system.users_url}/api/docs/")
    p.click(driver, "#operations-auth-auth_login_create .opblock-summary")
    p.click(driver, "#operations-auth-auth_login_create .try-out__btn")
    body = f'{{"email": "{person.email}", "password": "{person.password}"}}'
    p.fill(driver, "#operations-auth-auth_login_create textarea.body-param__text", body)
    p.click(driver, "#operations-auth-auth_login_create .execute")
    access = swagger_response(driver, "auth-auth_login_create", 200)["access"]
    authorize(driver, access)
    p.click(driver, "#operations-auth-auth_auth_test_retrieve .opblock-summary")
    p.click(driver, "#operations-auth-auth_auth_test_retrieve .try-out__btn")
    p.click(driver, "#operations-auth-auth_auth_test_retrieve .execute")
    me = swagger_response(driver, "auth-auth_auth_test_retrieve", 200)
    assert me["email"] == person.email
    screenshot(driver, "swagger")

    # games: the same token records a read.
    driver.get(f"{system.games_url}/api/docs/")
    authorize(driver, access)
    p.click(driver, "#operations-games-games_create .opblock-summary")
    p.click(driver, "#operations-games-games_create .try-out__btn")
    game_id = requests.get(f"{system.games_url}/games/", timeout=30).json()["results"][0]["id"]
    p.fill(
        driver,
        "#operations-games-games_create textarea.body-param__text",
        f'{{"game_id": {game_id}}}',
    )
    p.click(driver, "#operations-games-games_create .execute")
    assert swagger_response(driver, "games-games_create", 202)["game_id"] == game_id


def authorize(driver, token: str) -> None:
    """Swagger UI's Authorize dialog, bearer scheme (``jwtAuth``)."""
    p.click(driver, ".auth-wrapper .authorize")
    scheme = "//div[contains(@class, 'auth-container')][.//h4[contains(., 'jwtAuth')]]"
    field = p.wait_for_xpath(driver, f"{scheme}//input")
    field.send_keys(token)
    p.wait_for_xpath(driver, f"{scheme}//button[contains(@class, 'authorize')]").click()
    p.click(driver, ".auth-btn-wrapper .btn-done")


def swagger_response(driver, operation: str, status: int) -> dict:
    """The status and JSON body Swagger UI shows after "Execute"."""
    row = f"#operations-{operation} .live-responses-table tbody tr.response"
    code = p.wait_for(driver, f"{row} .response-col_status").text.strip()
    assert code == str(status), code
    return json.loads(p.wait_for(driver, f"{row} .response-col_description pre").text)


def test_the_games_log_in_link_logs_a_person_in_at_users_and_brings_them_back_to_games(
    system: System, new_browser: BrowserFactory
) -> None:
    person = new_person("Games First")
    user_id = register_over_api(system, person)
    driver = new_browser()
    driver.get(f"{system.games_url}/games/")
    p.log_in(driver, person.email, person.password)  # the login page is the users service's
    p.wait_text(driver, f"user {user_id}")
    assert driver.current_url == f"{system.games_url}/games/"
    assert p.response_status(driver) == 200
