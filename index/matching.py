"""Query evaluation with numpy over whole posting lists: boolean matching and BM25F scores per document.

Whoosh's matchers walk postings one at a time in Python and a query was evaluated twice (to count
and to rank); at 100,000 paragraphs that alone was 30–300 ms. Here each term's posting list is read
block by block into arrays (cached per index generation), and AND/OR/NOT, scores and counts are
array operations over document numbers. Positions (which encode paragraph numbers) are decoded only
for the documents that need them: phrase candidates, and the page's results for their best paragraphs.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound

from .analysis import PARAGRAPH_BITS, paragraph_of
from .postings import field_document_frequencies, field_frequencies, field_lengths, leaf_postings
from .schema import POSITIONS_FORMAT

# An occurrence key packs a document number and a position: docnum << KEY_BITS | position, so the
# occurrences of many documents sort and intersect as one array. Positions are n << PARAGRAPH_BITS
# + offset, so paragraph_of(key) is a paragraph key, docnum << DOC_SHIFT | n, naming the (document,
# paragraph); paragraphs up to 65,535 fit.
KEY_BITS = 36
DOC_SHIFT = KEY_BITS - PARAGRAPH_BITS
PARAGRAPH_MASK = (1 << DOC_SHIFT) - 1

BM25_B, BM25_K1 = 0.75, 1.2
CACHED_POSTINGS = 2_000_000   # bounds the memory of a worker's posting cache
PRELOADED_POSTINGS = 1_500_000   # read ahead by the warm-up (preload_postings): about 0.4 µs and 25 bytes a
                                 # posting measured, so 0.6 s and 40 MB (shared by the forked workers) whatever
                                 # the index's size; at 100,000 paragraphs every list kept in the postings file
                                 # (1.4 million postings), at 1,000,000 the most frequent terms' lists. The
                                 # dictionaries kept beside them grow with the index: with them a worker
                                 # peaked at 328 MB (100,000 paragraphs) and 1,085 MB (1,000,000)
CACHED_ANSWERS = 64          # queries whose matches and scores a worker keeps: 5 bytes a document each
                              # (70 KB at 1,000,000 paragraphs, 14,000 documents)
FEW_POSTINGS = 16             # below this many documents a term's positions are decoded one by one:
                              # measured at 100,000 paragraphs, per document 0.04–0.09 ms for 10, the
                              # arrays 0.1–0.17 ms; for 46 documents 0.3 against 0.15, for 1,272 8.9 against 2.3


def idf(docs: int, df: int) -> float:
    """How rare a term is that `df` of `docs` documents hold: the one idf of the index, used for BM25F's
    document scores, the weights of a query's parts and a paragraph's key words (Whoosh 2.7.4's
    own, whoosh/scoring.py WeightingModel.idf: log(N / (df + 1)) + 1)."""
    return math.log(docs / (df + 1)) + 1


def unique_sorted(a: np.ndarray, return_inverse: bool = False, return_counts: bool = False):
    """np.unique of an ascending array, as np.unique gives it, without sorting or hashing it again
    (most of np.unique's time on the occurrence keys, which are in order already)."""
    first = np.ones(len(a), dtype=bool)
    np.not_equal(a[1:], a[:-1], out=first[1:])
    values = a[first]
    if not (return_inverse or return_counts):
        return values
    out = [values]
    if return_inverse:
        out.append(np.cumsum(first) - 1)
    if return_counts:
        out.append(np.diff(np.append(np.flatnonzero(first), len(a))))
    return tuple(out)


def union_sorted(parts: list[np.ndarray]) -> np.ndarray:
    """The sorted unique values of arrays each ascending and unique (the occurrences of a query's
    alternatives): one stable sort of the runs (timsort merges them) instead of np.unique's."""
    if len(parts) == 1:
        return parts[0]
    joined = np.concatenate(parts)
    joined.sort(kind="stable")
    return unique_sorted(joined)


def _isin_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which elements of sorted `a` occur in sorted `b`."""
    if not len(b):
        return np.zeros(len(a), dtype=bool)
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return b[at] == a


def _as_sorted_set(docnums) -> np.ndarray:
    """`docnums` as a sorted array without repeats (np.unique only when they are not so already)."""
    docnums = np.asarray(docnums, dtype=np.int64)
    if len(docnums) > 1 and not (docnums[1:] > docnums[:-1]).all():
        docnums = np.unique(docnums)
    return docnums


def _terms(query, found: dict) -> None:
    """Add the (fieldname, text) of every Term and Phrase word under `query` to `found` (as keys)."""
    if isinstance(query, wq.Term):
        found.setdefault((query.fieldname, query.text))
    elif isinstance(query, wq.Phrase):
        for word in query.words:
            found.setdefault((query.fieldname, word))
    else:
        for sub in query.subqueries:
            _terms(sub, found)


class EncodedPositions:
    """A term's encoded positions in every document of its posting list, as one byte array.

    Decoding them in Python, document by document, was most of verifying a phrase over thousands of
    candidates at 1,000,000 paragraphs; here the varint codes of schema.encode_positions (format 2) of
    any set of the documents are decoded together with array operations, and the cache holds one array
    a term instead of a bytes object a posting.
    """

    def __init__(self, data: bytes, lengths: np.ndarray):
        self.raw = data
        self.data = np.frombuffer(data, dtype=np.uint8)   # the same bytes
        self.starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.starts[1:])

    def value(self, i: int) -> bytes:
        return self.data[self.starts[i]:self.starts[i + 1]].tobytes()

    def keys(self, at: np.ndarray, docnums: np.ndarray) -> np.ndarray:
        """Occurrence keys of postings `at` (ascending), whose documents are `docnums`: schema.decode_positions
        over all of them at once."""
        posting, position = decode_codes(*self.gathered(at))
        return (docnums[posting] << KEY_BITS) | position

    def gathered(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The codes of postings `at` end to end, and each one's length in bytes."""
        lengths = self.starts[at + 1] - self.starts[at]
        first = np.cumsum(lengths) - lengths               # where each posting starts in the gathered bytes
        return self.data[np.repeat(self.starts[at] - first, lengths) + np.arange(int(lengths.sum()))], lengths


def decode_codes(data: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(posting, position) of every position in postings laid end to end in `data`, `lengths` bytes each,
    the postings numbered from 0: schema.decode_positions of them all with array operations. A code is
    within a paragraph `gap << 1`, or a jump `k << 1 | 1` followed by the offset in the new paragraph."""
    total = len(data)
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    data = data.astype(np.int64)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    if (data < 128).all():                             # every code one byte: most postings, not most batches
        codes = data
    else:
        ends = np.flatnonzero(data < 128)
        begins = np.concatenate(([0], ends[:-1] + 1))
        shift = 7 * (np.arange(total) - np.repeat(begins, ends - begins + 1))
        codes = np.add.reduceat((data & 127) << shift, begins)
        doc = doc[ends]
    n = len(codes)
    index = np.arange(n)
    starts_doc = np.ones(n, dtype=bool)
    starts_doc[1:] = doc[1:] != doc[:-1]
    odd = (codes & 1).astype(bool)
    # A code is a kind (gap or jump) unless it follows a jump, which makes it an offset. After an
    # even code or a document's start comes a kind, so along a run of odd codes kinds and offsets
    # alternate: a code is a kind when an even number of odd codes run just before it.
    run_start = starts_doc.copy()
    run_start[1:] |= ~odd[:-1]
    kind = ((index - np.maximum.accumulate(np.where(run_start, index, 0))) & 1) == 0
    jump = kind & odd
    offset = ~kind
    doc_first = np.maximum.accumulate(np.where(starts_doc, index, 0))
    steps = np.where(jump, codes >> 1, 0)
    paragraph = np.cumsum(steps)
    paragraph -= paragraph[doc_first] - steps[doc_first]
    step = np.where(offset, codes, np.where(jump, 0, codes >> 1))
    within = np.cumsum(step)
    piece = np.maximum.accumulate(np.where(starts_doc | offset, index, 0))
    within -= within[piece] - step[piece]
    keep = ~jump
    return doc[keep], (paragraph[keep] << PARAGRAPH_BITS) + within[keep]


class TermFrequencies:
    """A term's total weight in a field over every segment, as `searcher.frequency(fieldname, text)`
    gives it (the same totals), for the many look-ups of ranking's rare-word count.

    Whoosh looks each term up in every segment's hash table, about 8 µs a segment, 125 µs a word at
    1,000,000 paragraphs (16 segments); here a segment's whole field is read once
    (postings.field_frequencies: 0.56 s CPU for the 368,000 body terms of those 16 segments, 18 MB),
    on the first search of a generation that needs them, and a look-up is a dictionary's.
    Segments never change once written, so a table lives as long as its segment, across generations:
    a commit reads only its new segments. A word's total over the segments is kept once asked (a
    sum over 17 tables at 1,000,000 paragraphs, and the same words recur in every paragraph ranked),
    until the segments change.
    """

    KEPT = 200_000      # totals kept before starting afresh: about 20 MB

    def __init__(self, fieldname: str, folder: str = ""):
        """`folder` names the index: its tables are kept for the process, so an index opened again (a
        service worker forked after the master's warm-up, SearchIndex.prepare) reads none of them."""
        self.fieldname = fieldname
        self._kept = _SEGMENT_TABLES.setdefault((folder, fieldname), {})
        self._tables: dict[str, dict[str, float]] = {}     # segment id -> its table, in reader order
        self._totals: dict[str, float] = {}

    def use(self, searcher) -> None:
        """Answer for `searcher`'s segments from now on: read the new ones, forget those gone."""
        readers = [(reader, reader.segment().segment_id()) for reader, _ in searcher.reader().leaf_readers()
                   if reader.segment() is not None]
        self._tables = {name: self._kept[name] if name in self._kept else field_frequencies(reader, self.fieldname)
                        for reader, name in readers}
        self._kept.clear()
        self._kept.update(self._tables)
        self._totals = {}

    def frequency(self, fieldname: str, text: str):
        if fieldname != self.fieldname:
            raise ValueError(f"TermFrequencies of {self.fieldname}, asked for {fieldname}")
        return self.total(text)

    def total(self, text: str):
        """The term's total weight in this field (asked of hundreds of words a search: kept lean)."""
        found = self._totals.get(text)
        if found is None:
            if len(self._totals) >= self.KEPT:
                self._totals.clear()
            found = 0
            for table in self._tables.values():
                found += table.get(text, 0)
            self._totals[text] = found
        return found


_SEGMENT_TABLES: dict[tuple[str, str], dict[str, dict[str, float]]] = {}   # (folder, field) -> segment id -> table


_SEGMENT_POSTINGS: dict[str, dict] = {}   # folder -> segment id -> KeptSegment


def preloaded_postings(folder: str) -> dict:
    """What the warm-up read of the index in `folder`: segment id -> KeptSegment. Kept for the process, as the frequency tables are (_SEGMENT_TABLES):
    a service worker forked after the master's warm-up, or the index opened again, finds them."""
    return _SEGMENT_POSTINGS.setdefault(folder, {})


def forget_gone_segments(kept: dict, searcher) -> None:
    """Drop what `kept` holds of segments no longer in `searcher`'s commit (merged away)."""
    current = {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()
               if reader.segment() is not None}
    for name in [name for name in kept if name not in current]:
        del kept[name]


@dataclass
class KeptSegment:
    """What the warm-up read of one segment: the dictionary of the queried fields ({field: {term: its
    entry}}: a term absent from the segment needs no look-up, and a present one no hash probing, which
    was most of reading a short list) and the posting lists read ahead ((field, term) -> leaf_postings)."""
    dictionary: dict[str, dict[str, bytes]]
    lists: dict[tuple[str, str], tuple]


def preload_postings(searcher, kept: dict, fieldnames) -> None:
    """Read into `kept` each segment's dictionary of `fieldnames` and the posting lists of its most frequent terms:
    those kept in the postings file first (reading one is a matcher and a file read a block, about
    85 µs; one kept in its term info 30–40 µs), each by document frequency, descending, until the
    segment's share of PRELOADED_POSTINGS (by its documents) is spent.

    A search's first read of a common word's lists was most of a first-time query's cost; segments
    never change once written (deletions are masked by `live`), so lists read once serve every
    later generation that still holds the segment. Segments read before are not read again.
    """
    forget_gone_segments(kept, searcher)
    leaves = [(reader, reader.segment().segment_id()) for reader, _ in searcher.reader().leaf_readers()
              if reader.segment() is not None]
    documents = max(sum(reader.doc_count_all() for reader, _ in leaves), 1)
    for reader, name in leaves:
        if name in kept:
            continue
        terms, in_file, frequencies, dictionary = [], [], [], {}
        for fieldname in fieldnames:
            texts, infos, field_in_file, field_frequencies = field_document_frequencies(reader, fieldname)
            dictionary[fieldname] = dict(zip(texts, infos))
            terms += [(fieldname, text) for text in texts]
            in_file.append(field_in_file)
            frequencies.append(field_frequencies)
        frequencies = np.concatenate(frequencies)
        order = np.lexsort((-frequencies, ~np.concatenate(in_file)))
        share = PRELOADED_POSTINGS * reader.doc_count_all() // documents
        chosen = order[:np.searchsorted(np.cumsum(frequencies[order]), share, side="right")]
        kept[name] = KeptSegment(dictionary, {terms[i]: leaf_postings(reader, *terms[i], dictionary[terms[i][0]][terms[i][1]])
                                              for i in chosen.tolist()})


class KeptStatistics:
    """A searcher as the query compiler reads it (`doc_count`, `doc_frequency`, `reader`), its document
    frequencies kept for the generation: each is a look-up in every segment (16 at 1,000,000
    paragraphs), and a word's weight in a query is asked again whenever the query is."""

    LIMIT = 200_000     # words kept before starting afresh: a few MB

    def __init__(self, searcher):
        self.searcher = searcher
        self._count = searcher.doc_count()
        self._frequencies: dict[tuple[str, str], int] = {}

    def doc_count(self) -> int:
        return self._count

    def doc_frequency(self, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= self.LIMIT:
                self._frequencies.clear()
            found = self._frequencies[key] = self.searcher.doc_frequency(fieldname, text)
        return found

    def reader(self):
        return self.searcher.reader()


class Evaluator:
    """Evaluates compiled queries (Term, Phrase, And, Or, Not, Every) for one searcher generation."""

    def __init__(self, searcher, live: np.ndarray, preloaded: dict | None = None):
        """`preloaded`: what the warm-up read, by segment (preloaded_postings), used instead of reading it."""
        self.searcher = searcher
        self.live = live
        self._preloaded = {} if preloaded is None else preloaded
        self._leaves = [(reader, base, reader.segment().segment_id() if reader.segment() is not None else None)
                        for reader, base in searcher.reader().leaf_readers()]
        self.size = len(live)
        self.docs = max(int(live.sum()), 1)
        self._cache: OrderedDict = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self._lengths: dict[str, np.ndarray] = {}
        self._average_length: dict[str, float] = {}
        self._answers: OrderedDict = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached = 0
            self._answers.clear()

    def lengths(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            lengths = np.zeros(self.size, dtype=np.float32)
            for reader, base in self.searcher.reader().leaf_readers():
                # Whoosh 2.7.4 gives None for a field without tokens (an empty title): stored
                # as NaN it made the field's average, and so every score it touched, NaN; it counts as 0
                segment = field_lengths(reader, fieldname)
                lengths[base:base + len(segment)] = segment
            self._lengths[fieldname] = lengths
            self._average_length[fieldname] = max(float(lengths[self.live].mean()) if self.live.any() else 1.0, 1.0)
        return self._lengths[fieldname]

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray, EncodedPositions | None]:
        """(document numbers ascending, term frequencies, encoded positions) over all segments.

        Deleted documents are included; callers mask with `live`.
        """
        key = (fieldname, text)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        ids, weights, values, lengths = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)], [], \
            [np.zeros(0, dtype=np.int64)]
        for reader, base, name in self._leaves:
            kept = self._preloaded.get(name)
            terms = kept.dictionary.get(fieldname) if kept is not None else None
            if terms is not None:
                found = kept.lists.get(key)
                if found is None:
                    info = terms.get(text)
                    if info is None:
                        continue       # not in this segment
                    found = leaf_postings(reader, fieldname, text, info)
            else:
                try:    # one look-up of the term per segment, not a membership test and then another
                    found = leaf_postings(reader, fieldname, text)
                except TermNotFound:
                    continue
            leaf_ids, leaf_weights, leaf_values, leaf_lengths = found
            ids.append(leaf_ids + base)
            weights.append(leaf_weights)
            values.append(leaf_values)
            lengths.append(leaf_lengths)
        boost = self.searcher.schema[fieldname].format.field_boost or 1.0
        ids, lengths = np.concatenate(ids), np.concatenate(lengths)
        found = (ids, np.concatenate(weights) / boost,
                 EncodedPositions(b"".join(values), lengths) if len(lengths) == len(ids) else None)
        with self._lock:
            self._cache[key] = found
            self._cached += len(ids)
            while self._cached > CACHED_POSTINGS and len(self._cache) > 1:
                _, (dropped, _, _) = self._cache.popitem(last=False)
                self._cached -= len(dropped)
        return found

    def keys(self, fieldname: str, text: str, docnums) -> np.ndarray:
        """Sorted occurrence keys (docnum << KEY_BITS | position) of a term in `docnums` (sorted)."""
        ids, _, positions = self.postings(fieldname, text)
        docnums = np.asarray(docnums, dtype=np.int64)
        if positions is None or not len(ids) or not len(docnums):
            return np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
        at = at[ids[at] == docnums]
        fmt = self.searcher.schema[fieldname].format
        if len(at) >= FEW_POSTINGS and getattr(fmt, "positions_format", 1) == POSITIONS_FORMAT:
            return positions.keys(at, ids[at])
        # a few documents (the array operations cost about 0.1 ms whatever their number), or an index
        # written in Whoosh's own positions format: one by one
        found = [(int(ids[i]) << KEY_BITS) | np.asarray(fmt.decode_positions(positions.value(i)), dtype=np.int64)
                 for i in at.tolist()]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def occurrences(self, query, docnums) -> np.ndarray:
        """Sorted keys of where `query` (Terms and Phrases under And/Or) matches in `docnums`.

        A phrase's key is that of its first word; And keeps the first part's matches in paragraphs
        that hold every part.
        """
        return self._occurrences(query, _as_sorted_set(docnums))

    def occurrences_of(self, queries: list, docnums) -> list[np.ndarray]:
        """`occurrences` of each of `queries` in `docnums`, the positions of all their terms decoded together.

        For ranking's window of a hundred documents a term's positions are a few thousand bytes, and
        decoding them costs mostly the forty-odd array operations of `decode_codes`: paid once for all
        the parts of a query instead of once a term. A phrase's words are decoded in every document
        (not only in those still holding the words before them): the same keys at this size.
        """
        docnums = _as_sorted_set(docnums)
        decoded: dict[tuple[str, str], np.ndarray] = {}
        for query in queries:
            _terms(query, decoded)
        together, chunks, lengths, owners = [], [], [], []
        for term in decoded:
            ids, _, positions = self.postings(*term)
            fmt = self.searcher.schema[term[0]].format
            if positions is None or not len(ids) or getattr(fmt, "positions_format", 1) != POSITIONS_FORMAT:
                decoded[term] = self.keys(*term, docnums)
                continue
            at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
            at = at[ids[at] == docnums]
            begin, end = positions.starts[at], positions.starts[at + 1]
            # sliced from the term's bytes: for a hundred postings cheaper than an index of every byte
            chunks += map(positions.raw.__getitem__, map(slice, begin.tolist(), end.tolist()))
            together.append(term)
            lengths.append(end - begin)
            owners.append(ids[at])
        if together:
            posting, position = decode_codes(np.frombuffer(b"".join(chunks), dtype=np.uint8), np.concatenate(lengths))
            keys = (np.concatenate(owners)[posting] << KEY_BITS) | position
            # each term's keys follow the last term's: cut where its first posting's begin
            firsts = np.cumsum([0] + [len(o) for o in owners])
            cuts = np.searchsorted(posting, firsts).tolist()
            for term, begin, end in zip(together, cuts, cuts[1:]):
                decoded[term] = keys[begin:end]
        return [self._occurrences(query, docnums, decoded) for query in queries]

    def _occurrences(self, query, docnums: np.ndarray, decoded: dict | None = None) -> np.ndarray:
        """occurrences, `docnums` sorted and unique; the keys of its terms taken from `decoded` when given."""
        if isinstance(query, wq.Term):
            if decoded is not None:
                return decoded[query.fieldname, query.text]
            return self.keys(query.fieldname, query.text, docnums)
        if isinstance(query, wq.Phrase):
            if decoded is not None:
                found = decoded[query.fieldname, query.words[0]]
                for i, word in enumerate(query.words[1:], 1):
                    found = found[_isin_sorted(found, decoded[query.fieldname, word] - i)]
                return found
            # Rarest word first: each step keeps only the documents still in the running.
            order = sorted(range(len(query.words)),
                           key=lambda i: len(self.postings(query.fieldname, query.words[i])[0]))
            found = None
            for i in order:
                keys = self.keys(query.fieldname, query.words[i], docnums) - i
                found = keys if found is None else found[_isin_sorted(found, keys)]
                if not len(found):
                    break
                docnums = unique_sorted(found >> KEY_BITS)
            return found
        parts = [self._occurrences(q, docnums, decoded) for q in query.subqueries]
        if isinstance(query, wq.Or):
            return union_sorted(parts) if parts else np.zeros(0, dtype=np.int64)
        first = parts[0]
        for other in parts[1:]:
            first = first[_isin_sorted(paragraph_of(first), paragraph_of(other))]
        return first

    def paragraphs(self, query, docnums) -> dict[int, set[int]]:
        """docnum -> paragraphs where `query` (Terms and Phrases under And/Or) matches."""
        out: dict[int, set[int]] = {}
        for key in unique_sorted(paragraph_of(self.occurrences(query, docnums))).tolist():
            out.setdefault(key >> DOC_SHIFT, set()).add(key & PARAGRAPH_MASK)
        return out

    def _bm25(self, fieldname: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        lengths = self.lengths(fieldname)
        average = self._average_length[fieldname]
        df = int(self.live[ids].sum()) if len(ids) else 0
        weight = idf(self.docs, df)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[ids] / average)
        boost = self.searcher.schema[fieldname].format.field_boost or 1.0
        return boost * weight * tf * (BM25_K1 + 1) / (tf + norm)

    def _phrase(self, query: wq.Phrase, mask: np.ndarray, score: np.ndarray, known: np.ndarray) -> None:
        """Add the documents where the phrase occurs (outside `known`) to `mask`, with BM25 scores."""
        candidates = self.live & ~known
        for word in query.words:      # documents holding every word; no need to score them
            holds = np.zeros(self.size, dtype=bool)
            holds[self.postings(query.fieldname, word)[0]] = True
            candidates &= holds
        found = self.occurrences(query, np.flatnonzero(candidates))
        if len(found):
            ids, tf = unique_sorted(found >> KEY_BITS, return_counts=True)
            mask[ids] = True
            score[ids] += self._bm25(query.fieldname, ids, tf.astype(np.float32))

    def evaluate(self, query) -> tuple[np.ndarray, np.ndarray]:
        """(matching documents as a boolean mask, BM25F score per document), both read-only.

        The answers of the last CACHED_ANSWERS queries are kept for the generation: narrowing a search
        by facets, paging it or sorting it by date asks the same query again, and its matches and
        scores do not depend on the filters (totals and facets are counted from them).
        """
        with self._lock:
            if query in self._answers:
                self._answers.move_to_end(query)
                return self._answers[query]
        answer = self._evaluate(query)
        for array in answer:
            array.flags.writeable = False
        with self._lock:
            self._answers[query] = answer
            while len(self._answers) > CACHED_ANSWERS:
                self._answers.popitem(last=False)
        return answer

    def _evaluate(self, query) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(self.size, dtype=bool)
        score = np.zeros(self.size, dtype=np.float32)
        if isinstance(query, wq.Term):
            ids, tf, _ = self.postings(query.fieldname, query.text)
            mask[ids] = True
            score[ids] = self._bm25(query.fieldname, ids, tf) * query.boost
        elif isinstance(query, wq.Phrase):
            self._phrase(query, mask, score, np.zeros(self.size, dtype=bool))
        elif isinstance(query, wq.Not):
            mask = ~self._evaluate(query.query)[0]
        elif isinstance(query, wq.And):
            mask[:] = True
            for sub in query.subqueries:
                sub_mask, sub_score = self._evaluate(sub)
                mask &= sub_mask
                score += sub_score
        elif isinstance(query, wq.Or):
            # Phrases last, verified only where nothing else matched: a word found as a token
            # needs no positional check of its characters.
            phrases = [sub for sub in query.subqueries if isinstance(sub, wq.Phrase)]
            for sub in query.subqueries:
                if not isinstance(sub, wq.Phrase):
                    sub_mask, sub_score = self._evaluate(sub)
                    mask |= sub_mask
                    score += sub_score
            for sub in phrases:
                self._phrase(sub, mask, score, mask.copy())
        elif isinstance(query, wq.Every):
            mask[:] = True
        elif query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            pass
        else:
            raise TypeError(f"cannot evaluate {query!r}")
        mask &= self.live
        return mask, np.where(mask, score, 0)
