"""Take docs/annotated-page.png: the annotated source page, one passage open, in headless Chromium.

Run from the repository root after `make build`: `.venv/bin/python docs/screenshot.py`. It
serves the built dataset (its RDF 1.2 dump, as `diplokg serve` does) on a free 127.0.0.1 port
(as the tests do), opens /document/<slug>#char=START,END (the 5-6 December 2014 visit) and
saves the window.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.conftest

from tests.conftest import serve_app as serve  # noqa: E402

from diplokg.build import ensure_built  # noqa: E402
from diplokg.config import Settings  # noqa: E402
from diplokg.dataset import served_file  # noqa: E402

SLUG = "document-france-kazakhstan-2015"
# "et s’est rendu en visite officielle à Astana et Almaty les 5 et 6 décembre 2014"
FRAGMENT = "char=880,959"
OUTPUT = REPO / "docs" / "annotated-page.png"


def main() -> None:
    settings = Settings()
    data = served_file(ensure_built(settings).parent)  # what `diplokg serve` serves
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1500,1000",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    with serve(settings, data) as server:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(f"{server.url}/document/{SLUG}#{FRAGMENT}")
            wait = WebDriverWait(driver, 30)
            wait.until(
                ec.visibility_of_element_located((By.CSS_SELECTOR, "article.passage:not([hidden])"))
            )
            driver.execute_script("window.scrollTo(0, 0);")  # the quote is near the top
            time.sleep(0.5)
            OUTPUT.write_bytes(driver.get_screenshot_as_png())
        finally:
            driver.quit()
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
