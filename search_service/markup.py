"""Template filters: the only places where text reaches a page other than Jinja's autoescape."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from markupsafe import Markup, escape

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
    return safe_marks(html) if html else escape(item.get(field) or "")


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
    from .documents import place, year_label

    app.add_template_filter(place)
    app.add_template_filter(year_label)
    app.add_template_filter(safe_marks)
    app.add_template_filter(source_site)
    app.add_template_filter(source_label)
    app.add_template_filter(copy_count)
    app.add_template_filter(highlighted)
    app.add_template_test(is_safe_url, "safe_url")
