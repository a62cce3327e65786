"""Open every page of the built site (_build/html) in headless Chromium and look for breakage.

A page fails on: an image that did not load, a local file that is missing, a
Python traceback or an error output shown in the page. Run after the book is
built (``make test`` does); it writes a screenshot of each chapter to
``_build/screenshots/``. Needs Chromium at /usr/bin/chromium (``make test``
installs it when missing) and the playwright package, which drives it.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SKIP = {"genindex.html", "search.html", "index.html"}  # index.html only redirects to the intro
PAGES = (
    sorted(p for p in HTML.rglob("*.html") if p.name not in SKIP and "_static" not in p.parts)
    if HTML.is_dir()
    else []
)

pytestmark = pytest.mark.skipif(not PAGES, reason="build the book first: make book")


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: apt-get install -y chromium (make test does this)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("page_path", PAGES, ids=[str(p.relative_to(HTML)) for p in PAGES])
def test_page_renders_without_breakage(browser, page_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    missing = []
    page.on("requestfailed", lambda r: missing.append(r.url) if r.url.startswith("file:") else None)
    page.goto(page_path.as_uri(), wait_until="load")
    broken_images = page.eval_on_selector_all(
        "img",
        "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))",
    )
    text = page.inner_text("body")
    errors = page.eval_on_selector_all(
        "div.output.traceback, div.output.error, .cell_output .traceback", "e => e.length"
    )
    if page_path.name[:2].isdigit():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{page_path.stem}.png"), full_page=False)
    page.close()
    assert not broken_images, f"images that did not load: {broken_images}"
    assert not missing, f"missing local files: {missing}"
    assert "Traceback (most recent call last)" not in text
    assert errors == 0, "an error output is shown in the page"


def test_chapter_pages_show_figures_and_animation_controls(browser):
    chapters = [p for p in PAGES if p.name[:2].isdigit()]
    assert chapters, "no chapter pages were built"
    page = browser.new_page()
    page.goto((HTML / "book" / "01_neuron.html").as_uri(), wait_until="load")
    figures = page.eval_on_selector_all(
        ".cell_output img", "imgs => imgs.filter(i => i.naturalWidth > 0).length"
    )
    animations = page.eval_on_selector_all(".animation", "a => a.length")
    buttons = page.eval_on_selector_all(".animation button", "b => b.length")
    solutions = page.eval_on_selector_all(
        ".solution.dropdown, details.solution, .dropdown", "d => d.length"
    )
    page.close()
    assert figures >= 6, figures
    assert animations >= 1 and buttons >= 5, (animations, buttons)
    assert solutions >= 3, "exercise solutions are hidden in dropdowns"
