"""The year chart's geometry: gaps drawn as empty years, bars scaled to the largest, links per year."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import MultiDict

from search_service.charts import MAX_SPAN, year_chart


def facet(counts: dict) -> list[dict]:
    return [{"value": y, "count": c, "selected": False} for y, c in counts.items()]


def test_years_without_documents_are_gaps_and_bars_scale_to_the_largest():
    chart = year_chart(facet({2015: 2, 2018: 4, None: 3}), "/", MultiDict([("q", "煤矿"), ("year_from", "2010")]))
    years = [b["year"] for b in chart["bars"]]
    assert years == [2015, 2016, 2017, 2018]
    heights = {b["year"]: b["height"] for b in chart["bars"]}
    assert heights[2016] == heights[2017] == 0 and heights[2018] == 2 * heights[2015] > 0
    assert [b["url"] is None for b in chart["bars"]] == [False, True, True, False], "an empty year has no link"
    link = parse_qs(urlsplit(chart["bars"][0]["url"]).query)
    assert link == {"q": ["煤矿"], "year": ["2015"]}, "a bar is that year alone; the range is dropped"
    assert chart["unknown"]["count"] == 3
    assert [b["label"] for b in chart["bars"]][0] and chart["bars"][-1]["label"]


def test_a_single_year_draws_no_chart_and_a_long_span_keeps_the_latest_years():
    assert year_chart(facet({2020: 5, None: 1}), "/", MultiDict()) is None
    chart = year_chart(facet({1900: 1, 2024: 1}), "/", MultiDict())
    assert len(chart["bars"]) == MAX_SPAN and chart["bars"][-1]["year"] == 2024 and chart["skipped"]
