"""Cleaning on every core: a dump cut into parts, results independent of the worker count, unchanged files not parsed."""
import json
from pathlib import Path

import index
from ingest import batch

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))


def crawl_dump(path: Path, copies: int = 12) -> Path:
    """A dump of the seeds under several URLs, each record's text made unique by a line of its own."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(copies):
            for j, seed in enumerate(SEEDS):
                lines = seed.read_text(encoding="utf-8").splitlines()
                text = "\n".join([lines[0], f"第{i}批第{j}份材料的说明文字，用于区分不同的记录。", *lines[1:]])
                out.write(json.dumps({"url": f"https://example.cn/{i}/{j}.html", "text": text}, ensure_ascii=False))
                out.write("\n")
            if i == 3:
                out.write("{not json\n")
    return path


def test_a_large_dump_is_cut_at_line_ends_and_every_line_keeps_its_number(tmp_path):
    dump = crawl_dump(tmp_path / "dump.jsonl")
    parts = batch.units(dump, part_bytes=20_000)
    assert len(parts) > 3 and [p.last for p in parts].count(True) == 1 and parts[-1].last
    assert parts[0].start == 0 and parts[-1].end == dump.stat().st_size
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    results = [batch.clean_unit(part) for part in parts]
    whole = batch.clean_unit(batch.Unit(dump))
    assert [d["doc_id"] for r in results for d in r.docs] == [d["doc_id"] for d in whole.docs]
    assert sum((r.problems for r in results), []) == whole.problems == [f"{dump}:{4 * len(SEEDS) + 1}：不是有效的 JSON（JSONDecodeError）"]


def test_the_index_does_not_depend_on_the_number_of_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "DUMP_PART_BYTES", 20_000)
    dump = crawl_dump(tmp_path / "dump.jsonl")
    listings = []
    for workers in (1, 2):
        summary = index.ingest_paths([dump, *SEEDS], tmp_path / f"ix{workers}", progress=False, workers=workers)
        assert summary.added + summary.duplicates == 60 + len(SEEDS)
        found = index.SearchIndex(tmp_path / f"ix{workers}").search("安全生产", per_page=100)
        listings.append([(r["doc_id"], r["title"], r["year"], r["region"]) for r in found["results"]])
        assert summary.problems == [f"{dump}:{4 * len(SEEDS) + 1}：不是有效的 JSON（JSONDecodeError）"]
    assert listings[0] == listings[1] and listings[0]


def test_an_unchanged_file_is_not_parsed_again_but_a_changed_or_removed_one_is(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    for seed in SEEDS:
        (folder / seed.name).write_bytes(seed.read_bytes())
    first = index.ingest_paths([folder], tmp_path / "ix", progress=False)
    assert first.added == len(SEEDS) and "段/秒" in first.report() and "索引共" in first.report()

    parsed = []
    real_clean = batch.clean_unit
    monkeypatch.setattr(batch, "clean_unit", lambda unit: parsed.append(unit.path.name) or real_clean(unit))
    again = index.ingest_paths([folder], tmp_path / "ix", progress=False, workers=1)
    assert parsed == [] and again.unchanged == len(SEEDS) and again.unchanged_files == len(SEEDS)
    assert "未重新解析" in again.report()

    changed = folder / SEEDS[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n会议要求，各单位要认真抓好落实。", encoding="utf-8")
    removed_id = index.SearchIndex(tmp_path / "ix").search("", per_page=50)["results"][-1]["doc_id"]
    assert index.remove(tmp_path / "ix", removed_id)
    third = index.ingest_paths([folder], tmp_path / "ix", progress=False, workers=1)
    assert third.replaced == 1 and third.added == 1      # the edited file, and the removed document back
    assert len(parsed) == 2 and SEEDS[0].name in parsed


def test_new_cleaning_code_cleans_every_file_again(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    index.ingest_paths([folder], tmp_path / "ix", progress=False)
    monkeypatch.setattr(batch, "cleaner_fingerprint", lambda: "an upgraded cleaner")
    again = index.ingest_paths([folder], tmp_path / "ix", progress=False, workers=1)
    assert again.unchanged_files == 0 and again.unchanged == 1


def test_a_source_that_now_holds_fewer_documents_reports_the_ones_removed(tmp_path):
    # a dump that saved one URL twice, with different text (the page changed between visits)
    lines = [json.loads(line) for line in crawl_dump(tmp_path / "all.jsonl", copies=2).read_text(encoding="utf-8")
             .splitlines() if line.startswith('{"')]
    twice = [dict(lines[0]), dict(lines[1], url=lines[0]["url"])]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in twice) + "\n", encoding="utf-8")
    first = index.ingest_paths([dump], tmp_path / "ix", progress=False, workers=1)
    assert first.added + first.duplicates == 2 and first.removed == 0 and "移除" not in first.report()
    dump.write_text(json.dumps(twice[0], ensure_ascii=False) + "\n", encoding="utf-8")   # one visit left
    again = index.ingest_paths([dump], tmp_path / "ix", progress=False, workers=1)
    assert again.removed == 1 and "移除 1 篇" in again.report()
    stats = index.SearchIndex(tmp_path / "ix").stats()
    assert stats["documents"] + stats["copies"] == 1
