"""Whoosh 2.7.4 internals, fenced: a compact posting codec, the fast posting reader, the parallel writer.

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

A term with at most one block of postings (nearly every term: most character bigrams are in a few
documents) keeps that block inside its term info (`INLINE_MARK`): the term info already says how
many postings, the last document and the highest weight, so the 4-byte header, the 4-byte length,
the block info and the term info's pointer into the postings file (about 23 bytes a term, a tenth
of the index at 100,000 paragraphs) are not written. Its weights are varints when they are whole
numbers, as term counts times a whole boost are.

This module is the one place that relies on Whoosh internals (private attributes, copied methods,
file layouts below the public API): the codec above, `leaf_postings` (matching.py's fast reader of a
whole posting list) and `ParallelWriter` (the writer's MpWriter). Each piece names the Whoosh 2.7.4
lines it mirrors; the version check below refuses any other Whoosh at import. health.py takes the
names of the TOC and segment files from here.

Class paths are on-disk format: a TOC pickles the codec (`index.postings.PostingsCodec`; indexes
written before 2026-12-01 name `index.writing._Codec`, an alias kept there), the field formats
(`index.schema.PiecewisePositions`, `index.schema.PositionedText`) and the analyzers
(`index.analysis`). Old paths are kept loadable rather than left to the format fingerprint: the
fingerprint refuses an old index at open with the reindex message, but `reindex` itself reads the
old TOC to keep out the rows of an interrupted batch. `ON_DISK_NAMES` lists them; a test holds
every class a new TOC names to that list.
"""
from __future__ import annotations

import heapq
import io
import itertools
import marshal
import multiprocessing
import operator
import os
import pickle
import queue
import signal
import struct
import sys
from array import array
from sys import intern

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldCursor, W3FieldWriter,
                                  W3LeafMatcher, W3PerDocReader, W3PostingsWriter, W3TermInfo, W3TermsReader,
                                  _lenfield)
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage
from whoosh.filedb.filetables import OrderedHashWriter, _lengths as _LENGTHS, _pointer
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import TOC
from whoosh.matching.wrappers import FilterMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from ingest.forked import start_forked_worker

if whoosh.__version__ != (2, 7, 4):
    raise ImportError(f"index.postings 依赖 Whoosh 2.7.4 的内部结构（编码、匹配器、多进程写入），当前安装的是 "
                      f"{'.'.join(map(str, whoosh.__version__))}：请安装 pyproject.toml 中锁定的 whoosh==2.7.4 / "
                      f"index.postings relies on Whoosh 2.7.4 internals; install the version pinned in pyproject.toml")

# Classes a TOC pickles, by the path it names them (see the module docstring).
ON_DISK_NAMES = ("index.postings.PostingsCodec", "index.writing._Codec", "index.schema.PiecewisePositions",
                 "index.schema.PositionedText", "index.analysis.ChineseTokenizer", "index.analysis.SubwordFilter",
                 "index.analysis.BigramTokenizer")

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
    ids, weights, lengths, at, sizes = _block_parts(data, count, boost)
    values = ()
    if lengths is not None:
        values = []
        for length in lengths:
            values.append(data[at:at + length])
            at += length
    return (ids, weights, tuple(values)), sizes


def _block_parts(data: bytes, count: int, boost: float) -> tuple[array, array | None, array | None, int, dict]:
    """(document-number deltas, weights or None, value lengths or None, where the values start, bytes
    taken by each part) of a compact block: its values lie back to back from there to the end."""
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
    lengths = None
    if value_code != NO_PART:
        lengths, at = _read_ints(value_code, data, at, count)
        sizes["value_lengths"] = len(lengths) * lengths.itemsize
    sizes["codes"] = 3
    return ids, weights, lengths, at, sizes


class _PostingsWriter(W3PostingsWriter):
    """`_write_block` mirrors W3PostingsWriter._write_block (whoosh/codec/whoosh3.py 750-803): the
    same header, term-info and length framing, with a compact info and data."""

    def finish_postings(self):
        if not self.written() and self._ids and isinstance(self._terminfo, _TermInfo):
            block = self._compact_block()
            if block is not None:     # one block: kept in the term info (see INLINE_MARK)
                terminfo = self._terminfo
                terminfo.add_block(self)
                terminfo.block = block
                self._terminfo = None
                return terminfo
        return super().finish_postings()

    def _compact_block(self) -> bytes | None:
        if self._byteids or (self._format.fixed_value_size() or 0) > 0:
            return None    # term vectors (byte ids), fixed-size values and oddities: Whoosh's block
        return encode_block(self._ids, self._weights, self._values, self._format.field_boost or 1.0)

    def _write_block(self, last=False):
        data = self._compact_block()
        if data is None:
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

    def add_term_postings(self, postings: list) -> None:
        """Buffer a whole posting list, flat [document number, weight, value, ...], a block at a time:
        what `add_posting` (whoosh/codec/whoosh3.py 684-715) does one posting at a time, without
        lengths (never kept here) — a block is written when the next posting would not fit."""
        assert not self._byteids
        limit = 3 * self._blocklimit
        for start in range(0, len(postings), limit):
            if self._ids:
                self._write_block()
            chunk = postings[start:start + limit]
            weights = chunk[1::3]
            self._ids = array("I", chunk[0::3])
            self._weights = array("f", weights)
            self._maxweight = max(0, max(weights))
            self._values = [v for v in chunk[2::3] if v]


def block_info(head: bytes) -> tuple[tuple, int] | None:
    """((postings, last id, max weight, compression, min length, max length), bytes) of a compact
    block's info at the start of `head`; None for Whoosh's pickled info."""
    if head[0] == _PICKLE:
        return None
    _, count, last_id, max_weight = BLOCK_INFO.unpack_from(head)
    return (count, last_id, max_weight, COMPACT, 0, 0), BLOCK_INFO.size


class _LeafMatcher(W3LeafMatcher):
    """W3LeafMatcher reading compact blocks too. `_goto` mirrors W3LeafMatcher._goto (whoosh/codec/
    whoosh3.py 915-949) with the 10-byte info instead of the pickled one, `_read_data` its
    _read_data (1066-1077) building the same `_data` tuple (ids as deltas, weights, values)."""

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

    def _block_bytes(self) -> bytes:
        """The current compact block's data: from `_dataoffset` to `_nextoffset` of the postings file."""
        return bytes(self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset))

    def _read_data(self):
        if self._compression != COMPACT:
            return super()._read_data()
        self._data = decode_block(self._block_bytes(), self._blocklength, self.format.field_boost or 1.0)[0]


class _InlineMatcher(_LeafMatcher):
    """The postings of a term kept inside its term info: one compact block, already in memory."""

    def __init__(self, terminfo, format_, term=None, scorer=None):
        self._terminfo = terminfo
        super().__init__(None, 0, None, format_, term=term, scorer=scorer)

    def _read_header(self):
        self._baseoffset = 0

    def _goto(self, position):
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        self._lastblock = True
        self._nextoffset = self._dataoffset = 0
        info = self._terminfo
        self._blocklength, self._maxid, self._maxweight = info.doc_frequency(), info.max_id(), info.max_weight()
        self._compression, self._minlength, self._maxlength = COMPACT, 0, 0

    def _block_bytes(self) -> bytes:
        return self._terminfo.block


TERM_INFO_MARK = 2      # Whoosh's term info starts with its inlined flag, 0 or 1
INLINE_MARK = 3         # the postings' one block follows the term info; total and max weight as varints
INLINE_FLOAT_MARK = 4   # the same with the two weights as float32
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


def write_varint(out: bytearray, x: int) -> None:
    """x as a varint (7 bits a byte, low first; also schema.encode_positions' encoding)."""
    while x > 127:
        out.append(x & 127 | 128)
        x >>= 7
    out.append(x)


def _whole(x: float) -> bool:
    return x >= 0 and x == int(x) and x < 1 << 53


class _TermInfo(W3TermInfo):
    """W3TermInfo (whoosh/codec/whoosh3.py 1126-1248) with a varint form; `read_weight` and
    `read_doc_freq` mirror its direct reads at fixed offsets (1228-1233)."""

    block = None     # the postings' one compact block, when they are kept inside the term info

    def to_bytes(self):
        if self.is_inlined() or self._minid is None or self._minlength or self._maxlength:
            return super().to_bytes()   # never so here: Whoosh's inlining is off, lengths not kept
        inline = self.block is not None
        whole = inline and _whole(self._weight) and _whole(self._maxweight)
        out = bytearray([INLINE_MARK if whole else INLINE_FLOAT_MARK if inline else TERM_INFO_MARK])
        if whole:
            write_varint(out, int(self._weight))
            write_varint(out, int(self._maxweight))
        else:
            out += _WEIGHTS.pack(self._weight, self._maxweight)
        for x in (self._df, self._minid, self._maxid - self._minid) + (() if inline else (self._offset, self._length)):
            write_varint(out, x)
        return bytes(out + self.block) if inline else bytes(out)

    @classmethod
    def from_bytes(cls, s):
        mark = s[0]
        if mark not in (TERM_INFO_MARK, INLINE_MARK, INLINE_FLOAT_MARK):
            return super().from_bytes(s)
        info = cls()
        info._weight, info._maxweight, at = cls._weights(s, mark)
        info._df, at = _read_varint(s, at)
        info._minid, at = _read_varint(s, at)
        span, at = _read_varint(s, at)
        info._maxid = info._minid + span
        if mark == TERM_INFO_MARK:
            info._offset, at = _read_varint(s, at)
            info._length, at = _read_varint(s, at)
        else:
            info.block = bytes(s[at:])
        info._minlength = info._maxlength = 0
        return info

    @staticmethod
    def _weights(s, mark: int) -> tuple[float, float, int]:
        """(total weight, max weight, where the rest starts) of a compact term info."""
        if mark == INLINE_MARK:
            weight, at = _read_varint(s, 1)
            maxweight, at = _read_varint(s, at)
            return float(weight), float(maxweight), at
        weight, maxweight = _WEIGHTS.unpack_from(s, 1)
        return weight, maxweight, 1 + _WEIGHTS.size

    @classmethod
    def read_weight(cls, dbfile, datapos):
        mark = dbfile.get_byte(datapos)
        if mark not in (TERM_INFO_MARK, INLINE_MARK, INLINE_FLOAT_MARK):
            return super().read_weight(dbfile, datapos)
        return cls._weights(dbfile.get(datapos, 1 + 2 * 10), mark)[0]

    @classmethod
    def read_doc_freq(cls, dbfile, datapos):
        mark = dbfile.get_byte(datapos)
        if mark not in (TERM_INFO_MARK, INLINE_MARK, INLINE_FLOAT_MARK):
            return super().read_doc_freq(dbfile, datapos)
        head = dbfile.get(datapos, 1 + 3 * 10)
        return _read_varint(head, cls._weights(head, mark)[2])[0]


class _ViewReader(io.RawIOBase):
    """A read-only raw stream over a memoryview (io.BytesIO copies a view it is given)."""

    def __init__(self, view: memoryview):
        self._view, self._position = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        piece = self._view[self._position:self._position + len(buffer)]
        buffer[:len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position


class _SharedBufferFile(BufferFile):
    """BufferFile (whoosh/filedb/structfile.py 353-375) without its private copy of the file: its
    __init__ wraps the slice of the mmap in a BytesIO, which copies it. For the term and posting files
    that is nearly the whole index in every process that opens a reader: 0.28 s and ~300 MB of each
    serving worker at 1,000,000 paragraphs, where the mapped pages are shared. `get` reads the view as
    BufferFile's does; the streaming reads (the hash table's header at open) go through _ViewReader."""

    def __init__(self, view: memoryview, name: str):
        super().__init__(b"", name=name)
        self._buf = view
        self.file = io.BufferedReader(_ViewReader(view))


def _open_shared(storage, name: str):
    """storage.open_file(name) (whoosh/filedb/compound.py 113-126) with the file's slice of the mmap
    shared, not copied; any other storage opens it as Whoosh does. A compound segment's reader reads
    an OverlayStorage of the segment's file over the folder (whoosh/reading.py 608-614)."""
    if isinstance(storage, OverlayStorage) and storage.a.file_exists(name):
        storage = storage.a
    if isinstance(storage, CompoundStorage) and getattr(storage, "_source", None) is not None:
        offset, length = storage.range(name)
        return _SharedBufferFile(memoryview(storage._source)[offset:offset + length], name)
    return storage.open_file(name)


class _TermsReader(W3TermsReader):
    """W3TermsReader reading term infos through _TermInfo (which also reads Whoosh's own): each
    method is its namesake of whoosh/codec/whoosh3.py 589-633 with W3TermInfo replaced."""

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
    # W3FieldCursor.term_info (whoosh/codec/whoosh3.py 548-553) with _TermInfo
    def term_info(self):
        if self._pos is None:
            return None
        return _TermInfo.from_bytes(self._tindex.dbfile.get(self._datapos, self._datalen))


class _DenserHashWriter(OrderedHashWriter):
    """The term dictionary's hash tables with 5 slots for 4 terms instead of Whoosh's 2 for 1.

    A slot is 12 bytes, so Whoosh's tables cost 24 bytes a term (a term info is about 9); at 80 % load
    linear probing reads about 3 slots to find a term and 13 to miss one (microseconds), which
    Whoosh's reader, taking the table sizes from the file, does unchanged.
    """

    def _write_hashes(self):
        dbfile = self.dbfile
        for entries in self.buckets:
            numslots = len(entries) + (len(entries) + 3) // 4
            self.directory.append((dbfile.tell(), numslots))
            table = [(0, 0)] * numslots        # (0, 0): empty, as Whoosh's reader expects
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while table[slot][1]:
                    slot = (slot + 1) % numslots
                table[slot] = (hashval, position)
            dbfile.write(b"".join(_pointer.pack(h, p) for h, p in table))


class _TrackedFile(StructFile):
    """A StructFile written from start to end that counts its own position: StructFile.tell asks the OS
    (an lseek), and the term dictionary and the postings writer ask for every term (2 % of an ingest's
    CPU). Every write goes through `write` (StructFile's array and pickle writers otherwise bypass it)."""

    @classmethod
    def of(cls, dbfile):
        if type(dbfile) is not StructFile:
            return dbfile
        dbfile.__class__ = cls
        dbfile._position = dbfile.file.tell()
        return dbfile

    def write(self, data):
        written = self.file.write(data)
        self._position += written
        return written

    def tell(self):
        return self._position

    def seek(self, *args):
        self._position = self.file.seek(*args)
        return self._position

    def write_array(self, arry):
        # StructFile.write_array (whoosh/filedb/structfile.py 274-281) for a file that is not real
        arry = array(arry.typecode, arry)
        if _LITTLE:
            arry.byteswap()
        self.write(arry.tobytes())

    def write_pickle(self, obj, protocol=-1):
        self.write(pickle.dumps(obj, protocol))


class _FieldWriter(W3FieldWriter):
    """Skips the per-posting document-length lookups (about an eighth of commit time): they only
    feed block statistics for Whoosh's own scorer shortcuts, and matching.py scores by itself.
    Writes the term dictionary with denser hash tables (_DenserHashWriter)."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        assert type(self._tindex) is OrderedHashWriter and not self._tindex.buckets[0]
        self._tindex.__class__ = _DenserHashWriter   # its header is written already: only the tables differ

    def _create_file(self, ext):
        return _TrackedFile.of(super()._create_file(ext))

    def add_postings(self, schema, lengths, items):
        if not isinstance(items, _GroupedPostings):
            return super().add_postings(schema, None, items)
        # FieldWriter.add_postings (whoosh/codec/base.py 162-232) a term at a time
        for fieldname, terms in items.fields():
            self.start_field(fieldname, schema[fieldname])
            for btext, postings in terms:
                self.start_term(btext)
                self._postwriter.add_term_postings(postings)
                self.finish_term()
            self.finish_field()

    def start_term(self, btext):
        # W3FieldWriter.start_term (whoosh/codec/whoosh3.py 317-321) with _TermInfo
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
        return _TermsReader(self, _open_shared(storage, name), storage.file_length(name),
                            _open_shared(storage, segment.make_filename(self.POSTS_EXT)))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if getattr(terminfo, "block", None) is not None:
            return _InlineMatcher(terminfo, format_, term=term, scorer=scorer)
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, _ = terminfo.extent()
        return _LeafMatcher(dbfile, offset, None, format_, term=term, scorer=scorer)


# --- the posting pool and the segment writer ------------------------------------------------------

# Rough bytes a posting and a new term take in _TermPool, for its `limitmb`: a posting is three list
# slots, a float and its value's bytes object; a term its bytes key, a dict slot and a list.
_POSTING_BYTES = 3 * 8 + 24 + 33
_MERGED_DOCNUM_BYTES = 28   # a merged posting list's document numbers are new int objects, one a posting
                            # (a document's own postings share its one int); uncounted, a merging parent
                            # grew to ~1.8 GB at 1M paragraphs under limitmb=512
_TERM_BYTES = 33 + 100 + 56


class _GroupedPostings:
    """A pool's postings, a term at a time: `fields()` gives (field name, iterator of (term bytes, flat
    postings [document number, weight, value, ...])) in Whoosh's order (field, term, document);
    iterating gives Whoosh's posting tuples, for any other reader of a pool. Built on records
    (field name, term bytes, flat postings) in that order."""

    def __init__(self, records):
        self._records = records

    @classmethod
    def of_terms(cls, terms: dict[str, dict[bytes, list]]) -> "_GroupedPostings":
        return cls((fieldname, btext, terms[fieldname][btext])
                   for fieldname in sorted(terms) for btext in sorted(terms[fieldname]))

    def fields(self):
        for fieldname, records in itertools.groupby(self._records, key=operator.itemgetter(0)):
            yield fieldname, ((btext, postings) for _, btext, postings in records)

    def __iter__(self):
        for fieldname, terms in self.fields():
            for btext, postings in terms:
                for i in range(0, len(postings), 3):
                    yield fieldname, btext, postings[i], postings[i + 1], postings[i + 2]


def _sorted_by_document(postings: list) -> list:
    triples = sorted(zip(postings[0::3], postings[1::3], postings[2::3]), key=operator.itemgetter(0))
    return [x for triple in triples for x in triple]


class _TermPool(PostingPool):
    """Whoosh's PostingPool (whoosh/writing.py 131-180) keeping each term's postings together.

    Whoosh keeps one tuple (field, term, document, weight, value) a posting and sorts them all at
    commit: a third of a sub-writer's time. Here a term's postings are appended to its list as they
    come (documents arrive in order), so only the terms are sorted and the postings are written a
    term at a time (_FieldWriter.add_postings). Past `limitmb` the pool spills a run to a temporary
    file, one marshal record (field, term, postings) a term in term order, where Whoosh's writes a
    record a posting; at commit the runs are merged a term at a time, each term's postings joined
    in run order (which is document order), so a large segment costs little more than a small one.
    """

    def __init__(self, tempstore, segment, limitmb=128):
        super().__init__(tempstore, segment, limitmb=limitmb)
        self.terms: dict[str, dict[bytes, list]] = {}
        self.ordered = True      # every term's documents ascending (else sorted when read)

    def field_terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.terms.get(fieldname)
        if terms is None:
            terms = self.terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def grew(self, size: int) -> None:
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def add(self, item):
        fieldname, btext, docnum, weight, value = item
        self.add_document_terms(fieldname, docnum, [(btext, 0, weight, value)], False)

    def add_document_terms(self, fieldname: str, docnum: int, items, scorable: bool) -> int:
        """One document's postings in one field, (term bytes, frequency, weight, value) each; returns
        the field's length in that document (the frequencies' sum when the field is scorable)."""
        terms = self.field_terms(fieldname)
        length = size = 0
        for btext, freq, weight, vbytes in items:
            weight *= 1.0                 # the document boost, as Whoosh multiplies it
            if scorable:
                length += freq
            postings = terms.get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, vbytes]
                size += _TERM_BYTES + len(btext)
            else:
                if docnum < postings[-3]:
                    self.ordered = False
                postings += (docnum, weight, vbytes)
            size += _POSTING_BYTES + len(vbytes or b"")
        self.grew(size)
        return length

    def add_term(self, fieldname: str, btext: bytes, docnums: list, weights: list, values: list) -> None:
        """A whole posting list at once (a merged segment's); `values` empty when the field has none."""
        terms = self.field_terms(fieldname)
        postings = terms.get(btext)
        flat = [None] * (3 * len(docnums))
        flat[0::3], flat[1::3] = docnums, weights
        flat[2::3] = values or [b""] * len(docnums)
        if postings is None:
            terms[btext] = flat
            size = _TERM_BYTES + len(btext)
        else:
            if docnums[0] < postings[-3]:
                self.ordered = False
            postings += flat
            size = 0
        self.grew(size + (_POSTING_BYTES + _MERGED_DOCNUM_BYTES) * len(docnums) + sum(len(v) for v in values if v))

    def _sorted_terms(self) -> dict[str, dict[bytes, list]]:
        if not self.ordered:
            for terms in self.terms.values():
                for btext, postings in terms.items():
                    terms[btext] = _sorted_by_document(postings)
            self.ordered = True
        terms, self.terms = self.terms, {}
        return terms

    def save(self):
        # PostingPool.save and SortingPool.save (whoosh/externalsort.py 160-175): a run file in the
        # temporary storage, its name in `runs` (cleanup and _read_run remove it), the size reset
        records = _GroupedPostings.of_terms(self._sorted_terms())._records
        path, f = self._new_run()
        with f:
            for record in records:
                data = marshal.dumps(record)
                f.write(_RECORD_LENGTH.pack(len(data)))
                f.write(data)
        self.runs.append(path)
        self.currentsize = 0

    def _merged_runs(self):
        """(field, term, postings) of every run, a term at a time: the runs' lists of a term joined."""
        runs = [self._read_run(path) for path in self.runs]
        self.runs = []
        for key, records in itertools.groupby(heapq.merge(*runs, key=_TERM_KEY), key=_TERM_KEY):
            postings = next(records)[2]
            ordered = True
            for record in records:        # heapq.merge is stable: earlier runs' postings first
                ordered = ordered and postings[-3] < record[2][0]
                postings += record[2]
            yield key[0], key[1], postings if ordered else _sorted_by_document(postings)

    def _read_run(self, path):
        # SortingPool._read_run (whoosh/externalsort.py 136-145) for length-prefixed records: marshal.load
        # from a file reads it in small calls, 20 times slower than marshal.loads of the record's bytes
        size = _RECORD_LENGTH.size
        with self._open_run(path) as f:
            while head := f.read(size):
                yield marshal.loads(f.read(_RECORD_LENGTH.unpack(head)[0]))
        self._remove_run(path)

    def iter_postings(self):
        if self.runs:
            if self.terms:
                self.save()
            return _GroupedPostings(self._merged_runs())
        return _GroupedPostings.of_terms(self._sorted_terms())


_TERM_KEY = operator.itemgetter(0, 1)
_RECORD_LENGTH = struct.Struct("<I")    # a run's record: its length, then marshal's bytes of (field, term, postings)


def add_postings_by_term(writer, reader, startdoc: int, docmap) -> None:
    """SegmentWriter.add_postings_to_pool (whoosh/writing.py 640-644) for a merge into a _TermPool, a
    term at a time through `leaf_postings` instead of a matcher call per posting: documents deleted
    in `reader` (absent from `docmap`) left out, the others renumbered as _process_posts does."""
    pool, schema = writer.pool, writer.schema
    if not isinstance(pool, _TermPool) or not isinstance(reader, SegmentReader):
        return SegmentWriter.add_postings_to_pool(writer, reader, startdoc, docmap)
    for fieldname, btext in reader.all_terms():
        if fieldname not in schema:
            continue
        ids, weights, data, lengths = leaf_postings(reader, fieldname, btext)
        ids, weights = ids.tolist(), weights.tolist()
        ends = np.cumsum(lengths).tolist()
        values = [data[start:end] for start, end in zip([0] + ends, ends)]
        if values and len(values) != len(ids):
            raise ValueError(f"{fieldname}:{btext!r}: {len(ids)} postings, {len(values)} values")
        if docmap is not None:
            keep = [i for i, docnum in enumerate(ids) if docnum in docmap]
            if len(keep) < len(ids):
                weights = [weights[i] for i in keep]
                values = [values[i] for i in keep] if values else values
            ids = [docmap[ids[i]] for i in keep]
        else:
            ids = [startdoc + docnum for docnum in ids]
        if ids:
            pool.add_term(fieldname, btext, ids, weights, values)


def _plain_index(field) -> bool:
    """A field SegmentWriter.add_document only indexes and stores: no spelling words, vectors or column."""
    return not field.separate_spelling() and not field.vector and not field.column_type


class _TermPoolWriter:
    """What both writers share: a _TermPool for Whoosh's pool (sized by the `limitmb` keyword, as
    SegmentWriter.__init__ sizes its own, whoosh/writing.py 538-540) and merges read a term at a time."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))

    def add_postings_to_pool(self, reader, startdoc, docmap):
        add_postings_by_term(self, reader, startdoc, docmap)


class FastSegmentWriter(_TermPoolWriter, SegmentWriter):
    """SegmentWriter with a _TermPool, adding a document's postings to it straight from the fields."""

    def add_document(self, **fields):
        # SegmentWriter.add_document (whoosh/writing.py 720-790) for plain fields and no boosts or
        # stored-value overrides (keywords starting with "_"), which go to Whoosh's own
        schema = self.schema
        if any(name.startswith("_") for name in fields) or \
                not all(name in schema and _plain_index(schema[name]) for name in fields):
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, pool, docnum = self.perdocwriter, self.pool, self.docnum
        perdocwriter.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                index_postings = getattr(field.format, "index_postings", None)   # schema.PiecewisePositions
                items = index_postings(value, field.analyzer) if index_postings else field.index(value)
                length = pool.add_document_terms(fieldname, docnum, items, field.scorable)
            perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


# --- reading a whole posting list (matching.py) ---------------------------------------------------

def leaf_postings(reader, fieldname: str, text: str, info: bytes | None = None) -> tuple[np.ndarray, np.ndarray, bytes, np.ndarray]:
    """(document numbers, weights, encoded values back to back, their lengths) of a term in one
    segment, a block at a time, deleted documents included: callers mask them out (matching.Evaluator's
    `live`). The lengths are empty when the field keeps no values. `info`: the term's entry in the
    segment's dictionary when the caller has it (field_document_frequencies), saving the hash look-up.

    SegmentReader.postings (whoosh/reading.py 809-822) wraps the leaf matcher in a FilterMatcher
    that skips deleted documents; unwrapping it is harmless only because of that mask. The leaf's
    private block state is W3LeafMatcher's (whoosh/codec/whoosh3.py 868-1121): `_read_data` fills
    `_data` = (document-number deltas, weights as None / one float / an array, values) — values as
    they are for a variable-size format such as positions — and `_lastblock`, `_nextoffset` and
    `_goto` walk the blocks as its `_next_block` (951-961) does. A compact block is read from its
    bytes (_LeafMatcher._block_bytes, as its _read_data does) without cutting its
    values apart, since the caller decodes them together.
    """
    terms = getattr(reader, "_terms", None)
    if isinstance(terms, _TermsReader) and fieldname in reader.schema:
        # SegmentReader.postings (whoosh/reading.py 809-822) and W3TermsReader.matcher (whoosh3.py 633-637)
        # without the deletion filter, and for a term whose one block lives in its term info (nearly
        # all: most bigrams are rare) without a matcher at all: the matchers were a fifth of a search
        format_ = reader.schema[fieldname].format
        tbytes = reader._text_to_bytes(fieldname, text)
        terminfo = terms.term_info(fieldname, tbytes) if info is None else _TermInfo.from_bytes(info)
        fixed = format_.fixed_value_size()
        if getattr(terminfo, "block", None) is not None and (fixed is None or fixed < 0):
            block_deltas, block_weights, block_lengths, at = _compact_parts(
                terminfo.block, terminfo.doc_frequency(), format_.field_boost or 1.0)
            return (np.cumsum(block_deltas, dtype=np.int64), block_weights,
                    terminfo.block[at:] if block_lengths is not None else b"",
                    block_lengths.astype(np.int64) if block_lengths is not None else np.zeros(0, dtype=np.int64))
        matcher = terms._codec.postings_reader(terms._postfile, terminfo, format_, term=(fieldname, tbytes))
    else:
        matcher = reader.postings(fieldname, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher) or (matcher._fixedsize is not None and matcher._fixedsize >= 0):
        return _public_postings(matcher)   # inlined postings (ListMatcher), fixed-size values
    boost = matcher.format.field_boost or 1.0
    # Each block's arrays are read as numpy views of its bytes (what _block_parts reads as arrays, whose
    # per-block Python steps were most of reading a long list); document numbers are block-relative
    # deltas, summed once over all blocks.
    deltas, weights, values, lengths = [], [], [], []
    while True:
        if matcher._compression == COMPACT:
            data = matcher._block_bytes()
            block_deltas, block_weights, block_lengths, at = _compact_parts(data, matcher._blocklength, boost)
            if block_lengths is not None:
                values.append(data[at:])
                lengths.append(block_lengths)
        else:
            matcher._read_data()
            block_deltas, block_weights, block_values = matcher._data
            values.append(b"".join(block_values))
            lengths.append(np.fromiter(map(len, block_values), dtype=np.int64, count=len(block_values)))
            if block_weights is None:
                block_weights = np.ones(len(block_deltas), dtype=np.float32)
            elif isinstance(block_weights, float):
                block_weights = np.full(len(block_deltas), block_weights, dtype=np.float32)
            block_deltas = np.asarray(block_deltas, dtype=np.int64)
        deltas.append(block_deltas)
        weights.append(np.asarray(block_weights, dtype=np.float32))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if len(deltas) == 1:    # most terms: one block
        return (np.cumsum(deltas[0], dtype=np.int64), weights[0], values[0] if values else b"",
                lengths[0].astype(np.int64) if lengths else np.zeros(0, dtype=np.int64))
    sizes = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    summed = np.cumsum(np.concatenate(deltas), dtype=np.int64)
    before = np.concatenate(([0], summed[np.cumsum(sizes)[:-1] - 1]))   # what earlier blocks summed to
    return (summed - np.repeat(before, sizes), np.concatenate(weights), b"".join(values),
            np.concatenate(lengths).astype(np.int64) if lengths else np.zeros(0, dtype=np.int64))


def _compact_parts(data: bytes, count: int, boost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """_block_parts as numpy views: (document-number deltas, weights, value lengths or None, where the
    values start) of a compact block."""
    deltas, at = _numpy_ints(data[0], data, 3, count)
    weight_code = data[1]
    if weight_code == NO_PART:
        weights = np.ones(count, dtype=np.float32)
    elif weight_code == FLOATS:
        weights, at = _numpy_ints(FLOATS, data, at, count)
    else:
        counts, at = _numpy_ints(weight_code, data, at, count)
        # as _block_parts: float32 counts, times the boost in double precision, back to float32
        weights = counts.astype(np.float32) if boost == 1.0 else \
            (counts.astype(np.float32).astype(np.float64) * boost).astype(np.float32)
    lengths = None
    if data[2] != NO_PART:
        lengths, at = _numpy_ints(data[2], data, at, count)
    return deltas, weights, lengths, at


_NUMPY_INTS = {ord("B"): np.dtype("<u1"), ord("H"): np.dtype("<u2"), ord("I"): np.dtype("<u4"),
               FLOATS: np.dtype("<f4")}


def _numpy_ints(code: int, data: bytes, at: int, count: int) -> tuple[np.ndarray, int]:
    """_read_ints as a numpy view: `count` little-endian values of type `code` at `at`, and where they end."""
    dtype = _NUMPY_INTS[code]
    return np.frombuffer(data, dtype=dtype, count=count, offset=at), at + count * dtype.itemsize


def _public_postings(matcher) -> tuple[np.ndarray, np.ndarray, bytes, np.ndarray]:
    ids, weights, values = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    values = [v for v in values if v is not None]
    return (np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32), b"".join(values),
            np.fromiter(map(len, values), dtype=np.int64, count=len(values)))


_BYTE_LENGTHS = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float32)


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Every document's length of a field in one segment, deleted ones included, as
    `reader.doc_field_length(d, fieldname, 0) or 0` gives them one at a time (1 µs each: 33 ms a field at
    1,000,000 paragraphs, paid by the first search scoring that field).

    W3PerDocReader.doc_field_length (whoosh/codec/whoosh3.py 416-430) reads the NumericColumn "B" of
    `_lenfield(fieldname)`: one byte a document (FixedBytesColumn.Reader, whoosh/columns.py 418-436:
    `_basepos`, `_count`, documents past `_count` hold the default 0), a length through byte_to_length,
    and None for a 0 byte (a field without tokens), which counts as 0 here.
    """
    size = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return np.array([reader.doc_field_length(d, fieldname, 0) or 0 for d in range(size)], dtype=np.float32)
    lengths = np.zeros(size, dtype=np.float32)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is not None:
        count = min(column._count, size)
        codes = np.frombuffer(bytes(column._dbfile.get(column._basepos, count)), dtype=np.uint8)
        lengths[:count] = _BYTE_LENGTHS[codes]
    return lengths


def _field_entries(reader, fieldname: str) -> bytes:
    """The entries of a field in one segment's term dictionary, back to back.

    The term dictionary is W3TermsReader's OrderedHashReader (whoosh/filedb/filetables.py 440-571):
    entries sorted by key, each a `_lengths` struct (key length, value length), the key (a field
    number as an unsigned short, then the term's bytes) and the term info; a field's keys are
    contiguous, found with `closest_key_pos` (542-571); `endofdata` ends the entries (HashReader).
    """
    terms = reader._terms
    tindex = terms._tindex
    prefix = terms._keycoder(fieldname, b"")
    if fieldname not in terms._fieldmap:
        return b""
    start = tindex.closest_key_pos(prefix)
    number = struct.unpack("!H", prefix)[0]
    after = tindex.closest_key_pos(struct.pack("!H", number + 1)) if number < 65535 else None
    end = tindex.endofdata if after is None else after
    if start is None or start >= end:
        return b""
    return bytes(tindex.dbfile.get(start, end - start))


def field_frequencies(reader, fieldname: str) -> dict[str, float]:
    """Every term of a field in one segment with its total weight (what `reader.frequency` gives),
    read in one pass over the segment's term dictionary (_field_entries) instead of a hash look-up
    per term."""
    data = _field_entries(reader, fieldname)
    lengths, size, floats = _LENGTHS.unpack_from, _LENGTHS.size, _WEIGHTS.unpack_from
    out = {}
    at = 0
    while at < len(data):   # _TermInfo._weights inlined: this loop runs once per term of the field
        key_length, value_length = lengths(data, at)
        value_at = at + size + key_length
        mark = data[value_at]
        if mark == INLINE_MARK:
            weight = data[value_at + 1]
            weight = float(weight if weight < 128 else _read_varint(data, value_at + 1)[0])
        elif mark == TERM_INFO_MARK or mark == INLINE_FLOAT_MARK:
            weight = floats(data, value_at + 1)[0]
        else:
            weight = _TermInfo.from_bytes(data[value_at:value_at + value_length]).weight()
        # the same words recur in every segment: one string each; whole weights (term counts) as ints,
        # which sum to the same totals: a third of the memory of the tables at 1,000,000 paragraphs
        out[intern(data[at + size + 2:value_at].decode("utf-8"))] = int(weight) if weight.is_integer() else weight
        at = value_at + value_length
    return out


def field_document_frequencies(reader, fieldname: str) -> tuple[list[str], list[bytes], np.ndarray, np.ndarray]:
    """Every term of a field in one segment, with its dictionary entry (for leaf_postings' `info`),
    whether its postings lie in the postings file (rather than in its term info) and its document
    frequency, as (terms, entries, in file, frequencies): one pass over the segment's term dictionary
    (_field_entries) as field_frequencies reads it, for the warm-up to keep the dictionary and choose
    the posting lists worth reading ahead (matching.preload_postings)."""
    data = _field_entries(reader, fieldname)
    lengths, size = _LENGTHS.unpack_from, _LENGTHS.size
    texts, infos, in_file, frequencies = [], [], [], []
    at = 0
    while at < len(data):   # the start of _TermInfo.from_bytes inlined, as in field_frequencies
        key_length, value_length = lengths(data, at)
        value_at = at + size + key_length
        mark = data[value_at]
        if mark == INLINE_MARK:         # past the two weights' varints, nearly always a byte each
            df_at = value_at + 3
            if data[value_at + 1] >= 128 or data[value_at + 2] >= 128:
                df_at = _read_varint(data, _read_varint(data, value_at + 1)[1])[1]
        elif mark == TERM_INFO_MARK or mark == INLINE_FLOAT_MARK:
            df_at = value_at + 1 + _WEIGHTS.size
        else:
            df_at = None
        if df_at is None:
            info = _TermInfo.from_bytes(data[value_at:value_at + value_length])
            in_file.append(not info.is_inlined())
            frequencies.append(info.doc_frequency())
        else:
            in_file.append(mark == TERM_INFO_MARK)
            df = data[df_at]
            frequencies.append(df if df < 128 else _read_varint(data, df_at)[0])
        texts.append(data[at + size + 2:value_at].decode("utf-8"))
        infos.append(data[value_at:value_at + value_length])
        at = value_at + value_length
    return texts, infos, np.array(in_file, dtype=bool), np.array(frequencies, dtype=np.int64)


# --- the parallel writer (writing.py) --------------------------------------------------------------

class _OrphanSafeTask(SubWriterTask):
    """A Whoosh sub-writer process that dies with its parent instead of waiting forever, and whose
    failure (a full disk, say) reaches the parent as a message rather than a traceback on stderr.
    Wraps SubWriterTask.run (whoosh/multiproc.py 76-133)."""

    def __init__(self, *args, failures):
        super().__init__(*args)
        self.failures = failures

    def run(self):
        start_forked_worker()
        try:
            self._run()
        except BaseException as exc:
            self.failures.put((getattr(exc, "errno", None), f"{type(exc).__name__}：{exc}"))
            sys.exit(1)

    def _run(self):
        # SubWriterTask.run (whoosh/multiproc.py 76-120) in multisegment mode, with a FastSegmentWriter
        assert self.multisegment
        writer = self.writer = FastSegmentWriter(self.storage.open_index(self.indexname), _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
        else:
            self.resultqueue.put((None, writer.pool.fieldnames, writer._finalize_segment()), timeout=5)


class ParallelWriter(_TermPoolWriter, MpWriter):
    """MpWriter whose sub-writers each analyse their documents and keep their own segment.

    Whoosh's MpWriter commits without the segment of a sub-writer that died (its result is simply
    missing from the queue): the documents it held would vanish. Here a failed sub-writer fails the
    commit instead, and cancelling stops the sub-writers (Whoosh only flips a flag in this process).
    Sub-writers are FastSegmentWriters, and this writer's own pool (where merged segments go) a _TermPool."""

    def _new_task(self):
        # MpWriter._new_task (whoosh/multiproc.py 187-193), starting an _OrphanSafeTask
        if not hasattr(self, "failures"):
            self.failures = multiprocessing.Queue()
        task = _OrphanSafeTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                               self.subargs, self.multisegment, failures=self.failures)
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        # the opening of MpWriter._commit (whoosh/multiproc.py 259-270: flush, tell the tasks to end,
        # join them) before handing over to it; joining twice is harmless
        if self.docbuffer:
            self._enqueue()
        for task in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        if any(task.exitcode for task in self.tasks):
            try:
                number, text = self.failures.get(timeout=5)
            except queue.Empty:
                number, text = None, f"退出码 {[task.exitcode for task in self.tasks]}"
            SegmentWriter.cancel(self)
            if number:
                raise OSError(number, os.strerror(number), self.storage.folder)
            raise RuntimeError(f"写索引的子进程出错（{text}），本次提交已放弃")
        super()._commit(mergetype, optimize, merge)

    def cancel(self):
        # replaces MpWriter.cancel (whoosh/multiproc.py 213-218), which only flips `running` here
        if self.is_closed:
            return          # a failed commit cancelled already
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
                task.join(5)
        finally:
            SegmentWriter.cancel(self)


# --- the index folder's file layout (health.py) -----------------------------------------------------

def latest_toc_generation(storage, indexname: str) -> int:
    """The newest TOC generation among the files of `storage`, -1 when there is none
    (TOC._latest_generation, whoosh/index.py 589-597)."""
    return TOC._latest_generation(storage, indexname)


def read_toc(storage, indexname: str, generation: int):
    """The TOC of one commit (TOC.read, whoosh/index.py 614-667): its segments, schema and generation."""
    return TOC.read(storage, indexname, gen=generation)


def toc_filename(indexname: str, generation: int) -> str:
    """`_<indexname>_<generation>.toc` (TOC._filename, whoosh/index.py 577-578)."""
    return TOC._filename(indexname, generation)


def segment_file_prefix(segment) -> str:
    """Every file of a segment is `<segment id>.<extension>` (Segment.make_filename, whoosh/codec/base.py 533-534)."""
    return f"{segment.segment_id()}."
