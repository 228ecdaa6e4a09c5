"""Facet values as numpy arrays over Whoosh document numbers, built once per index generation.

Filtering and counting are array operations over documents (not paragraphs), which is what keeps
faceted queries fast; Whoosh's own `groupedby` was measured at p95 514 ms on 100,000 paragraphs.
"""
from __future__ import annotations

import json
import os

import numpy as np

from ingest.canonical import canonical_key

from .query import QueryError
from .store import FACET_COLUMNS, DocumentStore
from .vocabulary import FACETS, NATIONAL_LEVEL, REGION_LEVELS, UNKNOWN_BUCKETS, YEAR_MAX, YEAR_MIN

CODED = ("province", "city", "county", "town", "level", "doc_type")
COLUMN = {name: i for i, name in enumerate(FACET_COLUMNS)}


def _date_key(published: str | None, year: int | None) -> int:
    if published and len(published) >= 10 and published[:4].isdigit():
        try:
            return int(published[:4]) * 10000 + int(published[5:7]) * 100 + int(published[8:10])
        except ValueError:
            pass
    return year * 10000 if year else 0


# Each folder's table of its latest commit, kept for the process: the service master's warm-up builds it
# and the workers forked after it find it (built in each worker, it was ~1 s of the first search at
# 1,000,000 paragraphs, 33,000 documents). The store changes only with a commit, so a commit's table holds.
_KEPT_TABLES: dict[str, tuple[tuple, "FacetTable"]] = {}


def facet_table(folder: str, reader, store: DocumentStore) -> "FacetTable":
    """The FacetTable of `reader`'s commit of the index in `folder` (a resolved path), built once a process."""
    segments = tuple(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers() if leaf.segment() is not None)
    key = (os.stat(folder).st_ino, reader.generation(), segments)   # a reindex or restore swaps the folder
    kept = _KEPT_TABLES.get(folder)
    if kept is None or kept[0] != key:
        kept = _KEPT_TABLES[folder] = (key, FacetTable(reader, store))
    return kept[1]


class FacetTable:
    """Per-document arrays for one reader: liveness, canonical copies, facet codes, sort keys."""

    def __init__(self, reader, store: DocumentStore):
        n = reader.doc_count_all()
        rows = store.facet_rows()
        self.size = n
        self.doc_ids = np.empty(n, dtype=object)
        self.live = np.zeros(n, dtype=bool)
        self.year = np.zeros(n, dtype=np.int32)
        self.date = np.zeros(n, dtype=np.int64)
        self.seq = np.zeros(n, dtype=np.int64)
        self.restored = np.zeros(n, dtype=bool)
        self.truncated = np.zeros(n, dtype=bool)
        self.length = np.zeros(n, dtype=np.int64)
        self.n_paragraphs = np.zeros(n, dtype=np.int64)
        self.values: dict[str, list] = {name: [None] for name in CODED}
        self.codes = {name: np.zeros(n, dtype=np.int32) for name in CODED}
        self.value_codes: dict[str, dict] = {name: {} for name in CODED}
        value_codes = self.value_codes
        group_codes: dict[str, int] = {}
        self.group = np.zeros(n, dtype=np.int64)
        topic_lists = {}
        for docnum, stored in reader.iter_docs():
            row = rows.get(stored["doc_id"])
            if row is None:  # a document whose store row is missing is not shown
                continue
            self.doc_ids[docnum] = stored["doc_id"]
            self.live[docnum] = True
            year = row[COLUMN["year"]]
            self.year[docnum] = year or 0
            self.date[docnum] = _date_key(row[COLUMN["published"]], year)
            self.seq[docnum] = row[COLUMN["seq"]]
            self.restored[docnum] = bool(row[COLUMN["restored"]])
            self.truncated[docnum] = bool(row[COLUMN["truncated"]])
            self.length[docnum] = row[COLUMN["length"]] or 0
            self.n_paragraphs[docnum] = row[COLUMN["n_paragraphs"]] or 0
            self.group[docnum] = group_codes.setdefault(row[COLUMN["group_id"]], len(group_codes))
            for name in CODED:
                value = row[COLUMN[name]]
                if value:
                    code = value_codes[name].get(value)
                    if code is None:
                        code = value_codes[name][value] = len(self.values[name])
                        self.values[name].append(value)
                    self.codes[name][docnum] = code
            topic_lists[docnum] = json.loads(row[COLUMN["topics"]] or "[]")
        self.topic_values = sorted({t for topics in topic_lists.values() for t in topics})
        self.topic_index = topic_index = {t: i for i, t in enumerate(self.topic_values)}
        self.topics = np.zeros((n, len(self.topic_values)), dtype=bool)
        for docnum, topics in topic_lists.items():
            for t in topics:
                self.topics[docnum, topic_index[t]] = True
        self.docnums = {self.doc_ids[d]: int(d) for d in np.flatnonzero(self.live)}
        self._mark_canonical(rows)
        years = np.unique(np.append(self.year, 0))      # 0: no year, the 未知 bucket (code 0, as below)
        self.year_values = [None] + years[1:].tolist()
        self.year_codes = np.searchsorted(years, self.year)
        self.unknown = {name: self._value_mask(name, None) for name in CODED if name in UNKNOWN_BUCKETS}
        self.text_ranks = {name: _text_ranks(values) for name, values in
                           [*self.values.items(), ("year", self.year_values), ("topic", self.topic_values)]}

    def _mark_canonical(self, rows: dict) -> None:
        """The listed copy of each group: the first by ingest.canonical.canonical_key (official source,
        earliest published, not spun, not truncated, longest); the earliest ingested breaks ties."""
        live = np.flatnonzero(self.live)
        sizes = np.bincount(self.group[live], minlength=int(self.group.max()) + 1 if self.size else 0)
        # a document alone in its group is its listed copy: only groups of copies are ranked (keying
        # every document was most of building the table: 1 s of 2.4 at 1,000,000 paragraphs)
        alone = sizes[self.group[live]] == 1

        def key(d):
            row = rows[self.doc_ids[d]]
            return (self.group[d], canonical_key(
                source=row[COLUMN["source"]], published=row[COLUMN["published"]], year=row[COLUMN["year"]],
                restored=self.restored[d], truncated=self.truncated[d], length=self.length[d]), self.seq[d])
        order = np.array(sorted(live[~alone].tolist(), key=key), dtype=np.int64)
        first = np.ones(len(order), dtype=bool)
        first[1:] = self.group[order][1:] != self.group[order][:-1]
        self.canonical = np.zeros(self.size, dtype=bool)
        self.canonical[live[alone]] = True
        self.canonical[order[first]] = True
        self.copies = np.where(self.canonical, sizes[self.group] - 1 if self.size else 0, 0)
        self.listed = self.live & self.canonical

    def docnum_of(self, doc_id: str) -> int | None:
        """The document number of a live document, or None."""
        return self.docnums.get(doc_id)

    # --- filters ---

    def filter_masks(self, filters: dict | None) -> dict[str, np.ndarray]:
        """One boolean mask per facet that has a filter; an unknown value matches nothing.

        A list of values of one facet means any of them (OR); different facets combine with AND.
        None (alone or in a list) is the 未知 bucket of year, province and level.
        """
        masks: dict[str, np.ndarray] = {}
        for name, value in (filters or {}).items():
            if name in ("year_from", "year_to"):
                if value is None:
                    continue
                year = _year(value, name)
                bound = self.year >= year if name == "year_from" else (self.year <= year) & (self.year > 0)
                masks["year"] = masks.get("year", np.ones(self.size, dtype=bool)) & bound
                continue
            if name not in FACETS and name != "region":
                raise QueryError(f"不认识的筛选条件「{str(name)[:40]}」")
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            if not values:
                continue
            mask = np.zeros(self.size, dtype=bool)
            for v in values:
                mask |= self._one_value_mask(name, v)
            masks[name] = masks.get(name, np.ones(self.size, dtype=bool)) & mask if name == "year" else mask
        return masks

    def _one_value_mask(self, name: str, value) -> np.ndarray:
        if name == "year":
            return self.year == 0 if value is None else self.year == _year(value, name)
        if name == "topic":
            i = self.topic_index.get(value) if isinstance(value, str) else None
            return self.topics[:, i] if i is not None else np.zeros(self.size, dtype=bool)
        if name == "region":  # any level: 天津市 matches a province, 北辰区 a county, 宜兴埠镇 a town
            found = np.zeros(self.size, dtype=bool)
            for level in REGION_LEVELS:
                found |= self._value_mask(level, value)
            return found
        return self._value_mask(name, value)

    def _value_mask(self, name: str, value) -> np.ndarray:
        if value is None and name in UNKNOWN_BUCKETS:
            unknown = self.codes[name] == 0
            if name == "province":
                unknown &= ~self._national()
            return unknown
        if not isinstance(value, str):
            raise QueryError(f"筛选条件 {name} 的值应为文字")
        code = self.value_codes[name].get(value)
        if code is None:
            return np.zeros(self.size, dtype=bool)
        return self.codes[name] == code

    def _national(self) -> np.ndarray:
        code = self.value_codes["level"].get(NATIONAL_LEVEL)
        return self.codes["level"] == code if code is not None else np.zeros(self.size, dtype=bool)

    # --- counting ---

    def counts(self, base: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, list[dict]]:
        """Facet values with document counts, each facet counted under the other facets' filters."""
        out = {}
        for name in FACETS:
            mask = base.copy()
            for other, m in masks.items():
                if other != name and not (name in REGION_LEVELS and other == "region"):
                    mask &= m
            out[name] = self._count(name, mask)
        return out

    def _count(self, name: str, mask: np.ndarray) -> list[dict]:
        if name == "topic":
            values, counts = self.topic_values, self.topics[mask].sum(axis=0)
        elif name == "year":
            values, counts = self.year_values, np.bincount(self.year_codes[mask], minlength=len(self.year_values))
        else:
            values, counts = self.values[name], np.bincount(self.codes[name][mask], minlength=len(self.values[name]))
            # code 0 is no value: the unknown bucket where there is one (a national text has no province, yet
            # is not unknown), else not counted
            counts[0] = int(self.unknown[name][mask].sum()) if name in UNKNOWN_BUCKETS else 0
        return _most_first(values, counts, self.text_ranks[name])

    def by_date(self, mask: np.ndarray, oldest_first: bool = False) -> np.ndarray:
        """Document numbers in `mask`, newest (or oldest) first, unknown dates last, ties in ingest order."""
        docnums = np.flatnonzero(mask)
        dates = self.date[docnums]
        key = np.where(dates > 0, dates, np.iinfo(np.int64).max) if oldest_first else -dates
        return docnums[np.lexsort((self.seq[docnums], key))]


def _text_ranks(values: list) -> np.ndarray:
    """Each value's place in the order of their texts (str(value); None as "None", after a value of that
    text), which breaks ties between equal counts."""
    keys = [("None", 1) if v is None else (str(v), 0) for v in values]
    place = {key: i for i, key in enumerate(sorted(set(keys)))}
    return np.array([place[key] for key in keys], dtype=np.int64)


def _most_first(values: list, counts: np.ndarray, ranks: np.ndarray) -> list[dict]:
    """[{value, count}] of the values counted, most first, equal counts in the order of their texts
    (`ranks`): in numpy, as a county facet has hundreds of values."""
    present = np.flatnonzero(counts)
    present = present[np.lexsort((ranks[present], -counts[present]))]
    return [{"value": values[i], "count": c} for i, c in zip(present.tolist(), counts[present].tolist())]


def _year(value, name: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"筛选条件 {name} 应为年份，收到「{str(value)[:40]}」") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise QueryError(f"筛选条件 {name} 的年份 {year} 超出范围（{YEAR_MIN}–{YEAR_MAX}）")
    return year
