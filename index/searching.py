"""`SearchIndex`: the one read API of the index, used by the CLI and the service.

A result is a document ranked by its best paragraph (ranking.py), and shown with the paragraphs that
scored it; totals and facets count every matching document (matching.py).
Readers never block: each query first checks the index generation and, after a commit, moves to a
new searcher and rebuilds the facet arrays for it.
"""
from __future__ import annotations

import functools
import gc
import math
import os
import pickle
import sqlite3
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
from whoosh import query as wq

from .analysis import is_cjk_word, words
from .facets import facet_table
from .health import FileVerifier, IndexDamaged, IndexMissing, IndexProblem, open_index, rebuild_advice, restore_advice
from .highlight import highlight
from .matching import (Evaluator, KeptStatistics, TermFrequencies, forget_gone_segments, idf, preload_postings,
                       preloaded_postings)
from .query import Compiled, QueryError, compile_query
from .ranking import RERANK_DEPTH, SPECIFIC_TOP, Ranked, by_specificity, rank, shown_paragraphs, stored_words
from .schema import CHAR_FIELDS, WORD_FIELDS
from .store import STORE_FILE, DocumentStore
from .vocabulary import DEFAULT_CONTEXT, DEFAULT_PER_PAGE, MAX_CONTEXT, MAX_DEPTH, MAX_PER_PAGE, SORTS

SNIPPET_CHARS = 200
QUERIED_FIELDS = (*WORD_FIELDS.values(), *CHAR_FIELDS.values())   # every field compile_query reads
SIMILAR_TERMS = 12


# What unreadable index files raise from Whoosh or SQLite (a bug raises other things).
DAMAGE_ERRORS = (sqlite3.DatabaseError, EOFError, struct.error, zlib.error, pickle.UnpicklingError,
                 UnicodeDecodeError, OSError)


def _damage(index_dir: Path, exc: Exception) -> IndexProblem:
    if isinstance(exc, FileNotFoundError) and not index_dir.is_dir():
        return IndexMissing(f"索引目录 {index_dir} 已不存在")
    advice = restore_advice(index_dir) if isinstance(exc, sqlite3.DatabaseError) else rebuild_advice(index_dir)
    return IndexDamaged(f"读取索引 {index_dir} 时出错（{type(exc).__name__}：{str(exc)[:160]}）："
                        f"{advice}；safety-search check --index {index_dir} 可列出全部问题")


def _one_at_a_time(method):
    """Whoosh readers seek on shared file objects, so the threads of a threaded server take turns.

    Unreadable files surface as IndexDamaged, never as a half-answer."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except IndexProblem:
                raise
            except DAMAGE_ERRORS as exc:
                raise _damage(self.index_dir, exc) from exc
    return locked


def _freeze_what_is_loaded() -> None:
    """Put everything loaded so far (modules, dictionaries, analyzers, the first index's readers) out
    of the cyclic garbage collector's reach. A full collection walks every tracked object, and with
    those loaded it took 10–26 ms in the middle of whichever search happened to trigger it (measured
    at 100,000 paragraphs: the worst searches of a serving worker's first minute). In the service this
    runs in the master before the fork (server.warm_up), so the workers share those pages too. The
    objects are never collected; they live as long as the process."""
    gc.collect()
    gc.freeze()


_frozen = False     # by a SearchIndex of this process (prepare freezes again, after reading the tables)


class SearchIndex:
    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        try:
            self._open()
        except IndexProblem:
            raise
        except DAMAGE_ERRORS as exc:
            raise _damage(self.index_dir, exc) from exc
        global _frozen
        if not _frozen:
            _freeze_what_is_loaded()
            _frozen = True

    def _open(self) -> None:
        """Open the newest commit, its files checked against their checksums."""
        self.ix = open_index(self.index_dir)
        self._folder = os.stat(self.index_dir).st_ino   # a reindex or restore swaps the whole folder
        if not (self.index_dir / STORE_FILE).exists():
            raise IndexDamaged(f"索引 {self.index_dir} 缺少文档库 {STORE_FILE}：请用 safety-search restore 从备份恢复")
        self.store = DocumentStore(self.index_dir, readonly=True)
        self._verifier = FileVerifier(self.index_dir)
        self._searcher = self.ix.searcher()
        self._verifier.verify(self._searcher.reader().generation())
        self._table = None
        self._evaluator = None
        self._kept_as = str(self.index_dir.resolve())   # the name what is kept for the folder goes by
        self._frequencies = TermFrequencies("body", self._kept_as)   # what _rarity gives
        self._preloaded = preloaded_postings(self._kept_as)         # what prepare reads ahead
        self._frequencies_stale = True                # read on the first search of a generation that needs them

    def generation(self) -> int:
        return self.ix.latest_generation()

    @_one_at_a_time
    def prepare(self) -> None:
        """Read now what the first searches of this generation would: the facet arrays, the
        frequency tables of the rare-word count (at 100,000 paragraphs 60–80 ms a segment) and the
        posting lists of the most frequent terms (matching.preload_postings), once per process: they
        are kept for the folder. The service's master calls it before forking its workers, which
        then find them in memory they share; what it loaded is then frozen out of the garbage
        collector's reach, as _freeze_what_is_loaded says."""
        searcher, _, _ = self._current()
        self._read_frequencies()
        preload_postings(searcher, self._preloaded, QUERIED_FIELDS)
        _freeze_what_is_loaded()

    def close(self) -> None:
        """Close the Whoosh files and this thread's store connection (before a fork, say)."""
        with self._lock:
            self._searcher.close()
            self.store.close()

    def _current(self):
        """(searcher, facet table, evaluator) of the latest commit, its files verified."""
        with self._lock:
            try:
                folder = os.stat(self.index_dir).st_ino
            except FileNotFoundError:
                raise IndexMissing(f"索引目录 {self.index_dir} 已不存在") from None
            if folder != self._folder:
                self.close()
                self._open()
            for attempt in range(3):
                if not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()
                    self._table = None
                generation = self._searcher.reader().generation()
                try:
                    self._verifier.verify(generation)
                    break
                except IndexDamaged:
                    # a commit that landed just now deletes the previous commit's files: not damage
                    if attempt == 2 or self.ix.latest_generation() == generation:
                        raise
            if self._table is None:
                self._table = facet_table(self._kept_as, self._searcher.reader(), self.store)
                forget_gone_segments(self._preloaded, self._searcher)
                self._evaluator = Evaluator(self._searcher, self._table.live, self._preloaded)
                self._frequencies_stale = True
                self._statistics = KeptStatistics(self._searcher)
            return self._searcher, self._table, self._evaluator

    # --- search ---

    @_one_at_a_time
    def search(self, q: str = "", filters: dict | None = None, within=None, sort: str = "relevance",
               page: int = 1, per_page: int = DEFAULT_PER_PAGE, explain: bool = False) -> dict:
        """Ranked documents with their best paragraphs highlighted, and facet counts.

        `within`: earlier queries (a string or a list) the results must also match (在结果中检索).
        Each facet is counted under the filters of the other facets, over canonical documents.
        With `explain`, each result carries the parts of its score (ranking.rank).
        """
        if sort not in SORTS:
            raise QueryError(f"排序方式只能是 relevance、date 或 date_asc，收到「{str(sort)[:40]}」")
        if not isinstance(page, int) or not isinstance(per_page, int) or page < 1 \
                or not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"页码应为正整数，每页条数应在 1 到 {MAX_PER_PAGE} 之间")
        if page * per_page > MAX_DEPTH:
            raise QueryError(f"只能翻看前 {MAX_DEPTH} 条结果，请增加检索词或筛选条件")
        texts = [q or ""] + ([within] if isinstance(within, str) else list(within or []))
        _, table, evaluator = self._current()
        compiled = compile_query([str(t) for t in texts], self._statistics)
        base = table.listed.copy()
        scores = np.zeros(table.size, dtype=np.float32)
        if compiled is not None:
            matched, scores = evaluator.evaluate(compiled.query)
            base &= matched
        masks = table.filter_masks(filters)
        final = base.copy()
        for mask in masks.values():
            final &= mask
        total = int(final.sum())
        start = (page - 1) * per_page
        ranked: dict[int, Ranked] = {}
        loaded: dict = {}
        if sort != "relevance" or compiled is None:
            docnums = table.by_date(final, oldest_first=sort == "date_asc")[start:start + per_page].tolist()
        else:
            found = np.flatnonzero(final)
            found = found[np.lexsort((table.seq[found], -scores[found]))]
            window = rank(evaluator, compiled.hits, found[:RERANK_DEPTH], scores, explain)
            head = window[:SPECIFIC_TOP]
            loaded = self._loaded([table.doc_ids[r.docnum] for r in head])
            window = by_specificity(head, lambda d: _paragraphs(loaded.get(table.doc_ids[d])), compiled.hits,
                                    self._rarity()) + window[SPECIFIC_TOP:]
            ordered = [r.docnum for r in window] + found[RERANK_DEPTH:].tolist()
            docnums = ordered[start:start + per_page]
            ranked = {r.docnum: r for r in window}
        if compiled is not None:   # the paragraphs shown are the ones that scored the document
            missing = [d for d in docnums if d not in ranked]
            ranked.update((r.docnum, r) for r in rank(evaluator, compiled.hits, missing, scores, explain))
        return {
            "total": total, "page": page, "per_page": per_page, "sort": sort,
            "results": self._results(table, docnums, ranked, compiled, explain, loaded),
            "facets": table.counts(base, masks),
        }

    def _results(self, table: FacetTable, docnums: list[int], ranked: dict, compiled: Compiled | None,
                 explain: bool, loaded: dict):
        docs = {**loaded, **self._loaded([table.doc_ids[d] for d in docnums if table.doc_ids[d] not in loaded],
                                         words=bool(ranked))}
        marks = [m for hit in compiled.hits for m in hit.marks] if compiled else []
        results = []
        for d in docnums:
            doc, words = docs.get(table.doc_ids[d], (None, None))
            if doc is None:
                continue
            by_n = {p["n"]: p for p in doc["paragraphs"]}
            scored = ranked.get(d)
            if scored:
                shown = shown_paragraphs(scored, lambda: _paragraphs((doc, words)), compiled.hits, self._rarity())
            chosen = [n for n in (shown if scored else []) if n in by_n] or [doc["paragraphs"][0]["n"]]
            result = {
                **_summary(doc), "copies": int(table.copies[d]),
                "title_html": highlight(doc.get("title") or "", marks),
                "paragraphs": [_shown(by_n[n], marks, SNIPPET_CHARS) for n in chosen],
            }
            if explain:
                result["explain"] = scored.explain if scored else None
            results.append(result)
        return results

    def _loaded(self, doc_ids: list[str], words: bool = True) -> dict[str, tuple[dict, str | None]]:
        """doc_id -> (stored document, its stored paragraph words or None) of those stored."""
        if words:
            return self.store.get_many_with_words(doc_ids)
        return {doc_id: (doc, None) for doc_id, doc in self.store.get_many(doc_ids).items()}

    def _rarity(self):
        """How rare a word is among paragraphs, as ranking's rare-word count asks it: the word's
        occurrences in the body of all documents (`TermFrequencies.total`). Not its document
        frequency: a law's own terms (有期徒刑, 被执行人) fill hundreds of its paragraphs yet few
        documents, and what stands out in a paragraph is a word rare among paragraphs (occurrences ≈
        paragraphs holding it, as a word seldom repeats within one). The segments' tables are read
        when a search first needs them in a generation (or by `prepare`), so a document or paragraph
        request after a commit does not pay for them."""
        self._read_frequencies()
        return self._frequencies.total

    def _read_frequencies(self) -> None:
        if self._frequencies_stale:
            self._frequencies.use(self._searcher)
            self._frequencies_stale = False

    # --- documents and paragraphs ---

    @_one_at_a_time
    def document(self, doc_id: str, q: str | None = None) -> dict | None:
        """The clean document with `copies` (the other members of its near-duplicate group, each with
        its source and date) and, given `q`, highlights."""
        _, table, _ = self._current()
        docnum = table.docnum_of(doc_id) if isinstance(doc_id, str) else None
        if docnum is None:
            return None
        doc = self.store.get(doc_id)
        if doc is None:
            return None
        group = self.store.group_members(self.store.group_of(doc_id))
        doc["copies"] = [{"doc_id": d, "title": t, "source": s, "published": p,
                          "canonical": bool(table.canonical[table.docnum_of(d)])}
                         for d, t, s, p in group if d != doc_id and table.docnum_of(d) is not None]
        doc["canonical"] = bool(table.canonical[docnum])
        if q:
            compiled = compile_query([q], self._statistics)
            marks = [m for hit in compiled.hits for m in hit.marks] if compiled else []
            doc["title_html"] = highlight(doc.get("title") or "", marks)
            doc["paragraphs"] = [_shown(p, marks) for p in doc["paragraphs"]]
        return doc

    @_one_at_a_time
    def paragraph(self, doc_id: str, n: int, context: int = DEFAULT_CONTEXT) -> dict | None:
        """Paragraph `n` of a document with `context` paragraphs either side and its section heading."""
        doc = self.document(doc_id)
        if doc is None:
            return None
        paragraphs = doc["paragraphs"]
        index = next((i for i, p in enumerate(paragraphs) if p["n"] == n), None)
        if index is None:
            return None
        context = max(0, min(int(context), MAX_CONTEXT))
        p = paragraphs[index]
        section = next((s for s in paragraphs if s["n"] == p.get("section") and s.get("heading")), None)
        return {
            "doc_id": doc_id, "title": doc.get("title"), "n": n, "paragraph": p, "section": section,
            "before": paragraphs[max(0, index - context):index],
            "after": paragraphs[index + 1:index + 1 + context],
        }

    @_one_at_a_time
    def similar_paragraphs(self, doc_id: str, n: int, limit: int = 10) -> list[dict]:
        """Paragraphs of other documents (not copies of this one) sharing this paragraph's key words."""
        found = self.paragraph(doc_id, n, 0)
        if found is None:
            return []
        _, table, evaluator = self._current()
        text = found["paragraph"].get("restored") or found["paragraph"]["text"]
        weights = _key_terms(self._statistics, text)
        if not weights:
            return []
        own = table.docnum_of(doc_id)
        allowed = table.listed & (table.group != table.group[own])
        matched, scores = evaluator.evaluate(wq.Or([wq.Term("body", t, boost=w) for t, w in weights.items()]))
        candidates = np.flatnonzero(matched & allowed)
        docnums = sorted(candidates[np.argsort(-scores[candidates], kind="stable")][:30].tolist())
        scores: dict[tuple[int, int], float] = {}
        for term, weight in weights.items():
            for d, paras in evaluator.paragraphs(wq.Term("body", term), docnums).items():
                for p in paras:
                    scores[(d, p)] = scores.get((d, p), 0.0) + weight
        threshold = 0.3 * sum(weights.values())
        best = sorted(((s, d, p) for (d, p), s in scores.items() if s >= threshold), reverse=True)
        docs = self.store.get_many(list({table.doc_ids[d] for _, d, _ in best}))
        out, seen = [], set()
        for score, d, p in best:
            doc = docs.get(table.doc_ids[d])
            para = next((x for x in doc["paragraphs"] if x["n"] == p), None) if doc else None
            if para is None or (d, p) in seen:
                continue
            seen.add((d, p))
            out.append({**_summary(doc), "n": p, "text": para["text"], "score": round(score, 3),
                        "html": highlight(para.get("restored") or para["text"], list(weights), SNIPPET_CHARS)})
            if len(out) >= limit:
                break
        return out

    def drop_caches(self) -> None:
        """Forget cached posting lists (those read ahead by `prepare` too, for every SearchIndex of
        this folder in the process), query answers and document frequencies (benchmarks use it to
        time queries from cold); what opening a generation reads (facet arrays, frequency tables) stays."""
        searcher, _, evaluator = self._current()
        evaluator.clear()
        self._preloaded.clear()
        self._statistics = KeptStatistics(searcher)
        self._frequencies_stale = True     # the tables stay, the totals kept beside them go

    # --- statistics ---

    @_one_at_a_time
    def stats(self) -> dict:
        """Counts of listed documents, copies, paragraphs, and per facet value."""
        _, table, _ = self._current()
        return {
            "generation": self.generation(),
            "documents": int(table.listed.sum()),
            "copies": int((table.live & ~table.canonical).sum()),
            "paragraphs": int(table.n_paragraphs[table.live].sum()),
            "facets": table.counts(table.listed, {}),
        }


def _summary(doc: dict) -> dict:
    keys = ("doc_id", "title", "year", "published", "region", "level", "doc_type", "topics", "source",
            "restored")
    return {k: doc.get(k) for k in keys}


def _paragraphs(loaded: tuple[dict, str | None] | None) -> tuple[dict[int, str], dict[int, str]] | None:
    """({n: the paragraph's text as searched (its restored wording where de-spun)}, {n: its stored own
    words}) of a stored document and its stored words (SearchIndex._loaded)."""
    if not loaded:
        return None
    doc, words = loaded
    texts = {p["n"]: p.get("restored") or p["text"] for p in doc["paragraphs"]}
    return texts, stored_words(words, list(texts))


def _shown(p: dict, marks: list[str], window: int | None = None) -> dict:
    shown = {"n": p["n"], "text": p["text"], "heading": p.get("heading", False),
             "section": p.get("section"), "restored": p.get("restored"),
             "html": highlight(p["text"], marks, window)}
    if p.get("restored"):
        shown["restored_html"] = highlight(p["restored"], marks, window)
    return shown


def _key_terms(searcher, text: str) -> dict[str, float]:
    """The paragraph's most distinctive words (tf·idf over the body field)."""
    n = max(searcher.doc_count(), 1)
    tf: dict[str, int] = {}
    for w, _, _ in words(text):
        if len(w) >= 2 and (is_cjk_word(w) or w.isalpha()):
            tf[w] = tf.get(w, 0) + 1
    weights = {}
    for w, count in tf.items():
        df = searcher.doc_frequency("body", w)
        if df:
            weights[w] = (1 + math.log(count)) * idf(n, df)
    return dict(sorted(weights.items(), key=lambda kv: -kv[1])[:SIMILAR_TERMS])
