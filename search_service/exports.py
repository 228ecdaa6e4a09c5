"""Result lists as spreadsheets: every document a search matches (up to MAX_ROWS), as CSV or XLSX.

Shared by `GET /export.csv|.xlsx?<search query string>` and `safety-search export`. Rows are produced
page by page from `SearchIndex.search`, so memory stays flat whatever the number of rows: CSV is streamed
as it is written, XLSX goes through openpyxl's write-only mode into a temporary file.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, request, send_file, stream_with_context
from openpyxl import Workbook

from index.vocabulary import MAX_PER_PAGE, UNKNOWN, province_label

from .markup import source_label
from .params import parse_search
from .searcher import current_index

MAX_ROWS = 5000
BATCH = MAX_PER_PAGE            # documents per search call: the largest page
COLUMNS = (("title", "标题"), ("year", "年份"), ("published", "发布日期"), ("province", "省份"),
           ("city", "城市"), ("county", "区县"), ("level", "层级"), ("doc_type", "文种"), ("topics", "专题"),
           ("source", "来源"), ("paragraph", "最佳段落"), ("paragraph_n", "段落编号"), ("permalink", "链接"))
HEADERS = [label for _, label in COLUMNS]
COLUMN_WIDTHS = {"title": 40, "published": 12, "topics": 20, "source": 24, "paragraph": 60, "permalink": 30}  # characters
# A cell starting with these is a formula to Excel (and openpyxl); scraped titles must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_CELL_MAX = 32_767          # characters Excel keeps in one cell
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _row(result: dict, link: Callable[[str, int], str]) -> list[str]:
    region = result.get("region") or {}
    para = (result.get("paragraphs") or [{}])[0]
    n = para.get("n")
    values = {
        "title": result.get("title"), "year": result.get("year") or UNKNOWN,
        "published": result.get("published"),
        "province": province_label(result),
        "city": region.get("city"), "county": region.get("county"), "level": result.get("level") or UNKNOWN,
        "doc_type": result.get("doc_type"), "topics": "、".join(result.get("topics") or []),
        "source": source_label(result.get("source")), "paragraph": para.get("restored") or para.get("text"),
        "paragraph_n": n, "permalink": link(result["doc_id"], n) if n else link(result["doc_id"], 1),
    }
    return [_text(values[key]) for key, _ in COLUMNS]


def link_maker(base_url: str) -> Callable[[str, int], str]:
    """Permalinks of paragraphs under `base_url`, as /doc/<id>?p=n#pn (url_for would cost more than the
    rest of a row; tests check both give the same link)."""
    base = base_url.rstrip("/")
    return lambda doc_id, n: f"{base}/doc/{doc_id}?p={n}#p{n}"


def export_rows(search_index, q: str, filters: dict, within: list[str], sort: str,
                link: Callable[[str, int], str]) -> tuple[int, Iterator[list[str]]]:
    """(total matches, rows of at most MAX_ROWS documents). The first page is searched at once, so a
    bad query raises here, before anything is streamed."""
    def page(number: int) -> dict:
        return search_index.search(q, filters=filters, within=within, sort=sort, page=number, per_page=BATCH)

    first = page(1)

    def rows() -> Iterator[list[str]]:
        result, number, sent = first, 1, 0
        while True:
            for r in result["results"]:
                if sent >= MAX_ROWS:
                    return
                sent += 1
                yield _row(r, link)
            if number * BATCH >= min(result["total"], MAX_ROWS):
                return
            number += 1
            result = page(number)

    return first["total"], rows()


def csv_chunks(rows: Iterator[list[str]], rows_per_chunk: int = 200) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel opens it as UTF-8 only with one), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    yield "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterator[list[str]], out, title: str = "检索结果") -> None:
    """One sheet with Chinese headers, written row by row (openpyxl write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"           # the header row stays in view while scrolling
    for letter, key in zip("ABCDEFGHIJKLM", (key for key, _ in COLUMNS)):
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(key, 10)
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([XLSX_UNSAFE.sub("", v)[:XLSX_CELL_MAX] for v in row])
    workbook.save(out)


def xlsx_file(rows: Iterator[list[str]]):
    """The workbook in a temporary file, rewound for sending (closed, and so deleted, after sending)."""
    out = tempfile.TemporaryFile()
    write_xlsx(rows, out)
    out.seek(0)
    return out


# --- the service's routes ------------------------------------------------------------------------

bp = Blueprint("exports", __name__)


def _request_rows():
    params = parse_search(request.args)
    return export_rows(current_index(), params.q, params.index_filters(), params.within, params.sort,
                       link_maker(request.url_root))


def _counts(total: int) -> dict:
    """Headers saying how many documents matched and how many the file holds (at most MAX_ROWS)."""
    return {"X-Total-Count": str(total), "X-Exported-Count": str(min(total, MAX_ROWS))}


@bp.get("/export.csv")
def export_csv():
    total, rows = _request_rows()
    response = Response(stream_with_context(csv_chunks(rows)), mimetype="text/csv",
                        headers=_counts(total))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=search-results.csv; " \
                                              "filename*=UTF-8''%E6%A3%80%E7%B4%A2%E7%BB%93%E6%9E%9C.csv"
    return response


@bp.get("/export.xlsx")
def export_xlsx():
    total, rows = _request_rows()
    response = send_file(xlsx_file(rows), mimetype=XLSX_MIME, as_attachment=True, download_name="检索结果.xlsx")
    response.headers.update(_counts(total))
    return response
