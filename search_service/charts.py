"""The year chart of the search page: bar geometry for a server-rendered SVG (no script, prints well)."""
from __future__ import annotations

from .facets import url_with

WIDTH, HEIGHT = 220, 64         # viewBox units, about the sidebar's width in pixels, so text keeps its size
LABEL_ROOM = 12                 # below the bars, for the year labels
MAX_LABELS = 5                  # more four-digit years than this overlap in the sidebar
MAX_SPAN = 80                   # years drawn at most (a law corpus reaches back to 1949)


def year_chart(years: list[dict], path: str, args) -> dict | None:
    """Bars for the known years of the year facet, oldest to newest with empty years drawn as gaps;
    each bar links to that year alone (dropping a year range, which the year counts ignore).
    None when fewer than two years are known: a single bar tells nothing the facet does not."""
    counts = {int(y["value"]): y for y in years if y["value"] is not None}
    if len(counts) < 2:
        return None
    last = max(counts)
    first = max(min(counts), last - MAX_SPAN + 1)
    span = list(range(first, last + 1))
    top = max(counts[y]["count"] for y in span if y in counts)
    slot = WIDTH / len(span)
    every = max(1, -(-len(span) // MAX_LABELS))
    bars = []
    for i, year in enumerate(span):
        item = counts.get(year)
        count = item["count"] if item else 0
        height = (HEIGHT - LABEL_ROOM - 4) * count / top
        bars.append({
            "year": year, "count": count, "selected": bool(item and item["selected"]),
            "x": round(i * slot + slot * 0.12, 2), "width": round(slot * 0.76, 2),
            "y": round(HEIGHT - LABEL_ROOM - height, 2), "height": round(height, 2),
            "center": round(i * slot + slot / 2, 2),
            # the first and last year always, others counted back from the last, none crowding the first
            "label": i == 0 or (len(span) - 1 - i) % every == 0 and i >= every,
            "url": url_with(path, args, year=str(year), year_from=None, year_to=None) if count else None,
        })
    unknown = next((y for y in years if y["value"] is None), None)
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "baseline": HEIGHT - LABEL_ROOM,
            "unknown": unknown, "skipped": min(counts) < first}
