"""The on-disk forms of postings: compact positions and blocks, and indexes written in the old forms."""
from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo

import index
from index import health, postings
from index.analysis import RESTORED_OFFSET, paragraph_position
from index.schema import POSITIONS_FORMAT, PiecewisePositions, decode_positions, encode_positions, make_schema
from search_service.cli import main as cli
from conftest import make_doc

QUERIES = ["安全生产", "\"烟花爆竹\"", "煤矿 OR 消防", "主体责任 落实", "安全 -煤矿", "title:通知", "第十条",
           "\"生产经营单位\"", "应急管理 隐患排查"]


def test_positions_survive_encoding_across_paragraphs_restored_text_and_long_jumps():
    rng = random.Random(5)
    cases = [[0], [3], [paragraph_position(1)], [paragraph_position(2, restored=True) + 4],
             [7, 7, 9],                                         # a sub-word twice inside one word
             [paragraph_position(n) + rng.randrange(400) for n in (1, 2, 90, 70_000)]]
    for _ in range(2000):
        cases.append([paragraph_position(rng.randrange(200), rng.random() < 0.1) + rng.randrange(600)
                      for _ in range(rng.randint(1, 30))])
    for positions in cases:
        positions.sort()
        assert decode_positions(encode_positions(positions)) == positions
    # a paragraph hit costs a byte or two, not Whoosh's 5-byte pickled int and 12 bytes of framing
    hits = [paragraph_position(n) + 40 for n in range(1, 40, 3)]
    assert len(encode_positions(hits)) == 2 * len(hits)


def test_compact_term_infos_hold_frequencies_and_extents_exactly():
    for df, minid, maxid, offset, length in [(3, 7, 900, 5_000_000, 40), (300, 0, 2_000_000, 5_000_000_000, 70_000)]:
        info = postings._TermInfo(weight=12.0, df=df, maxweight=6.0, minid=minid, maxid=maxid)
        info.set_extent(offset, length)
        back = postings._TermInfo.from_bytes(info.to_bytes())
        assert (back.weight(), back.doc_frequency(), back.max_weight(), back.min_id(), back.max_id(),
                back.extent()) == (12.0, df, 6.0, minid, maxid, (offset, length))
    assert len(info.to_bytes()) < 0.7 * len(W3TermInfo.to_bytes(info))   # even for a large term


def test_compact_blocks_hold_ids_weights_and_values_exactly():
    values = [encode_positions([paragraph_position(n)]) for n in range(1, 6)] + [b"x" * 300]
    for ids, weights, boost in [([0, 1, 5, 300, 70_000, 5_000_000], [3.0, 6.0, 3.0, 9.0, 3.0, 300.0], 3.0),
                                ([2, 3, 4, 10, 11, 12], [1.0] * 6, 1.0),
                                ([2, 3, 4, 10, 11, 12], [0.5, 1.25, 2.0, 1.0, 7.0, 1.0], 1.0)]:
        data = postings.encode_block(ids, weights, values, boost)
        (deltas, got_weights, got_values), _ = postings.decode_block(data, len(ids), boost)
        assert [sum(deltas[:i + 1]) for i in range(len(ids))] == ids
        assert list(got_weights or [1.0] * len(ids)) == weights
        assert list(got_values) == values


def _old_format_index(path, monkeypatch):
    """An empty index as the code before format 2 wrote it: Whoosh's positions, pickled blocks and term infos."""
    schema = make_schema()
    for name in schema.names():
        if isinstance(schema[name].format, PiecewisePositions):
            del schema[name].format.positions_format
    path.mkdir()
    health.write_format(path)
    whoosh_index.create_in(str(path), schema)
    monkeypatch.setattr(postings, "encode_block", lambda *args: None)
    monkeypatch.setattr(postings._TermInfo, "to_bytes", W3TermInfo.to_bytes)


def _results(ix: index.SearchIndex) -> list:
    out = []
    for q in QUERIES:
        found = ix.search(q, per_page=20)
        out.append((q, found["total"], [(r["doc_id"], [p["n"] for p in r["paragraphs"]],
                                         [p["html"] for p in r["paragraphs"]]) for r in found["results"]]))
    return out


def test_an_index_in_the_old_format_answers_as_a_new_one_and_keeps_growing(tmp_path, corpus_docs, purpose_docs,
                                                                          monkeypatch):
    docs = corpus_docs + list(purpose_docs.values())
    first, later = docs[: len(docs) // 2], docs[len(docs) // 2:]
    old, new = tmp_path / "old", tmp_path / "new"
    _old_format_index(old, monkeypatch)
    index.add_documents(old, first)
    monkeypatch.undo()
    index.add_documents(new, first)
    old_ix, new_ix = index.SearchIndex(old), index.SearchIndex(new)
    assert old_ix.ix.schema["body"].format.positions_format == 1
    assert new_ix.ix.schema["body"].format.positions_format == POSITIONS_FORMAT
    assert _results(old_ix) == _results(new_ix)
    assert _segment_bytes(new) < 0.7 * _segment_bytes(old)   # really two formats

    # Documents added now go in compact blocks (still format-1 positions), beside the old blocks,
    # and a merge rewrites the old blocks.
    index.add_documents(old, later)
    index.add_documents(new, later)
    assert _results(old_ix) == _results(new_ix)
    writer = old_ix.ix.writer(codec=index.writing._codec())
    writer.commit(optimize=True)
    assert len(whoosh_index.open_dir(str(old))._segments()) == 1
    assert _results(old_ix) == _results(new_ix)


def _segment_bytes(folder) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.seg"))


def test_an_index_of_a_newer_format_is_refused_with_a_chinese_message(tmp_path, capsys):
    path = tmp_path / "future"
    schema = make_schema()
    schema["body"].format.positions_format = POSITIONS_FORMAT + 1
    path.mkdir()
    health.write_format(path)
    whoosh_index.create_in(str(path), schema)
    with pytest.raises(index.IndexFormatError, match="重新导入"):
        index.SearchIndex(path)
    with pytest.raises(index.IndexFormatError, match=f"第 {POSITIONS_FORMAT + 1} 版位置格式"):
        index.add_documents(path, [make_doc("通知", ["严禁燃放烟花爆竹。"])])
    assert cli(["search", "--index", str(path), "烟花爆竹"]) != 0
    err = capsys.readouterr().err
    assert "请升级程序，或删除该索引目录后重新导入" in err and "Traceback" not in err


def test_every_term_is_found_in_the_denser_dictionary_with_its_postings_and_no_other_is(tmp_path, corpus_docs):
    index.add_documents(tmp_path, corpus_docs)
    ix = whoosh_index.open_dir(str(tmp_path))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for name in ("body", "body_chars", "title"):
            terms = list(reader.lexicon(name))
            assert len(terms) > 1000 or name == "title"
            for term in terms:
                matcher = reader.postings(name, term)
                ids = list(matcher.all_ids())
                assert reader.doc_frequency(name, term) == len(ids) > 0 and ids == sorted(set(ids))
                assert (name, term + "\u2603".encode()) not in reader and (name, b"\x00" + term) not in reader
        inline = sum(1 for name in ("body", "body_chars") for t in reader.lexicon(name)
                     if reader.term_info(name, t).block is not None)
        assert inline > 0.9 * sum(1 for name in ("body", "body_chars") for _ in reader.lexicon(name))


def test_whole_lists_and_field_lengths_read_in_bulk_are_what_whoosh_reads_one_by_one(tmp_path):
    # 300 documents: the commonest terms span blocks of 128 in every segment; empty titles have no length;
    # deleted documents stay in the lists (the searcher masks them)
    rng = random.Random(5)
    words = ["安全生产", "隐患排查", "应急管理", "主体责任", "消防", "煤矿", "危险化学品", "特种设备"]
    docs = [make_doc("" if i % 7 == 0 else f"第{i}号通知",
                     ["".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 4))],
                     doc_id=f"d{i:04d}") for i in range(300)]
    index.add_documents(tmp_path, docs)
    index.remove(tmp_path, "d0003")
    ix = whoosh_index.open_dir(str(tmp_path))
    with ix.searcher() as searcher:
        long_lists = 0
        for reader, _ in searcher.reader().leaf_readers():
            for name in ("title", "title_chars", "body", "body_chars"):
                lengths = postings.field_lengths(reader, name)
                assert lengths.tolist() == [reader.doc_field_length(d, name, 0) or 0 for d in range(reader.doc_count_all())]
                for term in reader.lexicon(name):
                    ids, weights, values, value_lengths = postings.leaf_postings(reader, name, term.decode())
                    # the term reader's own matcher: deleted documents too (reader.postings skips them)
                    matcher = reader._terms.matcher(name, term, reader.schema[name].format)
                    whoosh_ids, whoosh_weights, whoosh_values = [], [], []
                    while matcher.is_active():
                        whoosh_ids.append(matcher.id())
                        whoosh_weights.append(matcher.weight())
                        whoosh_values.append(matcher.value())
                        matcher.next()
                    assert ids.tolist() == whoosh_ids and weights.tolist() == whoosh_weights
                    assert values == b"".join(whoosh_values) and value_lengths.tolist() == [len(v) for v in whoosh_values]
                    long_lists += len(whoosh_ids) > 128
        assert long_lists > 0
