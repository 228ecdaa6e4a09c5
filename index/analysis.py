"""Chinese text analysis for the index: normalisation, word and character-bigram tokenizers, synonyms.

Two token streams are indexed for every text:
- words: jieba precise-mode words at sequential positions, plus (index time only) every dictionary
  sub-word of a word at its parent's position, so phrases work and 安全生产法 is found by 安全生产;
- character bigrams (like Lucene's CJKBigramFilter): jieba cuts the same characters differently by
  context (燃放烟花|爆竹 vs 烟花爆竹), so exact-phrase matching runs over bigrams, not words.

Everything is matched on `normalise(text)`, which has the same length as the text, so token offsets
always point into the original (Traditional, full-width, upper-case) text.
"""
from __future__ import annotations

import operator
import re
import threading
from functools import cache, lru_cache
from pathlib import Path

from whoosh.analysis import Composable, Filter, Token, Tokenizer

from ingest.datafile import rows
from ingest.text import HAN, HAN_RE, to_simplified

DATA = Path(__file__).parent / "data"

# A paragraph's tokens sit at positions n << PARAGRAPH_BITS ..., so a position names its paragraph
# and phrases never run across paragraphs; the restored (de-spun) text of a paragraph starts halfway.
PARAGRAPH_BITS = 20
RESTORED_OFFSET = 1 << (PARAGRAPH_BITS - 1)
MAX_TOKENS_PER_TEXT = RESTORED_OFFSET - 1

NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?%?")
UNIT_RUNS = re.compile(f"(?P<cjk>[{HAN}]+)|(?P<other>[0-9a-z\u00c0-\u024f]+(?:\\.[0-9]+)?%?)")


def paragraph_position(n: int, restored: bool = False) -> int:
    """The first token position of paragraph `n` (or of its restored text)."""
    return (n << PARAGRAPH_BITS) + (RESTORED_OFFSET if restored else 0)


def paragraph_of(position: int) -> int:
    return position >> PARAGRAPH_BITS


# --- normalisation -------------------------------------------------------------------------------

def _to_simplified(text: str) -> str:
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    # A phrase-level conversion changed the length: convert character by character instead,
    # which keeps every offset valid.
    return "".join(c if len(s := to_simplified(c)) != 1 else s for c in text)


# Full-width ASCII and the ideographic space to half-width, A-Z to a-z: one character for one.
_FOLD = str.maketrans({**{chr(c): chr(c - 0xFEE0).lower() for c in range(0xFF01, 0xFF5F)},
                       "\u3000": " ", **{chr(c): chr(c + 32) for c in range(65, 91)}})


@lru_cache(maxsize=2048)  # each paragraph is analysed twice in a row (words, then bigrams)
def normalise(text: str) -> str:
    """Simplified Chinese, half-width, lower-case; always exactly as long as `text`."""
    if not text:
        return ""
    if not text.isascii():
        text = _to_simplified(text)
    return text.translate(_FOLD)


# --- dictionary, segmentation ----------------------------------------------------------------------

@cache
def domain_words() -> dict[str, int | None]:
    """Domain dictionary from data/dictionary.txt: word -> frequency (None: let jieba choose)."""
    words = {}
    for line in rows("dictionary.txt", folder=DATA):
        word, _, freq = line.partition(" ")
        words[word] = int(freq) if freq.strip().isdigit() else None
    return words


_init_lock = threading.Lock()
_segmenter = None


class _Segmenter:
    """Precise-mode segmentation with offsets: rjieba (jieba-rs) when installed, else jieba."""

    def __init__(self, use_rjieba: bool = True):
        self.rjieba = None
        if use_rjieba:
            try:
                import rjieba

                self.rjieba = rjieba
            except ImportError:
                pass
        if self.rjieba is not None:
            for word, freq in domain_words().items():
                rjieba.add_word(word, freq, None)
            self.raw_tokenize = rjieba.tokenize
            self.cut = rjieba.cut
            self.has_word = rjieba.has_word
        else:
            jieba = load_jieba()
            self.raw_tokenize = jieba.tokenize
            self.cut = jieba.lcut
            self.has_word = lambda word: jieba.dt.FREQ.get(word, 0) > 0

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return split_symbols(self.raw_tokenize(text))


# Non-Chinese tokens are cut into letter/number runs (decimals and % kept) and single symbols, so
# 2022-06-27 and www.12339.gov.cn give the same tokens whichever of rjieba or jieba cut them.
SYMBOL_JOINED = re.compile(r"[^0-9a-z%]")
LATIN_PIECES = re.compile(r"[0-9]+(?:\.[0-9]+)*%?|[a-z\u00c0-\u024f]+|[0-9]+|.", re.S)


def split_symbols(tokens) -> list[tuple[str, int, int]]:
    out = []
    for token in tokens:
        word = token[0]
        if len(word) > 1 and _joins_symbols(word):
            start = token[1]
            out += [(m.group(), start + m.start(), start + m.end()) for m in LATIN_PIECES.finditer(word)]
        else:
            out.append(token)
    return out


@lru_cache(maxsize=1 << 16)   # asked of every word; its three patterns were a fifth of cutting a text
def _joins_symbols(word: str) -> bool:
    return bool(SYMBOL_JOINED.search(word)) and not HAN_RE.search(word) and not NUMBER.fullmatch(word)


@cache
def load_jieba():
    """The jieba module, initialised with the domain dictionary (about 0.7 s the first time)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for word, freq in domain_words().items():
        jieba.add_word(word, freq)
    return jieba


def segmenter() -> _Segmenter:
    global _segmenter
    if _segmenter is None:
        with _init_lock:
            if _segmenter is None:
                _segmenter = _Segmenter()
    return _segmenter


def initialize() -> None:
    """Load the segmenter and dictionaries now (call before forking server workers)."""
    segmenter()
    synonym_groups()
    negating_compounds()
    normalise("預熱")


@lru_cache(maxsize=1 << 16)   # asked of every token; the words of a corpus repeat
def is_word(word: str) -> bool:
    """Punctuation and spaces are not tokens; CJK characters, digits and letters are."""
    return any(c.isalnum() for c in word)


def words(text: str) -> list[tuple[str, int, int]]:
    """Precise-mode words of `text` as (normalised word, start, end); punctuation dropped."""
    return [token for token in segmenter().tokenize(normalise(text)) if is_word(token[0])]


def is_cjk_word(word: str) -> bool:
    return bool(HAN_RE.search(word))


# --- Whoosh tokenizers and filters -----------------------------------------------------------------

class ChineseTokenizer(Tokenizer):
    """jieba precise-mode words at sequential positions, offsets into the original text."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, (word, start, end) in enumerate(words(value)):
            if i >= MAX_TOKENS_PER_TEXT:
                break
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


@lru_cache(maxsize=1 << 16)   # the words of a corpus repeat
def subwords(word: str) -> tuple[tuple[str, int], ...]:
    """The dictionary words inside a CJK word of 3+ characters, longest first, with their offsets."""
    if len(word) < 3 or not is_cjk_word(word):
        return ()
    has_word = segmenter().has_word
    return tuple((word[i:i + length], i) for length in range(len(word) - 1, 1, -1)
                 for i in range(len(word) - length + 1) if has_word(word[i:i + length]))


class SubwordFilter(Filter):
    """At index time, also emit every dictionary word inside a longer word, at the word's position."""

    def __call__(self, tokens):
        for t in tokens:
            yield t
            if t.mode == "query":
                continue
            word, start = t.text, getattr(t, "startchar", None)
            found = subwords(word)
            for sub, i in found:
                t.text = sub
                if start is not None:
                    t.startchar, t.endchar = start + i, start + i + len(sub)
                yield t
            if found:
                t.text = word
                if start is not None:
                    t.startchar, t.endchar = start, start + len(word)


class BigramTokenizer(Tokenizer):
    """Overlapping bigrams of units (a CJK character, or a whole number or Latin word).

    A stretch with a single unit gives that unit alone. Punctuation ends a stretch and leaves a
    position gap, so a phrase never matches across it; spaces do not (scraped text is full of them).
    Numbers stay whole: 第5条 gives 第5, 5条, which 第15条 (第15, 15条) does not contain.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for stretch in stretches(normalise(value)):
            if pos - start_pos >= MAX_TOKENS_PER_TEXT:
                break
            for start, end, gram in stretch:
                t.text, t.boost, t.stopped = gram, 1.0, False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + start, start_char + end
                yield t
                pos += 1
            pos += 1


def stretches(norm: str):
    """Lists of (start, end, gram), one list per stretch of text between punctuation."""
    for runs in _stretch_runs(norm):
        units = []
        for run in runs:
            start, end = run.span()
            if run.lastgroup == "cjk":
                units.extend(zip(range(start, end), range(start + 1, end + 1)))
            else:
                units.append((start, end))
        yield _grams(norm, units)


def _stretch_runs(norm: str):
    """The UNIT_RUNS matches of each stretch of text between punctuation, a list a stretch."""
    runs, last_end = [], None
    for run in UNIT_RUNS.finditer(norm):
        start = run.start()
        if last_end is not None and start > last_end and norm[last_end:start].strip():
            yield runs
            runs = []
        runs.append(run)
        last_end = run.end()
    if runs:
        yield runs


def _grams(norm: str, units: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    if len(units) == 1:
        (start, end), = units
        return [(start, end, norm[start:end])]
    return [(a, d, norm[a:b] + norm[c:d]) for (a, b), (c, d) in zip(units, units[1:])]


# The writer's analysis: what the analyzers give at index time, each term's positions appended to
# `positions` (term -> list) straight away, without Token objects or (term, position) pairs; each returns
# the last position it gave, None for none. tests/test_analysis.py holds them to the analyzers.

def add_word_positions(text: str, start_pos: int, positions) -> int | None:
    """The positions of every token `word_analyzer()` gives at index time."""
    pos = None
    for pos, (word, _, _) in enumerate(words(text)[:MAX_TOKENS_PER_TEXT], start_pos):
        positions[word].append(pos)
        for sub, _ in subwords(word):
            positions[sub].append(pos)
    return pos


def add_bigram_positions(text: str, start_pos: int, positions) -> int | None:
    """The positions of every token `bigram_analyzer()` gives."""
    pos, last = start_pos, None
    for runs in _stretch_runs(normalise(text)):
        if pos - start_pos >= MAX_TOKENS_PER_TEXT:
            break
        units = []
        for run in runs:
            if run.lastgroup == "cjk":
                units += run.group()       # each character a unit
            else:
                units.append(run.group())
        grams = map(operator.add, units, units[1:]) if len(units) > 1 else units
        for last, gram in enumerate(grams, pos):
            positions[gram].append(last)
        pos = last + 2                      # a position left out between stretches
    return last


def index_positions_of(analyzer):
    """The add_*_positions function doing what `analyzer` does at index time, or None when the analyzer
    is not one of this module's (the writer then runs it token by token)."""
    if type(analyzer) is BigramTokenizer:
        return add_bigram_positions
    if [type(part) for part in getattr(analyzer, "items", ())] == [ChineseTokenizer, SubwordFilter]:
        return add_word_positions
    return None


def word_analyzer() -> Composable:
    """Words for the index (with sub-words) and, in query mode, precise words only."""
    return ChineseTokenizer() | SubwordFilter()


def bigram_analyzer() -> Composable:
    return BigramTokenizer()


# --- synonyms --------------------------------------------------------------------------------------

@cache
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """data/synonyms.txt: each line a group; a word maps to the other words of its groups."""
    groups: dict[str, list[str]] = {}
    for line in rows("synonyms.txt", folder=DATA):
        members = [normalise(w) for w in line.split()]
        for word in members:
            groups.setdefault(word, []).extend(m for m in members if m != word and m not in groups[word])
    return {word: tuple(others) for word, others in groups.items()}


def synonyms(word: str) -> tuple[str, ...]:
    """Query-time synonyms of a normalised word (not including the word)."""
    return synonym_groups().get(word, ())


@cache
def negating_compounds() -> dict[str, list[tuple[str, int]]]:
    """data/negating_compounds.txt (compound, the part it negates): part -> [(compound, offset of the part)]."""
    found: dict[str, list[tuple[str, int]]] = {}
    for line in rows("negating_compounds.txt", folder=DATA):
        compound, part = (normalise(w) for w in line.split()[:2])
        if part in compound:
            found.setdefault(part, []).append((compound, compound.index(part)))
    return found
