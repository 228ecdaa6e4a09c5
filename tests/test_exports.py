"""Result exports: /export.csv and /export.xlsx of any search, and `safety-search export`."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

HEADERS = ["标题", "年份", "发布日期", "省份", "城市", "区县", "层级", "文种", "专题", "来源", "最佳段落", "段落编号", "链接"]


def api_total(client, query: str) -> int:
    return client.get(f"/api/search?{query}").get_json()["total"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("query", ["q=安全生产", "q=安全生产&province=河北省&province=天津市",
                                   "level=区&sort=date", "year_from=2022&year_to=2023", "q=尾矿库不存在的词"])
def test_csv_and_xlsx_hold_every_matching_document(service_client, query):
    total = api_total(service_client, query)
    rows = csv_rows(service_client.get(f"/export.csv?{query}"))
    assert rows[0] == HEADERS and len(rows) - 1 == total
    response = service_client.get(f"/export.xlsx?{query}")
    assert response.status_code == 200 and response.headers["X-Total-Count"] == str(total)
    sheet = xlsx_rows(response.data)
    assert sheet[0] == HEADERS and len(sheet) - 1 == total
    assert [r[0] for r in sheet[1:]] == [r[0] for r in rows[1:]], "same documents, same order"


def test_export_rows_carry_metadata_best_paragraph_and_permalink(service_client):
    rows = csv_rows(service_client.get("/export.csv?q=隐患排查&county=路南区"))
    row = dict(zip(rows[0], rows[1]))
    assert row["标题"] == "2023年全区安全生产工作会议讲话"
    assert (row["年份"], row["省份"], row["城市"], row["区县"], row["层级"]) == ("2023", "河北省", "唐山市", "路南区", "区")
    assert "隐患排查" in row["最佳段落"]
    doc_id = row["链接"].split("/doc/")[1].split("?")[0]
    with service_client.application.test_request_context():
        from search_service.documents import permalink

        assert row["链接"] == permalink(doc_id, int(row["段落编号"])), "the same link as the document page's"
    assert "/" not in row["来源"], "a file name, never a server path"
    unknown = csv_rows(service_client.get("/export.csv?year=未知"))
    assert {r[1] for r in unknown[1:]} == {"未知"}


def test_export_ignores_paging_and_is_not_capped_by_the_page_depth(service_client):
    total = api_total(service_client, "")
    assert len(csv_rows(service_client.get("/export.csv?page=1&per_page=2"))) - 1 == total


def test_export_stops_at_the_row_limit_and_says_how_many_matched(service_client, monkeypatch):
    from search_service import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    monkeypatch.setattr(exports, "BATCH", 2)        # the limit falls inside the second batch
    response = service_client.get("/export.csv")
    rows = csv_rows(response)
    assert len(rows) - 1 == 3
    assert int(response.headers["X-Total-Count"]) > 3 and response.headers["X-Exported-Count"] == "3"


@pytest.mark.parametrize("query, word", [("q=(安全", "括号"), ("sort=random", "sort"), ("year=twenty", "year")])
def test_bad_export_queries_are_400_pages(service_client, query, word):
    for kind in ("csv", "xlsx"):
        response = service_client.get(f"/export.{kind}?{query}")
        assert response.status_code == 400 and word in response.get_data(as_text=True)


def test_a_title_that_looks_like_a_formula_stays_text(tmp_path):
    import index
    from conftest import make_doc
    from search_service import create_app

    index.add_documents(tmp_path, [make_doc("=HYPERLINK(\"http://evil\",\"点我\")安全生产讲话", ["安全生产要常抓不懈。"])])
    client = create_app(index_dir=tmp_path, RATELIMIT_ENABLED=False).test_client()
    assert csv_rows(client.get("/export.csv"))[1][0].startswith("'=")
    cell = load_workbook(io.BytesIO(client.get("/export.xlsx").data)).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_results_page_links_its_exports_with_the_same_filters(service_client):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(service_client.get("/?q=安全生产&province=河北省&page=1").get_data(as_text=True), "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select(".exports a")}
    assert links == {"CSV": "/export.csv?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7&province=%E6%B2%B3%E5%8C%97%E7%9C%81",
                     "Excel": "/export.xlsx?q=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7&province=%E6%B2%B3%E5%8C%97%E7%9C%81"}


def test_cli_export_writes_csv_and_xlsx(service_index_dir, service_client, tmp_path, capsys):
    from search_service.cli import main

    total = api_total(service_client, "q=安全生产&province=河北省&province=天津市")
    out = tmp_path / "结果.csv"
    assert main(["export", "安全生产", "--index", str(service_index_dir), "--province", "河北省",
                 "--province", "天津市", "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) - 1 == total
    assert f"已导出 {total} 篇" in capsys.readouterr().err
    book = tmp_path / "结果.xlsx"
    assert main(["export", "安全生产", "--index", str(service_index_dir), "--format", "xlsx",
                 "--out", str(book), "--base-url", "https://search.example.gov.cn/"]) == 0
    sheet = xlsx_rows(book.read_bytes())
    assert sheet[1][-1].startswith("https://search.example.gov.cn/doc/")
    assert main(["export", "(安全", "--index", str(service_index_dir), "--out", str(tmp_path / "x.csv")]) == 2
    assert "括号" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
    assert main(["export", "安全", "--index", str(service_index_dir), "--out", str(tmp_path)]) == 2
    assert "文件夹" in capsys.readouterr().err


def test_the_workbook_keeps_its_header_in_view_and_wide_text_columns(service_client):
    sheet = load_workbook(io.BytesIO(service_client.get("/export.xlsx?q=安全生产").data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 30 and sheet.column_dimensions["K"].width >= 50
