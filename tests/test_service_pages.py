"""The HTML pages, read as a user without JavaScript would: follow links, submit GET forms."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup


def page(client, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def total(soup: BeautifulSoup) -> int:
    return int(soup.select_one(".total strong").get_text())


def facet_link(soup: BeautifulSoup, heading: str, label: str):
    section = next(s for s in soup.select(".facet") if s.h2.get_text() == heading)
    return next(a for a in section.select(".facet-values a") if a.select_one(".facet-label").get_text() == label)


def first_result_doc_url(soup: BeautifulSoup, title_part: str) -> str:
    return next(a["href"] for a in soup.select(".result h3 a") if title_part in a.get_text())


def test_search_page_lists_results_with_metadata_and_numbered_snippets(service_client):
    soup = page(service_client, "/?q=隐患排查")
    assert total(soup) >= 2
    result = soup.select_one(".result")
    assert result.h3.a["href"].startswith("/doc/")
    assert result.select(".meta .meta-item")
    snippets = result.select(".snippet")
    assert 1 <= len(snippets) <= 3
    for snippet in snippets:
        link = snippet.select_one("a.pn")
        n = int(re.fullmatch(r"第(\d+)段", link.get_text()).group(1))
        assert link["href"].endswith(f"#p{n}") and f"p={n}" in link["href"]
    assert soup.select(".snippet mark")


def test_result_shows_source_site_and_copies(service_client):
    soup = page(service_client, "/?q=路南区")
    result = next(r for r in soup.select(".result") if "2023年全区安全生产工作会议讲话" in r.h3.get_text())
    assert result.select_one(".source").get_text().endswith(".txt")
    assert result.select_one(".copy-count").get_text() == "1 个转载版本"


def test_clicking_a_facet_narrows_and_the_breadcrumb_removes_it(service_client):
    start = page(service_client, "/?q=安全生产")
    everything = total(start)
    link = facet_link(start, "层级", "区")
    expected = int(link.select_one(".count").get_text())
    narrowed = page(service_client, link["href"])
    assert total(narrowed) == expected < everything
    crumb = narrowed.select_one(".breadcrumb .crumb")
    assert "层级：区" in crumb.get_text()
    assert narrowed.select_one(".facet li.selected .facet-label").get_text() == "区"
    assert total(page(service_client, crumb["href"])) == everything


def test_region_facet_is_a_tree_province_city_county(service_client):
    start = page(service_client, "/")
    province = facet_link(start, "地区", "河北省")
    chosen = page(service_client, province["href"])
    tree = next(s for s in chosen.select(".facet") if s.h2.get_text() == "地区")
    hebei = tree.select_one("li.selected")
    cities = [a.get_text() for a in hebei.select("ul .facet-label")]
    assert {"唐山市", "沧州市"} <= set(cities)
    tangshan = next(a for a in hebei.select("ul a") if "唐山市" in a.get_text())
    city_page = page(service_client, tangshan["href"])
    assert parse_qs(urlsplit(tangshan["href"]).query) == {"province": ["河北省"], "city": ["唐山市"]}
    counties = [a.get_text() for a in city_page.select(".facet li.selected li.selected ul .facet-label")]
    assert counties == ["路南区"]
    # dropping the province drops the city under it too
    crumb = next(c for c in city_page.select(".breadcrumb .crumb") if "省份" in c.get_text())
    assert urlsplit(crumb["href"]).query == ""


def test_year_facet_newest_first_with_unknown_last_and_year_range_form(service_client):
    soup = page(service_client, "/")
    section = next(s for s in soup.select(".facet") if s.h2.get_text() == "年份")
    labels = [a.get_text() for a in section.select(".facet-label")]
    assert labels[-1] == "未知" and labels[:-1] == sorted(labels[:-1], reverse=True)
    form = section.select_one("form.year-range")
    assert form["method"] == "get" and {i["name"] for i in form.select("input[type=number]")} == {"year_from", "year_to"}
    ranged = page(service_client, "/?year_from=2022&year_to=2022")
    in_2022 = service_client.get("/api/search?year=2022").get_json()["total"]
    assert total(ranged) == in_2022 >= 1
    assert [c.get_text(" ", strip=True) for c in ranged.select(".breadcrumb .crumb:not(.clear)")] == \
        ["起始年份：2022 ×", "截止年份：2022 ×"]


def test_sort_links_and_within_form_keep_the_search(service_client):
    soup = page(service_client, "/?q=安全生产&level=区")
    date_link = next(a for a in soup.select(".sort a") if a.get_text() == "日期新→旧")
    assert parse_qs(urlsplit(date_link["href"]).query) == {"q": ["安全生产"], "level": ["区"], "sort": ["date"]}
    form = soup.select_one("form.within-search")
    hidden = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert hidden == {"q": "安全生产", "level": "区"}
    within = page(service_client, "/?q=安全生产&level=区&within=消防")
    assert total(within) <= total(soup)
    assert any("在结果中检索：消防" in c.get_text() for c in within.select(".breadcrumb .crumb"))


def test_within_refines_again_and_each_refinement_is_removable(service_client):
    first = page(service_client, "/?q=安全生产&within=隐患排查")
    hidden = [(i["name"], i["value"]) for i in first.select("form.within-search input[type=hidden]")]
    assert ("within", "隐患排查") in hidden, "a second refinement keeps the first"
    second = page(service_client, "/?q=安全生产&within=隐患排查&within=消防")
    assert total(second) <= total(first)
    crumbs = {c.get_text(" ", strip=True): c["href"] for c in second.select(".breadcrumb .crumb:not(.clear)")}
    assert set(crumbs) == {"在结果中检索：隐患排查 ×", "在结果中检索：消防 ×"}
    without_first = parse_qs(urlsplit(crumbs["在结果中检索：隐患排查 ×"]).query)
    assert without_first == {"q": ["安全生产"], "within": ["消防"]}
    assert total(page(service_client, crumbs["在结果中检索：消防 ×"])) == total(first)


def test_paging_links(service_client):
    soup = page(service_client, "/?per_page=2")
    paging = soup.select_one(".paging")
    assert paging.select_one(".current").get_text() == "1"
    next_url = paging.select_one("a[rel=next]")["href"]
    second = page(service_client, next_url)
    assert second.select_one(".paging .current").get_text() == "2"
    assert second.select_one(".result-list")["start"] == "3"
    first_titles = {a.get_text() for a in soup.select(".result h3 a")}
    assert first_titles.isdisjoint({a.get_text() for a in second.select(".result h3 a")})


def test_document_page_numbers_anchors_and_marks_the_cited_paragraph(service_client):
    search = page(service_client, "/?q=隐患排查")
    result = next(r for r in search.select(".result") if "2023年全区" in r.h3.get_text())
    snippet_link = result.select_one(".snippet a.pn")["href"]
    n = int(re.search(r"#p(\d+)$", snippet_link).group(1))
    doc = page(service_client, snippet_link)
    paras = doc.select(".paragraphs .para")
    assert [p["id"] for p in paras] == [f"p{i}" for i in range(1, len(paras) + 1)]
    marked = doc.select(".para.marked")
    assert [m["id"] for m in marked] == [f"p{n}"]
    assert marked[0].select("mark"), "query terms are highlighted"
    citation = marked[0].select_one(".citation-text").get_text()
    assert citation.startswith(f"《2023年全区安全生产工作会议讲话》（河北省唐山市路南区，2023）第{n}段 http")
    assert citation.endswith(f"p={n}#p{n}")


def test_document_page_survives_an_unparsable_highlight_query(service_client):
    doc_url = first_result_doc_url(page(service_client, "/?q=路南区"), "2023年全区")
    doc = page(service_client, doc_url.split("?")[0] + '?q="安全生产&p=2')
    assert doc.select_one("#p2.marked") and not doc.select("mark")


def test_document_page_outline_metadata_source_copies_and_actions(service_client):
    doc_url = first_result_doc_url(page(service_client, "/?q=路南区"), "2023年全区")
    doc = page(service_client, doc_url)
    outline = [a["href"] for a in doc.select(".outline a")]
    assert outline and all(doc.select_one(f".para.heading{href}") for href in outline)
    assert "河北省唐山市路南区" in doc.select_one(".doc-header .meta").get_text()
    assert re.search(r"来源\s*\S+\.txt", doc.select_one(".doc-facts").get_text())
    copies = doc.select(".copies li a")
    assert len(copies) == 1 and copies[0]["href"].startswith("/doc/")
    first = doc.select_one("#p1")
    assert first.select_one("button.copy-citation")["data-citation"].startswith("《2023年全区安全生产工作会议讲话》")
    assert first.select_one("a.similar-link")["href"].endswith("/similar/1")
    cite = urlsplit(first.select_one("a.cite-link")["href"])
    assert parse_qs(cite.query)["p"] == ["1"] and cite.fragment == "p1"


def test_document_page_shows_why_it_has_its_metadata_on_request(service_client):
    doc = page(service_client, first_result_doc_url(page(service_client, "/?q=路南区"), "2023年全区"))
    evidence = doc.select_one("details.evidence")
    assert evidence is not None and "open" not in evidence.attrs      # folded until asked for
    facts = dict(zip([dt.get_text() for dt in evidence.select("dt")], [dd.get_text() for dd in evidence.select("dd")]))
    assert set(facts) == {"标题", "年份", "地区", "层级", "文种"}
    assert "2023" in facts["年份"] and "（标题）" in facts["年份"]
    assert "路南区" in facts["地区"]


def test_spun_document_toggles_between_restored_and_scraped_text(service_client):
    doc_url = first_result_doc_url(page(service_client, "/?county=北辰区"), "安全生产工作部署")
    doc = page(service_client, doc_url)
    assert "show-scraped" not in doc.select_one("article.document")["class"]
    spun = next(p for p in doc.select(".para") if p.select_one(".v-scraped"))
    assert "安全" in spun.select_one(".v-restored").get_text()
    assert "平安" in spun.select_one(".v-scraped").get_text()
    toggle = doc.select_one("a.toggle-view")
    scraped = page(service_client, toggle["href"])
    assert "show-scraped" in scraped.select_one("article.document")["class"]
    assert "view=scraped" not in scraped.select_one("a.toggle-view")["href"]


def test_similar_paragraphs_page(service_client):
    doc_url = first_result_doc_url(page(service_client, "/?q=隐患排查"), "隐患排查工作会议")
    doc = page(service_client, doc_url)
    soup = page(service_client, doc.select_one("#p4 a.similar-link")["href"])
    assert soup.select_one(".source-para").get_text().strip()
    back = soup.select_one("p.back a")
    assert "隐患排查工作会议" in back.get_text() and back["href"].startswith(doc_url.split("?")[0])
    assert back["href"].endswith("#p4") and "隐患排查工作会议" in soup.title.get_text()
    links = soup.select(".similar-list a.title")
    assert links and all(re.search(r"#p\d+$", a["href"]) for a in links)


def test_pages_work_without_javascript(service_client):
    soup = page(service_client, "/?q=安全生产")
    for form in soup.select("form"):     # search forms are GETs; 加入素材 posts to the basket
        assert (form["method"], form["action"]) in (("get", "/"), ("post", "/basket"))
    assert soup.select("form.add-excerpt button")
    assert not soup.select("script:not([src])"), "no inline script"
    assert [s["src"] for s in soup.select("script")] == ["/static/app.js"]
    assert [link["href"] for link in soup.select("link[rel=stylesheet]")] == ["/static/style.css"]
    assert "http" not in " ".join(s["src"] for s in soup.select("script")), "no CDN"


def test_error_pages_are_chinese_html(service_client):
    soup = page(service_client, "/?page=-5", status=400)
    assert "page" in soup.select_one(".error-detail").get_text()
    assert "请求有误" in soup.h1.get_text()
    assert "未找到" in page(service_client, "/doc/0123456789abcdef", status=404).h1.get_text()
    assert "文档编号" in page(service_client, "/doc/zzz", status=400).select_one(".error-detail").get_text()
    assert "引号" in page(service_client, '/?q="安全', status=400).select_one(".error-detail").get_text()


def test_static_files_are_served(service_client):
    css = service_client.get("/static/style.css")
    assert css.status_code == 200 and "@media print" in css.get_data(as_text=True)
    js = service_client.get("/static/app.js")
    assert js.status_code == 200 and "copy-citation" in js.get_data(as_text=True)


def test_long_facet_lists_fold_under_more_and_open_when_a_folded_value_is_chosen(service_client):
    section = next(s for s in page(service_client, "/").select(".facet") if s.h2.get_text() == "专题")
    assert len(section.select(":scope > ul > li")) == 10
    folded = section.select_one("details.more")
    assert folded is not None and not folded.has_attr("open")
    chosen_url = folded.select_one("a")["href"]
    section = next(s for s in page(service_client, chosen_url).select(".facet") if s.h2.get_text() == "专题")
    assert section.select_one("details.more").has_attr("open")
    assert section.select_one("details.more li.selected")


def test_a_national_regulation_is_cited_as_nationwide(service_client):
    search = page(service_client, "/?q=安全生产许可证&level=国家")
    doc_url = first_result_doc_url(search, "安全生产许可证条例")
    assert "全国" in search.select_one(".result .meta").get_text()
    doc = page(service_client, doc_url)
    citation = doc.select_one("#p3 button.copy-citation")["data-citation"]
    assert citation.startswith("《安全生产许可证条例》（全国，")


def test_run_in_headings_read_as_body_text_and_short_headings_stand_out(service_client):
    doc_url = first_result_doc_url(page(service_client, "/?q=一票否决"), "电视电话会议")
    soup = page(service_client, doc_url.split("#")[0])
    headings = soup.select(".para.heading")
    run_in = [h for h in headings if "run-in" in h["class"]]
    assert run_in and all(h.select_one(".para-text").get_text().startswith("第") for h in run_in)
    short = page(service_client, first_result_doc_url(page(service_client, "/?q=路南区"), "全区")).select(
        ".para.heading")
    assert short and not any("run-in" in h["class"] for h in short)


def test_choosing_a_second_province_adds_it_and_the_total_is_the_sum(service_client):
    start = page(service_client, "/?q=安全生产")
    hebei, tianjin = facet_link(start, "地区", "河北省"), facet_link(start, "地区", "天津市")
    counts = [int(link.select_one(".count").get_text()) for link in (hebei, tianjin)]
    one = page(service_client, hebei["href"])
    both = page(service_client, facet_link(one, "地区", "天津市")["href"])
    assert total(both) == sum(counts)
    selected = [a.select_one(".facet-label").get_text() for a in both.select(".facet li.selected > a")]
    assert selected == ["河北省", "天津市"]
    crumbs = {c.get_text(" ", strip=True): c["href"] for c in both.select(".breadcrumb .crumb:not(.clear)")}
    assert set(crumbs) == {"省份：河北省 ×", "省份：天津市 ×"}
    assert total(page(service_client, crumbs["省份：河北省 ×"])) == counts[1]
    unchosen = page(service_client, facet_link(both, "地区", "河北省")["href"])
    assert total(unchosen) == counts[1], "choosing a chosen value again removes it alone"


def test_unknown_is_one_label_last_in_year_region_and_level(service_client):
    soup = page(service_client, "/")
    for heading in ("年份", "地区", "层级"):
        section = next(s for s in soup.select(".facet") if s.h2.get_text() == heading)
        labels = [a.get_text() for a in section.select(".facet-values > li > a .facet-label")]
        assert "未知" not in labels[:-1], heading
        assert labels[-1] == "未知" or heading == "层级", heading   # every service document has a level
    unknown = facet_link(soup, "地区", "未知")
    narrowed = page(service_client, unknown["href"])
    assert total(narrowed) == int(unknown.select_one(".count").get_text())
    assert all("地区未知" in r.select_one(".meta").get_text() for r in narrowed.select(".result"))


def test_per_page_and_both_date_orders_are_links(service_client):
    soup = page(service_client, "/?q=安全生产&per_page=20")
    per_page = {a.get_text(): a["href"] for a in soup.select(".per-page a")}
    assert set(per_page) == {"10", "20", "50"} and "per_page" not in per_page["10"]
    assert soup.select_one(".per-page a.current").get_text() == "20"
    assert soup.select_one(".main-search input[name=per_page]")["value"] == "20", "a new query keeps the page size"
    oldest = next(a["href"] for a in soup.select(".sort a") if a.get_text() == "日期旧→新")
    years = [int(y) for y in re.findall(r"<span class=\"meta-item\">(\d{4})</span>",
                                        service_client.get(oldest).get_data(as_text=True))]
    assert years == sorted(years) and len(years) >= 2


def test_year_chart_bars_link_to_their_year(service_client):
    soup = page(service_client, "/?q=安全生产")
    bars = soup.select(".year-chart svg a.bar-link")
    assert len(bars) >= 2 and not soup.select(".year-chart script")
    for bar in bars:
        count = int(re.search(r"(\d+) 篇", bar.title.get_text()).group(1))
        narrowed = page(service_client, bar["href"])
        assert total(narrowed) == count
        assert parse_qs(urlsplit(bar["href"]).query)["year"] == [bar["data-year"]]
    ranged = page(service_client, "/?q=安全生产&year_from=2022&year_to=2023")
    assert all("year_from" not in a["href"] for a in ranged.select(".year-chart a.bar-link"))


def test_region_facet_draws_count_bars(service_client):
    soup = page(service_client, "/")
    section = next(s for s in soup.select(".facet") if s.h2.get_text() == "地区")
    widths = [int(rect["width"]) for rect in section.select(".facet-bar rect")]
    assert widths and max(widths) == 100 and all(0 < w <= 100 for w in widths)


def test_back_link_keeps_every_filter_and_the_toggle_keeps_the_paragraph(service_client):
    search_url = "/?q=安全生产&province=河北省&province=天津市&level=区&sort=date"
    soup = page(service_client, search_url)
    doc = page(service_client, soup.select_one(".result .snippet a.pn")["href"])
    assert doc.select_one(".back a")["href"] == search_url
    assert page(service_client, "/doc/0123456789abcdef?back=//evil.example", status=404)
    spun = page(service_client, "/?county=北辰区")
    doc_url = spun.select_one(".result h3 a")["href"]
    toggled = page(service_client, doc_url + "&p=3").select_one("a.toggle-view")["href"]
    assert toggled.endswith("#p3") and "view=scraped" in toggled
    evil = page(service_client, doc_url.split("?")[0] + "?back=//evil.example/x&q=安全")
    assert evil.select_one(".back a")["href"].startswith("/?q=")


def test_document_shows_a_file_name_never_a_server_path(service_client):
    soup = page(service_client, "/?q=路南区")
    doc = page(service_client, first_result_doc_url(soup, "2023年全区安全生产工作会议讲话"))
    facts = dict(zip([dt.get_text() for dt in doc.select(".doc-facts dt")],
                     [dd.get_text() for dd in doc.select(".doc-facts dd")]))
    assert facts["来源"] == "001_f0e5b2b144a0aed0.txt"


def test_restored_words_are_marked_inline_with_the_scraped_word(service_client):
    from ingest.spin import ORIGINAL_OF

    doc_url = page(service_client, "/?county=北辰区").select_one(".result h3 a")["href"]
    doc_id = urlsplit(doc_url).path.split("/")[-1]
    stored = {p["n"]: p for p in service_client.get(f"/api/documents/{doc_id}").get_json()["paragraphs"]}
    for url in (doc_url, doc_url + "&q=安全生产"):
        soup = page(service_client, url)
        marked = soup.select(".v-restored ins.despun")
        assert marked, "a spun copy shows which words were restored"
        for ins in marked:
            scraped = ins["title"].removeprefix("网站原文：")
            assert ins.get_text() and ins.get_text() in ORIGINAL_OF[scraped]   # a highlight may split a word
        for para in soup.select(".para"):
            restored = para.select_one(".v-restored")
            if restored is not None:
                n = int(para["id"][1:])
                assert restored.get_text() == stored[n]["restored"], "marking never changes the text"
                assert not para.select(".v-scraped ins")
    assert "带虚线的词" in soup.select_one(".despun-legend").get_text()


def test_inline_marks_nest_inside_highlights_and_escape_the_scraped_word():
    from search_service.markup import insert_spans

    assert insert_spans("a<mark>安全生产</mark>", [(1, 3, "平安")]) == \
        'a<mark><ins class="despun" title="网站原文：平安">安全</ins>生产</mark>'
    assert insert_spans("安全&amp;生产", [(2, 3, "<b>")]) == \
        '安全<ins class="despun" title="网站原文：&lt;b&gt;">&amp;</ins>生产'
    assert insert_spans("安全生产", [(0, 2, "x"), (2, 4, "y")]).count("<ins") == 2
    assert insert_spans("平安<mark>生产</mark>", [(0, 3, "z")]).count("</ins>") == 2


def test_cities_of_several_chosen_provinces_are_listed_together(service_client):
    soup = page(service_client, "/?province=河北省&province=天津市")
    section = next(s for s in soup.select(".facet") if s.h2.get_text() == "地区")
    assert section.select_one("h3.facet-sub").get_text() == "城市"
    cities = [a.select_one(".facet-label").get_text() for a in section.select("h3.facet-sub + ul a")]
    assert {"唐山市", "沧州市", "天津市"} <= set(cities)
    narrowed = page(service_client, facet_link(soup, "地区", "唐山市")["href"])
    assert total(narrowed) == int(facet_link(soup, "地区", "唐山市").select_one(".count").get_text())


def test_region_tree_opens_to_the_towns_of_a_chosen_county(spare_service_index):
    import index
    from search_service import create_app

    real = Path(__file__).parent / "data" / "real" / "street_news_ouyanglu.txt"
    index.ingest_paths([real], spare_service_index, progress=False)
    client = create_app(index_dir=spare_service_index, RATELIMIT_ENABLED=False).test_client()
    county = page(client, "/?province=上海市&city=上海市&county=虹口区")
    towns = [a.get_text() for a in county.select(".facet li.selected li.selected li.selected ul .facet-label")]
    assert towns == ["欧阳路街道"]
    street = page(client, "/?province=上海市&city=上海市&county=虹口区&town=欧阳路街道")
    assert total(street) == 1 and "乡镇街道：欧阳路街道" in street.select_one(".breadcrumb").get_text()
