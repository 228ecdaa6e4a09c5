"""Headless Chromium drives the real pages: search, facet, open a result, land on the cited paragraph, copy.

Takes the README's screenshots (search.png, document.png): into docs/screenshots/ when
SAFETY_SEARCH_SCREENSHOTS=1, otherwise into the test's temporary folder, so an ordinary run leaves the
tracked images alone (they differ by the server's port in the citation).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
README_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def base_url(service_index_dir):
    from search_service import create_app

    app = create_app(index_dir=service_index_dir, RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = README_SCREENSHOTS if os.environ.get("SAFETY_SEARCH_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_search_facet_open_result_land_on_paragraph_and_copy_citation(browser, base_url, screenshots):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(base_url + "/")
    page.fill(".main-search input[name=q]", "安全生产 隐患排查")
    with page.expect_navigation():
        page.click(".main-search button[type=submit]")
    everything = int(page.inner_text(".total strong"))

    with page.expect_navigation():
        page.click(".facet a:has(.facet-label:text-is('河北省'))")
    assert "省份：河北省" in page.inner_text(".breadcrumb")
    narrowed = int(page.inner_text(".total strong"))
    assert 0 < narrowed < everything
    assert page.locator(".result mark").count() > 0
    page.screenshot(path=str(screenshots / "search.png"))
    assert (screenshots / "search.png").stat().st_size > 10_000

    result = page.locator(".result", has_text="2023年全区安全生产工作会议讲话")
    link = result.locator(".snippet a.pn").first
    n = int(link.inner_text().strip("第段"))
    with page.expect_navigation():
        link.click()
    assert page.evaluate("location.hash") == f"#p{n}"
    marked = page.locator(f"#p{n}")
    assert "marked" in marked.get_attribute("class")
    assert page.evaluate(f"getComputedStyle(document.getElementById('p{n}')).backgroundColor") != "rgba(0, 0, 0, 0)"
    top = marked.bounding_box()["y"]
    assert 0 <= top < 860, "the cited paragraph is scrolled into view"
    assert marked.locator("mark").count() > 0

    page.bring_to_front()
    button = marked.locator("button.copy-citation")
    assert button.is_visible(), "the script shows the copy button"
    button.click()
    # a selector wait, not wait_for_function: its polling evaluates a string, which the page's CSP forbids
    marked.locator("button.copy-citation:text-is('已复制')").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"《2023年全区安全生产工作会议讲话》（河北省唐山市路南区，2023）第{n}段 {base_url}/doc/")
    assert copied.endswith(f"#p{n}")
    assert marked.locator(".citation-text").inner_text() == copied
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "document.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": 1400})

    # the permalink opens the same paragraph, marked
    page.goto(copied.split(" ")[-1])
    assert "marked" in page.locator(f"#p{n}").get_attribute("class")
    assert errors == [], errors
    context.close()


def test_restored_text_toggles_in_place(browser, base_url):
    page = browser.new_page()
    page.goto(base_url + "/?county=北辰区")
    with page.expect_navigation():
        page.click(".result h3 a")
    spun = page.locator(".para", has=page.locator(".v-scraped")).first
    assert spun.locator(".v-restored").is_visible() and not spun.locator(".v-scraped").is_visible()
    page.click("a.toggle-view")
    assert spun.locator(".v-scraped").is_visible() and not spun.locator(".v-restored").is_visible()
    assert "view=scraped" in page.url
    assert "平安" in spun.locator(".v-scraped").inner_text()
    page.click("a.toggle-view")
    assert spun.locator(".v-restored").is_visible() and "view=scraped" not in page.url
    page.close()


def test_pages_work_with_javascript_disabled(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/?q=安全生产")
    with page.expect_navigation():
        page.click(".facet a:has(.facet-label:text-is('区'))")
    assert "层级：区" in page.inner_text(".breadcrumb")
    page.fill("form.within-search input[name=within]", "消防")
    with page.expect_navigation():
        page.click("form.within-search button")
    assert "在结果中检索：消防" in page.inner_text(".breadcrumb")
    with page.expect_navigation():
        page.locator(".result .snippet a.pn").first.click()
    assert page.locator(".para.marked .citation-text").inner_text().startswith("《")
    assert not page.locator("button.copy-citation").first.is_visible(), "no dead button without the script"
    context.close()


def test_document_prints_without_navigation(browser, base_url):
    page = browser.new_page()
    page.goto(base_url + "/?q=安全生产")
    with page.expect_navigation():
        page.click(".result h3 a")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator(".doc-side").is_visible()
    assert page.locator(".para-text").first.is_visible() and page.locator("h1").is_visible()
    page.close()
