"""The one search result dict that feeds both the search page `/` and `/api/search`."""
from __future__ import annotations

import math

from index.vocabulary import DEFAULT_PER_PAGE, MAX_DEPTH, PER_PAGE_CHOICES, SORTS

from .facets import active_filters, decorate_facets, region_tree, url_with
from .params import parse_search
from .searcher import current_index


def _paging(total: int, page: int, per_page: int, path: str, args) -> dict:
    deepest = max(1, MAX_DEPTH // per_page)
    last = max(1, min(math.ceil(total / per_page), deepest))

    def link(n: int) -> str:
        return url_with(path, args, page=str(n) if n > 1 else None)

    window = range(max(1, page - 3), min(last, page + 3) + 1)
    return {
        "current": page, "last": last,
        "prev_url": link(page - 1) if page > 1 else None,
        "next_url": link(page + 1) if page < last else None,
        "numbers": [{"n": n, "url": link(n), "current": n == page} for n in window],
    }


def search_results(path: str, args) -> dict:
    """Run the search the query string describes; facet values and filters carry their URLs."""
    params = parse_search(args)
    result = current_index().search(
        params.q, filters=params.index_filters(), within=params.within,
        sort=params.sort, page=params.page, per_page=params.per_page, explain=params.explain)
    facets = decorate_facets(result.get("facets", {}), path, args)
    return {
        "total": result["total"],
        "page": params.page,
        "per_page": params.per_page,
        "query": {"q": params.q, "within": params.within, "sort": params.sort, "filters": params.filters},
        "results": result["results"],
        "facets": facets,
        "region_tree": region_tree(facets, args),
        "active_filters": active_filters(path, args),
        "sort_urls": {s: url_with(path, args, sort=None if s == "relevance" else s) for s in SORTS},
        "per_page_urls": {n: url_with(path, args, per_page=None if n == DEFAULT_PER_PAGE else str(n)) for n in PER_PAGE_CHOICES},
        "export_urls": {kind: url_with(f"/export.{kind}", args, per_page=None) for kind in ("csv", "xlsx")},
        "paging": _paging(result["total"], params.page, params.per_page, path, args),
    }
