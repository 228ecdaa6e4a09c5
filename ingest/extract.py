"""HTML to lines: drop the page furniture, find the main text block, keep its paragraphs apart.

In order: furniture elements by tag and class/id word (data/html_furniture.tsv), hidden non-prose and
dialogs; runs of similar sibling blocks that are comments, feeds or related lists (data/html_cues.tsv); the main
block by sentence weight, joined by the prose blocks just before it; then one line per block, cutting
link lists, tab rows and code shown as text. Every cut of visible text is returned in `removed` with
its reason (scripts, styles, frames and the <head> are not text).

Every walk over the tree is a loop over `descendants` (document order), never recursion, so a page
with 10,000 nested <div>s costs the same as a flat one.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from bs4 import NavigableString, Tag

from ingest.clean import is_page_furniture
from ingest.datafile import rows
from ingest.soup import parse
from ingest.text import HAN_RE

BLOCK_TAGS = frozenset("""address article aside blockquote body center dd details dialog dir div dl dt fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p pre section summary table
tbody td tfoot th thead tr ul""".split())
# the main block is one of these; never a single <p>, which would lose its sibling paragraphs
CONTAINER_TAGS = frozenset("article body center div html main noscript section table tbody td tr".split())
HEADLINE_TAGS = ("h1", "h2", "h3")
HEADLINE_MIN = 5          # a heading shorter than this that begins the <title> is a site name (网易, 首页)
SENTENCE_MARK_RE = re.compile(r"[，。；：！？、]")
# class/id words: whole runs (copyRight -> copyright) and camelCase parts (BreadcrumbNav -> breadcrumb, nav)
TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
DIGITS_RE = re.compile(r"\d+")
CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
CAMEL_PART_MIN = 3       # hashed CSS-module names (summary_EGg7N, para_wER59) must not yield "ad" or "gg"
PRE_TAGS = frozenset(("pre", "code"))     # code an article shows on purpose is not ad code
CODE_MARKS = "<.({$="     # one of these is in every match of the code cue (tags, calls, assignments, CSS rules)
CODE_HAN_MAX = 0.3       # code lines are mostly ASCII; a sentence quoting a tag name is mostly Han
COMMENT_HEAD_CHARS = 80  # the header is at the start of each comment: a forum cue within this many characters,
COMMENT_DATE_CHARS = 40  # a user name and date within this many (a feed item has its date after the summary)
COMMENT_RUN_MIN = 3      # comments come in runs; two similar blocks with dates are just two items,
COMMENT_PAIR_MIN = 2     # unless both carry a cue only threads print (a question and its one answer)
COMMENT_HEAD_SHARE = 0.6 # share of the run's blocks that must start with a header (or carry a date, for lists)
LIST_ITEM_MAX = 300      # a feed item or related entry: a headline and a summary
# never comment blocks: table rows and paragraphs (an article's chronology or a schedule table starts each
# line with a date and time), inline elements
ROW_TAGS = frozenset("tr td th tbody thead tfoot option p br span a b i em strong font img".split())
# a sibling of the main block joins it when its text is sentences: it ends like one, is not a label,
# and little of it is link text (the weight counts punctuated non-link text in full)
MERGE_LEVELS = 2
PROSE_END_RE = re.compile(r"[。！？]|[!?…”）)]\s*$")
PROSE_MIN = 15
PROSE_WEIGHT = 0.7
CHARS_PER_MARK = 50      # Chinese prose, laws included, has a mark every 10-30 characters
UNMARKED_MAX = 40        # a heading or label; a longer unpunctuated string is a keyword list
UNMARKED_WEIGHT = 0.1    # a long menu of labels (hundreds of site names) must not outweigh the article
HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
LINK_LIST_MIN = 2        # link lines after a label that make it a list's heading
LABEL_MAX = 16           # a section heading over a list: 和讯热销金融证券产品, 热门新闻排行榜
TAB_MIN = 4              # a row of this many one-element labels is a tab bar or menu
TAB_LABEL_MAX = 8
MAIN_SHARE = 0.7         # descend into a child while it holds this share of the sentence text
LINK_HEAVY = 0.5         # a line whose characters are mostly link text is a link list, not prose
SPARE_SHARE = 0.5        # a furniture-named element holding this share of the text is kept anyway


def _furniture_rules():
    tags, names = {}, []
    for reason, tag_names, pattern in rows("html_furniture.tsv", 3):
        tags.update(dict.fromkeys(tag_names.split("|") if tag_names else (), reason))
        if pattern:
            names.append((reason, re.compile(f"(?:{pattern})")))
    return tags, names


def _cues():
    return {name: re.compile(pattern, re.I) for name, pattern in rows("html_cues.tsv", 2)}


FURNITURE_TAGS, FURNITURE_NAMES = _furniture_rules()
CUES = _cues()
COMMENT_HEAD_RE, COMMENT_STRONG_RE, COMMENT_USER_RE, LIST_META_RE, CODE_RE = (
    CUES[name] for name in ("comment_head", "comment_strong", "comment_user", "list_meta", "code"))
SCRIPT_TAGS = frozenset(tag for tag, reason in FURNITURE_TAGS.items() if reason == "script")
NEVER_SPARED = frozenset(("script", "popup", "field"))
# a <noscript> usually holds a tracking pixel or 请启用JavaScript, but a JS app (Flarum, Discourse) prints its
# whole thread there for crawlers and renders the live copy out of widgets the furniture rules cut; it is
# read when, after the furniture is gone, its sentence weight is more than the rest of the page's (other <noscript>s included)
FALLBACK_TAG = "noscript"


@dataclass
class Page:
    title: str | None                                  # <h1>, else <title> (site suffix still on)
    lines: list[str]                                   # main block, one line per paragraph
    removed: list[dict] = field(default_factory=list)  # furniture dropped, {"text", "reason"}


def extract(html: str) -> Page:
    """The title and the main text block's lines of a crawler-saved page."""
    soup = parse(html)
    title = _title(soup)
    root = soup     # not soup.body: a page that includes a header with its own </html> has its article after it
    weights = _sentence_weights(root)
    removed = _drop_furniture(root, weights)
    _drop_comments(root, weights, removed)
    main = _main_block(root, weights)
    lines, elsewhere = _lines(root, {id(node) for node in _with_prose_siblings(main, root, weights)})
    removed += elsewhere
    return Page(title, lines, removed)


def _text(node) -> str:
    return _tidy(node.get_text(" "))


def _tidy(text: str) -> str:
    return " ".join(text.split())      # what \s+ -> " " and strip() give (str.split's whitespace is re's \s)


def _title(soup) -> str | None:
    """The <h1>; when the <title> does not hold it (a logo or 全部导航 in <h1>, seen on 网易 and 光明网 pages),
    the heading that begins the <title> (headline + site section); else the <h1>, else the <title>."""
    h1, page = soup.find("h1"), _text(soup.title) if soup.title else ""
    first = _text(h1) if h1 is not None else ""
    if page and first not in page:
        for node in soup.find_all(HEADLINE_TAGS):
            text = _text(node)
            if len(text) >= HEADLINE_MIN and page.startswith(text):
                return text
    return first or page or None


def _furniture_reason(tag: Tag) -> str | None:
    if tag.name in FURNITURE_TAGS:
        return FURNITURE_TAGS[tag.name]
    attrs = tag.attrs
    if not attrs:
        return None
    style = attrs.get("style")
    if "hidden" in attrs or (style and HIDDEN_RE.search(style)):
        return "hidden"             # invisible to a reader (SEO keywords, templates); spared when it is the article
    ident, classes = attrs.get("id"), attrs.get("class")
    if not ident and not classes:
        return None
    return _name_reason(" ".join([ident or "", *(classes or ())]))


@lru_cache(maxsize=4096)            # class strings repeat on a page (30 × <li class="item">)
def _name_reason(names: str) -> str | None:
    words = TOKEN_RE.findall(names)
    tokens = {word.lower() for word in words} | {part.lower() for word in words if word.isalpha()
                                                 for part in CAMEL_RE.findall(word) if len(part) >= CAMEL_PART_MIN}
    for reason, pattern in FURNITURE_NAMES:
        if any(pattern.fullmatch(token) for token in tokens):
            return reason
    return None


def _drop_furniture(root: Tag, weights: dict[int, float]) -> list[dict]:
    """Unlink furniture elements; return their text (scripts and styles are not text, not recorded).

    A furniture-named element holding most of the page's sentence text is spared, and the walk goes
    on inside it (a page wrapped in <div class="post_header"> still loses its comment box).
    """
    doomed, fallbacks = _doomed_furniture(root, weights)
    removed = _unlink_all(doomed, weights)
    for node in fallbacks:
        if weights.get(id(node), 0.0) > weights[id(root)] / 2:
            inner, nested = _doomed_furniture(node, weights)
            removed += _unlink_all(inner + [(tag, "script") for tag in nested], weights)
        else:
            _unlink(node, weights)
    return removed


def _doomed_furniture(root: Tag, weights: dict[int, float]) -> tuple[list[tuple[Tag, str]], list[Tag]]:
    """(furniture elements with their reason, <noscript> elements left for _drop_furniture to weigh)."""
    doomed, fallbacks = [], []
    skip_until = None
    for node in root.descendants:
        if skip_until is not None:            # inside an element already doomed
            if node is skip_until:
                skip_until = None
            continue
        if isinstance(node, Tag):
            if node.name in PRE_TAGS:        # highlighted code: <span class="hljs-comment"> is not a comment box
                last = _last_descendant(node)
                skip_until = last if last is not node else None
                continue
            reason = _furniture_reason(node)
            if node.name == FALLBACK_TAG and _text(node):
                fallbacks.append(node)
                last = _last_descendant(node)
                skip_until = last if last is not node else None
                continue
            if reason == "hidden" and _reads_as_prose(node, weights):
                continue                     # folded article text (展开全文) stays; keyword lists and labels go
            if reason and (reason in NEVER_SPARED or weights[id(node)] <= SPARE_SHARE * weights[id(root)]):
                doomed.append((node, reason))
                last = _last_descendant(node)
                skip_until = last if last is not node else None     # an empty element has nothing to skip
    return doomed, fallbacks


def _unlink_all(doomed: list[tuple[Tag, str]], weights: dict[int, float]) -> list[dict]:
    removed = []
    for node, reason in doomed:
        text = "" if reason == "script" else _text(node)
        _unlink(node, weights)
        if text:
            removed.append({"text": text, "reason": f"html_{reason}"})
    return removed


def _reads_as_prose(node: Tag, weights: dict[int, float]) -> bool:
    text = _text(node)
    return len(text) >= PROSE_MIN and weights.get(id(node), 0.0) >= PROSE_WEIGHT * len(text)


def _unlink(node: Tag, weights: dict[int, float]) -> None:
    """Take an element out of the tree, and its sentence weight out of its ancestors' (no second pass)."""
    weight = weights.get(id(node), 0.0)
    for parent in node.parents:
        weights[id(parent)] = weights.get(id(parent), 0.0) - weight
    node.extract()


def _class_words(node: Tag) -> tuple[str, ...]:
    """A block's class words without their numbers (post-17 and post-18 are one kind), sorted."""
    return tuple(sorted(set(DIGITS_RE.sub("", " ".join(node.get("class") or ())).split())))


def _drop_comments(root: Tag, weights: dict[int, float], removed: list[dict]) -> None:
    """Cut runs of similar sibling blocks: comments, and feeds or related lists.

    Similar: same tag and class words (ids differ per post). A run is `comments` when its blocks start
    like a comment (user/date header, floor, re:); a forum page's opening post is the first block of
    such a run and stays when the page has less sentence text outside the run than in it. A run of
    short blocks that each carry a date and time, or two reaction counters (1 点赞 · 0 评论), is a news
    feed or a related list (`html_related`), unless it is most of the page.
    """
    runs = []
    for node in [root, *root.descendants]:
        if not isinstance(node, Tag) or len(node.contents) < COMMENT_PAIR_MIN:
            continue
        groups = defaultdict(list)
        for child in node.contents:
            if isinstance(child, Tag) and child.name not in ROW_TAGS:
                groups[(child.name, _class_words(child))].append(child)
        for members in groups.values():
            reason = _run_reason(members) if len(members) >= COMMENT_PAIR_MIN else None
            if reason:
                runs.append((members, reason))
    doomed = set()
    for members, reason in runs:
        if any(id(parent) in doomed for parent in members[0].parents):
            continue                             # a reply run inside a comment already cut
        run_weight = sum(weights.get(id(member), 0.0) for member in members)
        if weights.get(id(root), 0.0) - run_weight < weights.get(id(members[0]), 0.0):
            if reason != "comments":
                continue                         # the page is this list
            members = members[1:]                # the opening post of a forum thread is its article
        for member in members:
            doomed.add(id(member))
            text = _text(member)
            _unlink(member, weights)
            if text:
                removed.append({"text": text, "reason": reason})


def _run_reason(members: list[Tag]) -> str | None:
    heads = [_head_text(member, LIST_ITEM_MAX + 1) for member in members]
    starts = [head[:COMMENT_HEAD_CHARS] for head in heads]
    if len(members) < COMMENT_RUN_MIN:
        return "comments" if all(COMMENT_STRONG_RE.search(start) for start in starts) else None
    needed = COMMENT_HEAD_SHARE * len(members)
    if sum(bool(COMMENT_STRONG_RE.search(start) or COMMENT_HEAD_RE.search(start[:COMMENT_DATE_CHARS]))
           for start in starts) >= needed or sum(_signed(member) for member in members) >= needed:
        return "comments"
    if sum(len(head) <= LIST_ITEM_MAX and bool(LIST_META_RE.search(head)) for head in heads) >= needed:
        return "html_related"
    return None


def _signed(node: Tag) -> bool:
    """Whether the block's first element is a user's signature box (class PostUser, authi, user-info)."""
    first = next((child for child in node.contents if isinstance(child, Tag)), None)
    if first is None:
        return False
    names = " ".join([first.get("id") or "", *(first.get("class") or ())])
    return bool(names.strip()) and bool(COMMENT_USER_RE.search(names))


def _head_text(node: Tag, limit: int) -> str:
    parts, size = [], 0
    for child in node.descendants:
        if _is_text(child) and child.strip():
            parts.append(child.strip())
            size += len(parts[-1]) + 1
            if size >= limit:
                break
    return " ".join(parts)[:limit]


def _last_descendant(tag: Tag):
    while isinstance(tag, Tag) and tag.contents:
        tag = tag.contents[-1]
    return tag


def _is_text(node) -> bool:
    return type(node) is NavigableString and node.parent is not None and node.parent.name not in SCRIPT_TAGS


def _string_weight(text: str, in_link: bool) -> float:
    """Characters that read as sentences: up to CHARS_PER_MARK per punctuation mark, and a little for
    unpunctuated labels (a hidden block of 170,000 characters of SEO keywords must not outweigh the article)."""
    if in_link:
        return 0.0
    text = text.strip()
    marks = len(SENTENCE_MARK_RE.findall(text))
    if marks:
        return min(len(text), marks * CHARS_PER_MARK)
    return min(len(text), UNMARKED_MAX) * UNMARKED_WEIGHT


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


def _with_prose_siblings(main: Tag, root: Tag, weights: dict[int, float]) -> list[Tag]:
    """The main block and the prose blocks right before it (a lead paragraph in its own element,
    a standfirst), up to MERGE_LEVELS ancestors up; stops at the first sibling that holds text but
    is not prose. Blocks after it are not merged: there sit the sidebars and author boxes, whose
    text is prose too (seen on real poem and news pages)."""
    nodes, node = [main], main
    for _ in range(MERGE_LEVELS):
        if node is root or node.parent is None:
            break
        for sibling in node.previous_siblings:
            if not isinstance(sibling, Tag):
                if str(sibling).strip() and type(sibling) is NavigableString:
                    break
                continue
            verdict = _is_prose(sibling, weights)
            if verdict is None:
                continue                         # empty or an image: look past it
            if not verdict:
                break
            nodes.append(sibling)
        node = node.parent
    return nodes


def _is_prose(node: Tag, weights: dict[int, float]) -> bool | None:
    """None for a block without text; else whether its text is sentences, not links or labels."""
    text = _text(node)
    if not text:
        return None
    if not PROSE_END_RE.search(text) or len(text) < PROSE_MIN:
        return False
    return weights.get(id(node), 0.0) >= PROSE_WEIGHT * len(text)


def _looks_like_code(text: str) -> bool:
    if not any(mark in text for mark in CODE_MARKS):     # cheap: every code cue has one of these
        return False
    return bool(CODE_RE.search(text)) and len(HAN_RE.findall(text)) < CODE_HAN_MAX * len(text)


def _is_tab_row(parts: list[str], text: str) -> bool:
    """A row of short labels, each its own element (政策原文 政务服务 新闻发布会 政策解读: tabs without links).

    A list of names typed into one paragraph (张三 李四 王五 赵六) is one text node and stays.
    """
    if len(parts) < TAB_MIN or " " not in text:
        return False
    labels = [part.strip() for part in parts if part.strip()]
    return (len(labels) >= TAB_MIN and len(labels) == len(text.split(" "))
            and all(len(label) <= TAB_LABEL_MAX for label in labels) and not SENTENCE_MARK_RE.search(text))


@dataclass(slots=True)
class _Line:
    """A line of the page as it is built from text nodes."""
    block: int | None            # id of the block element the text sits in
    inside: bool                 # in the main block
    shown: bool                  # in a <pre>/<code>: shown as written, never judged as code
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    link_tail: str = ""          # the text of the links that end the line so far


def _lines(root: Tag, main: set[int]) -> tuple[list[str], list[dict]]:
    """(prose lines of the main block, removed lines): a new line at every block element and <br>.

    Lines outside the main block and link lists inside it are returned as removed, so the page's
    date line (often just above the article) can still be found and the cut can be audited. A link
    that ends a line and is furniture by the lexicon (返回腾讯网首页>>) is cut from it: it is no sentence.
    """
    block_of, in_link, in_main, in_pre = {}, {}, {}, {}
    lines, current = [], None
    for node in [root, *root.descendants]:
        if isinstance(node, Tag):
            parent = id(node.parent)
            block_of[id(node)] = id(node) if node.name in BLOCK_TAGS else block_of.get(parent)
            in_link[id(node)] = in_link.get(parent, False) or node.name == "a"
            in_main[id(node)] = id(node) in main or in_main.get(parent, False)
            in_pre[id(node)] = in_pre.get(parent, False) or node.name in PRE_TAGS
            if node.name == "br" or node.name in BLOCK_TAGS:
                current = None      # text after a block (an image in its own <div>) is a new line
            continue
        if not _is_text(node):
            continue
        parent = id(node.parent)
        if current is None or current.block != block_of.get(parent):
            current = _Line(block_of.get(parent), in_main.get(parent, False), in_pre.get(parent, False))
            lines.append(current)
        current.parts.append(str(node))
        if in_link.get(parent, False):
            current.link_chars += len(node.strip())
            current.link_tail += str(node)
        elif node.strip():
            current.link_tail = ""
    verdicts, removed = [], []       # (text, reason it is cut or None), in page order
    for line in lines:
        parts, link_chars, inside = line.parts, line.link_chars, line.inside
        text = _tidy("".join(parts))
        tail = _tidy(line.link_tail)
        if inside and tail and tail != text and text.endswith(tail) and is_page_furniture(tail):
            removed.append({"text": tail, "reason": "furniture"})     # 返回腾讯网首页>> glued to the last sentence
            text = _tidy(text[:-len(tail)])
            link_chars -= len(tail.replace(" ", ""))
        if not text:
            continue
        if not line.shown and _looks_like_code(text):
            verdicts.append((text, "html_script"))
        elif not inside:
            verdicts.append((text, "html_outside_main"))
        elif link_chars > LINK_HEAVY * len(text):
            verdicts.append((text, "html_links"))
        elif _is_tab_row(parts, text):
            verdicts.append((text, "html_nav"))
        else:
            verdicts.append((text, None))
    _label_link_lists(verdicts)
    prose = [text for text, reason in verdicts if reason is None]
    removed += [{"text": text, "reason": reason} for text, reason in verdicts if reason is not None]
    return prose, removed


def _label_link_lists(verdicts: list[tuple[str, str | None]]) -> None:
    """Mark the headings of link lists (热门新闻排行榜, 你可能会喜欢 above it) as part of the list: labels
    followed, past other labels, by LINK_LIST_MIN link lines. One link after a heading (项目源码 + its URL)
    is the article's."""
    links = 0
    for i in range(len(verdicts) - 1, -1, -1):
        text, reason = verdicts[i]
        if reason == "html_links":
            links += 1
        elif reason is None and links >= LINK_LIST_MIN and _is_label(text):
            verdicts[i] = (text, "html_links")
        else:
            links = 0


def _is_label(text: str) -> bool:
    return len(text) <= LABEL_MAX and not SENTENCE_MARK_RE.search(text) and not PROSE_END_RE.search(text)
