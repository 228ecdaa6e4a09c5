"""Facet values and active filters as links: every value knows the URL that toggles it.

Active filters are plain query-string arguments, so these URLs are the whole state of a search.
"""
from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from .params import FACET_PARAMS, REGION_CHILDREN, UNKNOWN_YEAR

FACET_LABELS = {
    "year": "年份", "province": "省份", "city": "城市", "county": "区县", "level": "层级",
    "doc_type": "文种", "topic": "专题", "year_from": "起始年份", "year_to": "截止年份",
    "within": "在结果中检索",
}


def url_with(path: str, args, **changes) -> str:
    """`path` with the query string `args` changed: a value sets, None removes; paging restarts."""
    return _url_maker(path, args, changes.keys())(changes)


def _url_maker(path: str, args, changed):
    """url_with for many changes of the same keys: the untouched part is encoded once (facets have hundreds)."""
    kept = urlencode([(k, v) for k, v in args.items(multi=True) if k not in changed and k != "page" and v != ""])

    def url(changes: dict) -> str:
        added = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in changes.items() if v not in (None, ""))
        query = f"{kept}&{added}" if kept and added else kept or added
        return f"{path}?{query}" if query else path

    return url


def _removing(name: str) -> dict:
    return {name: None, **{child: None for child in REGION_CHILDREN.get(name, ())}}


def _year_key(item: dict):
    value = item["value"]
    return (1, 0) if value in (None, UNKNOWN_YEAR) else (0, -int(value))


def decorate_facets(facets: dict, path: str, args) -> dict:
    """Facet lists from the index, each value given `label`, `selected` and `toggle_url`.

    Years are newest first with 未知 last. Choosing a province or city clears the region levels below it.
    """
    out = {}
    for name in FACET_PARAMS:
        values = [dict(v) for v in facets.get(name, [])]
        if name == "year":
            values.sort(key=_year_key)
        active = args.get(name, "")
        removing = _removing(name)
        url = _url_maker(path, args, removing)
        for item in values:
            param = UNKNOWN_YEAR if item["value"] is None else str(item["value"])
            item["label"] = param
            item["selected"] = param == active
            item["toggle_url"] = url(removing if item["selected"] else {**removing, name: param})
        out[name] = values
    return out


def region_tree(facets: dict, args) -> list[dict]:
    """Province → city → county as nested nodes: the chosen level shows its children under it."""
    def level(name: str, child: str | None) -> list[dict]:
        nodes = []
        for item in facets.get(name, []):
            node = dict(item, children=[])
            if item["selected"] and child:
                node["children"] = level(child, "county" if child == "city" else None)
            nodes.append(node)
        if args.get(name):  # only the chosen branch is opened; its siblings stay listed
            nodes.sort(key=lambda n: not n["selected"])
        return nodes

    return level("province", "city")


def active_filters(path: str, args) -> list[dict]:
    """The breadcrumb: one removable crumb per active filter (and per refinement), in a fixed order."""
    crumbs = []
    for value in args.getlist("within"):
        if value.strip():
            rest = urlencode([(k, v) for k, v in args.items(multi=True)
                              if (k, v) != ("within", value) and k != "page" and v != ""])
            crumbs.append({"name": "within", "label": FACET_LABELS["within"], "value": value,
                           "remove_url": f"{path}?{rest}" if rest else path})
    for name in FACET_PARAMS + ("year_from", "year_to"):
        value = args.get(name, "")
        if value:
            crumbs.append({"name": name, "label": FACET_LABELS[name], "value": value,
                           "remove_url": url_with(path, args, **_removing(name))})
    return crumbs
