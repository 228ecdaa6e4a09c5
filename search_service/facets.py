"""Facet values and active filters as links: every value knows the URL that toggles it.

Active filters are plain query-string arguments, so these URLs are the whole state of a search.
A facet may carry several values (`province=山东省&province=河南省`: either); choosing a value adds it,
choosing it again removes it.
"""
from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from index.vocabulary import FACET_LABELS, FACETS, UNKNOWN

from .params import REGION_CHILDREN, facet_values


def url_with(path: str, args, **changes) -> str:
    """`path` with the query string `args` changed: a value (or list of values) sets, None removes;
    paging restarts."""
    return _url_maker(path, args, changes.keys())(changes)


def _url_maker(path: str, args, changed):
    """url_with for many changes of the same keys: the untouched part is encoded once (facets have hundreds)."""
    kept = urlencode([(k, v) for k, v in args.items(multi=True) if k not in changed and k != "page" and v != ""])

    def url(changes: dict) -> str:
        added = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, values in changes.items()
                         for v in (values if isinstance(values, list) else [values]) if v not in (None, ""))
        query = f"{kept}&{added}" if kept and added else kept or added
        return f"{path}?{query}" if query else path

    return url


def _removing(name: str) -> dict:
    return {name: None, **{child: None for child in REGION_CHILDREN.get(name, ())}}


def _order(name: str, item: dict):
    """Years newest first; 未知 last in every facet; otherwise the index's order (most documents first)."""
    value = item["value"]
    if value is None:
        return (1, 0)
    return (0, -int(value)) if name == "year" else (0, 0)


def decorate_facets(facets: dict, path: str, args) -> dict:
    """Facet lists from the index, each value given `label`, `selected`, `toggle_url` and `share`
    (its count as a percentage of the facet's largest count, for bars).

    Choosing or dropping a province or city clears the region levels below it.
    """
    out = {}
    for name in FACETS:
        values = sorted((dict(v) for v in facets.get(name, [])), key=lambda item: _order(name, item))
        active = facet_values(args, name)
        removing = _removing(name)
        url = _url_maker(path, args, removing)
        largest = max((v["count"] for v in values), default=0)
        for item in values:
            param = UNKNOWN if item["value"] is None else str(item["value"])
            item["label"] = param
            item["selected"] = param in active
            chosen = [v for v in active if v != param] if item["selected"] else active + [param]
            item["toggle_url"] = url({**removing, name: chosen or None})
            item["share"] = round(100 * item["count"] / largest) if largest else 0
        out[name] = values
    return out


REGION_NEXT = {"city": "county", "county": "town"}


def region_tree(facets: dict, args) -> list[dict]:
    """Province → city → county as nested nodes: a level chosen with one value shows its children under it."""
    def level(name: str, child: str | None) -> list[dict]:
        nodes = []
        single = len(facet_values(args, name)) == 1   # the children of two provinces cannot be told apart
        for item in facets.get(name, []):
            node = dict(item, children=[])
            if item["selected"] and child and single:
                node["children"] = level(child, REGION_NEXT.get(child))
            nodes.append(node)
        if args.get(name):  # chosen values first; their siblings stay listed
            nodes.sort(key=lambda n: not n["selected"])
        return nodes

    return level("province", "city")


def active_filters(path: str, args) -> list[dict]:
    """The breadcrumb: one removable crumb per active filter value (and per refinement), in a fixed order."""
    crumbs = []
    for value in args.getlist("within"):
        if value.strip():
            rest = urlencode([(k, v) for k, v in args.items(multi=True)
                              if (k, v) != ("within", value) and k != "page" and v != ""])
            crumbs.append({"name": "within", "label": FACET_LABELS["within"], "value": value,
                           "remove_url": f"{path}?{rest}" if rest else path})
    for name in FACETS + ("year_from", "year_to"):
        values = facet_values(args, name) if name in FACETS else [args.get(name, "").strip()]
        url = _url_maker(path, args, _removing(name))
        for value in filter(None, values):
            rest = [v for v in values if v != value]
            crumbs.append({"name": name, "label": FACET_LABELS[name], "value": value,
                           "remove_url": url({**_removing(name), name: rest or None})})
    return crumbs
