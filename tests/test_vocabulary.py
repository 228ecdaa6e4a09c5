"""One search vocabulary: the index, the JSON API, the pages and the CLI take the same limits and say the
same labels (index/vocabulary.py)."""
from __future__ import annotations

import json
import os

import pytest
from bs4 import BeautifulSoup

import index
from index import QueryError
from index.vocabulary import (MAX_CONTEXT, MAX_DEPTH, MAX_PER_PAGE, MAX_QUERY_CHARS, NATIONAL, SORT_LABELS,
                              UNTITLED, YEAR_MAX, YEAR_MIN)
from search_service.cli import Exit, main
from search_service.formatting import format_results

NATIONAL_TITLE = "安全生产许可证条例"      # tests/data/service: a real national regulation


@pytest.fixture
def cli(capsys, monkeypatch):
    """`safety-search ARGS` in this process: (exit status, stdout + stderr)."""
    for name in [n for n in os.environ if n.startswith("SAFETY_SEARCH_")]:
        monkeypatch.delenv(name)

    def run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:         # argparse refusing the arguments
            status = exc.code
        out = capsys.readouterr()
        return status, out.out + out.err
    return run


@pytest.fixture
def service_index(service_index_dir):
    ix = index.SearchIndex(service_index_dir)
    yield ix
    ix.close()


def status(client, path, **args) -> int:
    return client.get(path, query_string=args).status_code


def test_a_national_text_is_全国_in_the_cli_as_on_the_pages(cli, service_client, service_index_dir):
    code, printed = cli("search", NATIONAL_TITLE, "--index", service_index_dir)
    assert code == Exit.OK
    line = next(line for line in printed.splitlines() if f"《{NATIONAL_TITLE}》" in line)
    assert f"，{NATIONAL}，" in line and "地区未知" not in line
    page = BeautifulSoup(service_client.get("/", query_string={"q": NATIONAL_TITLE}).data, "html.parser")
    result = next(r for r in page.select("li.result") if NATIONAL_TITLE in r.h3.get_text())
    assert NATIONAL in [item.get_text() for item in result.select(".meta-item")]


def test_an_untitled_result_prints_as_the_pages_show_it(service_index):
    result = service_index.search("安全生产", per_page=1)
    result["results"][0]["title"] = None         # a news fragment: ingest leaves its title None
    assert f"《{UNTITLED}》" in format_results(result) and "《None》" not in format_results(result)


def test_per_page_is_limited_alike_in_the_api_the_index_and_the_cli(service_client, service_index, cli,
                                                                     service_index_dir):
    assert status(service_client, "/api/search", per_page=MAX_PER_PAGE) == 200
    assert status(service_client, "/api/search", per_page=MAX_PER_PAGE + 1) == 400
    assert service_index.search("", per_page=MAX_PER_PAGE)["per_page"] == MAX_PER_PAGE
    with pytest.raises(QueryError):
        service_index.search("", per_page=MAX_PER_PAGE + 1)
    assert cli("search", "安全", "--per-page", MAX_PER_PAGE, "--index", service_index_dir)[0] == Exit.OK
    assert cli("search", "安全", "--per-page", MAX_PER_PAGE + 1, "--index", service_index_dir)[0] == Exit.USAGE


def test_paging_reaches_as_deep_in_the_api_as_in_the_index(service_client, service_index):
    last = MAX_DEPTH // 10
    assert status(service_client, "/api/search", page=last) == 200
    assert status(service_client, "/api/search", page=last + 1) == 400
    assert service_index.search("", page=last, per_page=10)["results"] == []
    with pytest.raises(QueryError):
        service_index.search("", page=last + 1, per_page=10)


def test_context_is_limited_alike_in_the_api_and_the_index(service_client, service_index):
    hit = service_index.search(NATIONAL_TITLE, per_page=1)["results"][0]
    doc = service_index.document(hit["doc_id"])
    middle = doc["paragraphs"][len(doc["paragraphs"]) // 2]["n"]
    path = f"/api/documents/{hit['doc_id']}/paragraphs/{middle}"
    widest = service_client.get(path, query_string={"context": MAX_CONTEXT}).get_json()
    assert len(widest["before"]) == len(widest["after"]) == MAX_CONTEXT, "the regulation has paragraphs to spare"
    assert status(service_client, path, context=MAX_CONTEXT + 1) == 400
    assert service_index.paragraph(hit["doc_id"], middle, context=MAX_CONTEXT + 5)["before"] == widest["before"]


def test_year_bounds_are_the_same_in_the_form_the_api_the_index_and_the_cli(service_client, service_index, cli,
                                                                            service_index_dir):
    form = BeautifulSoup(service_client.get("/").data, "html.parser").select_one("form.year-range")
    assert {(i["min"], i["max"]) for i in form.select("input[type=number]")} == {(str(YEAR_MIN), str(YEAR_MAX))}
    for bound in ("year_from", "year_to"):
        assert status(service_client, "/api/search", **{bound: YEAR_MIN}) == 200
        assert status(service_client, "/api/search", **{bound: YEAR_MIN - 1}) == 400
        assert status(service_client, "/api/search", **{bound: YEAR_MAX + 1}) == 400
        service_index.search("", filters={bound: YEAR_MIN})
        with pytest.raises(QueryError):
            service_index.search("", filters={bound: YEAR_MIN - 1})
    assert cli("search", "安全", "--year-from", YEAR_MIN, "--index", service_index_dir)[0] == Exit.OK
    assert cli("search", "安全", "--year-from", YEAR_MIN - 1, "--index", service_index_dir)[0] == Exit.USAGE


def test_the_search_box_takes_exactly_what_the_api_and_the_index_take(service_client, service_index):
    results = BeautifulSoup(service_client.get("/", query_string={"q": "安全"}).data, "html.parser")
    doc_id = service_index.search("安全", per_page=1)["results"][0]["doc_id"]
    header = BeautifulSoup(service_client.get(f"/doc/{doc_id}").data, "html.parser")
    boxes = results.select("input[type=search]") + header.select("input[type=search]")
    assert len(boxes) == 3 and {box["maxlength"] for box in boxes} == {str(MAX_QUERY_CHARS)}
    assert status(service_client, "/api/search", q="安" * MAX_QUERY_CHARS) == 200
    assert status(service_client, "/api/search", q="安" * (MAX_QUERY_CHARS + 1)) == 400
    with pytest.raises(QueryError):
        service_index.search("安" * (MAX_QUERY_CHARS + 1))


def test_sorts_have_one_name_and_label_on_the_page_and_in_the_cli(service_client, cli):
    page = BeautifulSoup(service_client.get("/", query_string={"q": "安全"}).data, "html.parser")
    assert [a.get_text() for a in page.select("nav.sort a")] == list(SORT_LABELS.values())
    code, usage = cli("search", "安全", "--sort", "newest")
    assert code == Exit.USAGE and all(name in usage for name in SORT_LABELS)


def test_the_api_description_states_the_limits_the_api_enforces(service_client):
    spec = service_client.get("/api/openapi.json").get_json()
    params = [p for op in spec["paths"].values() for method in op.values() for p in method.get("parameters", [])]
    by_name = {}
    for p in params:
        by_name.setdefault(p["name"], []).append(p)
    assert {p["schema"].get("items", p["schema"])["maxLength"] for p in by_name["q"] + by_name["within"]} \
        == {MAX_QUERY_CHARS}
    assert {p["schema"]["maximum"] for p in by_name["per_page"]} == {MAX_PER_PAGE}
    assert {p["schema"]["maximum"] for p in by_name["context"]} == {MAX_CONTEXT}
    assert all(f"不超过 {MAX_DEPTH}" in p["description"] for p in by_name["page"])
    assert all(f"{YEAR_MIN}–{YEAR_MAX}" in p["description"] for p in by_name["year_from"] + by_name["year_to"])


def test_the_unknown_year_is_the_same_bucket_in_the_cli_and_the_api(cli, service_client, service_index_dir):
    code, printed = cli("search", "", "--year", "未知", "--per-page", MAX_PER_PAGE, "--json", "--index",
                        service_index_dir)
    assert code == Exit.OK
    from_cli = {r["doc_id"] for r in json.loads(printed)["results"]}
    api = service_client.get("/api/search", query_string={"year": "未知", "per_page": MAX_PER_PAGE}).get_json()
    assert from_cli == {r["doc_id"] for r in api["results"]}
    assert api["results"] and all(r["year"] is None for r in api["results"])
