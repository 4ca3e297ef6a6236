"""The editor as a user meets it: headless Debian Chromium, no network, a canned query tab run.

Selenium gets explicit paths to Debian's chromium and chromedriver, so Selenium Manager never
downloads a browser; Chromium's own background traffic is switched off and every request the
page makes is checked to stay on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest_server import RunningServer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_clients import web_server  # noqa: F401 - the shared server fixture

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_S = 30


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    # performance: every request (_requested_urls); browser: the console, where Chromium
    # reports what the Content-Security-Policy blocked (csp_violations).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _requested_urls(driver: WebDriver) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def csp_violations(driver: WebDriver) -> list[str]:
    """What the Content-Security-Policy blocked since the last call (the console's log)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def test_canned_query_tab_runs_and_shows_rows(
    browser: WebDriver,
    web_server: RunningServer,  # noqa: F811
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
    assert editor_text == (Path(__file__).parent / "data/web/queries/visits.rq").read_text(
        encoding="utf-8"
    )
    panel.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait.until(
        lambda d: panel.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or None
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
    urls = _requested_urls(browser)
    assert any(u.endswith("/static/yasgui/yasgui.min.js") for u in urls)
    assert any(u.endswith("/sparql") for u in urls)
    network = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert [u for u in network if not u.startswith(web_server.url + "/")] == []
