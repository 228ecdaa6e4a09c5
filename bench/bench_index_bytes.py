"""Where the bytes of an index go: per field postings and term dictionary, per-posting overhead, positions, store.

    .venv/bin/python bench/bench_index_bytes.py /tmp/ingest-100k/index
    .venv/bin/python bench/bench_index_bytes.py INDEX --json bench/out/index-bytes.json

Reads every segment of the Whoosh index without going through the query code: each term's dictionary
entry (key, term info and its share of the hash tables), and each posting block (block header; in its
data, the document-number deltas, the weights, the posting values). For the positioned fields the
values are the encoded positions; their payload is split into what the positions themselves need
(`positions`) and what the encoding adds around them per posting (`value header`). Pickled parts are
measured by pickling each part alone again, so they add up to the block's bytes exactly but the split
between parts is approximate by a few bytes a block.
"""
from __future__ import annotations

import argparse
import io
import json
import pickle
import sqlite3
import struct
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo  # noqa: E402

from index.postings import BLOCK_INFO, COMPACT, _TermInfo, block_info, decode_block  # noqa: E402
from index.schema import PiecewisePositions  # noqa: E402

MAGIC = 4            # WHOOSH3_HEADER_MAGIC at the start of each term's postings
BLOCK_LENGTH = 4     # signed int before each block


def _pickled(obj, protocol: int) -> int:
    """Bytes `obj` takes inside a pickle (without the protocol header and STOP)."""
    return len(pickle.dumps(obj, protocol)) - 3


def _protocol(data: bytes) -> int:
    return data[1] if data[:1] == b"\x80" else 0


class FieldBytes:
    def __init__(self):
        self.terms = 0
        self.dictionary = 0        # keys + term infos (+ share of hash tables, added per segment)
        self.inlined = 0           # postings stored in the term info
        self.inlined_postings = 0
        self.inline_blocks = 0     # bytes of compact blocks kept in the term infos (in the dictionary file)
        self.postings = 0          # postings in blocks
        self.blocks = 0
        self.block_headers = 0     # magic, block lengths and block info tuples
        self.ids = 0
        self.weights = 0
        self.values_container = 0  # what holding the values in the block costs (pickle opcodes, memo)
        self.value_header = 0      # per posting, inside the value: count, encoding framing
        self.positions_bytes = 0   # per posting, inside the value: the positions
        self.positions = 0         # number of positions
        self.paragraph_hits = 0   # (posting, paragraph) pairs: paragraphs holding the term

    @property
    def block_bytes(self) -> int:
        return self.block_headers + self.ids + self.weights + self.values_container \
            + self.value_header + self.positions_bytes

    def add(self, other: "FieldBytes") -> None:
        for key, value in vars(other).items():
            setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict:
        total_postings = self.postings + self.inlined_postings
        return {**vars(self), "block_bytes": self.block_bytes,
                "bytes_per_posting": round((self.block_bytes + self.inlined) / max(total_postings, 1), 2),
                "overhead_per_posting": round((self.block_bytes - self.positions_bytes) / max(total_postings, 1), 2),
                "bytes_per_position": round(self.positions_bytes / max(self.positions, 1), 2)}


def _value_split(fmt, value: bytes, fb: FieldBytes) -> None:
    """Split one posting value into its header and its positions; count positions and jumps."""
    if not value:
        return
    positions = list(fmt.decode_positions(value))
    fb.positions += len(positions)
    fb.paragraph_hits += len({p >> 20 for p in positions})
    size = position_payload(fmt, value, positions) if getattr(fmt, "positions_format", 1) == 1 else len(value)
    fb.positions_bytes += size
    fb.value_header += len(value) - size


def position_payload(fmt, value: bytes, positions: list[int]) -> int:
    """Bytes of a format-1 `value` that hold the positions themselves (not the count or framing)."""
    # Whoosh's Positions (format 1): pack_uint(count) + pickle.dumps(deltas, 2)
    deltas = [b - a for a, b in zip([0] + positions, positions)]
    return _pickled(deltas, 2) - (5 if len(deltas) > 1 else 4)   # minus list, memo, mark, append(s)


def _blocks(post: bytes, offset: int, length: int):
    """(info tuple, info bytes, data bytes) of each block of one term's postings."""
    at, end = offset + MAGIC, offset + length
    while at < end:
        block_len = abs(struct.unpack("!i", post[at:at + BLOCK_LENGTH])[0])
        at += BLOCK_LENGTH
        compact = block_info(post[at:at + BLOCK_INFO.size])
        if compact:
            info, info_len = compact
        else:
            buf = io.BytesIO(post[at:at + block_len])
            info = pickle.load(buf)
            info_len = buf.tell()
        yield info, info_len, post[at + info_len:at + block_len]
        at += block_len


def _block_parts(fmt, info: tuple, data: bytes, fb: FieldBytes) -> None:
    if info[3] == COMPACT:
        (_, _, values), sizes = decode_block(data, info[0], fmt.field_boost or 1.0)
        fb.ids += sizes["ids"]
        fb.weights += sizes["weights"]
        fb.values_container += sizes["codes"] + sizes.get("value_lengths", 0)
        for value in values:
            _value_split(fmt, value, fb)
        return
    parts = pickle.loads(data)
    ids, weights, values = parts[:3]
    protocol = _protocol(data)
    fb.ids += _pickled(ids, protocol)
    fb.weights += _pickled(weights, protocol)
    payload = 0
    for value in values or ():
        payload += len(value)
        _value_split(fmt, value, fb)
    fb.values_container += len(data) - _pickled(ids, protocol) - _pickled(weights, protocol) - payload


def segment_bytes(ix, segment) -> tuple[dict[str, FieldBytes], dict[str, int]]:
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    files = {name.split(".", 1)[1]: storage.file_length(name) for name in segment.list_files(storage)} \
        if not segment.is_compound() else {name.split(".", 1)[1]: storage.file_length(name) for name in storage.list()}
    codec = segment.codec()
    post = bytes(segment.open_file(storage, W3Codec.POSTS_EXT).read())
    terms = codec.terms_reader(storage, segment)
    fields: dict[str, FieldBytes] = defaultdict(FieldBytes)
    entries = 0
    for (fieldname, tbytes), info_bytes in ((terms._keydecoder(k), v) for k, v in terms._tindex.items()):
        fb = fields[fieldname]
        fmt = ix.schema[fieldname].format
        info = _TermInfo.from_bytes(info_bytes)   # either layout
        fb.terms += 1
        entries += 1
        fb.dictionary += 8 + 2 + len(tbytes) + len(info_bytes)   # HashWriter lengths + key + value
        if info.block is not None:        # one compact block inside the term info: a block without headers
            fb.dictionary -= len(info.block)
            fb.inline_blocks += len(info.block)
            fb.inlined_postings += info.doc_frequency()
            _block_parts(fmt, (info.doc_frequency(), info.max_id(), info.max_weight(), COMPACT), info.block, fb)
            continue
        if info.is_inlined():
            _, _, values = info.inlined_postings()
            fb.inlined += len(info_bytes) - W3TermInfo._struct.size
            fb.inlined_postings += info.doc_frequency()
            for value in values:
                _value_split(fmt, value, fb)
            continue
        offset, length = info.extent()
        length = length[0] if isinstance(length, tuple) else length   # W3TermInfo.from_bytes leaves a 1-tuple
        fb.block_headers += MAGIC
        for info, info_len, data in _blocks(post, offset, length):
            fb.blocks += 1
            fb.block_headers += BLOCK_LENGTH + info_len
            fb.postings += info[0]
            _block_parts(fmt, info, data, fb)
    terms.close()
    # The hash tables, key order index and extras of the dictionary file, shared out by entries.
    tables = files.get("trm", 0) - sum(fb.dictionary + fb.inline_blocks for fb in fields.values())
    for fb in fields.values():
        fb.dictionary += round(tables * fb.terms / max(entries, 1))
    if segment.is_compound():
        storage.close()
    return fields, files


def store_bytes(index_dir: Path) -> dict[str, int]:
    path = index_dir / "documents.sqlite"
    if not path.exists():
        return {}
    out = {"file": path.stat().st_size}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for name, size in con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"):
            out[name] = size
    except sqlite3.OperationalError:   # SQLite built without the dbstat table
        pass
    finally:
        con.close()
    return out


def breakdown(index_dir: Path) -> dict:
    ix = whoosh_index.open_dir(str(index_dir))
    fields: dict[str, FieldBytes] = defaultdict(FieldBytes)
    files: dict[str, int] = defaultdict(int)
    segments = ix._segments()
    for segment in segments:
        seg_fields, seg_files = segment_bytes(ix, segment)
        for name, fb in seg_fields.items():
            fields[name].add(fb)
        for ext, size in seg_files.items():
            files[ext] += size
    ix.close()
    folder = {p.name: p.stat().st_size for p in index_dir.iterdir() if p.is_file()}
    return {"index_dir": str(index_dir), "segments": len(segments),
            "folder_bytes": sum(folder.values()),
            "whoosh_segment_bytes": sum(v for k, v in folder.items() if k.endswith(".seg")),
            "segment_files": dict(files), "store": store_bytes(index_dir),
            "fields": {name: fb.as_dict() for name, fb in sorted(fields.items())},
            "positions_format": {name: type(ix.schema[name].format).__name__ + " v" +
                                 str(getattr(ix.schema[name].format, "positions_format", 1))
                                 for name in fields if isinstance(ix.schema[name].format, PiecewisePositions)}}


def timings(index_dir: Path, sample: int = 400, rounds: int = 3) -> dict:
    """Per positioned field: CPU µs a posting to read blocks (ids, weights, values) and to decode
    positions, over the most frequent terms and a random sample of the rest (best of `rounds`)."""
    import random
    import time

    import numpy as np

    from index.health import open_index
    from index.postings import leaf_postings

    ix = open_index(index_dir)
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for name in ix.schema.names():
            fmt = ix.schema[name].format
            if not isinstance(fmt, PiecewisePositions):
                continue
            terms = sorted(((reader.doc_frequency(name, t), t) for t in reader.lexicon(name)), reverse=True)
            rng = random.Random(1)
            chosen = [t for _, t in terms[:sample // 4]] + [t for _, t in rng.sample(terms, min(sample, len(terms)))]
            best_read = best_decode = float("inf")
            for _ in range(rounds):
                started, values = time.process_time(), []
                for leaf, _ in reader.leaf_readers():
                    for t in chosen:
                        if (name, t) in leaf:
                            _, _, data, lengths = leaf_postings(leaf, name, t)
                            ends = np.cumsum(lengths).tolist()
                            values += [data[end - length:end] for end, length in zip(ends, lengths.tolist())]
                best_read = min(best_read, time.process_time() - started)
                started = time.process_time()
                for v in values:
                    fmt.decode_positions(v)
                best_decode = min(best_decode, time.process_time() - started)
            out[name] = {"postings": len(values), "read_us_per_posting": round(best_read / len(values) * 1e6, 3),
                         "decode_us_per_posting": round(best_decode / len(values) * 1e6, 3)}
    return out


def _mb(n: int) -> str:
    return f"{n / 2**20:8.1f}"


def print_report(r: dict) -> None:
    total = r["folder_bytes"]
    print(f"\n索引 {r['index_dir']}：共 {total / 2**20:.1f} MB，{r['segments']} 个段")
    print(f"  Whoosh 段文件 {r['whoosh_segment_bytes'] / 2**20:.1f} MB"
          f"（{100 * r['whoosh_segment_bytes'] / total:.0f} %），"
          f"文档库 {r['store'].get('file', 0) / 2**20:.1f} MB（{100 * r['store'].get('file', 0) / total:.0f} %）")
    print("  段内文件：" + "，".join(f"{ext} {size / 2**20:.1f} MB" for ext, size in
                                  sorted(r["segment_files"].items(), key=lambda kv: -kv[1])))
    head = (f"  {'字段':<12}{'词项':>9}{'词典MB':>8}{'倒排MB':>8}{'块头':>7}{'文档号':>7}{'权重':>7}"
            f"{'值容器':>7}{'值头':>7}{'位置':>7}{'倒排数':>10}{'B/倒排':>8}{'开销B':>7}{'B/位置':>7}{'位置数':>11}")
    print(head)
    for name, f in r["fields"].items():
        print(f"  {name:<12}{f['terms']:>9}{_mb(f['dictionary'])}{_mb(f['block_bytes'] + f['inlined'])}"
              f"{_mb(f['block_headers'])[1:]}{_mb(f['ids'])[1:]}{_mb(f['weights'])[1:]}"
              f"{_mb(f['values_container'])[1:]}{_mb(f['value_header'])[1:]}{_mb(f['positions_bytes'])[1:]}"
              f"{f['postings'] + f['inlined_postings']:>10}{f['bytes_per_posting']:>8}"
              f"{f['overhead_per_posting']:>7}{f['bytes_per_position']:>7}{f['positions']:>11}")
    inlined = sum(f["inlined_postings"] for f in r["fields"].values())
    counted = sum(f["block_bytes"] - f["inline_blocks"] for f in r["fields"].values())
    print(f"  倒排文件 {r['segment_files'].get('pst', 0):,} 字节，逐块计得 {counted:,} 字节")
    print(f"  （MB 列：倒排 = 块头 + 文档号 + 权重 + 值容器 + 值头 + 位置，含词典文件中的单块倒排"
          f" {sum(f['inline_blocks'] for f in r['fields'].values()) / 2**20:.1f} MB；内联倒排 {inlined} 个；"
          f"开销B = 每个倒排除位置外的字节）")
    store = {k: v for k, v in r["store"].items() if k != "file"}
    if store:
        print("  文档库各表：" + "，".join(f"{k} {v / 2**20:.1f} MB" for k, v in list(store.items())[:8]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--timings", action="store_true", help="also time reading blocks and decoding positions")
    args = parser.parse_args()
    if not whoosh_index.exists_in(str(args.index_dir)):
        print(f"{args.index_dir} 中没有索引", file=sys.stderr)
        return 2
    report = breakdown(args.index_dir)
    print_report(report)
    if args.timings:
        report["timings"] = timings(args.index_dir)
        print("  读取与解码（每个倒排，微秒，取最好的一轮）：")
        for name, t in report["timings"].items():
            print(f"    {name:<12}{t['postings']:>9} 个倒排  读块 {t['read_us_per_posting']:.3f}  "
                  f"解码位置 {t['decode_us_per_posting']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
