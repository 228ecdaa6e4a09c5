"""Spun copies: detect them and restore the original wording.

Content farms "spin" a speech to dodge duplicate filters (安全→平安, 部分→局部, 基础→根底 …). A document
is treated as spun only when it holds enough strings that genuine text does not (data/spin_markers.txt);
then each spun word is mapped back where its context allows (data/spin_map.tsv).
"""
import re
from collections import Counter

from ingest.datafile import rows
from ingest.prefilter import Screen

MIN_MARKERS = 3              # hits needed, and at least two different marker strings
MIN_DISTINCT_MARKERS = 2


MARKERS = rows("spin_markers.txt")
MARKER_RE = re.compile("|".join(map(re.escape, sorted(MARKERS, key=len, reverse=True))))


def _spin_map():
    originals, patterns = {}, []
    for spun, original, where in rows("spin_map.tsv", 3, optional=1):
        originals[spun] = original
        patterns.append((len(spun), f"(?:{where or re.escape(spun)})"))
    # longest spun word first, so 生产平安 is read before 平安
    return originals, re.compile("|".join(pattern for _, pattern in sorted(patterns, key=lambda p: -p[0])))


ORIGINAL_OF, SPUN_RE = _spin_map()
SPUN = Screen(SPUN_RE)      # tried where a spun word opens: some open with a lookbehind, which re tries everywhere


def is_spun(texts: list[str]) -> bool:
    """Whether these texts (title and paragraphs) read like a spun copy."""
    # one scan of the joined texts: a marker holds no line break, so it never matches across two
    hits = Counter(MARKER_RE.findall("\n".join(texts)))
    return sum(hits.values()) >= MIN_MARKERS and len(hits) >= MIN_DISTINCT_MARKERS


def restore(text: str, counts: Counter | None = None) -> str:
    """The text with spun words mapped back; each mapping is counted in `counts` as "平安→安全"."""
    restored, spans = restored_spans(text)
    if counts is not None:
        for _, _, spun in spans:
            counts[f"{spun}→{ORIGINAL_OF[spun]}"] += 1
    return restored


def restored_spans(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The restored text of `text` and where each restored word sits in it: (start, end, spun word).

    `restore` reads it, so that a page marks the words the index holds restored."""
    pieces, spans, last, shift = [], [], 0, 0
    for match in SPUN.finditer(text):
        spun = match.group()
        original = ORIGINAL_OF[spun]
        pieces += [text[last:match.start()], original]
        start = match.start() + shift
        spans.append((start, start + len(original), spun))
        shift += len(original) - len(spun)
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces), spans
