"""Passage-aware ranking: a document is as good as its best paragraph.

People remember a paragraph, not a document: "the one where 特种设备 and 司法机关 came up together".
So the documents a query matched are ranked in two steps:

1. every match gets its BM25F score over the whole title and body (matching.py, array operations);
2. the best RERANK_DEPTH of them are scored by their paragraphs, from the positions of each query
   part (positions encode paragraph numbers, and parts are located by their characters, so every
   part is measured in the same positions). A paragraph earns each part it holds (its weight, an IDF,
   saturating with repeats), plus a bonus for the parts standing close together. The document's score
   is its best paragraph's, plus a smaller share for parts in the title and for its own BM25F.

All the parts together in one paragraph therefore beat the same parts spread over the document, and
length counts only through proximity and the small BM25F share (whose b = 0.75 normalises by the
document's length): a long regulation is not buried for its length, nor a one-line notice favoured
for its brevity. Paragraphs are not normalised by their length: tried with BM25's b at 0.25–0.75 on
the relevance bench's development seeds, it gained on one seed what it lost on the other and
promoted short lines (headings, one-line articles) over the paragraph a person remembered. The paragraphs shown with a result
are the ones that scored it. An occurrence inside a negating compound (煤矿 in 非煤矿山, see
data/negating_compounds.txt) still matches but counts only NEGATED of a real one.

3. the first page's documents (their text is loaded for the page anyway) are rescored by their
   paragraphs' wording (by_specificity): a paragraph loses a little for each of its words that is
   rarer than the least rare word asked for. People type the words that stood out in the paragraph they
   remember; many laws share a clause nearly word for word, and a long article holds the query's
   words in several paragraphs: the one remembered is the one whose rare words were typed.
   Its document takes that paragraph's score, and those paragraphs are shown first.
   "Rare" is rare among paragraphs (a word's occurrences in the body, see SearchIndex._rarity), not among
   documents: 有期徒刑 or 被执行人 fill hundreds of one law's paragraphs yet few documents, and by
   document frequency the paragraph remembered lost to its siblings for words nobody would type.
   Numbers (三级, 十万元, 第八十三) are not counted: they are what sibling clauses and the versions of a
   law differ by, not remembered wording.

Ties: equal documents keep the order of their BM25F and then of ingest (searching.py sorts the matches
by score, then `seq`), equal paragraphs their order in the document, so two builds of the same files
rank alike although Whoosh's sub-writers number the documents differently (checked on the bench:
740 queries, identical results over two builds whose document numbers agreed for 25 of 857).

Relevance bench (bench/bench_relevance.py, product only, 856 documents, 62,419 paragraphs; dev seeds
20261201, 1, 2, 7, held out 3, 4, 5), MRR@10 / success@1 / right paragraph in 3, before (by document
frequency, numbers counted, UNASKED 0.2) and after:
    seed       before                   after
    20261201   0.952 0.909 0.987        0.964 0.931 0.991
    1          0.959 0.928 0.972        0.961 0.931 0.978
    2          0.973 0.950 0.981        0.978 0.963 1.000
    7          0.964 0.938 0.988        0.977 0.959 0.991
    3          0.961 0.931 0.984        0.963 0.934 0.984   (before: numbers and occurrences only, UNASKED 0.2)
    4          0.963 0.931 0.987        0.963 0.931 0.987   (idem)
    5          0.970 0.947 0.978        0.971 0.950 0.978   (idem)
Most remaining misses are ties no ranking can break: the same article in 刑法 and in a 刑法修正案 that
quotes it, a clause shared by several laws word for word, and sibling clauses differing only in numbers
(about one query in ten is drawn from a paragraph whose sibling gives the very same query; counting
those, right paragraph in 3 is 0.994–1.000 on all seven seeds).
The paragraphs shown (`_varied`): many laws hold sibling clauses whose wording is the same but for numbers
(fines of 第九十五条 / 第九十六条, a list item repeated in two articles), and two or three such copies took
all three places, above the different paragraph just below them that was the one remembered. A copy now
gives its place to a different paragraph within one unasked rare word of it. Strict right paragraph in 3
on the corpus of 897 documents and 62,695 paragraphs, before and after (MRR@10 and success@1 cannot
move: the paragraph shown first, which scores the document, is never a copy): dev 20261201 0.987 -> 0.991,
1 0.994 -> 0.994, 2 0.972 -> 0.978, 7 0.988 -> 0.988; held out (checked after deciding) 3 0.994 -> 0.991,
4 0.984 -> 0.984, 5 0.984 -> 0.984. Seed 3's loss is a tie: four amendment records (第二次…第六次修正)
give the same query, and which of them is shown is their document order. Passing over every copy
(no limit) gave the same dev figures but lost seed 4's 第一百零八条 behind its copy 第一百条.
Of the 94 of 1,280 queries (seeds 1–4, an earlier corpus) whose document has more than three paragraphs
holding every word, the score order alone showed the remembered one in about 54, the fewest unasked rare
words in 81, the shortest paragraphs first in 35 (so paragraphs are still not normalised by length).
Length and dictionary words (i12p, by_specificity): the cleaning's document-sharing cuts changed the
corpus (921 documents, 62,739 paragraphs) and so every seed's queries; all misses of the default seed
were paragraphs the query fits alike — a list's one-line lead-in (划设临时飞行空域的申请应当包括下列内容：)
or a short article shown before the paragraph remembered, or that paragraph losing for a seam of the
cut counted as a rare word (未报 in 建设单位未报备案). A first-page paragraph now earns LENGTH × ln(its
length) and only dictionary words count as unasked. MRR@10 / success@1 / right paragraph in 3, before
(main at b9abd7b) and after, dev seeds 1–4 (chosen on), 20261201, 7 and 5 (confirming):
    seed       before                   after
    1          0.976 0.959 0.994        0.973 0.953 0.994
    2          0.964 0.934 0.978        0.962 0.931 0.988
    3          0.969 0.944 0.987        0.970 0.947 0.984
    4          0.975 0.959 0.988        0.978 0.963 0.994
    20261201   0.964 0.934 0.984        0.965 0.934 0.991
    7          0.965 0.938 0.991        0.966 0.941 0.994
    5          0.975 0.956 0.978        0.977 0.959 0.984
LENGTH 0.25–0.75 gave the same right paragraph in 3 on seeds 1–4 (with the paragraph counts below).
Length alone (over all characters) was weaker: it lost a query on seeds 3 and 7 and left the default
seed at 0.987; 未报 and its like (向省, 持所, 对本: two single characters glued by the segmenter's guess)
are what the dictionary rule takes away.
Most misses left are same-query siblings (right paragraph in 3 counting those: 0.994–1.000).
Measured offline (the length then over all characters) and not built: a word's rarity as the number of
paragraphs holding it as a whole word, in place of the body field's occurrences (which count compound
parts and repeats), on top of the two rules: MRR@10 +0.000–0.009 and success@1 +0.000–0.015 on every
seed, right paragraph in 3 1.000 on seed 1, 0.991 on 3, 0.997 on 4, 0.988 on 5, but 0.991 on 7. It needs
a per-word paragraph count written at index time; the same count with compound parts gained nothing.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq

from ingest.text import NOT_TEXT_RE

from .analysis import is_cjk_word, normalise, paragraph_of, segmenter
from .matching import DOC_SHIFT, PARAGRAPH_MASK, Evaluator, _isin_sorted, union_sorted, unique_sorted
from .query import Hit

# The weights were set on the relevance bench's development seeds (1 and 2; the reported seed and seed 7
# confirm): MRR@10 moved by under 0.01 across SATURATION 0.05–0.6, PROXIMITY 0.25–1, ORDER 0.25–0.5,
# TITLE 1–1.5 and PRIOR 0.05–0.4, so the values below are round ones inside that plateau; the typed-order
# bonus was the one addition that paid (right paragraph in 3: 0.969 → 0.981 on seed 1).
RERANK_DEPTH = 100          # documents scored by their paragraphs; deeper ones keep their BM25F order
                            # (100 keeps p95 at 100,000 paragraphs near its old figure)
SATURATION = 0.2            # repeats of a part in one paragraph: 1 → 1.0, 2 → 1.09, many → 1.2 of its weight
NEGATED = 0.1               # an occurrence inside a negating compound, against a real one: far enough below
                            # that one real 煤矿 outweighs a paragraph full of 非煤矿山
PROXIMITY = 0.25            # share of the present parts' weight earned when they stand side by side
ORDER = 0.5                 # share of the present parts' weight earned when they occur in the typed order
PROXIMITY_SLACK = 30        # characters between the parts at which that bonus halves (about half a sentence)
TITLE = 1.5                 # the title scores like a paragraph, half again as much (it names the whole
                            # document), added to the best paragraph; at 1.0 a speech that repeats 职业 and
                            # 安全 in one paragraph outranks the document titled 職業安全…
PRIOR = 0.15                # share of the query's weight for the best BM25F of the window: a tie-breaker
SHOWN = 3                   # paragraphs shown with a result
CANDIDATES = 40             # paragraphs of a document holding every part kept for choosing the ones shown
                            # (12 left the remembered one out in long regulations full of the words)
UNASKED = 0.3               # share of the parts' mean weight taken off for each word of a paragraph rarer
                            # than the least rare word asked for (see by_specificity); with occurrences as
                            # rarity, success@1 rose from 0.2 to 0.3 (mean of dev seeds 0.943 -> 0.946) and
                            # stayed level to 0.5; held-out seeds 3-5 the same at 0.3 and 0.4
UNASKED_CAP = 10            # at most this many counted: 5 and 20 gave the same MRR@10 within 0.001
LENGTH = 0.5                # a first-page paragraph earns this times the natural log of its length in characters
                            # (the scores are sums of idf, in nats: a prior growing as the square root of the
                            # length); dev seeds 1-4 gave the same right-paragraph-in-3 from 0.25 to 0.75 and
                            # lost one query each on seeds 1 and 4 at 1.0 (measured with whole-word paragraph
                            # counts as rarity, see the module's docstring; by_specificity says why)
COPY_YIELDS = 1.0           # a copy of a paragraph shown gives its place to a different one scoring at most this many
                            # unasked rare words below it; dev seeds gave the same figures from 1 to 2 (and with no
                            # limit); the limit keeps a copy before a paragraph far less like what was typed
SPECIFIC_TOP = 10           # results reordered by it, all of whose text is loaded anyway for the first page;
                            # 20 gained nothing on seeds 1–4
NUMERAL = re.compile("[0-9０-９零〇一二三四五六七八九十百千万亿两第]")   # numbers, ordinals, amounts
WORDING_NOISE = re.compile(f"{NUMERAL.pattern}|{NOT_TEXT_RE.pattern}")   # what sibling clauses' wordings differ by


@dataclass
class Ranked:
    docnum: int
    score: float
    paragraphs: list[int]                        # best first
    explain: dict = field(default_factory=dict)
    candidates: list[tuple] = field(default_factory=list)   # (n, score, holds every part, (parts held,
                                                 # bonus, counts) with explain, else None) of the best SHOWN
                                                 # and up to CANDIDATES holding every part
    chosen: bool = False                         # `paragraphs` already chosen by by_specificity


def _saturated(count: np.ndarray) -> np.ndarray:
    """Repeats saturate; below one (negated occurrences only) the count stays as it is."""
    return np.where(count < 1, count, count * (1 + SATURATION) / (count + SATURATION))


def _by_characters(queries) -> bool:
    """Whether every locating query is over a character (bigram) field, where positions are characters."""
    for q in queries:
        if isinstance(q, (wq.Term, wq.Phrase)):
            if not q.fieldname.endswith("_chars"):
                return False
        elif not _by_characters(q.subqueries):
            return False
    return bool(queries)


class _Occurrences:
    """One query part's occurrences in the window's documents, in the body or in the title: `keys`, and the
    keys of its negating compounds (`negated`, in the order of hit.negations)."""

    def __init__(self, hit: Hit, keys: np.ndarray, negated: list[np.ndarray], by_characters: bool):
        self.hit = hit
        self.keys = keys
        self.by_characters = by_characters
        if not len(keys):
            self.paragraphs, self.count = keys, np.zeros(0)
            return
        weights = np.ones(len(keys))
        for (_, offset), inside in zip(hit.negations, negated):
            weights[_isin_sorted(keys, inside + offset)] = NEGATED
        self.paragraphs, inverse = unique_sorted(paragraph_of(keys), return_inverse=True)
        self.count = np.bincount(inverse, weights=weights)


def _located(evaluator: Evaluator, hits: list[Hit], docnums: np.ndarray) -> dict[str, list[_Occurrences]]:
    """Each hit's occurrences in the title and in the body of `docnums` ({"title": [...], "body": [...]}), the
    positions of all their terms decoded together (Evaluator.occurrences_of: one decoding, not one a term)."""
    queries = []
    for fieldname in ("title", "body"):
        for hit in hits:
            located = getattr(hit, fieldname)
            if located:
                queries.append(wq.Or(located))
                chars = fieldname + "_chars"
                queries += [wq.Phrase(chars, grams) if len(grams) > 1 else wq.Term(chars, grams[0])
                            for grams, _ in hit.negations]
    found = iter(evaluator.occurrences_of(queries, docnums))
    parts = {}
    for fieldname in ("title", "body"):
        parts[fieldname] = []
        for hit in hits:
            located = getattr(hit, fieldname)
            if located:
                keys, negated = next(found), [next(found) for _ in hit.negations]
            else:
                keys, negated = np.zeros(0, dtype=np.int64), []
            parts[fieldname].append(_Occurrences(hit, keys, negated, _by_characters(located)))
    return parts


def _bonuses(parts: list[_Occurrences], keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(closeness, in typed order) of each paragraph key, over the parts located by characters.

    Closeness is 1 when the parts stand side by side and falls as the stretch holding them widens
    (PROXIMITY_SLACK characters of slack halve it); people type what they remember in reading order.
    Vectorised: each occurrence of each part anchors a stretch reaching the nearest occurrence of every
    other part in its paragraph; a paragraph keeps its narrowest stretch, and is in order when one
    anchored stretch is.
    """
    closeness, ordered = np.zeros(len(keys)), np.zeros(len(keys), dtype=bool)
    near = [p for p in parts if p.by_characters and len(p.keys)]
    if len(near) < 2:
        return closeness, ordered
    for anchor in near:
        a = anchor.keys
        paragraph = paragraph_of(a)
        start, end = a.copy(), a + anchor.hit.length
        held = np.full(len(a), anchor.hit.length)
        present = np.ones(len(a), dtype=int)
        in_order = np.ones(len(a), dtype=bool)
        previous = np.full(len(a), -1, dtype=np.int64)   # position of the previous typed part found
        for part in near:
            if part is anchor:
                found = a
            else:
                k = part.keys
                at = np.searchsorted(k, a)
                left, right = k[np.maximum(at - 1, 0)], k[np.minimum(at, len(k) - 1)]
                pick = np.where(np.abs(right - a) < np.abs(a - left), right, left)
                same = paragraph_of(pick) == paragraph
                found = np.where(same, pick, -1)
                start = np.where(same, np.minimum(start, pick), start)
                end = np.where(same, np.maximum(end, pick + part.hit.length), end)
                held = held + np.where(same, part.hit.length, 0)
                present = present + same
            here = found >= 0
            in_order &= ~here | (found > previous)
            previous = np.where(here, found, previous)
        slack = np.maximum(end - start - held, 0)
        close = np.where(present > 1, PROXIMITY_SLACK / (PROXIMITY_SLACK + slack), 0.0)
        at = np.searchsorted(keys, paragraph)
        np.maximum.at(closeness, at, close)
        np.logical_or.at(ordered, at, in_order & (present > 1))
    return closeness, ordered


def _paragraph_scores(parts: list[_Occurrences], explain: bool) -> dict[int, list[tuple]]:
    """docnum -> its paragraphs holding a part as Ranked.candidates, best first: the best SHOWN, then the
    other paragraphs holding every part, up to CANDIDATES in all (with `explain`, each with the parts of
    its score)."""
    present = [p.paragraphs for p in parts if len(p.paragraphs)]
    if not present:
        return {}
    keys = union_sorted(present)
    counts = np.zeros((len(parts), len(keys)))
    for i, p in enumerate(parts):
        if len(p.paragraphs):       # each part's paragraphs are among `keys`
            counts[i, np.searchsorted(keys, p.paragraphs)] = p.count
    weights = np.array([p.hit.weight for p in parts])
    held = (weights[:, None] * _saturated(counts)).sum(axis=0)
    closeness, ordered = _bonuses(parts, keys)
    near = np.array([p.by_characters for p in parts])
    near_weight = ((counts > 0) & near[:, None]).T @ weights
    bonus = near_weight * (PROXIMITY * closeness + ORDER * ordered)
    total = held + bonus
    doc_of = keys >> DOC_SHIFT
    # stable: equal paragraphs keep their order in the document; documents stay in order (doc_of[order] is doc_of)
    order = np.lexsort((-total, doc_of))
    rank_in_doc = np.arange(len(order)) - np.searchsorted(doc_of, doc_of)
    complete = (counts >= 1).all(axis=0)      # real occurrences, not only negated ones
    kept = order[(rank_in_doc < SHOWN) | complete[order] & (rank_in_doc < CANDIDATES)]
    details = zip(held[kept].tolist(), bonus[kept].tolist(), counts.T[kept].tolist()) if explain \
        else itertools.repeat(None)
    rows = list(zip((keys[kept] & PARAGRAPH_MASK).tolist(), total[kept].tolist(), complete[kept].tolist(), details))
    # the kept rows are grouped by document: one slice each
    docs = doc_of[kept]
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    ends = starts[1:].tolist() + [len(rows)]
    return {d: rows[start:end] for d, start, end in zip(docs[starts].tolist(), starts.tolist(), ends)}


def _explained(parts: list[Hit], n: int, held: float, bonus: float, counts) -> dict:
    return {"n": n, "parts": round(held, 3), "proximity": round(bonus, 3),
            "held": {hit.label: round(float(c), 2) for hit, c in zip(parts, counts) if c}}


def rank(evaluator: Evaluator, hits: list[Hit], docnums, prior: np.ndarray, explain: bool = False) -> list[Ranked]:
    """`docnums` scored by their paragraphs, best first; `prior` is the BM25F score of every document.
    With `explain`, each carries the parts of its score (built only then: for the hundred documents of
    the window that was a tenth of a search)."""
    docnums = np.asarray(docnums, dtype=np.int64)
    if not len(docnums) or not hits:
        return [Ranked(int(d), float(prior[d]), []) for d in docnums]
    located = _located(evaluator, hits, np.sort(docnums))
    title, body = _paragraph_scores(located["title"], explain), _paragraph_scores(located["body"], explain)
    total_weight = sum(hit.weight for hit in hits) or 1.0
    priors = prior[docnums]
    best_prior = float(priors.max()) or 1.0
    weights = {h.label: round(h.weight, 3) for h in hits}
    ranked = []
    for d, document_prior in zip(docnums.tolist(), priors.tolist()):
        scored = body.get(d, [])
        best = scored[0][1] if scored else 0.0
        in_title = title.get(d, [(0, 0.0, False, None)])[0]
        title_score = TITLE * in_title[1]
        bm25f = PRIOR * total_weight * document_prior / best_prior
        score = best + title_score + bm25f
        ranked.append(Ranked(d, score, [c[0] for c in scored[:SHOWN]], candidates=scored, explain={
            "score": round(score, 3), "best_paragraph": _explained(hits, scored[0][0], *scored[0][3]) if scored else None,
            "title": round(title_score, 3),
            "title_parts": _explained(hits, 0, *in_title[3])["held"] if in_title[3] is not None else {},
            "bm25f": round(bm25f, 3), "weights": weights,
        } if explain else {}))
    ranked.sort(key=lambda r: -r.score)
    return ranked


def _specific(ranked: Ranked, texts: dict[int, str], words: dict[int, str], hits: list[Hit],
              unasked: _Unasked) -> list[tuple[bool, float, int, int, float]]:
    """(holds every part, score less UNASKED per unasked rare word plus the length prior, n, those
    words, the length prior) of the candidate paragraphs, those holding every part first, best first
    (see by_specificity). `words`: the stored own words of the paragraphs (stored_words), cut here
    where missing."""
    out = []
    each = _unasked_cost(hits)
    for n, score, complete, _ in ranked.candidates:
        line = words.get(n)
        size, _, line = (_paragraph_line(texts.get(n, "")) if line is None else line).partition(" ")
        count, length = unasked(line.split()), _length_prior(int(size))
        out.append((complete, score - each * count + length, n, count, length))
    return sorted(out, key=lambda s: (not s[0], -s[1]))


def _length_prior(wording_length: int) -> float:
    """What a paragraph earns for its length (see by_specificity), the length of its `_wording`: numbers
    and punctuation aside, as sibling clauses differing only in amounts (第一百条 / 第一百零八条) say as much."""
    return LENGTH * math.log(max(wording_length, 1))


def _unasked_cost(hits: list[Hit]) -> float:
    """What each unasked rare word takes off a paragraph's score."""
    return UNASKED * sum(hit.weight for hit in hits) / len(hits)


def shown_paragraphs(ranked: Ranked, paragraphs, hits: list[Hit], frequency) -> list[int]:
    """The SHOWN paragraphs of a result (for one beyond the first page, chosen as by_specificity does);
    `paragraphs()` gives ({n: text}, {n: stored words}) of its paragraphs, asked only when needed."""
    if ranked.chosen or len(ranked.candidates) <= 1:
        return ranked.paragraphs
    texts, words = paragraphs()
    return _varied(_specific(ranked, texts, words, hits, _Unasked(hits, frequency)), texts, hits)


def _varied(specific: list[tuple[bool, float, int, int, float]], texts: dict[int, str], hits: list[Hit]) -> list[int]:
    """The SHOWN paragraphs of `specific` (as _specific orders them): the best ones, except that a
    paragraph whose wording, numbers aside, is one already shown (sibling clauses 第九十五条…处二十元以上
    二百元以下罚款 / 第九十六条…处二百元以上五百元以下罚款, a list item repeated in two articles) gives
    its place to the next different paragraph if that one scores within one unasked rare word of it: a
    second copy tells the reader little, and the paragraph remembered is often the different one just
    below. A different paragraph further down (or one missing a part the copy holds) waits behind it.
    Scores are compared without their length prior: it says which is likelier read, not how alike two
    paragraphs are to what was typed."""
    near = COPY_YIELDS * _unasked_cost(hits) + 1e-9      # + rounding: one word apart is exactly one cost
    shown, copies, wordings = [], [], set()
    for complete, score, n, _, length in specific:
        wording = _wording(texts.get(n, ""))
        score -= length
        if wording in wordings:
            copies.append((complete, score, n))
            continue
        wordings.add(wording)
        while copies and len(shown) < SHOWN and (copies[0][0] > complete or copies[0][1] - score > near):
            shown.append(copies.pop(0)[2])
        if len(shown) < SHOWN:
            shown.append(n)
        if len(shown) == SHOWN:
            break
    return (shown + [n for _, _, n in copies])[:SHOWN]


@functools.lru_cache(maxsize=20_000)
def _wording(text: str) -> str:
    """A paragraph's characters without numbers, ordinals, punctuation or spaces."""
    return WORDING_NOISE.sub("", text)


class _Unasked:
    """How many words of a paragraph not asked for are rarer (`frequency`: occurrences) than the least
    rare word asked for, at most UNASKED_CAP (counting stops there), for one query: whether a word
    counts is kept, as the same words recur in every paragraph ranked (with 安全 asked, nearly every
    word is rarer and was looked up again in each paragraph)."""

    def __init__(self, hits: list[Hit], frequency):
        self.asked = [hit.label for hit in hits]
        self.frequency = frequency
        self.ceiling = None        # looked up with the first paragraph: the tables behind `frequency` are
        self.counts: dict[str, bool] = {}   # read on the first search of a generation that needs them

    def __call__(self, words) -> int:
        """The count over a paragraph's own words (`own_words`: each once)."""
        if self.ceiling is None:
            self.ceiling = max(int(self.frequency(a)) for a in self.asked)
        count, counts, asked = 0, self.counts, self.asked
        for w in words:
            rare = counts.get(w)
            if rare is None:
                # the rarity test first: a look-up is a dictionary's, cheaper than testing containment
                rare = int(self.frequency(w)) < self.ceiling
                if rare:
                    for a in asked:
                        if w in a or a in w:
                            rare = False
                            break
                counts[w] = rare
            if rare:
                count += 1
                if count == UNASKED_CAP:
                    return count
        return count


@functools.lru_cache(maxsize=20_000)
def own_words(text: str) -> tuple[str, ...]:
    """The Chinese dictionary words of a paragraph that are not numbers, each once, in the order they
    first come: what the rare-word count reads. Numbers (三级, 十万元, 第八十三) are what sibling clauses
    and the versions of a law differ by, not the wording a person recalls; a word is a number when at
    least half its characters are numerals (一般, 统一 are not; rare enough to count, they seldom are).

    Written at ingest for every paragraph (`paragraph_words`, the store's words column): cutting the
    first page's candidate paragraphs when a query asked for them was a third of a first search.
    Cut here (and kept) for a document stored without them, or with words of another rule."""
    return tuple(dict.fromkeys(filter(_is_own_word, segmenter().cut(normalise(text)))))


def paragraph_words(doc: dict) -> str:
    """What ranking reads of a clean document's paragraphs, for the store: a first line stamping the rule
    that cut them (`words_stamp`), then one line per paragraph in document order: the length of its
    `_wording` (for the length prior), then its `own_words`, separated by spaces (own words hold none)."""
    return "\n".join([words_stamp()] + [_paragraph_line(p.get("restored") or p["text"])
                                        for p in doc.get("paragraphs") or []])


def _paragraph_line(text: str) -> str:
    """A paragraph's line of `paragraph_words`: its wording's length, then its own words."""
    return " ".join((str(len(_wording(text))), *own_words(text)))


def stored_words(text: str | None, numbers: list[int]) -> dict[int, str]:
    """{n: the paragraph's line of `paragraph_words`} for the paragraphs numbered `numbers` (a stored
    document's, in order); empty when there are none or they were cut by another rule."""
    if not words_are_current(text):
        return {}
    lines = text.split("\n")
    return dict(zip(numbers, lines[1:])) if len(lines) == len(numbers) + 1 else {}


def words_are_current(text: str | None) -> bool:
    """Whether stored paragraph words were cut by this version's rule (`words_stamp`)."""
    stamp = words_stamp()
    return bool(text) and (text == stamp or text.startswith(stamp + "\n"))


@functools.cache
def words_stamp() -> str:
    """What decides `paragraph_words`, measured: the lines it gives of the index fingerprint's probe text
    (which the segmenter, its dictionaries, normalisation, the word test and `_wording` all shape).
    Stored words of another stamp are not trusted; the paragraphs are cut again at query time."""
    from .health import PROBE_FILE

    probe = PROBE_FILE.read_text(encoding="utf-8")
    lines = [_paragraph_line(line) for line in probe.splitlines()]
    return "words:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


@functools.lru_cache(maxsize=200_000)
def _is_own_word(word: str) -> bool:
    """Whether a token counts in own_words; kept per word, as a page's paragraphs repeat the same few
    thousand words. A word the dictionary lacks does not count: the segmenter's guess at unknown
    characters glues two single ones at a seam of the sentence (未报 in 建设单位未报备案, 向省, 持所),
    no word a person remembers or types."""
    return len(word) > 1 and is_cjk_word(word) and 2 * len(NUMERAL.findall(word)) < len(word) \
        and segmenter().has_word(word)


def by_specificity(head: list[Ranked], paragraphs_of, hits: list[Hit], frequency) -> list[Ranked]:
    """The best results rescored by their paragraphs' wording, with the paragraphs to show.

    People type the words that stood out in the paragraph they remember, and many laws share a clause
    nearly word for word (…家庭出身…居住期限…). So a paragraph holding every part loses UNASKED for each
    of its words not asked for that is rarer (`frequency`: occurrences in the body) than every word asked for:
    the paragraph remembered is the one whose rare words were typed. Each also earns LENGTH × ln(its
    length): when the query fits several paragraphs alike (a law's 划设临时飞行空域 in five articles),
    the longer one is the likelier remembered, as more of it was read, and a list's one-line lead-in
    (划设临时飞行空域的申请应当包括下列内容：) tells the reader least. Paragraphs holding every part come
    first, best first by that score; the document takes the first one's score in place of its best
    paragraph's (and explain names it).
    `paragraphs_of(docnum)` gives ({n: text}, {n: stored words}) of a result's paragraphs, or None
    (left as it was).

    Only the first page's documents are read (their text is loaded for the page anyway). Chosen on the
    relevance bench's seeds 1–4, confirmed on 20261201, 7 and 5: see the module's table.
    """
    counter = _Unasked(hits, frequency)
    for r in head:
        paragraphs = paragraphs_of(r.docnum)
        if paragraphs is None or not r.candidates:
            continue
        texts, words = paragraphs
        specific = _specific(r, texts, words, hits, counter)
        r.paragraphs, r.chosen = _varied(specific, texts, hits), True
        _, best_score, best_n, unasked, length = specific[0]   # the paragraph shown first scores the document
        r.score += best_score - r.candidates[0][1]
        if r.explain:
            n, score, _, parts = next(c for c in r.candidates if c[0] == best_n)
            r.explain.update(score=round(r.score, 3), best_paragraph=_explained(hits, n, *parts), unasked=unasked,
                             specificity=round(best_score - score - length, 3), length=round(length, 3))
    return sorted(head, key=lambda r: -r.score)
