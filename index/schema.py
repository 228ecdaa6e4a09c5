"""The Whoosh schema: one Whoosh document per clean document, paragraphs told apart by position.

Display text and facet values live in the document store (store.py), not in Whoosh.
"""
from __future__ import annotations

from collections import defaultdict

from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Positions

from .analysis import bigram_analyzer, word_analyzer

TITLE_BOOST = 3.0
WORD_FIELDS = {"title": "title", "body": "body"}
CHAR_FIELDS = {"title": "title_chars", "body": "body_chars"}


class PiecewisePositions(Positions):
    """Positions for a value given as pieces [(text, first_position), ...], each analysed alone.

    A document's paragraphs are its pieces, each starting at `paragraph_position(n)`, so every
    position tells its paragraph and no phrase matches across two paragraphs.
    """

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, str):
            value = [(value, 0)]
        poses = defaultdict(list)
        for text, start_pos in value:
            for t in analyzer(text, positions=True, start_pos=start_pos, mode="index"):
                poses[t.text].append(t.pos)
        for word, poslist in poses.items():
            poslist.sort()
            yield word, len(poslist), len(poslist) * self.field_boost, self.encode(poslist)


class PositionedText(TEXT):
    def __init__(self, analyzer, field_boost: float = 1.0):
        super().__init__(analyzer=analyzer, phrase=True, field_boost=field_boost)
        self.format = PiecewisePositions(field_boost=field_boost)


def make_schema() -> Schema:
    words, grams = word_analyzer(), bigram_analyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),
        source=ID,
        title=PositionedText(words, TITLE_BOOST),
        title_chars=PositionedText(grams, TITLE_BOOST),
        body=PositionedText(words),
        body_chars=PositionedText(grams),
    )
