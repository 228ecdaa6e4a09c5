"""ingest.soup: the lean builder gives the tree bs4's own lxml builder gives, string types included
(a <script>'s text is a Script, a comment a Comment: extract tells them from text by type)."""
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.decode import decode, html_charset
from ingest.soup import LEAN, parse

ROOT = Path(__file__).parents[1]
OFFICE_PAGE = ("<html xmlns:o='urn:schemas-microsoft-com:office:office'><head><title>通知</title>"
               "<script>var a = '<p>';</script><!-- 注释 --></head><body><p class=\"MsoNormal x\">第一条"
               "<o:p></o:p></p><svg xmlns='http://www.w3.org/2000/svg'><text>图</text></svg>&nbsp;<br>二</body></html>")


def _tree(soup):
    return [(type(node).__name__, node.name, dict(node.attrs)) if hasattr(node, "attrs") else (type(node).__name__, str(node))
            for node in soup.descendants]


def test_the_lean_tree_is_bs4s_on_every_page_of_the_development_set():
    assert LEAN
    paths = [*sorted((ROOT / "bench" / "data" / "extract" / "pages").iterdir()),
             *sorted((ROOT / "tests" / "data" / "html").rglob("*.htm*"))]
    assert len(paths) > 80
    for path in paths:
        data = path.read_bytes()
        html = decode(data, html_charset(data))[0]
        assert _tree(parse(html)) == _tree(BeautifulSoup(html, "lxml")), path.name
    assert _tree(parse(OFFICE_PAGE)) == _tree(BeautifulSoup(OFFICE_PAGE, "lxml"))
    assert [type(node).__name__ for node in parse(OFFICE_PAGE).descendants if isinstance(node, str)][:3] == \
        ["NavigableString", "Script", "Comment"]
