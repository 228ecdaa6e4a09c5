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
from playwright.sync_api import expect
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


# --- the daily-work flows of issue 14 ------------------------------------------------------------------

def _new_page(browser, **options):
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return context, page, errors


def _total(page) -> int:
    return int(page.inner_text(".total strong"))


def _download(page, click, folder: Path) -> Path:
    with page.expect_download() as info:
        click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_basket_collects_reorders_annotates_survives_reload_and_exports_docx(browser, base_url, tmp_path, screenshots):
    from docx import Document

    context, page, errors = _new_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/?q=安全生产 隐患排查")
    speech = page.locator(".result", has_text="2023年全区安全生产工作会议讲话")
    other = page.locator(".result", has_text="隐患排查工作会议")
    picked = []
    for result in (speech, other):
        snippet = result.locator(".snippet").first
        picked.append((result.locator("h3").inner_text(), int(snippet.locator("a.pn").inner_text().strip("第段"))))
        snippet.locator("form.add-excerpt button").click()
        assert snippet.locator("form.add-excerpt button").inner_text() == "已加入素材"
    assert page.inner_text("[data-basket-count]") == "2"
    with page.expect_navigation():
        speech.locator("h3 a").click()
    para = page.locator(".para:not(.heading)").nth(5)
    third_n = int(para.get_attribute("id")[1:])
    para.hover()
    para.locator("form.add-excerpt button").click()
    picked.append((picked[0][0], third_n))
    assert page.inner_text("[data-basket-count]") == "3"

    page.click("a.basket-link")
    page.wait_for_selector(".basket-list li.excerpt")
    items = page.locator(".basket-list li.excerpt")
    assert items.count() == 3
    assert [int(items.nth(i).get_attribute("data-n")) for i in range(3)] == [n for _, n in picked]
    items.nth(0).locator("button.down").click()                      # the first excerpt moves to second place
    expect(page.locator(".basket-list li.excerpt").first).to_have_attribute("data-n", str(picked[1][1]))
    order = [picked[1], picked[0], picked[2]]
    note = page.locator(".basket-list li.excerpt").nth(2).locator("input[name=note]")
    note.fill("用于第三部分")
    note.press("Tab")
    page.reload()                                                    # localStorage keeps the basket
    page.wait_for_selector(".basket-list li.excerpt")
    items = page.locator(".basket-list li.excerpt")
    assert [int(items.nth(i).get_attribute("data-n")) for i in range(3)] == [n for _, n in order]
    assert items.nth(2).locator("input[name=note]").input_value() == "用于第三部分"
    page.screenshot(path=str(screenshots / "basket.png"), full_page=True)

    page.select_option("select[name=group]", "order")
    page.fill(".basket-export input[name=title]", "安全生产讲话素材")
    saved = _download(page, lambda: page.click(".basket-export button"), tmp_path)
    assert saved.suffix == ".docx"
    lines = [p.text for p in Document(str(saved)).paragraphs if p.text]
    assert lines[0] == "安全生产讲话素材"
    citations = [line for line in lines if line.startswith("《")]
    assert [(c.split("》")[0][1:], int(c.split("第")[-1].split("段")[0])) for c in citations] == \
        [(title, n) for title, n in order]
    assert all(f"{base_url}/doc/" in c for c in citations)
    assert lines[-1] == "批注：用于第三部分"
    for citation in citations:                                       # each excerpt's text comes before its citation
        assert lines[lines.index(citation) - 1] and not lines[lines.index(citation) - 1].startswith("《")
    assert errors == [], errors
    context.close()


def test_basket_works_without_javascript(browser, base_url, tmp_path):
    from docx import Document

    context, page, _ = _new_page(browser, java_script_enabled=False)
    page.goto(base_url + "/?q=安全生产")
    for i in range(2):
        with page.expect_navigation():
            page.locator(".result").nth(i).locator(".snippet form.add-excerpt button").first.click()
    assert page.url.startswith(base_url + "/?q="), "back on the results after adding"
    page.goto(base_url + "/basket")
    assert page.locator(".basket-list li.excerpt").count() == 2
    with page.expect_navigation():
        page.locator(".basket-list li.excerpt").nth(1).locator("button.up").click()
    saved = _download(page, lambda: page.click(".basket-export button"), tmp_path)
    assert len([p for p in Document(str(saved)).paragraphs if p.text.startswith("《") and "段 http" in p.text]) == 2
    context.close()


def test_csv_and_xlsx_of_a_filtered_search_hold_its_total(browser, base_url, tmp_path):
    import csv

    from openpyxl import load_workbook

    context, page, errors = _new_page(browser)
    page.goto(base_url + "/?q=安全生产")
    with page.expect_navigation():
        page.click(".facet a:has(.facet-label:text-is('区'))")
    total = _total(page)
    saved = _download(page, lambda: page.click(".exports a:text-is('CSV')"), tmp_path)
    rows = list(csv.reader(saved.open(encoding="utf-8-sig")))
    assert len(rows) - 1 == total and rows[0][0] == "标题"
    saved = _download(page, lambda: page.click(".exports a:text-is('Excel')"), tmp_path)
    assert sum(1 for _ in load_workbook(saved, read_only=True).active.iter_rows()) - 1 == total
    assert errors == [], errors
    context.close()


def test_clicking_a_year_bar_filters_to_that_year(browser, base_url, screenshots):
    context, page, _ = _new_page(browser, viewport={"width": 1366, "height": 768})
    page.goto(base_url + "/?q=安全生产")
    page.screenshot(path=str(screenshots / "search-chart.png"))
    bar = page.locator(".year-chart a.bar-link").last
    year, count = bar.get_attribute("data-year"), int(bar.locator("title").text_content().split("：")[1].rstrip("篇 "))
    with page.expect_navigation():
        bar.locator("rect.bar-hit").click()
    assert _total(page) == count and f"年份：{year}" in page.inner_text(".breadcrumb")
    context.close()


def test_two_provinces_at_once_give_the_sum_of_their_counts(browser, base_url):
    context, page, _ = _new_page(browser)
    page.goto(base_url + "/?q=安全生产")
    counts = [int(page.locator(f".facet a:has(.facet-label:text-is('{p}')) .count").inner_text())
              for p in ("河北省", "天津市")]
    for province in ("河北省", "天津市"):
        with page.expect_navigation():
            page.click(f".facet a:has(.facet-label:text-is('{province}'))")
    assert _total(page) == sum(counts)
    assert "省份：河北省" in page.inner_text(".breadcrumb") and "省份：天津市" in page.inner_text(".breadcrumb")
    context.close()


def test_narrow_screen_shows_a_result_above_the_fold_with_filters_folded(browser, base_url, screenshots):
    context, page, errors = _new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
    page.goto(base_url + "/?q=安全生产")
    first = page.locator(".result").first.bounding_box()
    assert first["y"] + 60 < 844, "the first result's title is on the first screen"
    assert not page.locator(".facets").is_visible(), "the filters are folded"
    page.click("a.jump-filters")
    assert page.locator(".facets").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "search-mobile.png"))
    assert errors == [], errors
    context.close()


def test_four_results_fit_a_laptop_screen_and_a_long_query_wraps(browser, base_url):
    context, page, _ = _new_page(browser, viewport={"width": 1366, "height": 768})
    page.goto(base_url + "/?q=安全生产")
    fourth = page.locator(".result h3").nth(3).bounding_box()
    assert fourth["y"] + fourth["height"] <= 768, "four result titles on a 1366×768 screen"
    long_query = "安全生产责任制落实情况检查" * 12
    page.goto(base_url + "/?q=" + long_query)
    sort = page.locator(".sort").bounding_box()
    head = page.locator(".results-head").bounding_box()
    assert sort["x"] + sort["width"] <= head["x"] + head["width"] + 1 and sort["width"] > 150
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "nothing sticks out sideways"
    context.close()


def test_restored_scraped_toggle_keeps_the_reader_at_the_paragraph(browser, base_url):
    context, page, _ = _new_page(browser, viewport={"width": 1280, "height": 700})
    page.goto(base_url + "/?county=北辰区")
    with page.expect_navigation():
        page.click(".result h3 a")
    spun = page.locator(".para", has=page.locator(".v-scraped")).nth(2)
    spun.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -100)")
    before = spun.bounding_box()["y"]
    text = spun.inner_text()
    page.evaluate("document.querySelector('a.toggle-view').click()")   # the link is above: a real click would scroll
    assert spun.inner_text() != text, "the other text is shown"
    after = spun.bounding_box()["y"]
    assert abs(after - before) <= 2, (before, after)
    context.close()


@pytest.fixture
def upload_url(spare_service_index, tmp_path):
    from search_service import create_app

    app = create_app(index_dir=spare_service_index, RATELIMIT_ENABLED=False, WRITE_TOKEN="browser-upload-token",
                     UPLOAD_DIR=tmp_path / "uploads")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_staff_log_in_upload_two_pages_and_find_them(browser, upload_url, tmp_path, screenshots):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "尾矿库讲话.txt").write_text("在全市尾矿库安全专项整治会议上的讲话\n同志们：\n今天召开会议，部署尾矿库安全"
                                        "专项整治工作。\n各县区要对辖区内尾矿库逐一排查，建立隐患台账。\n", encoding="utf-8")
    (pages / "液氨通知.html").write_text("<html><head><title>关于开展液氨制冷企业安全检查的通知</title></head><body>"
                                      "<article><h1>关于开展液氨制冷企业安全检查的通知</h1><p>各区县应急管理局：</p>"
                                      "<p>为防范液氨泄漏事故，决定在全市开展液氨制冷企业专项安全检查。</p></article>"
                                      "</body></html>", encoding="utf-8")
    context, page, errors = _new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(upload_url + "/admin/upload")
    assert page.locator("input[type=file]").count() == 0, "no upload before login"
    page.fill("input[name=token]", "browser-upload-token")
    with page.expect_navigation():
        page.click(".admin-login button")
    assert "token" not in page.url
    page.set_input_files("input[type=file]", [str(pages / "尾矿库讲话.txt"), str(pages / "液氨通知.html")])
    with page.expect_navigation():
        page.click(".admin-upload button")
    expect(page.locator(".job")).to_have_attribute("data-state", "done", timeout=120_000)
    assert page.inner_text(".job-summary .added") == "2 篇"
    page.screenshot(path=str(screenshots / "upload.png"))
    for query in ("尾矿库", "液氨制冷"):
        page.goto(upload_url + "/?q=" + query)
        assert _total(page) == 1
    assert errors == [], errors
    context.close()
