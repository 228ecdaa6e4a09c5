"""Checks the metadata development set: every label line well formed, every evidence quote in its document.

    .venv/bin/python bench/data/metadata/check_labels.py      # exit 1 and a list when something is wrong
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEVELS = {"国家", "省", "市", "县", "区", "乡", "镇", "街道", "开发区", "企业"}
DOC_TYPES = {"讲话", "主持词", "通知", "方案", "意见", "报告", "总结", "解读", "新闻", "预案", "制度", "法律法规", "其他"}
FIELDS = ("id", "file", "source", "kind", "title", "year", "province", "city", "county", "town", "level", "doc_type")
EVIDENCE = ("title_evidence", "year_evidence", "region_evidence", "level_evidence", "doc_type_evidence")


def document_text(path):
    """The document as a person reads it: the file's text (HTML as its source, which holds every visible string)."""
    return path.read_bytes().decode("utf-8", errors="replace") if path.suffix == ".txt" else _html_text(path)


def _html_text(path):
    raw = path.read_bytes()
    for codec in ("utf-8", "gb18030", "big5hkscs"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def label_lines():
    """(where, line) for every line of every labels*.jsonl (one file per collector, so none write the same file)."""
    for labels_path in sorted(HERE.glob("labels*.jsonl")):
        for number, line in enumerate(labels_path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                yield f"{labels_path.name}:{number}", line


def problems():
    found, seen = [], set()
    for where, line in label_lines():
        try:
            label = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(f"{where}: not JSON ({error})")
            continue
        missing = [field for field in FIELDS + EVIDENCE if field not in label]
        if missing:
            found.append(f"{where}: missing {', '.join(missing)}")
            continue
        if label["id"] in seen:
            found.append(f"{where}: duplicate id {label['id']}")
        seen.add(label["id"])
        path = HERE / label["file"]
        if not path.is_file():
            found.append(f"{where}: no file {label['file']}")
            continue
        if label["level"] is not None and label["level"] not in LEVELS:
            found.append(f"{where}: level {label['level']!r} not in the list")
        if label["doc_type"] is not None and label["doc_type"] not in DOC_TYPES:
            found.append(f"{where}: doc_type {label['doc_type']!r} not in the list")
        text = document_text(path)
        for field in EVIDENCE:
            quotes = label[field]
            for quote in quotes if isinstance(quotes, list) else [quotes]:
                if quote is not None and quote not in text:
                    found.append(f"{where} ({label['id']}): {field} {quote!r} is not in {label['file']}")
    return found


if __name__ == "__main__":
    bad = problems()
    print("\n".join(bad) or "all labels well formed; every quote found in its document")
    sys.exit(1 if bad else 0)
