"""Near-duplicates: a spun copy and its original are one speech; same-topic speeches are not."""
import json

import numpy as np
from pathlib import Path

import index
import ingest
from ingest import canonical, dedup

ROOT = Path(__file__).resolve().parents[1]


def seed_doc(prefix):
    (doc,) = ingest.clean_file(next((ROOT / "corpus").glob(f"{prefix}_*.txt")))
    return doc


def original_of(spun):
    """The speech as the first site published it: the restored wording, nothing spun."""
    paragraphs = [dict(p, text=p["restored"] or p["text"], restored=None) for p in spun["paragraphs"]]
    texts = [p["text"] for p in paragraphs]
    return dict(spun, doc_id=ingest.pipeline.document_id(spun["title"], texts), title_scraped=spun["title"],
                paragraphs=paragraphs, restored=False, restorations={}, truncated=False)


def test_signature_is_plain_serialisable_and_stable():
    doc = seed_doc("001")
    values = dedup.signature(doc)
    assert len(values) == dedup.NUM_PERM and all(type(v) is int for v in values)
    assert json.loads(json.dumps(values)) == values == dedup.signature(seed_doc("001"))


def test_signature_values_are_datasketchs_minhash_bit_for_bit():
    """Stored signatures are compared with new ones: computing the MinHash here must not change a value."""
    from datasketch import MinHash

    datasketch_a, datasketch_b = MinHash(num_perm=dedup.NUM_PERM, scheme=dedup.SCHEME).permutations
    a, b = dedup._PERMUTATIONS
    assert a.tolist() == datasketch_a.tolist() and b.tolist() == datasketch_b.tolist()
    texts = [dedup.fingerprint_text(seed_doc(prefix)) for prefix in ("000", "001", "002", "003", "004")]
    longest = "".join(texts) * 3     # permuted in several runs of MINHASH_ROWS shingles
    assert len(dedup.shingle_hashes(longest)) > 3 * dedup.MINHASH_ROWS
    for text in texts + ["", "安", "安全", "安全生产安全生产", "a1" * 3000, longest]:
        reference = MinHash(num_perm=dedup.NUM_PERM, scheme=dedup.SCHEME, hashfunc=int)
        reference.update_batch(dedup.shingle_hashes(text).tolist())
        assert dedup.minhash_values(dedup.shingle_hashes(text)).tolist() == reference.hashvalues.tolist(), text[:20]


def test_spun_copy_matches_its_original_only_after_restoration():
    spun = seed_doc("003")
    original = original_of(spun)
    as_scraped = dict(spun, title=spun["title_scraped"], paragraphs=[dict(p, restored=None) for p in spun["paragraphs"]])
    assert dedup.similarity(dedup.signature(spun), dedup.signature(original)) > 0.95
    assert dedup.similarity(dedup.signature(as_scraped), dedup.signature(original)) < \
        dedup.similarity(dedup.signature(spun), dedup.signature(original))
    for other in ("000", "001", "002", "004"):
        assert dedup.similarity(dedup.signature(seed_doc(other)), dedup.signature(original)) < 0.3


def test_traditional_copy_is_a_near_duplicate():
    import opencc
    doc = seed_doc("001")
    to_traditional = opencc.OpenCC("s2t").convert
    copy = dict(doc, doc_id="trad", title=to_traditional(doc["title"]),
                paragraphs=[dict(p, text=to_traditional(p["text"])) for p in doc["paragraphs"]])
    assert dedup.similarity(dedup.signature(doc), dedup.signature(copy)) > 0.95


def test_the_listed_copy_is_official_then_earliest_then_unspun_untruncated_longest(tmp_path):
    """The index lists one copy of a group; removing it lists the next by the same rule."""
    spun = dict(seed_doc("003"), source="https://spun.example/1")
    original = dict(original_of(spun), source="https://copy.example/1")
    truncated = dict(original, doc_id="truncated0000000", source="https://copy.example/2", truncated=True)
    official = dict(original, doc_id="official00000000", source="https://www.mem.gov.cn/gk/zfxxgkpt/1.shtml",
                    published="2023-06-01")
    earlier = dict(original, doc_id="earlier000000000", source="https://www.example.com/1", published="2000-01-01")
    index_dir = tmp_path / "index"
    index.add_documents(index_dir, [spun, truncated, earlier, original, official])
    listed = []
    for _ in range(5):
        (result,) = index.SearchIndex(index_dir).search("")["results"]
        listed.append(result["doc_id"])
        index.remove(index_dir, result["doc_id"])
    assert listed == [official["doc_id"], earlier["doc_id"], original["doc_id"], truncated["doc_id"], spun["doc_id"]]
    assert canonical.is_official("http://yjj.hangzhou.gov.cn/art/1.html")
    assert not canonical.is_official("https://gov.cn.example.com/a") and not canonical.is_official("corpus/a.txt")


def test_incremental_index_reports_copies_and_forgets_removed_ones():
    spun, original, other = seed_doc("003"), original_of(seed_doc("003")), seed_doc("002")
    index = dedup.NearDuplicates()
    assert index.add(original["doc_id"], dedup.signature(original)) == []
    assert index.add(other["doc_id"], dedup.signature(other)) == []
    assert index.add(spun["doc_id"], dedup.signature(spun)) == [original["doc_id"]]
    index.remove(original["doc_id"])
    assert original["doc_id"] not in index and len(index) == 2
    assert index.add("again", dedup.signature(original)) == [spun["doc_id"]]


def test_copies_are_found_across_the_sorted_runs_and_removed_ones_never_again():
    """Thousands of documents move the early ones' band keys into a sorted run (3,000 x 18 keys, past
    PENDING_KEYS): a copy of an early document added late is still found, one sharing a band but few
    values is not, and a removed document is never a copy again."""
    rng = np.random.default_rng(7)
    index = dedup.NearDuplicates()
    signatures = rng.integers(0, 2**32, (3000, dedup.NUM_PERM), dtype=np.uint64)
    for i, values in enumerate(signatures):
        assert index.add(f"doc{i}", values) == []
    copy = signatures[10].copy()
    copy[:40] = rng.integers(0, 2**32, 40, dtype=np.uint64)        # bands 0-5 lost, 69 % of values agree
    assert index.add("copy", copy) == ["doc10"]
    weak = signatures[20].copy()
    weak[7:] = rng.integers(0, 2**32, len(weak) - 7, dtype=np.uint64)      # band 0 whole, 5 % agree
    assert index.add("weak", weak) == []
    index.remove("doc10")
    assert index.add("copy2", copy) == ["copy"] and "doc10" not in index
