"""The one place that reaches into bs4's internals: a leaner lxml tree builder for HTML pages.

bs4's lxml builder handles XML namespaces on every start and end tag of a page, in Python (a quarter
of building the tree of a plain page). An HTML page has none: `start` and `end` go straight to the soup
when there are none in scope and run bs4's own code otherwise, so the tree is the one bs4 builds
(tests/test_extract.py compares both on every page of bench/data/extract). On a bs4 version it was not
checked with, the standard builder is used.
"""
import bs4
from bs4 import BeautifulSoup
from bs4.builder import LXMLTreeBuilder

CHECKED_VERSIONS = ("4.13.", "4.14.", "4.15.")     # start/end/nsmaps as read here


class _HtmlBuilder(LXMLTreeBuilder):
    def start(self, tag, attrib, nsmap={}):       # noqa: B006  (lxml's signature, as in bs4)
        if nsmap or len(self.nsmaps) > 1 or tag[0] == "{" or any(key[0] == "{" for key in attrib):
            return super().start(tag, attrib, nsmap)
        self.soup.handle_starttag(tag, None, None, self.attribute_dict_class(attrib),
                                  namespaces=self.active_namespace_prefixes[-1])

    def end(self, tag):
        if len(self.nsmaps) > 1 or tag[0] == "{":
            return super().end(tag)
        self.soup.endData()
        self.soup.handle_endtag(tag, None)


LEAN = bs4.__version__.startswith(CHECKED_VERSIONS)


def parse(html: str) -> BeautifulSoup:
    """The page's tree, as BeautifulSoup(html, "lxml") builds it."""
    return BeautifulSoup(html, builder=_HtmlBuilder) if LEAN else BeautifulSoup(html, "lxml")
