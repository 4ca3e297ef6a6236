"""The annotated page and the cite-this button as a reader meets them: headless Chromium.

The browser set-up is tests/test_browser.py's (Debian chromium and chromedriver, no network);
the server serves the real build on 127.0.0.1 with a throwaway root for permalinks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest_server import RunningServer, serve
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_browser import (  # noqa: F401 - the shared browser
    WAIT_S,
    _requested_urls,
    browser,
    csp_violations,
)

from diplokg.build import ensure_built
from diplokg.config import Settings

SLUG = "document-france-kazakhstan-2015"
HOLLANDE_QUOTE = "s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("browser-root")
    with serve(Settings(root=root), ensure_built(Settings())) as running:
        yield running


@pytest.fixture(scope="module")
def text() -> str:
    return (Settings().graph_dir / "france-kazakhstan-2015.txt").read_text(encoding="utf-8")


def open_document(driver: WebDriver, server: RunningServer, fragment: str = "") -> WebDriverWait:
    driver.get(f"{server.url}/document/{SLUG}{fragment}")
    wait = WebDriverWait(driver, WAIT_S)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#text span.ev")))
    return wait


def shown(driver: WebDriver) -> list[WebElement]:
    return [a for a in driver.find_elements(By.CSS_SELECTOR, "article.passage") if a.is_displayed()]


def span_of(driver: WebDriver, start: int) -> WebElement:
    """The first highlighted piece of the passage that starts at `start`."""
    number = driver.find_element(
        By.CSS_SELECTOR, f'article.passage[data-s="{start}"]'
    ).get_attribute("id")
    assert number is not None
    for span in driver.find_elements(By.CSS_SELECTOR, "#text span.ev"):
        if number.removeprefix("passage-") in str(span.get_attribute("data-p")).split():
            return span
    raise AssertionError(f"no span for the passage at {start}")


def test_a_span_is_highlighted_and_clicking_it_lists_its_statements(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
    text: str,
) -> None:
    wait = open_document(browser, server)
    assert shown(browser) == []
    span = span_of(browser, text.index(HOLLANDE_QUOTE))
    assert span.text in HOLLANDE_QUOTE
    assert span.get_attribute("tabindex") == "0" and span.get_attribute("role") == "button"
    span.click()
    wait.until(lambda d: shown(d) or None)
    (panel,) = shown(browser)
    assert panel.get_attribute("data-s") == str(text.index(HOLLANDE_QUOTE))
    content = panel.text
    assert HOLLANDE_QUOTE in content
    for words in ("actor", "François Hollande", "took place in", "Astana", "Almaty", "stated"):
        assert words in content, words
    assert "derived statements" in content
    assert span.get_attribute("aria-expanded") == "true"
    assert "active" in str(span.get_attribute("class"))
    # Nothing left the machine.
    urls = [u for u in _requested_urls(browser) if re.match(r"^(https?|wss?|ftp):", u)]
    assert [u for u in urls if not u.startswith(server.url + "/")] == []


def test_keyboard_enter_opens_escape_closes(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
    text: str,
) -> None:
    wait = open_document(browser, server)
    span = span_of(browser, text.index(HOLLANDE_QUOTE))
    browser.execute_script("arguments[0].focus();", span)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait.until(lambda d: shown(d) or None)
    assert HOLLANDE_QUOTE in shown(browser)[0].text
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait.until(lambda d: not shown(d))
    assert browser.switch_to.active_element == span
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    wait.until(lambda d: shown(d) or None)
    # Tab moves on to the next span in reading order.
    ActionChains(browser).send_keys(Keys.TAB).perform()
    following = browser.switch_to.active_element
    assert following.tag_name == "span" and "ev" in str(following.get_attribute("class"))
    assert int(str(following.get_attribute("data-s"))) > int(str(span.get_attribute("data-s")))


def test_a_char_fragment_scrolls_to_and_outlines_its_range(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
    text: str,
) -> None:
    start = text.index(HOLLANDE_QUOTE)
    end = start + len(HOLLANDE_QUOTE)
    wait = open_document(browser, server, f"#char={start},{end}")
    wait.until(lambda d: shown(d) or None)
    marks = browser.find_elements(By.CSS_SELECTOR, "#text span.fragment")
    assert "".join(m.text for m in marks) == HOLLANDE_QUOTE
    (panel,) = shown(browser)
    assert (panel.get_attribute("data-s"), panel.get_attribute("data-e")) == (str(start), str(end))
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top;", marks[0])
    assert 0 <= top <= browser.execute_script("return window.innerHeight;")
    # Any range, not only a quote's; a length check that fails is said.
    browser.get(f"{server.url}/document/{SLUG}#char=0,12;length=99")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#text span.fragment")))
    marks = browser.find_elements(By.CSS_SELECTOR, "#text span.fragment")
    assert "".join(m.text for m in marks) == text[0:12].strip()
    warning = browser.find_element(By.CSS_SELECTOR, "p.fragment-warning")
    assert "99 characters" in warning.text


def test_selecting_words_lists_their_statements_and_gives_their_link(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
    text: str,
) -> None:
    wait = open_document(browser, server)
    words = "Astana et Almaty"
    assert text.count(words) == 1
    start = text.index(words)
    browser.execute_script(
        """
        const [words] = arguments;
        for (const span of document.querySelectorAll('#text span[data-s]')) {
          const at = span.textContent.indexOf(words);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(span.firstChild, at);
          range.setEnd(span.firstChild, at + words.length);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
          return;
        }
        """,
        words,
    )
    link = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "a.selection-link")))
    assert link.text == f"#char={start},{start + len(words)}"
    assert browser.current_url.endswith(f"#char={start},{start + len(words)}")
    assert any(HOLLANDE_QUOTE in panel.text for panel in shown(browser))


def test_the_editor_records_a_permalink_and_the_permalink_page_runs_it(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
) -> None:
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, WAIT_S)
    button = wait.until(ec.element_to_be_clickable((By.ID, "cite-button")))
    assert button.text == "Permalink / cite this"
    button.click()
    dialog = wait.until(ec.visibility_of_element_located((By.ID, "cite-dialog")))
    link = dialog.find_element(By.CSS_SELECTOR, "a.permalink").get_attribute("href")
    assert link is not None and re.fullmatch(rf"{server.url}/p/[0-9a-f]{{12}}", link)
    assert "@misc{diplokg-" in dialog.find_element(By.CSS_SELECTOR, "pre.bibtex").text
    browser.get(link)
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or None)
    assert len(rows) == 25  # the editor's default query: LIMIT 25
    assert any(re.search(r"/v/[0-9a-f]{12}/sparql", u) for u in _requested_urls(browser))
    assert browser.find_element(By.CSS_SELECTOR, "section.cite a.permalink").text == link


def test_the_pages_break_no_rule_of_the_content_security_policy(
    browser: WebDriver,  # noqa: F811
    server: RunningServer,
) -> None:
    # The server sends a Content-Security-Policy (script-src 'self'): the pages' scripts are
    # files, their data JSON blocks, and nothing they do is blocked.
    csp_violations(browser)  # forget what earlier tests logged
    wait = open_document(browser, server, "#char=0,12")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#text span.fragment")))
    browser.get(server.url + "/")
    wait.until(ec.element_to_be_clickable((By.ID, "cite-button"))).click()
    link = wait.until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#cite-dialog a.permalink"))
    ).get_attribute("href")
    assert link is not None
    browser.get(link)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or None)
    browser.get(server.url + "/search?q=Astana")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li")))
    assert csp_violations(browser) == []
