"""The built site as a person sees it, in a real headless browser (Debian's Chromium).

Run after building:  python -m tools.website build --quick && pytest website/test_site.py
It serves build/website/quick/html on 127.0.0.1 and checks, on the home page and every lesson:
maths typeset by MathJax (and no raw TeX left), every figure the executed notebook drew present
and loaded with its description as alt text, the Colab, Kaggle and Binder badges, the set-up
cell folded away until clicked, the QUICK-mode note, the stand-in note where one was used,
links between pages, one search box, nothing cut off at 1280 px or on a phone (390 px),
figures and text readable in dark mode, and no error in the browser's console.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.error
import urllib.request

import pytest

from tools import website

SITE = website.BUILD_DIR / "quick" / "html"
PAGES_SRC = website.BUILD_DIR / "quick" / "src"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")

if not (SITE / "index.html").is_file():
    pytest.fail(
        f"no site at {SITE}: build it first with `python -m tools.website build --quick`",
        pytrace=False,
    )

LESSONS = sorted(PAGES_SRC.glob("*.ipynb"))


def _executed(name: str) -> dict:
    return json.loads((PAGES_SRC / f"{name}.ipynb").read_text(encoding="utf-8"))


def _image_outputs(notebook: dict) -> int:
    return sum(
        any(kind in output.get("data", {}) for kind in IMAGE_TYPES)
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def _has_maths(notebook: dict) -> bool:
    return any(
        re.search(r"\$[^$\s][^$]*\$|\$\$", "".join(cell["source"]))
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def _open(browser, url: str) -> None:
    """Load a page and wait until MathJax (on pages with maths) has finished typesetting it."""
    browser.get_log("browser")  # forget what earlier pages logged
    browser.get(url)
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!document.querySelector('script[src*=mathjax]')) { done(false); return; }"
        "const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
        "  ? MathJax.startup.promise.then(() => done(true)) : setTimeout(wait, 50);"
        "wait();"
    )


@pytest.fixture
def phone(browser):
    """The browser at a phone's width for one test, then back at 1280 px."""
    browser.set_window_size(390, 900)
    yield browser
    browser.set_window_size(1280, 1000)


def _console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def _prose_text(browser) -> str:
    """The article's visible text without code blocks and outputs (where $ may be literal)."""
    return browser.execute_script(
        "const a = document.querySelector('article').cloneNode(true);"
        "a.querySelectorAll('pre, code, .cell_output, mjx-container').forEach(e => e.remove());"
        "return a.innerText;"
    )


def test_every_lesson_of_the_course_has_a_page():
    built = {p.stem for p in LESSONS}
    wanted = {p.stem for p in website.lesson_notebooks()}
    assert wanted <= built, f"lessons missing from the built site: {sorted(wanted - built)}"
    for name in wanted:
        assert (SITE / f"{name}.html").is_file(), f"{name}.html was not written"


def test_home_page(server, browser):
    _open(browser, f"{server}/index.html")
    assert "QUICK mode" in browser.find_element("css selector", ".bd-header-announcement").text
    links = browser.execute_script(
        "return [...document.querySelectorAll('article a')].map(a => a.href);"
    )
    for lesson in LESSONS:
        page = f"{server}/{lesson.stem}.html"
        assert page in links, f"the home page does not link to {lesson.stem}"
        for url in (website.colab_url, website.kaggle_url, website.binder_url):
            assert url(lesson.name) in links, (
                f"the home page's lesson table has no {url.__name__} badge for {lesson.name}"
            )
    for link in {link.split("#")[0] for link in links if link.startswith(server)}:
        try:
            urllib.request.urlopen(link, timeout=10).close()
        except urllib.error.HTTPError as error:
            pytest.fail(f"the home page links to {link}, which answers {error.code}")
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src);"
    )
    assert not broken, f"images that did not load on the home page: {broken}"
    assert not _console_errors(browser)
    # a click through to the first lesson, as a reader would
    browser.find_element("css selector", f"article a[href='{LESSONS[0].stem}.html']").click()
    assert browser.current_url == f"{server}/{LESSONS[0].stem}.html"


@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_lesson_page(server, browser, lesson):
    notebook = _executed(lesson)
    _open(browser, f"{server}/{lesson}.html")

    banner = browser.find_element("css selector", ".bd-header-announcement").text
    assert "QUICK mode" in banner, "the page does not say its numbers come from QUICK mode"

    if _has_maths(notebook):
        typeset = browser.execute_script("return document.querySelectorAll('mjx-container').length")
        assert typeset > 0, "the lesson has maths but MathJax typeset none of it"
    prose = _prose_text(browser)
    for raw in ("$$", "\\(", "\\["):
        assert raw not in prose, f"untypeset TeX ({raw}) left in the text: MathJax did not run"

    figures = browser.execute_script(
        "return [...document.querySelectorAll('.cell_output img')]"
        ".map(i => [i.src, i.complete && i.naturalWidth > 0]);"
    )
    assert len(figures) == _image_outputs(notebook), (
        f"{len(figures)} figures on the page, {_image_outputs(notebook)} in the executed notebook"
    )
    assert all(loaded for _, loaded in figures), f"figures not loaded: {figures}"

    for url in (website.colab_url, website.kaggle_url, website.binder_url):
        badge = browser.execute_script(
            "const a = [...document.querySelectorAll('article a')]"
            "  .find(a => a.href === arguments[0]);"
            "const img = a && a.querySelector('img');"
            "return img ? img.complete && img.naturalWidth > 0 && img.alt : null;",
            url(f"{lesson}.ipynb"),
        )
        assert badge, f"no loaded badge with alt text linking to {url(f'{lesson}.ipynb')}"

    notes = browser.execute_script(
        "return [...document.querySelectorAll('.admonition')].map(a => a.innerText);"
    )
    records = sum("helpers.record(" in "".join(c["source"]) for c in notebook["cells"])
    quick_notes = sum("come from QUICK mode" in text for text in notes)
    assert quick_notes == records, "each cell recording the lesson's numbers needs the QUICK note"
    stand_in_notes = sum("generated stand-in" in text for text in notes)
    expected = 1 + records if website.used_stand_in(notebook) else 0
    assert stand_in_notes == expected, "the stand-in note is missing or shown without cause"

    index = [p.stem for p in LESSONS].index(lesson)
    following = LESSONS[index + 1].stem if index + 1 < len(LESSONS) else None
    if following:
        browser.find_element("css selector", "a.right-next").click()
        assert browser.current_url.endswith(f"/{following}.html"), browser.current_url
        browser.back()
    errors = _console_errors(browser)
    assert not errors, f"the browser's console reported errors: {errors}"


PAGES = ["index"] + [p.stem for p in LESSONS]

# The elements of the article that stick out past its text column, unless a box that scrolls
# sideways holds them (MathJax's hidden copy for screen readers aside).
STICKING_OUT = """
const article = document.querySelector('article.bd-article');
const style = getComputedStyle(article);
const right = article.getBoundingClientRect().right - parseFloat(style.paddingRight) + 1;
const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
const held = e => { for (let a = e.parentElement; a && a !== article; a = a.parentElement)
                      if (scrolls(a)) return true; return false; };
const out = [];
for (const e of article.querySelectorAll('*')) {
  if (e.closest('mjx-assistive-mml') || !e.getClientRects().length || held(e)) continue;
  const r = e.getBoundingClientRect();
  if (r.right > right && !out.some(o => o.element.contains(e)))
    out.push({element: e, text: `${e.tagName} ${Math.round(r.right - right)} px too wide: `
      + (e.closest('p, li, pre, div') || e).innerText.slice(0, 60)});
}
return out.map(o => o.text);
"""
# Code, printed outputs, tables and display equations wider than their box must scroll.
CLIPPED = """
const kinds = 'pre, .cell_output .output, table, mjx-container[display="true"], div.math';
return [...document.querySelectorAll(`article :is(${kinds})`)]
  .filter(e => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
  .filter(e => !['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => `${e.tagName}: ${e.innerText.slice(0, 60)}`);
"""


@pytest.mark.parametrize("page", PAGES)
def test_no_line_cut_off_at_1280_px(server, browser, page):
    _open(browser, f"{server}/{page}.html")
    assert not browser.execute_script(STICKING_OUT), "runs past the text column"
    assert not browser.execute_script(CLIPPED), "cut off without a scroll bar"
    room = browser.execute_script(
        "return [...document.querySelectorAll('article .cell_input pre')]"
        ".filter(p => p.getClientRects().length).map(p => {"
        "  const probe = document.createElement('span'); probe.textContent = '0'.repeat(100);"
        "  p.appendChild(probe); const line = probe.getBoundingClientRect().width; probe.remove();"
        "  const s = getComputedStyle(p);"
        "  return p.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - line;"
        "});"
    )
    assert all(spare >= 0 for spare in room), "a 100-character code line does not fit at 1280 px"


@pytest.mark.parametrize("page", PAGES)
def test_no_line_cut_off_on_a_phone(server, phone, page):
    _open(phone, f"{server}/{page}.html")
    assert not phone.execute_script(STICKING_OUT), "runs past the text column"
    assert not phone.execute_script(CLIPPED), "cut off without a scroll bar"
    sideways = phone.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0, f"the whole page scrolls sideways by {sideways} px"


@pytest.mark.parametrize("page", PAGES)
def test_one_search_box(server, browser, page):
    _open(browser, f"{server}/{page}.html")
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('input[type=search], input[name=q],"
        " button.search-button, button.search-button-field, .search-button__button')]"
        ".filter(e => e.checkVisibility({visibilityProperty: true})).map(e => e.outerHTML)"
    )
    assert len(set(boxes)) == 1, f"{len(boxes)} search boxes shown: {boxes}"


@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_set_up_cell_is_folded_until_clicked(server, browser, lesson):
    _open(browser, f"{server}/{lesson}.html")
    state = (
        "return [...document.querySelectorAll('article details.hide')].map(d => ["
        " d.querySelector('pre').textContent.startsWith(arguments[0]),"
        " d.querySelector('pre').checkVisibility()])"
    )
    folded = browser.execute_script(state, website.SETUP_CELL_START)
    assert folded == [[True, False]], "the set-up cell should be the one folded cell, hidden"
    browser.find_element("css selector", "article details.hide summary").click()
    assert browser.execute_script(state, website.SETUP_CELL_START) == [[True, True]]


@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_every_image_has_alt_text(server, browser, lesson):
    _open(browser, f"{server}/{lesson}.html")
    images = browser.execute_script(
        "return [...document.querySelectorAll('article img')].map(i => ["
        " i.getAttribute('alt') || '', i.src.split('/').pop(), !!i.closest('.cell_output')]);"
    )
    bare = [name for alt, name, _ in images if not alt.strip() or name.startswith(alt)]
    assert not bare, f"images without alt text (or with their file name as one): {bare}"
    described = set(website.image_alt_texts(_executed(lesson)).values())
    figures = [alt for alt, _, output in images if output]
    assert all(alt in described for alt in figures), "a figure's alt text is not its description"


# Relative luminance and contrast ratio as WCAG 2 defines them, on each element's own
# background (the first opaque one among it and its ancestors).
READABILITY = """
const rgb = s => {
  const v = s.match(/[\\d.]+/g).map(Number);
  return v.length > 3 && v[3] < 0.5 ? null : v;
};
const lum = c => {
  const f = x => (x /= 255) <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const ground = e => {
  for (; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c) return c;
  }
  return [255, 255, 255];
};
const ratio = (a, b) => {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const figures = [...document.querySelectorAll('article .cell_output img')].map(i => lum(ground(i)));
const text = [...document.querySelectorAll(
  'article :is(p, li, h1, h2, h3, pre, td, th, summary, code)')]
  .filter(e => e.getClientRects().length && e.innerText.trim())
  .map(e => [ratio(rgb(getComputedStyle(e).color), ground(e)), e.tagName, e.innerText.slice(0, 40)])
  .filter(([r]) => r < 4.5);
return [document.documentElement.dataset.theme, figures, text];
"""


@pytest.mark.parametrize("page", PAGES)
def test_dark_mode_keeps_figures_and_text_readable(server, browser, page):
    _open(browser, f"{server}/{page}.html")
    browser.find_element("css selector", ".theme-switch-button").click()  # the theme's menu
    browser.find_element("css selector", ".theme-change-button[data-mode=dark]").click()
    try:
        theme, figures, low_contrast = browser.execute_script(READABILITY)
    finally:
        browser.execute_script("localStorage.clear()")  # the next pages open in light mode
    assert theme == "dark"
    assert all(luminance > 0.8 for luminance in figures), f"figures on a dark ground: {figures}"
    assert not low_contrast, f"text below a 4.5:1 contrast (WCAG AA): {low_contrast}"


def test_pages_fit_offline():
    """Every script, style and font the pages load is in the site itself (no CDN)."""
    remote = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["'](https?:)?//""")
    for page in SITE.glob("*.html"):
        match = remote.search(page.read_text(encoding="utf-8"))
        assert not match, f"{page.name} loads something from the internet: {match.group(0)}"


def test_site_size_is_reasonable():
    size = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
    assert size < 60 * 2**20, f"the site is {size / 2**20:.0f} MiB: something large got copied"
