"""Main text of real web pages: this project against trafilatura and GNE, char-level P/R/F1 per page class.

Every page listed in bench/data/extract/manifest*.jsonl goes through the product's real path
(`ingest.clean_file` on the saved .html or .txt: decode -> extract -> clean); its body is the title and the
paragraphs joined by newlines. trafilatura gets the page's bytes (it decodes them itself) and GNE the
text as this project decodes it (GNE takes only text), each asked for title and main text. Both are HTML
extractors: a text copy of a page (part L) reaches them wrapped as minimal HTML, one <p> per line and no
<title>, so they see what the product sees.

Scoring (the same for all three systems):
- text is normalised first: NFKC (full-width letters, digits and ，：；！？（） become half-width), the
  remaining Chinese marks folded to one form (。．→. 、→, “”‘’「」→" …), whitespace dropped;
- char-F1 is bag-of-characters: precision = |output ∩ truth| / |output| and recall = |output ∩ truth| /
  |truth| over character multisets (an LCS would also punish order, but is O(n·m) in Python and the
  three extractors never reorder text; what they differ in is what they keep and what they drop);
  the table gives means over pages, so a long page counts as much as a short one;
- furniture: lines of the output matching an entry of the furniture lexicon (ingest/data/
  furniture_lexicon.tsv, read in Simplified characters) whose matched text is not in the truth;
- garbled: more than 5 % of the output's characters are U+FFFD or outside CJK, ASCII and the usual
  punctuation/symbol blocks (a GBK page read as Cyrillic or Latin-1 shows up here);
- title right: the output's first line equals the truth's first line once normalised (a page without a
  title line has an empty first truth line: the right answer is no title);
- truncated right (this project only, the others do not say): the document's `truncated` flag equals the
  manifest's (a paywall or preview line says only part of the text is on the page).

    .venv/bin/python bench/bench_extract.py [--systems ours,trafilatura,gne] [--misses 10] [--only E012,E040]

Prints one table per system by page class and overall; writes bench/out/extract.json.
"""
import argparse
import html
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402
from ingest.text import HAN, to_simplified  # noqa: E402
from ingest.decode import decode, html_charset  # noqa: E402

DATA = ROOT / "bench" / "data" / "extract"
OUT = ROOT / "bench" / "out" / "extract.json"
LEXICON = ROOT / "ingest" / "data" / "furniture_lexicon.tsv"
SYSTEMS = ("ours", "trafilatura", "gne")
GARBLED_SHARE = 0.05
FOLD = str.maketrans({"。": ".", "．": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
                      "『": '"', "』": '"', "【": "[", "】": "]", "〔": "[", "〕": "]", "《": "<", "》": ">",
                      "〈": "<", "〉": ">", "—": "-", "－": "-", "–": "-", "·": ".", "•": ".", "…": "..."})
SPACE_RE = re.compile(r"\s+")
# characters a Chinese page is made of; anything else (Cyrillic, Latin-1 letters, box drawing, PUA…) is odd
PLAIN_RE = re.compile(r"[\x20-\x7e\u00b7\u00d7\u00f7\u2010-\u203b\u2160-\u217f\u2460-\u24ff\u2500-\u257f"
                      rf"\u25a0-\u25ff\u2600-\u26ff\u3000-\u303f{HAN}\ufe30-\ufe4f"
                      r"\uff00-\uffef\u00b0\u00a9\u00ae\u2103\u2116\u2030\u2190-\u21ff\u2200-\u22ff]")


def normal(text: str) -> str:
    return SPACE_RE.sub("", unicodedata.normalize("NFKC", text).translate(FOLD))


def lexicon() -> list[tuple[str, re.Pattern]]:
    rows = []
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, _, pattern = line.split("\t")
            rows.append((kind, re.compile(pattern)))
    return rows


def score(output: str, truth: str) -> dict:
    out, gold = Counter(normal(output)), Counter(normal(truth))
    common = sum((out & gold).values())
    p = common / sum(out.values()) if out else (1.0 if not gold else 0.0)
    r = common / sum(gold.values()) if gold else 1.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def furniture_left(output: str, truth: str, rules) -> list[str]:
    gold = normal(to_simplified(truth))
    found = []
    for line in output.splitlines():
        simple = to_simplified(line)      # the lexicon is Simplified; Taiwan/Hong Kong pages print 責任編輯
        for kind, pattern in rules:
            match = pattern.search(simple)
            if match and normal(match.group()) not in gold:
                found.append(f"{kind}: {line.strip()[:60]}")
                break
    return found


def title_right(output: str, truth: str) -> bool:
    return normal(output.split("\n", 1)[0]) == normal(truth.split("\n", 1)[0])


def garbled(output: str) -> bool:
    chars = SPACE_RE.sub("", output)
    if not chars:
        return False
    odd = len(chars) - len(PLAIN_RE.findall(chars))
    return odd > GARBLED_SHARE * len(chars)


def ours(path: Path, data: bytes) -> tuple[str, bool | None]:
    """(title and paragraphs, the document's truncated flag)."""
    try:
        (doc,) = ingest.clean_file(path, problems=[])
    except ingest.SkipFile:
        return "", None
    return "\n".join([doc["title"] or "", *(p["text"] for p in doc["paragraphs"])]), doc["truncated"]


def as_html(path: Path, data: bytes) -> bytes:
    """The page for an HTML extractor: a text copy becomes minimal HTML, one <p> per line, no <title>."""
    if path.suffix.lower() != ".txt":
        return data
    lines = decode(data, None)[0].splitlines()
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines if line.strip())
    return f'<html><head><meta charset="utf-8"></head><body>\n{body}</body></html>'.encode("utf-8")


def trafilatura_body(path: Path, data: bytes) -> tuple[str, None]:
    import trafilatura
    doc = trafilatura.bare_extraction(as_html(path, data), with_metadata=True)
    if not doc:
        return "", None
    return "\n".join(part for part in (doc.title, doc.text) if part), None


def gne_body(path: Path, data: bytes) -> tuple[str, None]:
    from gne import GeneralNewsExtractor
    try:
        page = as_html(path, data)
        result = GeneralNewsExtractor().extract(decode(page, html_charset(page))[0])
    except Exception:     # GNE raises on pages it cannot parse; that page scores 0
        return "", None
    return "\n".join(part for part in (result.get("title"), result.get("content")) if part), None


RUNNERS = {"ours": ours, "trafilatura": trafilatura_body, "gne": gne_body}


def _available(system: str) -> bool:
    if system == "ours":
        return True
    try:
        __import__(system)
        return True
    except ImportError:
        print(f"跳过 {system}：未安装（pip install -e '.[bench]'）", file=sys.stderr)
        return False


def pages(only=None) -> list[dict]:
    rows = []
    for manifest in sorted(DATA.glob("manifest*.jsonl")):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            page_id = row.get("id") or Path(row.get("page") or row.get("html") or row["file"]).stem
            if only and page_id not in only:
                continue
            html = DATA / (row.get("page") or row.get("html") or row.get("file") or f"pages/{page_id}.html")
            truth = DATA / (row.get("truth") or f"truth/{page_id}.txt")
            if html.exists() and truth.exists():
                rows.append({**row, "id": page_id, "html_path": html, "truth_path": truth})
    listed = {row["html_path"].name for row in rows}
    for html in sorted((DATA / "pages").glob("*.htm*")):     # a page with truth but no manifest line yet
        truth = DATA / "truth" / f"{html.stem}.txt"
        if html.name not in listed and truth.exists() and (not only or html.stem in only):
            rows.append({"id": html.stem, "class": "unlisted", "html_path": html, "truth_path": truth})
    return rows


def snippets(output: str, truth: str, limit: int = 4) -> tuple[list[str], list[str]]:
    """(truth lines absent from the output, output lines absent from the truth), longest first."""
    out_n, gold_n = normal(output), normal(truth)
    missing = [line.strip() for line in truth.splitlines() if normal(line) and normal(line) not in out_n]
    extra = [line.strip() for line in output.splitlines() if normal(line) and normal(line) not in gold_n]
    cut = lambda lines: [line[:70] + ("…" if len(line) > 70 else "") for line in sorted(lines, key=len, reverse=True)[:limit]]
    return cut(missing), cut(extra)


def summarise(results, system) -> dict:
    by_class = defaultdict(list)
    for row in results:
        by_class[row["class"]].append(row[system])
        by_class["all"].append(row[system])
    table = {}
    for name, scores in by_class.items():
        n = len(scores)
        table[name] = {"pages": n, **{key: round(sum(s[key] for s in scores) / n, 4) for key in ("p", "r", "f1")},
                       "furniture": sum(len(s["furniture"]) for s in scores),
                       "garbled": sum(s["garbled"] for s in scores), "seconds": round(sum(s["seconds"] for s in scores), 2),
                       "title_right": sum(s["title_right"] for s in scores),
                       "truncated_right": sum(s["truncated_right"] for s in scores if s["truncated_right"] is not None),
                       "truncated_known": sum(s["truncated_right"] is not None for s in scores)}
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--misses", type=int, default=0, help="list the N worst pages of this project")
    parser.add_argument("--only", default="", help="comma-separated page ids")
    args = parser.parse_args()
    systems = [name for name in args.systems.split(",") if name and _available(name)]
    rows = pages(set(filter(None, args.only.split(","))))
    if not rows:
        sys.exit(f"没有找到评测页面：{DATA}/manifest*.jsonl（每行一页，pages/ 与 truth/ 下的文件须存在）")
    rules = lexicon()
    results = []
    for row in rows:
        data = row["html_path"].read_bytes()
        truth = row["truth_path"].read_text(encoding="utf-8")
        result = {"id": row["id"], "class": row.get("class", "?"), "site": row.get("site"),
                  "encoding": row.get("encoding")}
        for system in systems:
            start = time.perf_counter()
            output, truncated = RUNNERS[system](row["html_path"], data)
            seconds = time.perf_counter() - start
            known = truncated is not None and "truncated" in row
            result[system] = {**score(output, truth), "furniture": furniture_left(output, truth, rules),
                              "garbled": garbled(output), "seconds": seconds, "chars": len(normal(output)),
                              "title_right": title_right(output, truth),
                              "truncated": truncated, "truncated_right": truncated == row["truncated"] if known else None}
            if system == systems[0]:
                result["missing"], result["extra"] = snippets(output, truth)
                result["title"] = [output.split("\n", 1)[0][:40], truth.split("\n", 1)[0][:40]]
        results.append(result)
    tables = {system: summarise(results, system) for system in systems}
    classes = sorted({row["class"] for row in results}) + ["all"]
    header = f"{'class':<12}{'pages':>6}" + "".join(f"{system[:11]:>34}" for system in systems)
    print(header)
    print(f"{'':<18}" + "".join(f"{'P':>8}{'R':>7}{'F1':>7}{'furn':>6}{'garb':>6}" for _ in systems))
    for name in classes:
        line = f"{name:<12}{tables[systems[0]][name]['pages']:>6}"
        for system in systems:
            row = tables[system][name]
            line += f"{row['p']:>8.3f}{row['r']:>7.3f}{row['f1']:>7.3f}{row['furniture']:>6}{row['garbled']:>6}"
        print(line)
    print(f"\n{'class':<12}{'pages':>6}" + "".join(f"{system[:11] + ' title':>20}" for system in systems)
          + f"{systems[0][:11] + ' truncated':>24}")
    for name in classes:
        first = tables[systems[0]][name]
        line = f"{name:<12}{first['pages']:>6}" + "".join(
            f"{tables[system][name]['title_right']:>14}/{tables[system][name]['pages']:<5}" for system in systems)
        print(line + f"{first['truncated_right']:>18}/{first['truncated_known']:<5}")
    if args.misses:
        first = systems[0]
        print(f"\n{first}: worst {args.misses} pages")
        for result in sorted(results, key=lambda r: r[first]["f1"])[:args.misses]:
            s = result[first]
            print(f"{result['id']} [{result['class']}, {result['site']}] F1 {s['f1']:.3f} P {s['p']:.3f} R {s['r']:.3f}"
                  f"{' GARBLED' if s['garbled'] else ''}{' TRUNCATED WRONG' if s['truncated_right'] is False else ''}"
                  f"  title {result['title'][0]!r} (truth {result['title'][1]!r})")
            for text in result["missing"]:
                print(f"   - {text}")
            for text in result["extra"]:
                print(f"   + {text}")
            for text in s["furniture"]:
                print(f"   ! {text}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"systems": systems, "tables": tables, "pages": results}, ensure_ascii=False, indent=1))
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
