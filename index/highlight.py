"""Highlighting: HTML-escaped text with `<mark>` around what the query matched; nothing else survives.

Matching runs on `normalise(text)`, which is exactly as long as `text`, so spans found there mark
the original (Traditional, full-width) characters.
"""
from __future__ import annotations

import re
from html import escape

from .analysis import is_cjk_word, normalise


def match_spans(text: str, marks: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of `text` where any of `marks` (normalised strings) occurs.

    Chinese marks match anywhere; Latin and number marks only as whole tokens (5 not inside 15).
    """
    norm = normalise(text)
    spans = []
    for mark in {m for m in marks if m}:
        if is_cjk_word(mark):
            start = norm.find(mark)
            while start >= 0:
                spans.append((start, start + len(mark)))
                start = norm.find(mark, start + 1)
        else:
            pattern = r"(?<![0-9a-z.])" + re.escape(mark) + r"(?![0-9a-z%])"
            spans += [(m.start(), m.end()) for m in re.finditer(pattern, norm)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, marks: list[str], window: int | None = None) -> str:
    """`text` escaped, matches in `<mark>`; with `window`, cut to about that many characters
    around the first match (… where cut)."""
    spans = match_spans(text, marks)
    start, end = 0, len(text)
    if window and len(text) > window:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - window // 4, len(text) - window))
        end = start + window
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
