"""Reading and checking the query-string of a search or document request.

Every state of a search is a plain query string, so a page, its JSON twin and a bookmark all agree.
Bad values raise `BadParameter` with a Chinese message naming the parameter; they never reach the index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.vocabulary import (DEFAULT_PER_PAGE, FACETS, MAX_DEPTH, MAX_PER_PAGE, MAX_QUERY_CHARS,
                              SORTS, UNKNOWN, UNKNOWN_BUCKETS)

# Choosing a region narrows its children, so dropping a parent must drop them too.
REGION_CHILDREN = {"province": ("city", "county", "town"), "city": ("county", "town"), "county": ("town",), "town": ()}
DOC_ID = re.compile(r"[0-9a-f]{16}")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_WITHIN = 5                  # successive 在结果中检索 refinements
MAX_VALUES = 20                 # values of one facet chosen at once (either of them matches)


class BadParameter(ValueError):
    """A request parameter the service refuses; str(exc) is the Chinese message for the user."""


@dataclass
class SearchParams:
    q: str = ""
    within: list[str] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    explain: bool = False        # explain=1: each result carries the parts of its score

    def index_filters(self) -> dict:
        """Filters in the form `SearchIndex.search` takes: a list per facet (any of them matches),
        years as ints, 未知 as None."""
        out = {}
        for name, value in self.filters.items():
            if name in ("year_from", "year_to"):
                out[name] = int(value)
            else:
                out[name] = [None if v == UNKNOWN and name in UNKNOWN_BUCKETS else int(v) if name == "year" else v
                             for v in value]
        return out


def _text(args, name: str, limit: int, value: str | None = None) -> str:
    value = CONTROL_CHARS.sub(" ", args.get(name, "") if value is None else value).strip()
    if len(value) > limit:
        raise BadParameter(f"参数 {name} 过长：{len(value)} 个字符，最多 {limit} 个")
    return value


def int_arg(args, name: str, default: int, low: int, high: int) -> int:
    """An integer argument within [low, high], or `default` when absent."""
    raw = args.get(name, "").strip()
    if raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d{1,9}", raw):
        raise BadParameter(f"参数 {name} 应为整数，收到「{raw[:40]}」")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(f"参数 {name} 应在 {low} 到 {high} 之间，收到 {value}")
    return value


def _year(raw: str, name: str, allow_unknown: bool) -> str:
    raw = raw.strip()
    if allow_unknown and raw == UNKNOWN:
        return raw
    if not re.fullmatch(r"\d{4}", raw):
        raise BadParameter(f"参数 {name} 应为四位年份，收到「{raw[:40]}」")
    return raw


def parse_search(args) -> SearchParams:
    """Read q, within, the facet filters, year range, sort and paging from request args."""
    within = [text for text in (_text(args, "within", MAX_QUERY_CHARS, v) for v in args.getlist("within")) if text]
    if len(within) > MAX_WITHIN:
        raise BadParameter(f"在结果中检索最多 {MAX_WITHIN} 次，收到 {len(within)} 次")
    params = SearchParams(q=_text(args, "q", MAX_QUERY_CHARS), within=within)
    for name in FACETS:
        values = facet_values(args, name)
        if len(values) > MAX_VALUES:
            raise BadParameter(f"参数 {name} 最多同时选 {MAX_VALUES} 个值，收到 {len(values)} 个")
        if values:
            params.filters[name] = [_year(v, name, True) for v in values] if name == "year" else values
    for name in ("year_from", "year_to"):
        value = _text(args, name, 10)
        if value:
            params.filters[name] = _year(value, name, False)
    low, high = params.filters.get("year_from"), params.filters.get("year_to")
    if low and high and int(low) > int(high):  # 2023 到 2020 means 2020 到 2023
        params.filters["year_from"], params.filters["year_to"] = high, low
    params.sort = args.get("sort", "relevance") or "relevance"
    if params.sort not in SORTS:
        raise BadParameter(f"参数 sort 只能是 relevance、date（新到旧）或 date_asc（旧到新），收到「{params.sort[:40]}」")
    params.per_page = int_arg(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    max_page = max(1, MAX_DEPTH // params.per_page)
    params.page = int_arg(args, "page", 1, 1, max_page)
    explain = args.get("explain", "").strip().lower()
    if explain not in ("", "0", "1", "true", "false"):
        raise BadParameter(f"参数 explain 只能是 1 或 0，收到「{explain[:40]}」")
    params.explain = explain in ("1", "true")
    return params


def facet_values(args, name: str) -> list[str]:
    """The distinct non-empty values of a repeatable facet parameter, in the order given."""
    values = (_text(args, name, 100, v) for v in args.getlist(name))
    return list(dict.fromkeys(v for v in values if v))


def local_path(value: str | None) -> str | None:
    """`value` when it is a path on this site (/…, never //host or /\\host), else None: a link back
    that a crafted URL cannot point elsewhere."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")) \
            and len(value) <= 4000 and not CONTROL_CHARS.search(value):
        return value
    return None


def check_doc_id(doc_id: str) -> str:
    """A doc_id is 16 lowercase hex characters; anything else never reaches the document store."""
    if not DOC_ID.fullmatch(doc_id or ""):
        raise BadParameter(f"文档编号应为 16 位十六进制字符，收到「{(doc_id or '')[:40]}」")
    return doc_id


def paragraph_number(args, name: str = "n") -> int:
    """A required paragraph number (1-based)."""
    if not args.get(name, "").strip():
        raise BadParameter(f"缺少参数 {name}（段落编号）")
    return int_arg(args, name, 0, 1, 1_000_000)
