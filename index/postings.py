"""How posting blocks are written on disk: Whoosh 2.7.4's W3 codec with a compact block layout.

Whoosh pickles each block of up to 128 postings as a tuple (document-number deltas, weights,
values) with pickle protocol 2, where every value (a posting's encoded positions) is pickled as a
call to `_codecs.encode` of a latin-1 string: about 20 bytes around each value, 9 bytes a weight,
2 a document number — over 40 % of the index. A compact block holds the same three parts as
little-endian arrays: one code byte each, then the document-number deltas, the weights (as term
counts when every weight is a count times the field boost, which is how `Positions` weighs), the
value lengths, and the values back to back.

A term's dictionary entry (its term info: document frequency, first and last document, where its
postings are) is likewise a marker byte, two float32 and varints, about 18 bytes instead of 35;
old entries start with Whoosh's flags byte (0 or 1) and read as before.

The block info (postings, last document number, highest weight) is a 10-byte struct instead of a
27-byte pickled tuple; its first byte is never pickle's 0x80, and the matcher sets the compression
field to `COMPACT`. Blocks written before (pickled info and data) are read as before, so indexes
built by earlier versions read correctly and merge into compact blocks.
This module is the one place that knows Whoosh's codec internals (matching.py reads the `_data`
tuple this reader still builds).
"""
from __future__ import annotations

import struct
import sys
from array import array

import whoosh
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldCursor, W3FieldWriter, W3LeafMatcher,
                                  W3PostingsWriter, W3TermInfo, W3TermsReader)
from whoosh.reading import TermNotFound

if whoosh.__version__ != (2, 7, 4):
    raise ImportError(f"index.postings 依赖 Whoosh 2.7.4 的编码内部结构，当前安装的是 "
                      f"{'.'.join(map(str, whoosh.__version__))}：请安装 pyproject.toml 中锁定的版本")

COMPACT = 128          # in the matcher's block info where Whoosh puts the zlib level (0–9)
BLOCK_INFO = struct.Struct("<BBIf")   # INFO_MARK, postings (at most 128), last document number, max weight
INFO_MARK = 1          # a pickled info starts with 0x80
_PICKLE = 0x80
NO_PART = ord("N")     # code byte: all weights 1.0 / no values
FLOATS = ord("f")      # code byte: weights as float32
_INT_CODES = [(ord("B"), 1 << 8), (ord("H"), 1 << 16), (ord("I"), 1 << 32)]
_LITTLE = sys.byteorder == "little"
assert array("I").itemsize == 4


def _ints(values) -> tuple[int, bytes] | None:
    """(code byte, little-endian bytes) of the smallest unsigned array holding `values`."""
    top = max(values, default=0)
    for code, limit in _INT_CODES:
        if top < limit:
            packed = array(chr(code), values)
            if not _LITTLE:
                packed.byteswap()
            return code, packed.tobytes()
    return None


def _read_ints(code: int, data: bytes, at: int, count: int) -> tuple[array, int]:
    packed = array(chr(code))
    end = at + count * packed.itemsize
    packed.frombytes(data[at:end])
    if not _LITTLE:
        packed.byteswap()
    return packed, end


def encode_block(ids, weights, values, boost: float) -> bytes | None:
    """A compact block's data, or None when these postings need Whoosh's pickled block."""
    deltas = _ints([b - a for a, b in zip([0, *ids], ids)])
    if deltas is None or (values and len(values) != len(ids)):
        return None
    if all(w == 1.0 for w in weights):
        weight_code, weight_bytes = NO_PART, b""
    else:
        counts = [round(w / boost) for w in weights] if boost > 0 else []
        packed = _ints(counts) if counts and min(counts) >= 0 and \
            all(c * boost == w for c, w in zip(counts, weights)) else None
        if packed is None:
            floats = array("f", weights)
            if not _LITTLE:
                floats.byteswap()
            packed = (FLOATS, floats.tobytes())
        weight_code, weight_bytes = packed
    if values:
        lengths = _ints([len(v) for v in values])
        if lengths is None:
            return None
        value_code, length_bytes = lengths
    else:
        value_code, length_bytes = NO_PART, b""
    return b"".join([bytes((deltas[0], weight_code, value_code)), deltas[1], weight_bytes, length_bytes,
                     *values])


def decode_block(data: bytes, count: int, boost: float) -> tuple[tuple, dict]:
    """((document-number deltas, weights or None, values), bytes taken by each part) of a compact block."""
    id_code, weight_code, value_code = data[0], data[1], data[2]
    ids, at = _read_ints(id_code, data, 3, count)
    sizes = {"ids": at - 3}
    start = at
    if weight_code == NO_PART:
        weights = None
    elif weight_code == FLOATS:
        weights, at = _read_ints(FLOATS, data, at, count)
    else:
        counts, at = _read_ints(weight_code, data, at, count)
        weights = array("f", counts)
        if boost != 1.0:
            weights = array("f", [w * boost for w in weights])
    sizes["weights"] = at - start
    values = ()
    if value_code != NO_PART:
        lengths, at = _read_ints(value_code, data, at, count)
        sizes["value_lengths"] = len(lengths) * lengths.itemsize
        values = []
        for length in lengths:
            values.append(data[at:at + length])
            at += length
    sizes["codes"] = 3
    return (ids, weights, tuple(values)), sizes


class _PostingsWriter(W3PostingsWriter):
    def _write_block(self, last=False):
        fixed_size = self._format.fixed_value_size()
        data = None if self._byteids or (fixed_size or 0) > 0 else encode_block(
            self._ids, self._weights, self._values, self._format.field_boost or 1.0)
        if data is None:   # term vectors (byte ids), fixed-size values and oddities: Whoosh's block
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        info = BLOCK_INFO.pack(INFO_MARK, len(ids), ids[-1], self._maxweight)
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


def block_info(head: bytes) -> tuple[tuple, int] | None:
    """((postings, last id, max weight, compression, min length, max length), bytes) of a compact
    block's info at the start of `head`; None for Whoosh's pickled info."""
    if head[0] == _PICKLE:
        return None
    _, count, last_id, max_weight = BLOCK_INFO.unpack_from(head)
    return (count, last_id, max_weight, COMPACT, 0, 0), BLOCK_INFO.size


class _LeafMatcher(W3LeafMatcher):
    def _goto(self, position):
        postfile = self._postfile
        head = postfile.get(position, 4 + BLOCK_INFO.size)
        compact = block_info(head[4:])
        if compact is None:
            return super()._goto(position)
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        length = struct.unpack_from("!i", head)[0]
        self._lastblock = length < 0
        self._nextoffset = position + 4 + abs(length)
        self._dataoffset = position + 4 + compact[1]
        (self._blocklength, self._maxid, self._maxweight, self._compression,
         self._minlength, self._maxlength) = compact[0]

    def _read_data(self):
        if self._compression != COMPACT:
            return super()._read_data()
        data = bytes(self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset))
        self._data = decode_block(data, self._blocklength, self.format.field_boost or 1.0)[0]


TERM_INFO_MARK = 2      # Whoosh's term info starts with its inlined flag, 0 or 1
_WEIGHTS = struct.Struct("<ff")   # total weight, max weight


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        byte = data[at]
        at += 1
        x |= (byte & 127) << shift
        if byte < 128:
            return x, at
        shift += 7


def _write_varint(out: bytearray, x: int) -> None:
    while x > 127:
        out.append(x & 127 | 128)
        x >>= 7
    out.append(x)


class _TermInfo(W3TermInfo):
    def to_bytes(self):
        if self.is_inlined() or self._minid is None or self._minlength or self._maxlength:
            return super().to_bytes()   # never so here: postings are not inlined, lengths not kept
        out = bytearray([TERM_INFO_MARK])
        out += _WEIGHTS.pack(self._weight, self._maxweight)
        for x in (self._df, self._minid, self._maxid - self._minid, self._offset, self._length):
            _write_varint(out, x)
        return bytes(out)

    @classmethod
    def from_bytes(cls, s):
        if s[0] != TERM_INFO_MARK:
            return super().from_bytes(s)
        info = cls()
        info._weight, info._maxweight = _WEIGHTS.unpack_from(s, 1)
        at = 1 + _WEIGHTS.size
        info._df, at = _read_varint(s, at)
        info._minid, at = _read_varint(s, at)
        span, at = _read_varint(s, at)
        info._maxid = info._minid + span
        info._offset, at = _read_varint(s, at)
        info._length, at = _read_varint(s, at)
        info._minlength = info._maxlength = 0
        return info

    @classmethod
    def read_weight(cls, dbfile, datapos):
        if dbfile.get_byte(datapos) != TERM_INFO_MARK:
            return super().read_weight(dbfile, datapos)
        return _WEIGHTS.unpack(dbfile.get(datapos + 1, _WEIGHTS.size))[0]

    @classmethod
    def read_doc_freq(cls, dbfile, datapos):
        if dbfile.get_byte(datapos) != TERM_INFO_MARK:
            return super().read_doc_freq(dbfile, datapos)
        return _read_varint(dbfile.get(datapos + 1 + _WEIGHTS.size, 10), 0)[0]


class _TermsReader(W3TermsReader):
    """W3TermsReader reading term infos through _TermInfo (which also reads Whoosh's own)."""

    def cursor(self, fieldname, fieldobj):
        return _FieldCursor(self._tindex, fieldname, self._keycoder, self._keydecoder, fieldobj)

    def items(self):
        return ((self._keydecoder(k), _TermInfo.from_bytes(v)) for k, v in self._tindex.items())

    def items_from(self, fieldname, prefix):
        return ((self._keydecoder(k), _TermInfo.from_bytes(v))
                for k, v in self._tindex.items_from(self._keycoder(fieldname, prefix)))

    def term_info(self, fieldname, tbytes):
        try:
            return _TermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None

    def frequency(self, fieldname, tbytes):
        return _TermInfo.read_weight(self._dbfile, self._range_for_key(fieldname, tbytes)[0])

    def doc_frequency(self, fieldname, tbytes):
        return _TermInfo.read_doc_freq(self._dbfile, self._range_for_key(fieldname, tbytes)[0])


class _FieldCursor(W3FieldCursor):
    def term_info(self):
        if self._pos is None:
            return None
        return _TermInfo.from_bytes(self._tindex.dbfile.get(self._datapos, self._datalen))


class _FieldWriter(W3FieldWriter):
    """Skips the per-posting document-length lookups (about an eighth of commit time): they only
    feed block statistics for Whoosh's own scorer shortcuts, and matching.py scores by itself."""

    def add_postings(self, schema, lengths, items):
        super().add_postings(schema, None, items)

    def start_term(self, btext):
        if self._postwriter is None:
            raise Exception("Called start_term before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, _TermInfo())


class PostingsCodec(W3Codec):
    def __init__(self):
        # Uncompressed posting blocks: zlib was a fifth of commit time; the index grows ~30 %.
        super().__init__(compression=0)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        return _TermsReader(self, storage.open_file(name), storage.file_length(name),
                            segment.open_file(storage, self.POSTS_EXT))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, _ = terminfo.extent()
        return _LeafMatcher(dbfile, offset, None, format_, term=term, scorer=scorer)
