"""The annotated page and the cite-this button as a reader meets them: headless Chromium.

The browser is tests/server/conftest.py's (Debian chromium and chromedriver, no network);
the server serves the real build on 127.0.0.1 with a throwaway root for permalinks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from diplokg.build import ensure_built
from diplokg.config import Settings
from diplokg.dataset import served_file

if TYPE_CHECKING:
    from tests.conftest import RunningServer, Serve


WAIT_S = 30  # seconds a page gets to show what a test waits for
SLUG = "document-france-kazakhstan-2015"
# The visit's quote in graph/france-kazakhstan-2015.ttl (the same words are also the evidence
# of the President's office holding being attested at the visit).
HOLLANDE_QUOTE = "et s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, serve: Serve) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("browser-root")
    # the file `diplokg serve` serves: the RDF 1.2 dump of the build
    with serve(Settings(root=root), served_file(ensure_built(Settings()).parent)) as running:
        yield running


@pytest.fixture(scope="module")
def text() -> str:
    return (Settings().graph_dir / "france-kazakhstan-2015.txt").read_text(encoding="utf-8")


def open_document(
    driver: Chrome, server: RunningServer, fragment: str = ""
) -> WebDriverWait[Chrome]:
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
    browser: Chrome,
    server: RunningServer,
    text: str,
    requested_urls: Callable[[Chrome], list[str]],
) -> None:
    wait = open_document(browser, server)
    assert shown(browser) == []
    span = span_of(browser, text.index(HOLLANDE_QUOTE))
    assert span.text in HOLLANDE_QUOTE
    assert span.get_attribute("tabindex") == "0" and span.get_attribute("role") == "button"
    span.click()
    wait.until(lambda d: shown(d) or False)
    # the passages of these words: the visit's, and the President's office holding's
    panels = shown(browser)
    assert len(panels) == 2
    assert {p.get_attribute("data-s") for p in panels} == {str(text.index(HOLLANDE_QUOTE))}
    (content,) = [p.text for p in panels if "evidence of President Hollande's" in p.text]
    assert HOLLANDE_QUOTE in content
    for words in ("actor", "François Hollande", "took place in", "Astana", "Almaty", "stated"):
        assert words in content, words
    assert "derived statements" in content
    assert span.get_attribute("aria-expanded") == "true"
    assert "active" in str(span.get_attribute("class"))
    # Nothing left the machine.
    urls = [u for u in requested_urls(browser) if re.match(r"^(https?|wss?|ftp):", u)]
    assert [u for u in urls if not u.startswith(server.url + "/")] == []


def test_keyboard_enter_opens_escape_closes(
    browser: Chrome,
    server: RunningServer,
    text: str,
) -> None:
    wait = open_document(browser, server)
    span = span_of(browser, text.index(HOLLANDE_QUOTE))
    browser.execute_script("arguments[0].focus();", span)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait.until(lambda d: shown(d) or False)
    assert HOLLANDE_QUOTE in shown(browser)[0].text
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait.until(lambda d: not shown(d))
    assert browser.switch_to.active_element == span
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    wait.until(lambda d: shown(d) or False)
    # Tab moves on to the next span in reading order.
    ActionChains(browser).send_keys(Keys.TAB).perform()
    following = browser.switch_to.active_element
    assert following.tag_name == "span" and "ev" in str(following.get_attribute("class"))
    assert int(str(following.get_attribute("data-s"))) > int(str(span.get_attribute("data-s")))


def test_a_char_fragment_scrolls_to_and_outlines_its_range(
    browser: Chrome,
    server: RunningServer,
    text: str,
) -> None:
    start = text.index(HOLLANDE_QUOTE)
    end = start + len(HOLLANDE_QUOTE)
    wait = open_document(browser, server, f"#char={start},{end}")
    wait.until(lambda d: shown(d) or False)
    marks = browser.find_elements(By.CSS_SELECTOR, "#text span.fragment")
    assert "".join(m.text for m in marks) == HOLLANDE_QUOTE
    # the two passages of exactly these words (the visit, the office holding)
    panels = shown(browser)
    assert len(panels) == 2
    assert {(p.get_attribute("data-s"), p.get_attribute("data-e")) for p in panels} == {
        (str(start), str(end))
    }
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
    browser: Chrome,
    server: RunningServer,
    text: str,
) -> None:
    wait = open_document(browser, server)
    words = "Astana et Almaty"
    assert text.count(words) == 1
    start = text.index(words)
    # The words run over several highlighted pieces (Astana and Almaty are each named there,
    # mentions of their own): the selection starts in one piece and ends in another.
    browser.execute_script(
        """
        const [start, end] = arguments;
        const spans = [...document.querySelectorAll('#text span[data-s]')];
        const at = (offset, last) => {
          for (const span of spans) {
            const s = Number(span.dataset.s), n = span.textContent.length;
            if (last ? s < offset && offset <= s + n : s <= offset && offset < s + n) {
              return [span.firstChild, offset - s];
            }
          }
        };
        const range = document.createRange();
        range.setStart(...at(start, false));
        range.setEnd(...at(end, true));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        """,
        start,
        start + len(words),
    )
    link = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "a.selection-link")))
    assert link.text == f"#char={start},{start + len(words)}"
    assert browser.current_url.endswith(f"#char={start},{start + len(words)}")
    assert any(HOLLANDE_QUOTE in panel.text for panel in shown(browser))


def test_the_editor_records_a_permalink_and_the_permalink_page_runs_it(
    browser: Chrome, server: RunningServer, requested_urls: Callable[[Chrome], list[str]]
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
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False)
    assert len(rows) == 25  # the editor's default query: LIMIT 25
    assert any(re.search(r"/v/[0-9a-f]{12}/sparql", u) for u in requested_urls(browser))
    assert browser.find_element(By.CSS_SELECTOR, "section.cite a.permalink").text == link


def test_the_pages_break_no_rule_of_the_content_security_policy(
    browser: Chrome, server: RunningServer, csp_violations: Callable[[Chrome], list[str]]
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
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False)
    browser.get(server.url + "/search?q=Astana")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li")))
    assert csp_violations(browser) == []
