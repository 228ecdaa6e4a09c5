"""HTML to lines: drop the page furniture, find the main text block, keep its paragraphs apart.

Every walk over the tree is a loop over `descendants` (document order), never recursion, so a page
with 10,000 nested <div>s costs the same as a flat one.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

DATA = Path(__file__).parent / "data"
BLOCK_TAGS = frozenset("""address article aside blockquote body center dd details dialog dir div dl dt fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p pre section summary table
tbody td tfoot th thead tr ul""".split())
# the main block is one of these; never a single <p>, which would lose its sibling paragraphs
CONTAINER_TAGS = frozenset("article body center div html main section table tbody td tr".split())
SENTENCE_MARK_RE = re.compile(r"[，。；：！？、]")
SPACE_RE = re.compile(r"\s+")
TOKEN_RE = re.compile(r"[a-z0-9]+")
MAIN_SHARE = 0.7         # descend into a child while it holds this share of the sentence text
LINK_HEAVY = 0.5         # a line whose characters are mostly link text is a link list, not prose
SPARE_SHARE = 0.5        # a furniture-named element holding this share of the text is kept anyway


def _furniture_rules():
    tags, names = {}, []
    for line in (DATA / "html_furniture.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        reason, tag_names, pattern = line.split("\t")
        tags.update(dict.fromkeys(tag_names.split("|") if tag_names else (), reason))
        if pattern:
            names.append((reason, re.compile(f"(?:{pattern})")))
    return tags, names


FURNITURE_TAGS, FURNITURE_NAMES = _furniture_rules()
SCRIPT_TAGS = frozenset(tag for tag, reason in FURNITURE_TAGS.items() if reason == "script")


@dataclass
class Page:
    title: str | None                                  # <h1>, else <title> (site suffix still on)
    lines: list[str]                                   # main block, one line per paragraph
    removed: list[dict] = field(default_factory=list)  # furniture dropped, {"text", "reason"}


def extract(html: str) -> Page:
    """The title and the main text block's lines of a crawler-saved page."""
    soup = BeautifulSoup(html, "lxml")
    title = _title(soup)
    root = soup     # not soup.body: a page that includes a header with its own </html> has its article after it
    removed = _drop_furniture(root)
    weights = _sentence_weights(root)
    main = _main_block(root, weights)
    lines, elsewhere = _lines(root, main)
    removed += elsewhere
    return Page(title, lines, removed)


def _text(node) -> str:
    return _tidy(node.get_text(" "))


def _tidy(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def _title(soup) -> str | None:
    for node in (soup.find("h1"), soup.title):
        if node is not None and _text(node):
            return _text(node)
    return None


def _furniture_reason(tag: Tag) -> str | None:
    if tag.name in FURNITURE_TAGS:
        return FURNITURE_TAGS[tag.name]
    names = " ".join([tag.get("id") or ""] + list(tag.get("class") or ())).lower()
    tokens = TOKEN_RE.findall(names)
    for reason, pattern in FURNITURE_NAMES:
        if any(pattern.fullmatch(token) for token in tokens):
            return reason
    return None


def _drop_furniture(root: Tag) -> list[dict]:
    """Unlink furniture elements; return their text (scripts and styles are not text, not recorded)."""
    weights = _sentence_weights(root)
    doomed = []
    skip_until = None
    for node in root.descendants:
        if skip_until is not None:            # inside an element already doomed
            if node is skip_until:
                skip_until = None
            continue
        if isinstance(node, Tag):
            reason = _furniture_reason(node)
            if reason:
                doomed.append((node, reason))
                last = _last_descendant(node)
                skip_until = last if last is not node else None     # an empty element has nothing to skip
    removed = []
    for node, reason in doomed:
        if reason != "script" and weights[id(node)] > SPARE_SHARE * weights[id(root)]:
            continue
        text = "" if reason == "script" else _text(node)
        node.extract()
        if text:
            removed.append({"text": text, "reason": f"html_{reason}"})
    return removed


def _last_descendant(tag: Tag):
    while isinstance(tag, Tag) and tag.contents:
        tag = tag.contents[-1]
    return tag


def _is_text(node) -> bool:
    return type(node) is NavigableString and node.parent is not None and node.parent.name not in SCRIPT_TAGS


def _string_weight(text: str, in_link: bool) -> float:
    if in_link:
        return 0.0
    text = text.strip()
    return len(text) if SENTENCE_MARK_RE.search(text) else len(text) * 0.3


def _sentence_weights(root: Tag) -> dict[int, float]:
    """Sentence-text weight of every element, summed bottom-up in one reverse pass."""
    nodes = [root, *root.descendants]
    in_link = {}
    for node in nodes:
        if isinstance(node, Tag):
            parent = in_link.get(id(node.parent), False)
            in_link[id(node)] = parent or node.name == "a"
    weights = {}
    for node in reversed(nodes):
        if isinstance(node, Tag):
            weights[id(node)] = sum(weights.get(id(child), 0.0) for child in node.contents)
        elif _is_text(node):
            weights[id(node)] = _string_weight(node, in_link.get(id(node.parent), False))
    return weights


def _main_block(root: Tag, weights: dict[int, float]) -> Tag:
    """The deepest element that still holds most of the page's sentence text."""
    node = root
    while True:
        children = [child for child in node.contents if isinstance(child, Tag) and child.name in CONTAINER_TAGS]
        best = max(children, key=lambda child: weights.get(id(child), 0.0), default=None)
        if best is None or weights.get(id(best), 0.0) < MAIN_SHARE * weights.get(id(node), 0.0):
            return node
        node = best


def _lines(root: Tag, main: Tag) -> tuple[list[str], list[dict]]:
    """(prose lines of the main block, removed lines): a new line at every block element and <br>.

    Lines outside the main block and link lists inside it are returned as removed, so the page's
    date line (often just above the article) can still be found and the cut can be audited.
    """
    block_of, in_link, in_main = {}, {}, {}
    lines, current = [], None          # current: [parts, link chars, block id, in main]
    for node in [root, *root.descendants]:
        if isinstance(node, Tag):
            parent = id(node.parent)
            block_of[id(node)] = id(node) if node.name in BLOCK_TAGS else block_of.get(parent)
            in_link[id(node)] = in_link.get(parent, False) or node.name == "a"
            in_main[id(node)] = node is main or in_main.get(parent, False)
            if node.name == "br":
                current = None
            continue
        if not _is_text(node):
            continue
        parent = id(node.parent)
        if current is None or current[2] != block_of.get(parent):
            current = [[], 0, block_of.get(parent), in_main.get(parent, False)]
            lines.append(current)
        current[0].append(str(node))
        if in_link.get(parent, False):
            current[1] += len(node.strip())
    prose, removed = [], []
    for parts, link_chars, _, inside in lines:
        text = _tidy("".join(parts))
        if not text:
            continue
        if not inside:
            removed.append({"text": text, "reason": "html_outside_main"})
        elif link_chars > LINK_HEAVY * len(text):
            removed.append({"text": text, "reason": "html_links"})
        else:
            prose.append(text)
    return prose, removed
