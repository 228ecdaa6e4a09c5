"""index/postings.py, the one module relying on Whoosh internals: its fast reader must agree with
Whoosh's public matchers, and every class path a TOC pickles must stay loadable."""
from __future__ import annotations

import importlib
import pickle
import pickletools
import random
import tracemalloc

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

import index
from index import facets, health, matching, postings
from index.matching import KEY_BITS, Evaluator, TermFrequencies
from index.schema import decode_positions
from conftest import CORPUS, make_doc

LINES = [line.strip() for path in sorted(CORPUS.glob("*.txt"))
         for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 15]


def _docs(first: int, count: int) -> list[dict]:
    docs = []
    for i in range(first, first + count):
        rng = random.Random(i)
        docs.append(make_doc(f"安全生产文件第{i}号", [f"第{i}号文件"] + rng.sample(LINES, 5), source=f"fence/{i}.txt"))
    return docs


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory):
    """Several segments (a large first commit, so common terms span several 128-posting blocks,
    then small ones), and deletions in two of them."""
    path = tmp_path_factory.mktemp("fence")
    docs = _docs(0, 400)
    index.add_documents(path, docs, commit_every=400)
    index.add_documents(path, _docs(400, 60), commit_every=20)
    for doc in docs[5:400:50] + [_docs(430, 1)[0]]:
        assert index.remove(path, doc["doc_id"])
    ix = whoosh_index.open_dir(str(path))
    yield ix
    ix.close()


def _public(matcher, positions: bool):
    ids, weights, values = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value_as("positions") if positions else None)
        matcher.next()
    return ids, weights, values


def test_fast_reader_equals_whoosh_public_matcher_for_every_term(segmented_index):
    checked = deleted_seen = multi_block = 0
    with segmented_index.searcher() as searcher:
        leaves = searcher.reader().leaf_readers()
        assert len(leaves) >= 4
        assert sum(reader.has_deletions() for reader, _ in leaves) >= 2
        for reader, _ in leaves:
            for fieldname, text in reader.all_terms():
                fmt = reader.schema[fieldname].format
                positions = fmt.supports("positions")
                ids, weights, data, lengths = postings.leaf_postings(reader, fieldname, text)
                ends = np.cumsum(lengths).tolist()
                values = [data[end - length:end] for end, length in zip(ends, lengths.tolist())]
                live = np.array([not reader.is_deleted(d) for d in ids.tolist()], dtype=bool)
                public = _public(reader.postings(fieldname, text), positions)
                assert ids[live].tolist() == public[0], (fieldname, text)
                assert weights[live].tolist() == pytest.approx(public[1]), (fieldname, text)
                if positions:
                    decoded = [fmt.decode_positions(v) for v, keep in zip(values, live) if keep]
                    assert decoded == public[2], (fieldname, text)
                checked += 1
                deleted_seen += int((~live).sum())
                multi_block += len(ids) > 128
    assert checked > 1000 and deleted_seen and multi_block


def test_evaluator_postings_over_all_segments_equal_the_searchers_matcher(segmented_index):
    with segmented_index.searcher() as searcher:
        reader = searcher.reader()
        live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())], dtype=bool)
        evaluator = Evaluator(searcher, live)
        for fieldname, text in [("body", "安全"), ("body_chars", "生产"), ("title", "文件"), ("body", "监管")]:
            ids, tf, _ = evaluator.postings(fieldname, text)
            keep = live[ids]
            public_ids, public_weights, _ = _public(searcher.postings(fieldname, text), False)
            assert public_ids and ids[keep].tolist() == public_ids
            boost = searcher.schema[fieldname].format.field_boost
            assert (tf[keep] * boost).tolist() == pytest.approx(public_weights)


def test_whole_field_frequencies_equal_whooshs_look_up_for_every_term_and_segment(segmented_index):
    """The rare-word count's table (postings.field_frequencies, matching.TermFrequencies) gives what
    Whoosh's own frequency look-up gives, per segment and summed over the index, absent terms 0."""
    with segmented_index.searcher() as searcher:
        for fieldname in ("body", "title", "body_chars"):
            frequencies = TermFrequencies(fieldname)
            frequencies.use(searcher)
            seen = set()
            for reader, _ in searcher.reader().leaf_readers():
                table = postings.field_frequencies(reader, fieldname)
                terms = [text for name, text in reader.all_terms() if name == fieldname]
                assert sorted(table) == sorted(t.decode("utf-8") for t in terms), fieldname
                assert all(table[t.decode("utf-8")] == reader.frequency(fieldname, t) for t in terms)
                seen.update(table)
            assert len(seen) > 50
            for text in sorted(seen) + ["没有这个词"]:
                assert frequencies.frequency(fieldname, text) == searcher.frequency(fieldname, text), text


def test_frequencies_follow_a_commit_reading_only_its_new_segments(tmp_path, monkeypatch):
    index.add_documents(tmp_path, _docs(0, 30), commit_every=30)
    ix = whoosh_index.open_dir(str(tmp_path))
    frequencies = TermFrequencies("body")
    with ix.searcher() as searcher:
        frequencies.use(searcher)
        before = {text.decode("utf-8") for name, text in searcher.reader().all_terms() if name == "body"}
        first = {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()}
    index.add_documents(tmp_path, _docs(30, 40), commit_every=20)
    read = []
    monkeypatch.setattr("index.matching.field_frequencies", lambda reader, name: read.append(reader) or
                        postings.field_frequencies(reader, name))
    with ix.refresh().searcher() as searcher:
        frequencies.use(searcher)
        segments = {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()}
        assert segments > first and {r.segment().segment_id() for r in read} == segments - first   # tables kept
        words = {text.decode("utf-8") for name, text in searcher.reader().all_terms() if name == "body"}
        assert words > before
        for text in sorted(words):
            assert frequencies.frequency("body", text) == searcher.frequency("body", text), text
    ix.close()


def test_positions_decoded_together_equal_each_postings_own_decoding(segmented_index):
    """matching.EncodedPositions decodes many documents' positions with array operations: the same
    occurrence keys as schema.decode_positions document by document, for every term, all its documents
    or a third of them, one-byte codes and longer ones (paragraph jumps, offsets past 127)."""
    rng = random.Random(3)
    longer = 0
    with segmented_index.searcher() as searcher:
        reader = searcher.reader()
        live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())], dtype=bool)
        evaluator = Evaluator(searcher, live)
        for fieldname, text in sorted({(f, t.decode("utf-8")) for f, t in reader.all_terms()
                                       if f in ("body", "body_chars", "title_chars")}):
            ids, _, encoded = evaluator.postings(fieldname, text)
            at = np.arange(len(ids)) if rng.random() < 0.5 else np.sort(rng.sample(range(len(ids)), max(1, len(ids) // 3)))
            expected = [(int(ids[i]) << KEY_BITS) | p for i in at.tolist()
                        for p in decode_positions(encoded.value(i))]
            assert encoded.keys(at, ids[at]).tolist() == expected, (fieldname, text)
            assert evaluator.keys(fieldname, text, ids[at]).tolist() == expected, (fieldname, text)
            longer += any(not encoded.value(i).isascii() for i in at.tolist())
    assert longer > 10


def test_the_terms_of_several_queries_decoded_together_give_each_querys_own_occurrences(segmented_index):
    """Evaluator.occurrences_of (ranking's window: every part's terms decoded at once) against
    Evaluator.occurrences of each query alone: terms, phrases (with one-byte codes and longer ones),
    word-field terms, And/Or, a term the index lacks, repeated terms, few documents and many."""
    rng = random.Random(5)
    with segmented_index.searcher() as searcher:
        reader = searcher.reader()
        live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())], dtype=bool)
        evaluator = Evaluator(searcher, live)
        chars = sorted(t.decode("utf-8") for f, t in reader.all_terms() if f == "body_chars")
        words = sorted(t.decode("utf-8") for f, t in reader.all_terms() if f == "body")
        checked = 0
        for _ in range(60):
            line = rng.choice(LINES)
            start = rng.randrange(len(line) - 4)
            phrase = wq.Phrase("body_chars", [line[i:i + 2] for i in range(start, start + rng.randint(2, 4))])
            term, word = wq.Term("body_chars", rng.choice(chars)), wq.Term("body", rng.choice(words))
            queries = [phrase, wq.Or([term, word]), wq.And([term, phrase]), wq.Term("body_chars", "无此"),
                       wq.Or([phrase, word]), term]
            docnums = np.sort(rng.sample(range(reader.doc_count_all()), rng.choice([5, 100, 300])))
            together = evaluator.occurrences_of(queries, docnums)
            for query, found in zip(queries, together):
                alone = evaluator.occurrences(query, docnums)
                assert found.tolist() == alone.tolist(), query
                checked += len(alone) > 0
    assert checked > 100


def _all_postings(ix) -> list[tuple]:
    """(field, term, doc_id, weight, value) of every live posting and each document's field lengths:
    what an index holds, whatever numbers its documents got."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        doc_ids = {docnum: fields["doc_id"] for docnum, fields in reader.iter_docs()}
        rows = []
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                rows.append((fieldname, text, doc_ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
        rows += [(doc_id, [reader.doc_field_length(docnum, name) for name in ("title", "body", "body_chars")])
                 for docnum, doc_id in doc_ids.items()]
    return sorted(rows, key=repr)


@pytest.mark.parametrize("limitmb", [64, 1])    # 1 MB: the pools spill sorted runs and read them back
def test_fast_writer_and_its_merge_write_what_whoosh_writes(tmp_path, limitmb, monkeypatch):
    from whoosh.writing import SegmentWriter

    from index.schema import make_schema
    from index.schema import whoosh_fields

    docs = [whoosh_fields(doc) for doc in _docs(0, 80)]
    runs = []
    save = postings._TermPool.save
    monkeypatch.setattr(postings._TermPool, "save", lambda pool: runs.append(pool.segment) or save(pool))
    built = {}
    for name, writer_class in (("whoosh", SegmentWriter), ("fast", postings.FastSegmentWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), make_schema())
        for part in (docs[:40], docs[40:]):
            writer = writer_class(ix, codec=postings.PostingsCodec(), limitmb=limitmb)
            for fields in part:
                writer.add_document(**fields)
            writer.commit(merge=False)
        writer = writer_class(ix, codec=postings.PostingsCodec(), limitmb=limitmb)
        for i in (3, 50, 79):
            writer.delete_by_term("doc_id", docs[i]["doc_id"])
        writer.commit(optimize=True)        # both segments merged into one, the deleted documents left out
        assert len(ix._segments()) == 1
        built[name] = _all_postings(ix)
        ix.close()
    assert len(built["fast"]) > 10_000 and built["fast"] == built["whoosh"]
    # with 1 MB each writer's pool spilled several runs (a term's postings then joined across them)
    assert (min(runs.count(segment) for segment in set(runs)) >= 2) if limitmb == 1 else not runs


def _pickled_names(obj) -> set[str]:
    names = set()
    for opcode, arg, _ in pickletools.genops(pickle.dumps(obj, protocol=2)):
        if opcode.name == "GLOBAL":
            module, name = arg.split(" ")
            names.add(f"{module}.{name}")
    return names


def test_every_class_a_toc_pickles_is_listed_and_every_listed_path_loads(segmented_index):
    from whoosh.index import TOC

    toc = TOC.read(segmented_index.storage, segmented_index.indexname)
    ours = {name for name in _pickled_names(toc.schema) | _pickled_names(toc.segments) if name.startswith("index.")}
    assert "index.postings.PostingsCodec" in ours
    assert ours <= set(postings.ON_DISK_NAMES), "a class moved or added: list its path in ON_DISK_NAMES"
    for path in postings.ON_DISK_NAMES:
        module, name = path.rsplit(".", 1)
        assert isinstance(getattr(importlib.import_module(module), name), type), path


def test_another_whoosh_version_is_refused_at_import_with_a_clear_message():
    import subprocess
    import sys

    code = ("import whoosh; whoosh.__version__ = (2, 7, 5)\n"
            "try:\n    import index.postings\nexcept ImportError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "2.7.4" in out and "2.7.5" in out and "pyproject.toml" in out


def test_a_worker_opening_the_index_after_the_masters_warm_up_reads_no_frequency_table(tmp_path, monkeypatch):
    """The service's master reads the rare-word count's tables before it forks (server.warm_up); the
    workers' own SearchIndex finds them instead of reading every segment again on its first search."""
    from search_service.server import warm_up

    index.add_documents(tmp_path, _docs(0, 30), commit_every=10)
    read = []
    monkeypatch.setattr("index.matching.field_frequencies", lambda reader, name: read.append(reader) or
                        postings.field_frequencies(reader, name))
    warm_up(tmp_path)
    segments = len(read)
    assert segments >= 2
    worker = index.SearchIndex(tmp_path)
    results = worker.search("安全生产 检查")["results"]
    assert results and len(read) == segments


def test_document_frequencies_read_in_one_pass_are_whooshs_for_every_term_and_segment(segmented_index):
    """What the warm-up keeps and chooses its posting lists by (postings.field_document_frequencies): every
    term of a field, its dictionary entry, its document frequency as Whoosh looks it up, and whether its list lies in the
    postings file (every list of more than one block) or in its term info."""
    in_file = 0
    with segmented_index.searcher() as searcher:
        for reader, _ in searcher.reader().leaf_readers():
            for fieldname in ("title", "body", "title_chars", "body_chars"):
                texts, infos, lists_in_file, frequencies = postings.field_document_frequencies(reader, fieldname)
                terms = [t for name, t in reader.all_terms() if name == fieldname]
                assert texts == [t.decode("utf-8") for t in terms], fieldname
                assert infos == [reader._terms._tindex[reader._terms._keycoder(fieldname, t)] for t in terms]
                assert frequencies.tolist() == [reader.doc_frequency(fieldname, t) for t in terms], fieldname
                assert lists_in_file.tolist() == [reader._terms.term_info(fieldname, t).block is None for t in terms]
                assert not (frequencies[~lists_in_file] > 128).any()
                in_file += int(lists_in_file.sum())
    assert in_file > 10


def _reads(monkeypatch) -> list[tuple[str, str, str]]:
    """(segment id, field, term) of every posting list read from the index's files from now on."""
    read = []

    def reading(reader, fieldname, text, info=None):
        read.append((reader.segment().segment_id(), fieldname, text))
        return postings.leaf_postings(reader, fieldname, text, info)
    monkeypatch.setattr("index.matching.leaf_postings", reading)
    return read


def test_a_worker_opened_after_the_masters_warm_up_reads_no_posting_list_read_ahead(tmp_path, monkeypatch):
    """The service's master reads the most frequent terms' posting lists before it forks
    (SearchIndex.prepare in server.warm_up); a worker's own SearchIndex uses them instead of reading
    them again on its first searches."""
    from search_service.server import warm_up

    index.add_documents(tmp_path, _docs(0, 300), commit_every=300)     # common terms span several blocks
    index.add_documents(tmp_path, _docs(300, 40), commit_every=20)
    warm_up(tmp_path)
    kept = matching.preloaded_postings(str(tmp_path.resolve()))
    assert len(kept) >= 3 and all(("body_chars", "安全") in segment.lists for segment in kept.values())
    read = _reads(monkeypatch)
    looked_up = []
    monkeypatch.setattr(postings._TermsReader, "term_info", lambda *args: looked_up.append(args) or None)
    worker = index.SearchIndex(tmp_path)
    assert worker.search("安全生产 检查")["total"]
    assert read == [] and looked_up == []     # every list read ahead; absent terms known absent


def test_a_worker_opened_after_the_warm_up_builds_no_facet_table_and_checks_no_file_again(tmp_path, monkeypatch):
    """The master's warm-up built the facet arrays and checked every file of the commit; a worker's
    first search finds both (at 1,000,000 paragraphs they were a second of it). A commit after that
    is seen: its table built, its new files checked."""
    from search_service.server import warm_up

    index.add_documents(tmp_path, _docs(0, 60), commit_every=60)
    warm_up(tmp_path)
    built, checked = [], []
    build = facets.FacetTable.__init__
    monkeypatch.setattr(facets.FacetTable, "__init__", lambda self, *args: built.append(1) or build(self, *args))
    crc = health.crc_of
    monkeypatch.setattr(health, "crc_of", lambda path: checked.append(path.name) or crc(path))
    worker = index.SearchIndex(tmp_path)
    listed = worker.search("安全生产")["total"]
    assert listed and worker.search("第7号")["total"] == 1
    assert built == [] and checked == []
    index.add_documents(tmp_path, [make_doc("第六十号通知", ["关于汛期安全生产的通知"], source="fence/new.txt")])
    assert worker.search("第六十号")["total"] == 1 and worker.search("安全生产")["total"] == listed + 1
    assert len(built) == 1 and checked


def test_a_reader_reads_the_term_and_posting_files_in_place_with_the_answers_of_whooshs_copies(tmp_path,
                                                                                             monkeypatch):
    """Whoosh's BufferFile copies each file it opens out of the segment's mmap: opening a reader cost
    a copy of nearly the whole index. The fenced reader maps them, and reads what the copies held."""
    index.add_documents(tmp_path, _docs(0, 300), commit_every=300)
    size = sum(path.stat().st_size for path in tmp_path.glob("*.seg"))
    ix = health.open_index(tmp_path)
    tracemalloc.start()
    try:
        reader = ix.reader()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 4, (peak, size)
    monkeypatch.setattr(postings, "_open_shared", lambda storage, name: storage.open_file(name))
    copied = ix.reader()
    terms = list(reader.all_terms())
    assert terms == list(copied.all_terms()) and len(terms) > 1000
    for leaf, copy in zip([r for r, _ in reader.leaf_readers()], [r for r, _ in copied.leaf_readers()]):
        for field, text in terms[::50]:
            if (field, text) in leaf and field in ("title", "body", "title_chars", "body_chars"):
                assert leaf.doc_frequency(field, text) == copy.doc_frequency(field, text)
                assert list(leaf.postings(field, text).items_as("positions")) == \
                    list(copy.postings(field, text).items_as("positions"))


def test_the_warm_up_reads_lists_in_the_postings_file_first_then_by_document_frequency(tmp_path, monkeypatch):
    """Within a segment's share of the budget (by its documents): lists spanning blocks before those
    in a term info, each the most frequent first."""
    index.add_documents(tmp_path, _docs(0, 300), commit_every=300)
    index.add_documents(tmp_path, _docs(300, 100), commit_every=100)
    monkeypatch.setattr("index.matching.PRELOADED_POSTINGS", 40_000)
    search_index = index.SearchIndex(tmp_path)
    search_index.prepare()
    kept = matching.preloaded_postings(str(tmp_path.resolve()))
    searcher = search_index._searcher
    total = searcher.doc_count_all()
    partial = 0
    for reader, _ in searcher.reader().leaf_readers():
        lists = kept[reader.segment().segment_id()].lists
        ranked = []
        for fieldname in ("title", "body", "title_chars", "body_chars"):
            texts, _, in_file, frequencies = postings.field_document_frequencies(reader, fieldname)
            ranked += [(bool(f), int(df), (fieldname, t) in lists) for t, f, df in zip(texts, in_file, frequencies)]
        assert sum(df for _, df, chosen in ranked if chosen) <= 40_000 * reader.doc_count_all() // total
        read = [(place, df) for place, df, chosen in ranked if chosen]
        left = [(place, df) for place, df, chosen in ranked if not chosen]
        if read and left:
            assert max(left) <= min(read)     # nothing left out ranks before something read
            partial += 1
    assert partial >= 2


def test_answers_are_the_same_with_lists_read_ahead_and_drop_caches_forgets_them(tmp_path, monkeypatch):
    docs = _docs(0, 300)
    index.add_documents(tmp_path, docs, commit_every=300)
    index.add_documents(tmp_path, _docs(300, 40), commit_every=20)
    assert index.remove(tmp_path, docs[7]["doc_id"]) and index.remove(tmp_path, _docs(310, 1)[0]["doc_id"])
    monkeypatch.setattr("index.matching.PRELOADED_POSTINGS", 20_000)     # some lists read ahead, others not
    queries = ["安全生产", "\"安全生产\"", "检查 OR 监管", "安全 -事故", "title:文件", "第7号", "第310号文件"]
    search_index = index.SearchIndex(tmp_path)
    search_index.prepare()
    kept = matching.preloaded_postings(str(tmp_path.resolve()))
    # a loaded machine can hand a 20-document commit to one sub-writer alone: the other's segment is empty
    documents = {reader.segment().segment_id(): reader.doc_count_all()
                 for reader, _ in search_index._searcher.reader().leaf_readers()}
    assert kept and all(segment.lists for name, segment in kept.items() if documents[name])
    ahead = [search_index.search(q, explain=True) for q in queries]
    search_index.drop_caches()
    assert kept == {}
    read = _reads(monkeypatch)
    assert [search_index.search(q, explain=True) for q in queries] == ahead
    assert ("body_chars", "安全") in {(field, text) for _, field, text in read}
    assert ahead[5]["total"] == ahead[6]["total"] == 0     # the removed documents' own words


def test_lists_read_ahead_serve_later_commits_with_deletions_masked_and_gone_segments_dropped(tmp_path,
                                                                                              monkeypatch):
    """A segment never changes once written: its lists read ahead serve every later generation holding
    it, a document deleted since then masked out; segments gone from the folder are forgotten."""
    docs = _docs(0, 300)
    index.add_documents(tmp_path, docs, commit_every=300)
    index.add_documents(tmp_path, _docs(300, 40), commit_every=20)
    search_index = index.SearchIndex(tmp_path)
    search_index.prepare()
    kept = matching.preloaded_postings(str(tmp_path.resolve()))
    before = search_index.search("安全生产")["total"]
    assert search_index.search("第7号")["total"] == 1
    assert index.remove(tmp_path, docs[7]["doc_id"])
    read = _reads(monkeypatch)
    assert search_index.search("第7号")["total"] == 0
    assert search_index.search("安全生产")["total"] == before - 1
    assert [r for r in read if r[0] in kept and (r[1], r[2]) in kept[r[0]].lists] == []
    first = set(kept)
    index.reindex(tmp_path, progress=False)     # every segment written anew
    assert search_index.search("安全生产")["total"] == before - 1
    segments = {reader.segment().segment_id() for reader, _ in search_index._searcher.reader().leaf_readers()}
    assert first and not segments & first and not set(kept) & first
