"""The editor as a user meets it: headless Debian Chromium, no network, a canned query tab run.

Selenium gets explicit paths to Debian's chromium and chromedriver, so Selenium Manager never
downloads a browser; Chromium's own background traffic is switched off and every request the
page makes is checked to stay on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

if TYPE_CHECKING:
    from tests.conftest import RunningServer

WAIT_S = 30  # seconds a page gets to show what a test waits for


def test_canned_query_tab_runs_and_shows_rows(
    browser: Chrome, web_server: RunningServer, requested_urls: Callable[[Chrome], list[str]]
) -> None:
    browser.get(web_server.url + "/")
    wait = WebDriverWait(browser, WAIT_S)
    tab = wait.until(
        ec.element_to_be_clickable((By.XPATH, "//a[@role='tab'][span[text()='Visits to a place']]"))
    )
    tab.click()
    panel_id = tab.get_attribute("aria-controls")
    panel = browser.find_element(By.ID, str(panel_id))
    wait.until(lambda d: panel.is_displayed())
    editor_text = browser.execute_script(
        "return window.diplokgYasgui.getTab().getYasqe().getValue();"
    )
    assert editor_text == (Path(__file__).parents[1] / "data/web/queries/visits.rq").read_text(
        encoding="utf-8"
    )
    panel.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait.until(
        lambda d: panel.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False
    )
    text = [row.text for row in rows]
    # Run as written (no parameter bound): each visit once per place it took place in.
    # Hollande: Astana, Almaty (stated destinations) and Kazakhstan (inferred); Mitterrand:
    # Kazakhstan.
    assert len(text) == 4
    assert sum("State visit of François Hollande to Kazakhstan" in t for t in text) == 3
    assert sum("Visit of François Mitterrand to Kazakhstan" in t for t in text) == 1
    assert "1993-09-01" in text[0]
    # Nothing left the machine: every request went to our server.
    urls = requested_urls(browser)
    assert any(u.endswith("/static/yasgui/yasgui.min.js") for u in urls)
    assert any(u.endswith("/sparql") for u in urls)
    network = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert [u for u in network if not u.startswith(web_server.url + "/")] == []


def _console_errors(driver: Chrome) -> list[str]:
    """Messages the page logged at level SEVERE (a script error, a CSP refusal)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _offline(driver: Chrome, server: RunningServer) -> list[str]:
    """Every request since the last call that went anywhere but our server (a request the
    browser itself blocked, by the page's Content-Security-Policy, never left)."""
    asked: dict[str, str] = {}
    blocked: set[str] = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            asked[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason"):
            blocked.add(params["requestId"])
    sent = [url for rid, url in asked.items() if rid not in blocked]
    network = [u for u in sent if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    return [u for u in network if not u.startswith(server.url + "/")]


def test_result_links_to_our_iris_open_our_own_pages(
    browser: Chrome,
    web_server: RunningServer,
) -> None:
    browser.get(web_server.url + "/")
    wait = WebDriverWait(browser, WAIT_S)
    tab = wait.until(
        ec.element_to_be_clickable((By.XPATH, "//a[@role='tab'][span[text()='Visits to a place']]"))
    )
    tab.click()
    panel = browser.find_element(By.ID, str(tab.get_attribute("aria-controls")))
    panel.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    # The result table may be drawn again while we look at it: find the link afresh each time.
    selector = ".yasr table tbody a[href='/resource/visit-mitterrand-1993']"
    patient = WebDriverWait(
        browser,
        WAIT_S,
        ignored_exceptions=(StaleElementReferenceException, ElementClickInterceptedException),
    )

    def attributes(driver: WebDriver) -> tuple[str | None, str | None]:
        found = driver.find_element(By.CSS_SELECTOR, selector)
        return found.get_attribute("title"), found.get_attribute("target")

    # The published IRI (https://w3id.org/diplokg/resource/...) is kept as the link's title,
    # and the link opens in the same tab.
    title, target = patient.until(attributes)
    assert title == "https://w3id.org/diplokg/resource/visit-mitterrand-1993"
    assert target in (None, "")
    windows = browser.window_handles

    def click(driver: WebDriver) -> bool:
        found = driver.find_element(By.CSS_SELECTOR, selector)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", found)
        found.click()
        return True

    patient.until(click)
    wait.until(lambda d: d.current_url.endswith("/resource/visit-mitterrand-1993"))
    assert browser.current_url == web_server.url + "/resource/visit-mitterrand-1993"
    assert browser.window_handles == windows  # the same tab
    assert (
        "Visit of François Mitterrand to Kazakhstan" in browser.find_element(By.TAG_NAME, "h1").text
    )
    assert _offline(browser, web_server) == []


def test_a_new_editor_tab_declares_our_prefixes(
    browser: Chrome,
    web_server: RunningServer,
) -> None:
    browser.get(web_server.url + "/")
    wait = WebDriverWait(browser, WAIT_S)
    before = len(wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "a[role='tab']") or False))
    browser.find_element(By.CSS_SELECTOR, "button.addTab").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "a[role='tab']")) > before)
    text = browser.execute_script("return window.diplokgYasgui.getTab().getYasqe().getValue();")
    assert text.startswith("PREFIX dkg: <https://w3id.org/diplokg/ontology#>\nPREFIX res: ")
    assert "SELECT * WHERE" in text


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        pytest.param(
            "/docs", ".opblock-summary-path[data-path='/api/queries/visits']", id="swagger"
        ),
        pytest.param("/redoc", "[data-section-id='tag/canned-queries']", id="redoc"),
    ],
)
def test_the_api_docs_render_offline(
    browser: Chrome,
    web_server: RunningServer,
    path: str,
    rendered: str,
    requested_urls: Callable[[Chrome], list[str]],
) -> None:
    _console_errors(browser)  # forget what earlier pages logged
    requested_urls(browser)
    browser.get(web_server.url + path)
    found = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, rendered) or False
    )
    assert found[0].is_displayed() or path == "/redoc"
    assert "Visits to a place" in browser.find_element(By.TAG_NAME, "body").text
    # No script error, nothing refused by the Content-Security-Policy but ReDoc's footer
    # logo, an image on Redocly's CDN, which is not shown (the page hides it when it fails).
    errors = _console_errors(browser)
    assert [e for e in errors if "img-src" not in e or "cdn.redoc.ly" not in e] == []
    assert _offline(browser, web_server) == []
