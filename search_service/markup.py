"""Template filters: the only places where text reaches a page other than Jinja's autoescape."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from index import vocabulary
from ingest.spin import restored_spans

MARK_TAG = re.compile(r"(</?mark>)")


def safe_marks(html: str | None) -> Markup:
    """Highlighted text as markup in which `<mark>` is the only tag that can survive.

    The index already escapes its snippets; this guards the page even if a snippet arrives unescaped:
    every `<`/`>` outside a bare `<mark>`/`</mark>` is escaped, existing entities are left alone.
    """
    pieces = MARK_TAG.split(html or "")
    return Markup("".join(p if MARK_TAG.fullmatch(p) else p.replace("<", "&lt;").replace(">", "&gt;")
                          for p in pieces))


def highlighted(item: dict, field: str = "text") -> Markup:
    """`item[field]` with the index's highlights when it has them (`html`, `restored_html`), else escaped."""
    html = item.get("html" if field == "text" else f"{field}_html")
    if not html and field == "title" and not item.get("title"):
        return escape(vocabulary.UNTITLED)
    return safe_marks(html) if html else escape(item.get(field) or "")


HTML_UNIT = re.compile(r"<[^>]*>|&[#\w]+;|.", re.S)


def insert_spans(html: str, spans: list[tuple[int, int, str]]) -> str:
    """`html` (escaped text with <mark> tags) with each (start, end, scraped word) span of its text wrapped
    in <ins class="despun">; offsets count characters of the text, an entity as one, tags as none.
    An <ins> is closed before a tag inside it and reopened after, so the nesting stays valid."""
    if not spans:
        return html
    out, pos, i, open_title, open_span = [], 0, 0, None, None
    for unit in HTML_UNIT.findall(html):
        if unit.startswith("<") and len(unit) > 1:
            out.append(f"</ins>{unit}<ins class=\"despun\" title=\"{open_title}\">" if open_title else unit)
            continue
        while i < len(spans) and spans[i][1] <= pos:
            i += 1
        inside = i if i < len(spans) and spans[i][0] <= pos else None
        if open_span is not None and open_span != inside:
            out.append("</ins>")
            open_title = open_span = None
        if inside is not None and open_span is None:
            open_span, open_title = inside, escape(f"网站原文：{spans[inside][2]}")
            out.append(f"<ins class=\"despun\" title=\"{open_title}\">")
        out.append(unit)
        pos += 1
    if open_span is not None:
        out.append("</ins>")
    return "".join(out)


def despun(para: dict) -> Markup:
    """A restored paragraph's text (highlighted) with the words de-spinning changed marked, each titled
    with the word the site had; any other paragraph as `highlighted`."""
    if not para.get("restored"):
        return highlighted(para)
    restored, spans = restored_spans(para["text"])
    if restored != para["restored"]:        # restored by an older spin map: mark nothing rather than wrongly
        spans = []
    return Markup(insert_spans(str(highlighted(para, "restored")), spans))


def is_safe_url(value) -> bool:
    """Only http(s) links are rendered as links; a `javascript:` source stays plain text."""
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def source_site(source: str | None) -> str:
    """The site of a URL source (www.example.gov.cn), or the file name of a local source."""
    if not source:
        return "来源不详"
    if is_safe_url(source):
        return urlsplit(source).hostname or source
    return PurePosixPath(source.replace("\\", "/")).name


def source_label(source: str | None) -> str:
    """A source as a reader may see it: the full URL, or only the file name (never a server path)."""
    return source if is_safe_url(source) else source_site(source)


def copy_count(copies) -> int:
    return copies if isinstance(copies, int) else len(copies or ())


def init_app(app) -> None:
    for label in (vocabulary.place_label, vocabulary.year_label, vocabulary.title_label):
        app.add_template_filter(label)
    app.add_template_filter(safe_marks)
    app.add_template_filter(source_site)
    app.add_template_filter(source_label)
    app.add_template_filter(copy_count)
    app.add_template_filter(highlighted)
    app.add_template_filter(despun)
    app.add_template_test(is_safe_url, "safe_url")
    app.jinja_env.globals["vocabulary"] = vocabulary      # names, labels and limits the pages show
