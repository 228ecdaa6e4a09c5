"""A batch ingest as an operator runs it: site furniture learnt from the corpus, problems named."""
import json
import shutil
from pathlib import Path

import index
import ingest
from search_service.cli import main as cli

SEEDS = sorted((Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"))
SLOGAN = "锦绣文苑 · 汇聚千篇好文章 · 天天更新"   # no pattern knows it: only repetition gives it away


def site_with_slogan(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for seed in SEEDS:
        lines = seed.read_text(encoding="utf-8").splitlines()
        (folder / seed.name).write_text("\n".join([lines[0], SLOGAN, *lines[1:], SLOGAN]), encoding="utf-8")
    return folder


def test_lines_repeated_across_a_site_are_learnt_as_furniture(tmp_path):
    site = site_with_slogan(tmp_path / "site")
    learnt = ingest.site_furniture(sorted(site.iterdir()))
    assert all(SLOGAN in furniture for furniture in learnt.values())
    assert not any("同志们：" in furniture for furniture in learnt.values())   # speech formulae stay
    doc = ingest.clean_file(site / SEEDS[1].name, learnt[site / SEEDS[1].name])[0]
    assert not any(SLOGAN in p["text"] for p in doc["paragraphs"])
    assert any(r["text"] == SLOGAN for r in doc["removed"])


def test_a_lone_file_teaches_nothing(tmp_path):
    site = site_with_slogan(tmp_path / "site")
    for extra in sorted(site.iterdir())[1:]:
        extra.unlink()
    assert ingest.site_furniture(sorted(site.iterdir())) == {}


def test_batch_ingest_drops_site_furniture_and_names_bad_dump_lines(tmp_path, capsys):
    site = site_with_slogan(tmp_path / "site")
    dump = tmp_path / "dump.jsonl"
    good = {"url": "https://example.cn/a.html", "text": SEEDS[0].read_text(encoding="utf-8"),
            "fetched_at": "2024-03-01T08:00:00"}
    dump.write_text(json.dumps(good, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    status = cli(["ingest", str(site), str(dump), "--index", str(tmp_path / "ix"), "--quiet"])
    out = capsys.readouterr().out
    assert status == 1                       # something needs the operator's attention
    assert f"{dump}:2" in out                # the bad line is named with its line number
    ix = index.SearchIndex(tmp_path / "ix")
    assert ix.search("锦绣文苑")["total"] == 0
    assert ix.search("隐患排查")["total"] >= 4


def test_the_cleaning_processes_write_each_documents_paragraph_words(tmp_path):
    """What ranking reads of a first page's paragraphs is cut once, at ingest, on every core."""
    from index.ranking import paragraph_words
    from index.store import DocumentStore

    site = site_with_slogan(tmp_path / "site")
    index.ingest_paths([site], tmp_path / "ix", progress=False, workers=2)
    store = DocumentStore(tmp_path / "ix", readonly=True)
    doc_ids = sorted(store.all_doc_ids())
    written = store.get_many_with_words(doc_ids)
    assert len(doc_ids) == len(SEEDS) and sorted(written) == doc_ids
    assert all(words == paragraph_words(doc) for doc, words in written.values())
