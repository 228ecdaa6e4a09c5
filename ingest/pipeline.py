"""Files to clean documents: read, decode, extract, clean, restore, describe.

`clean_file` is the one entry point; everything it calls is a pure step on plain data. Problems
that do not stop a file (a bad line of a crawl dump, bytes replaced while decoding) are reported
through `problems` (a list the caller passes) or, without one, the `ingest` logger.
"""
import errno
import hashlib
import json
import logging
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

from ingest import spin, titles
from ingest.clean import clean, find_published, learn_furniture, outline, title_key
from ingest.decode import decode, html_charset
from ingest.errors import SkipFile
from ingest.extract import Page, extract
from ingest.metadata import describe

log = logging.getLogger("ingest")

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
DUMP_SUFFIXES = {".jsonl"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | DUMP_SUFFIXES
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024   # no speech is this long; bigger pages are media or junk
HTML_END_RE = re.compile(r"</html\s*>", re.I)
# lines the cleaner cut that still tell the page's own place and date (footer, banner, source line, intro)
SITE_REASONS = {"date_line", "site", "furniture", "intro", "html_footer", "html_header"}
# the rest of a page outside its article: its date line is there, among other articles' titles and places
OUTSIDE_REASONS = {"html_outside_main", "html_nav"}


def clean_file(path, furniture: frozenset[str] = frozenset(), problems: list[str] | None = None) -> list[dict]:
    """The clean documents of one input file (.txt, .html/.htm: one; .jsonl crawl dump: one per good line).

    Raises SkipFile when the file yields nothing usable; its message is the reason (the caller names
    the file). `furniture` is the set of site lines learnt by `learn_furniture`.
    """
    path = Path(path)
    report = problems.append if problems is not None else log.warning
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SkipFile(f"不支持的文件类型：{suffix or '无扩展名'}")
    if suffix in DUMP_SUFFIXES:
        return _clean_dump(path, furniture, report)
    text, encoding, is_html = _decoded(path)
    notes = _decoding_notes(encoding)
    if is_html and not HTML_END_RE.search(text[-4096:]):
        notes.append("HTML 不完整（可能被截断），已按现有内容处理")
    for note in notes:
        report(f"{path}：{note}")
    return [clean_text(text, is_html, source=str(path), encoding=encoding, furniture=furniture, warnings=notes)]


def _decoded(path: Path) -> tuple[str, str, bool]:
    """(text, encoding, is HTML) of a .txt or .html file; raises SkipFile when it cannot be read."""
    data = _read(path)
    is_html = path.suffix.lower() in HTML_SUFFIXES
    text, encoding = decode(data, html_charset(data) if is_html else None)
    return text, encoding, is_html


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise SkipFile(f"文件过大（{size / 2**20:.1f} MB，上限 {MAX_DOCUMENT_BYTES // 2**20} MB）")
        return path.read_bytes()
    except PermissionError:
        raise SkipFile("没有读取权限") from None
    except IsADirectoryError:
        raise SkipFile("这是文件夹，不是文件") from None
    except OSError as exc:
        raise SkipFile(_os_reason(exc)) from None


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "符号链接循环"
    if exc.errno == errno.ENOENT:
        return "文件不存在（或符号链接指向的文件不存在）"
    return f"无法读取：{exc.strerror or exc}"


def _decoding_notes(encoding: str) -> list[str]:
    if encoding.endswith("+replaced"):
        return [f"部分字节无法按 {encoding.removesuffix('+replaced')} 解码，已替换为 �"]
    if encoding.startswith("mixed("):
        return [f"文件混用了多种编码（{encoding[6:-1]}），已逐行解码"]
    return []


def _clean_dump(path: Path, furniture, report) -> list[dict]:
    """Documents of a crawl dump; a bad line is reported as file:line and the rest still lands."""
    docs, bad = clean_dump_part(path, 0, None, 1, furniture, report)
    if not docs:
        raise SkipFile(f"没有可用的记录（{bad} 行有问题）" if bad else "空文件")
    return docs


def clean_dump_part(path: Path, start: int, end: int | None, first_line: int, furniture, report):
    """(documents, bad line count) of the lines of a crawl dump in bytes [start, end) (end None: to the end)."""
    docs, bad = [], 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SkipFile("没有读取权限" if isinstance(exc, PermissionError) else _os_reason(exc)) from None
    with handle:
        handle.seek(start)
        position = start
        for number, raw in enumerate(handle, first_line):
            if end is not None and position >= end:
                break
            position += len(raw)
            if not raw.strip():
                continue
            try:
                docs.append(_clean_record(raw, f"{path}:{number}", furniture))
            except SkipFile as exc:
                bad += 1
                report(f"{path}:{number}：{exc}")
    return docs, bad


def _clean_record(raw: bytes, where: str, furniture) -> dict:
    record = _record(raw)
    html, body = record.get("html"), _record_body(record)
    url = record.get("url") if isinstance(record.get("url"), str) and record.get("url") else where
    fetched_at = record.get("fetched_at") if isinstance(record.get("fetched_at"), str) else None
    return clean_text(body, body is html, source=url, encoding="utf-8", fetched_at=fetched_at, furniture=furniture)


def _record(raw: bytes) -> dict:
    """One line of a crawl dump as a JSON object; raises SkipFile naming what is wrong with it."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise SkipFile(f"记录过大（{len(raw) / 2**20:.1f} MB）")
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError) as exc:   # RecursionError: arrays nested thousands deep
        raise SkipFile(f"不是有效的 JSON（{exc.__class__.__name__}）") from None
    if not isinstance(record, dict):
        raise SkipFile("记录不是 JSON 对象")
    return record


def _record_body(record: dict) -> str:
    """The page of a dump record: its html when it has any, else its text; SkipFile when neither."""
    html, text = record.get("html"), record.get("text")
    body = html if isinstance(html, str) and html.strip() else text
    if not isinstance(body, str) or not body.strip():
        raise SkipFile("记录没有 html 或 text 字段")
    return body


def clean_text(text: str, is_html: bool, source: str, encoding: str = "utf-8", fetched_at: str | None = None,
               furniture: frozenset[str] = frozenset(), warnings: list[str] = ()) -> dict:
    """The clean document of one decoded text or HTML page; raises SkipFile when no body is left."""
    removed, title_hint = [], None
    if is_html:
        page = _extract(text)
        lines, title_hint, removed = page.lines, page.title, page.removed
    else:
        lines = text.splitlines()
    cleaned = clean(lines, title_hint, furniture)
    if not cleaned.paragraphs:
        raise SkipFile("没有正文（只有导航、广告或站点装饰）")
    removed += cleaned.removed
    published = cleaned.published or (find_published([cut["text"] for cut in removed]) if is_html else None)
    texts = [paragraph["text"] for paragraph in cleaned.paragraphs]
    title_scraped, title_source = titles.choose(cleaned.title, lines, texts, removed, is_html)
    if title_scraped != cleaned.title:
        if cleaned.title and title_hint is not None and title_scraped:
            # the page's <h1>/<title> was passed over for a headline of the text: it is markup, not a line
            removed.append({"text": cleaned.title, "reason": "duplicate_title"})
        elif cleaned.title:    # the cleaner's first line was no title (a date, a note), or nothing better: text
            texts.insert(0, cleaned.title)
        key = title_key(title_scraped) if title_scraped else None
        repeats = [text for text in texts if key and len(text) <= len(title_scraped) + 20 and title_key(text) == key]
        if repeats and len(repeats) < len(texts):      # the headline (原标题：…) stood among the paragraphs
            removed += [{"text": text, "reason": "duplicate_title"} for text in repeats]
            texts = [text for text in texts if text not in repeats]
        cleaned.paragraphs = outline(texts)
    restorations = Counter()
    restored = spin.is_spun([title_scraped or "", *texts])
    title = title_scraped
    if restored:
        title = spin.restore(title_scraped, restorations) if title_scraped else None
        for paragraph in cleaned.paragraphs:
            text = spin.restore(paragraph["text"], restorations)
            paragraph["restored"] = text if text != paragraph["text"] else None
    paragraphs = [{"n": p["n"], "text": p["text"], "restored": p.get("restored"), "heading": p["heading"],
                   "section": p["section"]} for p in cleaned.paragraphs]
    warnings = list(warnings)
    site = [cut["text"] for cut in removed if cut["reason"] in SITE_REASONS]
    outside = [cut["text"] for cut in removed if cut["reason"] in OUTSIDE_REASONS]
    metadata = _describe(title, [p["restored"] or p["text"] for p in paragraphs], published, site, outside, warnings)
    metadata["evidence"]["title"] = {"quote": title_scraped, "source": title_source} if title_scraped else None
    return {
        "doc_id": document_id(title or "", texts),
        "title": title,
        "title_scraped": title_scraped,
        "title_source": title_source,
        "paragraphs": paragraphs,
        **metadata,
        "published": published,
        "source": source,
        "fetched_at": fetched_at,
        "encoding": encoding,
        "restored": restored,
        "restorations": dict(restorations.most_common()),
        "truncated": cleaned.truncated,
        "removed": removed,
        "warnings": warnings,
    }


def _describe(title, texts, published, site, outside, warnings) -> dict:
    try:
        return describe(title, texts, published, site, outside)
    except Exception as exc:  # one odd document must not stop a batch; the note says what failed
        warnings.append(f"元数据提取失败：{exc.__class__.__name__}: {exc}")
        return {"year": None, "year_source": "none", "region": dict.fromkeys(("province", "city", "county", "town")),
                "level": None, "doc_type": None, "topics": [], "evidence": {}}


def document_id(title: str, texts: list[str]) -> str:
    """16 hex chars of sha256 over the normalised title and paragraphs: same content, same id."""
    normal = unicodedata.normalize("NFC", "\n".join([title, *texts]))
    return hashlib.sha256(re.sub(r"\s+", " ", normal).encode("utf-8")).hexdigest()[:16]


def document_lines(path, limit: int | None = None) -> list[list[str]]:
    """The raw lines of each document in a file (at most `limit` documents), as `learn_furniture` wants them.

    Read as `clean_file` reads it: [] for an unusable file; a bad line of a crawl dump is passed over
    and the rest still teaches.
    """
    return _document_lines(Path(path), limit)


def _document_lines(path: Path, limit: int | None, keep: bool = False) -> list[list[str]]:
    """document_lines; with `keep`, each HTML page parsed is kept for its cleaning (see _kept_pages)."""
    try:
        if path.suffix.lower() not in DUMP_SUFFIXES:
            text, _, is_html = _decoded(path)
            return [_extract(text, keep).lines if is_html else text.splitlines()]
        pages = []
        with path.open("rb") as handle:
            for raw in handle:
                if limit is not None and len(pages) >= limit:
                    break
                if not raw.strip():
                    continue
                try:
                    record = _record(raw)
                    body = _record_body(record)
                except SkipFile:
                    continue
                pages.append(_extract(body, keep).lines if body is record.get("html") else body.splitlines())
        return pages
    except (SkipFile, OSError):
        return []


# Pages parsed while a site's furniture is learnt, kept for the cleaning that follows (forked workers
# inherit them), so a sampled page is parsed once, not twice. Each is taken by the first cleaning of the
# same text. Bounded by the characters they hold: a page of bench/data/extract keeps a median 2,150
# (about 13 KB with its strings), so this is ~9,000 such pages, the samples of ~18 full sites, < 150 MB.
KEPT_CHARS_MAX = 20_000_000
_kept_pages: dict[bytes, Page] = {}
_kept_chars = 0


def _extract(html: str, keep: bool = False) -> Page:
    global _kept_chars
    if keep:
        page = extract(html)
        chars = sum(map(len, page.lines)) + sum(len(cut["text"]) for cut in page.removed)
        if _kept_chars + chars <= KEPT_CHARS_MAX:
            _kept_pages[_page_key(html)] = page
            _kept_chars += chars
        return page
    kept = _kept_pages.pop(_page_key(html), None) if _kept_pages else None
    return kept or extract(html)


def _forget_kept_pages() -> None:
    global _kept_chars
    _kept_pages.clear()
    _kept_chars = 0


def _page_key(html: str) -> bytes:
    return hashlib.blake2b(html.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def site_of(path: Path) -> Path:
    """The site a file belongs to for furniture learning: its folder, or the crawl dump itself."""
    return path if path.suffix.lower() in DUMP_SUFFIXES else path.parent


# Furniture recurs in at least 30 % of a site's pages, so a sample of this many pages finds it (a line
# on 30 % of 500 pages is seen ~150 times) while learning stays bounded in time and memory.
FURNITURE_SAMPLE = 500


def site_furniture(files, min_documents: int = 3) -> dict[Path, frozenset[str]]:
    """Learnt furniture for each file: lines recurring across the documents of its site.

    A site is the folder a crawler saved its pages in, or one crawl dump; sites with fewer than
    `min_documents` documents teach nothing. At most FURNITURE_SAMPLE documents of a site are read.
    """
    sites = {}
    for path in map(Path, files):
        sites.setdefault(site_of(path), []).append(path)
    _forget_kept_pages()        # what an earlier ingest kept and did not clean
    learnt = {}
    for members in sites.values():
        documents = []
        for path in members:
            if len(documents) >= FURNITURE_SAMPLE:
                break
            documents += _document_lines(path, FURNITURE_SAMPLE - len(documents), keep=True)
        if len(documents) >= min_documents:
            furniture = learn_furniture(documents, min_documents=min_documents)
            learnt.update(dict.fromkeys(members, furniture))
    return learnt


def iter_input_files(paths):
    """Expand files and folders into (path, None) for input files and (path, reason) for ones to skip.

    Folders are walked in name order without recursion; hidden entries (.git …) are ignored; a
    folder reached twice through symlinks is reported as a loop, not walked again.
    """
    seen_dirs = set()
    for start in map(Path, paths):
        stack = [start]
        while stack:
            path = stack.pop()
            try:
                info = path.stat()
            except OSError as exc:
                yield path, _os_reason(exc)
                continue
            if path.is_dir():
                key = (info.st_dev, info.st_ino)
                if key in seen_dirs:
                    yield path, "符号链接循环（文件夹已处理过）"
                    continue
                seen_dirs.add(key)
                try:
                    entries = sorted(os.scandir(path), key=lambda entry: entry.name, reverse=True)
                except PermissionError:
                    yield path, "没有读取权限（文件夹）"
                    continue
                except OSError as exc:
                    yield path, _os_reason(exc)
                    continue
                stack.extend(Path(entry.path) for entry in entries if not entry.name.startswith("."))
            elif path.suffix.lower() not in SUFFIXES:
                yield path, f"不支持的文件类型：{path.suffix or '无扩展名'}"
            elif not os.access(path, os.R_OK):
                yield path, "没有读取权限"
            else:
                yield path, None
