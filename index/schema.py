"""The Whoosh schema: one Whoosh document per clean document, paragraphs told apart by position.

Display text and facet values live in the document store (store.py), not in Whoosh.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Positions

from .analysis import (PARAGRAPH_BITS, RESTORED_OFFSET, bigram_analyzer, index_positions_of, paragraph_position,
                       word_analyzer)
from .health import IndexOutdated
from .postings import write_varint as _varint

TITLE_BOOST = 3.0
WORD_FIELDS = {"title": "title", "body": "body"}
CHAR_FIELDS = {"title": "title_chars", "body": "body_chars"}

# How a posting's positions are written (kept in the index's pickled schema, per field):
# 1 — Whoosh's Positions: a 4-byte count and the pickled list of deltas; every paragraph jump is a
#     5-byte int, 13 bytes for a single position. Indexes built before 2026-12 hold it, and still
#     read and grow in it.
# 2 — `encode_positions` below: about 1.7 bytes a position, decoded as fast as format 1.
POSITIONS_FORMAT = 2
_IN_PARAGRAPH = (1 << PARAGRAPH_BITS) - 1


class IndexFormatError(IndexOutdated):
    """The index was written in a format this program does not know; str(exc) is the Chinese message."""


def encode_positions(positions: list[int]) -> bytes:
    """Sorted positions as varint codes: within a paragraph `gap << 1`; moving on `k` paragraphs,
    `k << 1 | 1` then the offset in the new paragraph. Almost every code is one byte."""
    if len(positions) == 1:
        return _one_position(positions[0])
    out = bytearray()
    previous = 0
    for position in positions:
        jump = (position >> PARAGRAPH_BITS) - (previous >> PARAGRAPH_BITS)
        if jump:
            _varint(out, jump << 1 | 1)
            code = position & _IN_PARAGRAPH
        else:
            code = (position - previous) << 1
        if code < 128:        # the one-byte case inline: _varint calls were a third of encoding time
            out.append(code)
        else:
            _varint(out, code)
        previous = position
    return bytes(out)


@lru_cache(maxsize=1 << 16)    # most postings hold one position, and positions repeat across documents
def _one_position(position: int) -> bytes:
    out = bytearray()
    if position >> PARAGRAPH_BITS:
        _varint(out, (position >> PARAGRAPH_BITS) << 1 | 1)
        _varint(out, position & _IN_PARAGRAPH)
    else:
        _varint(out, position << 1)
    return bytes(out)


def decode_positions(value: bytes) -> list[int]:
    """The positions `encode_positions` wrote."""
    out = []
    position = 0
    if value.isascii():   # every code one byte: nearly all postings, and twice as fast
        codes = iter(value)
        for code in codes:
            if code & 1:
                position = ((position >> PARAGRAPH_BITS) + (code >> 1) << PARAGRAPH_BITS) + next(codes)
            else:
                position += code >> 1
            out.append(position)
        return out
    x = shift = 0
    offset_next = False
    for byte in value:
        x |= (byte & 127) << shift
        if byte & 128:
            shift += 7
            continue
        if offset_next:
            position += x
            out.append(position)
            offset_next = False
        elif x & 1:
            position = (position >> PARAGRAPH_BITS) + (x >> 1) << PARAGRAPH_BITS
            offset_next = True
        else:
            position += x >> 1
            out.append(position)
        x = shift = 0
    return out


class PiecewisePositions(Positions):
    """Positions for a value given as pieces [(text, first_position), ...], each analysed alone.

    A document's paragraphs are its pieces, each starting at `paragraph_position(n)`, so every
    position tells its paragraph and no phrase matches across two paragraphs. The term frequency is
    not repeated in the value: the posting's weight holds it.
    """

    positions_format = 1   # a schema pickled before formats were numbered has no attribute of its own

    def __init__(self, field_boost: float = 1.0, **options):
        super().__init__(field_boost=field_boost, **options)
        self.positions_format = POSITIONS_FORMAT

    def encode(self, poslist):
        return super().encode(poslist) if self.positions_format == 1 else encode_positions(poslist)

    def decode_positions(self, valuestring):
        if self.positions_format == 1:
            return super().decode_positions(valuestring)
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring):
        if self.positions_format == 1:
            return super().decode_frequency(valuestring)
        return len(decode_positions(valuestring))

    def _positions(self, value, analyzer) -> dict[str, list[int]]:
        """Each term's sorted positions in `value` at index time."""
        if isinstance(value, str):
            value = [(value, 0)]
        poses = defaultdict(list)
        add_positions = index_positions_of(analyzer)
        if add_positions is None:     # any other analyzer's positions: sorted below
            for text, start_pos in value:
                for t in analyzer(text, positions=True, start_pos=start_pos, mode="index"):
                    poses[t.text].append(t.pos)
            ordered = False
        else:
            ordered, last = True, -1
            for text, start_pos in value:
                end = add_positions(text, start_pos, poses)
                if end is not None:   # a piece's positions start at its start_pos and never go back
                    ordered = ordered and start_pos >= last
                    last = end
        if not ordered:
            for poslist in poses.values():
                poslist.sort()
        return poses

    def word_values(self, value, analyzer, **kwargs):
        boost, encode = self.field_boost, self.encode
        return [(word, len(poslist), len(poslist) * boost, encode(poslist))
                for word, poslist in self._positions(value, analyzer).items()]

    def index_postings(self, value, analyzer) -> list[tuple[bytes, int, float, bytes]]:
        """What `Field.index` makes of `word_values` (terms as UTF-8), in one list (FastSegmentWriter)."""
        boost = self.field_boost
        encode = encode_positions if self.positions_format == POSITIONS_FORMAT else self.encode
        return [(word.encode(), len(poslist), len(poslist) * boost, encode(poslist))
                for word, poslist in self._positions(value, analyzer).items()]


class PositionedText(TEXT):
    def __init__(self, analyzer, field_boost: float = 1.0):
        super().__init__(analyzer=analyzer, phrase=True, field_boost=field_boost)
        self.format = PiecewisePositions(field_boost=field_boost)


def check_schema(schema: Schema, where) -> None:
    """Refuse an index whose positions were written in a format newer than this program knows."""
    for name in schema.names():
        version = getattr(schema[name].format, "positions_format", 1)
        if version > POSITIONS_FORMAT:
            raise IndexFormatError(
                f"索引 {where} 的字段 {name} 用第 {version} 版位置格式写成，本程序只认识到第 "
                f"{POSITIONS_FORMAT} 版：请升级程序，或删除该索引目录后重新导入")


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


def whoosh_fields(doc: dict) -> dict:
    """What Whoosh indexes of a clean document (display text stays in the store)."""
    title = doc.get("title") or ""
    titles = [(title, 0)]
    if doc.get("title_scraped") and doc["title_scraped"] != title:
        titles.append((doc["title_scraped"], RESTORED_OFFSET))
    pieces = []
    for p in doc["paragraphs"]:
        pieces.append((p["text"], paragraph_position(p["n"])))
        if p.get("restored"):
            pieces.append((p["restored"], paragraph_position(p["n"], restored=True)))
    return {"doc_id": doc["doc_id"], "source": doc.get("source") or "",
            "title": titles, "title_chars": titles, "body": pieces, "body_chars": pieces}
