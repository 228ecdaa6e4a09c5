"""The search vocabulary: facet and sort names, the labels people read, and the limits of a search.

The index, the JSON API, the pages and the CLI all read these, so a limit or a label is the same
wherever a person meets it. It lives in `index/` because the index enforces the limits and the
service and CLI (downstream) show them.
"""
from __future__ import annotations

from ingest.years import FIRST_YEAR

# --- names -------------------------------------------------------------------------------------------

FACETS = ("year", "province", "city", "county", "town", "level", "doc_type", "topic")
REGION_LEVELS = ("province", "city", "county", "town")
# Facets whose missing value is a bucket of its own (None = 未知). A missing city or county is not
# unknown (a province-level text has none), and a national text's missing province means 全国.
UNKNOWN_BUCKETS = ("year", "province", "level")
NATIONAL_LEVEL = "国家"
# date: newest first; date_asc: oldest first; undated last either way
SORT_LABELS = {"relevance": "相关度", "date": "日期新→旧", "date_asc": "日期旧→新"}
SORTS = tuple(SORT_LABELS)

# --- labels ------------------------------------------------------------------------------------------

FACET_LABELS = {
    "year": "年份", "province": "省份", "city": "城市", "county": "区县", "town": "乡镇街道", "level": "层级",
    "doc_type": "文种", "topic": "专题", "year_from": "起始年份", "year_to": "截止年份",
    "within": "在结果中检索",
}
UNKNOWN = "未知"            # the one label of a missing year, province or level: facet, crumb, page, CLI, export
NATIONAL = "全国"           # where a national text applies: its region is empty, but not unknown
UNTITLED = "（无标题）"      # a text that holds no title (a news fragment): ingest leaves its title None


def place_label(doc: dict) -> str:
    """河北省唐山市路南区 — the known region levels joined; 全国 for a national text; else 地区未知."""
    region = doc.get("region") or {}
    # Municipalities repeat themselves (天津市 / 天津市): say it once.
    joined = "".join(dict.fromkeys(region.get(k) for k in REGION_LEVELS if region.get(k)))
    return joined or (NATIONAL if doc.get("level") == NATIONAL_LEVEL else f"地区{UNKNOWN}")


def province_label(doc: dict) -> str:
    """The province, 全国 for a national text, else 未知 (the province facet's buckets)."""
    province = (doc.get("region") or {}).get("province")
    return province or (NATIONAL if doc.get("level") == NATIONAL_LEVEL else UNKNOWN)


def year_label(doc: dict) -> str:
    return str(doc.get("year") or f"年份{UNKNOWN}")


def title_label(doc: dict) -> str:
    return doc.get("title") or UNTITLED


# --- limits ------------------------------------------------------------------------------------------

# A query box of a search engine takes a sentence or two, not a page: 500 characters is a long quoted
# paragraph (a typical one here is 100–300), and it keeps a parse bounded.
MAX_QUERY_CHARS = 500
# One page of an API answer. 100 is what the export reads per call and what people know from other
# APIs; the page offers 10, 20, 50.
MAX_PER_PAGE = 100
PER_PAGE_CHOICES = (10, 20, 50)
DEFAULT_PER_PAGE = 10
# Results reachable by paging (page × per_page). 10,000 lets the page, the API and the CLI reach
# every match an export (5,000 rows) holds, and is where other engines stop (Elasticsearch's
# max_result_window); beyond it, narrowing the search says more than paging.
MAX_DEPTH = 10_000
# Paragraphs of context either side of a cited paragraph: 10 is a screen of a speech; more is
# the whole document, which /api/documents/<id> gives.
MAX_CONTEXT = 10
DEFAULT_CONTEXT = 2
# Year filters take the years a document can be dated to (ingest dates none before FIRST_YEAR,
# 1949) up to a bound that refuses a mistyped 3023 but no year a text will carry.
YEAR_MIN = FIRST_YEAR
YEAR_MAX = 2100
