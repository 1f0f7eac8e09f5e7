"""What a person does on the pages, as small steps over Selenium. Every wait
polls for a condition on the page (WebDriverWait), never a fixed sleep."""

from __future__ import annotations

import json
import re
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

TIMEOUT = 30


def wait_for(driver: WebDriver, css: str, *, timeout: float = TIMEOUT) -> WebElement:
    return WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_for_xpath(driver: WebDriver, xpath: str, *, timeout: float = TIMEOUT) -> WebElement:
    return WebDriverWait(driver, timeout).until(ec.element_to_be_clickable((By.XPATH, xpath)))


def click(driver: WebDriver, css: str, *, timeout: float = TIMEOUT) -> None:
    WebDriverWait(driver, timeout).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()


def fill(driver: WebDriver, css: str, text: str) -> None:
    field = wait_for(driver, css)
    field.clear()
    field.send_keys(text)


def choose(driver: WebDriver, css: str, value: str) -> None:
    Select(wait_for(driver, css)).select_by_value(value)


def page_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def wait_text(driver: WebDriver, text: str, *, timeout: float = TIMEOUT) -> None:
    def shown(d: WebDriver) -> bool:
        try:
            return text in d.find_element(By.TAG_NAME, "body").text
        except WebDriverException as exc:
            if left_its_page(exc):  # mid-navigation: "not yet"
                return False
            raise

    WebDriverWait(driver, timeout).until(
        shown, message=f"{text!r} never appeared on {driver.current_url}"
    )


def wait_page_replaced(driver: WebDriver, old_html: WebElement) -> None:
    """Wait until the page ``old_html`` belonged to is gone (a submitted form
    was answered). Selenium's ``staleness_of`` lets chromedriver's inspector
    error through when the old document goes mid-check."""

    def replaced(_: WebDriver) -> bool:
        try:
            old_html.is_enabled()
        except WebDriverException as exc:
            if left_its_page(exc):
                return True
            raise
        return False

    WebDriverWait(driver, TIMEOUT).until(
        replaced, message=f"the page at {driver.current_url} was never replaced"
    )


def left_its_page(exc: WebDriverException) -> bool:
    """Whether ``exc`` says an element's page is gone. chromedriver reports it
    as a stale element, or, when the old document goes during the call, as
    an inspector error ("Node with given id does not belong to the
    document")."""
    return isinstance(exc, StaleElementReferenceException) or _LEFT_DOCUMENT in str(exc)


_LEFT_DOCUMENT = "does not belong to the document"


def response_status(driver: WebDriver) -> int:
    """The status line the browsable API shows (``HTTP 201 Created``)."""
    line = wait_for(driver, ".response-info .meta b").text
    return int(line.split()[1])


def response_body(driver: WebDriver) -> Any:
    """The JSON the browsable API shows under the headers."""
    text = wait_for(driver, ".response-info pre").text
    return json.loads(text.split("\n\n", 1)[1])


def submit_raw_form(driver: WebDriver, form_id: str, body: dict[str, Any], button: str) -> None:
    """Send ``body`` with the browsable API's raw-data form (JSON) and wait
    for the page to show the answer."""
    _submit(driver, form_id, {"textarea[name=_content]": json.dumps(body)}, button)


def submit_html_form(driver: WebDriver, form_id: str, fields: dict[str, Any], button: str) -> None:
    """Type ``fields`` into the browsable API's HTML form (a box per field;
    the others keep what the page filled in) and wait for the answer."""
    _submit(driver, form_id, {f"[name='{k}']": str(v) for k, v in fields.items()}, button)


def _submit(driver: WebDriver, form_id: str, boxes: dict[str, str], button: str) -> None:
    before = driver.find_element(By.TAG_NAME, "html")
    click(driver, f"a[href='#{form_id}']")  # its tab: the HTML form's is in view first
    for css, text in boxes.items():
        fill(driver, f"#{form_id} {css}", text)
    WebDriverWait(driver, TIMEOUT).until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//*[@id='{form_id}']//button[normalize-space()='{button}']")
        )
    ).click()
    wait_page_replaced(driver, before)
    wait_for(driver, ".response-info")


def log_in(driver: WebDriver, email: str, password: str) -> None:
    """Through the "Log in" link of the page in view."""
    click(driver, "a[href*='/api-auth/login/']")
    fill(driver, "#id_email", email)
    fill(driver, "#id_password", password)
    click(driver, "#login-submit")


def uuid_in(text: str) -> str:
    found = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
    assert found, text
    return found.group(0)
