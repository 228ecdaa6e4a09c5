"""Lines to paragraphs: cut site boilerplate (recording every cut), find the title, number paragraphs.

The patterns are data (data/boilerplate.tsv, data/furniture_lexicon.tsv, data/headings.txt); this module
applies them in a fixed order: inline cuts, boilerplate lines, ad blocks, related-article tails, the
furniture lexicon and menu lines, learnt site furniture, the title and its repeats, then Chinese
punctuation and the paragraph outline.
"""
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

import ahocorasick_rs

from ingest.datafile import rows
from ingest.prefilter import Screen, loose
from ingest.text import HAN, to_simplified, to_traditional_forms

AD_LINE_MAX = 40         # an ad or slogan line is short; a speech sentence in the block stops it
AD_GAP_MAX = 3           # slogan lines allowed between two ad lines of one block
TAIL_LINE_MAX = 60       # related-article titles after a 推荐访问 line
TITLE_MAX = 80
REPEAT_MIN = 30          # only a long line repeated word for word is a crawler's duplicate
# CJK text and full-width punctuation/quotes: a half-width mark touching one of these is Chinese
CJK = rf"[{HAN}\u3000-\u303f\uff00-\uffef“”‘’…—]"
HALF_MARK_RE = re.compile(rf"(?<={CJK})[,;:!?]|[,;:!?](?={CJK})")
HALF_PAREN_RE = re.compile(rf"\(([^()]*[{HAN}][^()]*)\)")
HALF_WIDTH_RE = re.compile(r"[,;:!?(]")      # a text without these (most lines) has nothing to change
FULL_WIDTH = str.maketrans(",;:!?", "，；：！？")
TITLE_KEY_DROP_RE = re.compile(rf"[^{HAN}A-Za-z0-9]+")
SENTENCE_END_RE = re.compile(r"[。！？；!?;…]\s*$")
CLAUSE_END_RE = re.compile(r"[。；;]\s*$")
STRIP = " \t\r\n\u3000\xa0\u200b\u200c\u200d\ufeff"
# a lexicon line is furniture unless it reads as a sentence of the article: what is left once the
# furniture words are taken out has a sentence mark, or is long (both as seen on real portal pages:
# 【打印】【关闭】 rows and 责任编辑 lines leave < 20 characters; article sentences that name 相关链接 leave more)
SENTENCE_MARK_RE = re.compile(r"[，。；！？,;!?]")
PUNCT_RE = re.compile(r"[，。；！？,;!?“”\"'‘’]")
SENTENCE_LINE_MIN = 60   # a line this long ending like a sentence is article text, whatever words it uses
LEFT_SHORT = 10          # a prompt (您还未登录，请登录后进行收藏！) may have marks but leaves only a few words
LEFT_MAX = 20
LEFT_SHARE = 0.4
FILLER_RE = re.compile(r"[\s|｜/\\·•>»›<«‹\-－—_:：\[\]【】()（）]+")
# menus: a line cut into >= MENU_MIN short pieces by | or " - " (搜狐首页 - 新闻 - 体育 …, 好文网 - 工作总结|讲话稿)
MENU_SPLIT_RE = re.compile(r"\s*[|｜]\s*|\s+[-－—/·]\s+")
MENU_SEPARATORS = ("|", "｜", " - ", " － ", " — ", " / ", " · ")
MENU_SEPARATOR = "menu"    # what the lexicon automaton yields for a separator
TRADITIONAL = "traditional"   # yielded with a trigger word's Traditional form: the line is read in Simplified
MENU_MIN = 4
MENU_ITEM_MAX = 8
# a site's cut mark: the text stops in an ellipsis inside a sentence (…安全就会离你..., 主观......, 基本要 ...,
# 同比上升12... then 请先登录: six sites of bench/data/extract part L); after a sentence mark it is the author's
# a longer run of dots is a table of contents' leader (3.6宣教培训…………)
CUT_MARK_RE = re.compile(rf"(?<=[{HAN}A-Za-z0-9，,、])\s*(?:\.{{3,6}}|…{{1,3}})\s*$")
# the first heading glued to the title on a document-sharing page (运输企业安全生产会议制度一、总则): the
# first heading of a text is 一、/第一章; after 个/第/之 or a numeral (三个一、) it is part of the title
GLUED_FIRST_HEADING_RE = re.compile(r"一\s*、|第一[章编节部]")
NOT_BEFORE_GLUED_HEADING = set("个第之一二三四五六七八九十")
GLUED_TITLE_MIN = 4
# a paper-abstract site's machine translation after the Chinese text (论文部分内容阅读 pages on three hosts:
# "Du Xun-Hsun, a poet of the Tang Dynasty, said…" after 唐代诗人杜荀鹤有诗云…): English prose of at least
# TRANSLATION_WORDS words with no Chinese character, right after a Chinese paragraph it could render (1.2–8
# letters per Chinese character; those three pages have 4.0–5.4). Code and command lines (docker run -d …, a
# blog's) are not prose: they fail the share of letters, spaces and sentence marks.
TRANSLATION_WORDS = 15
TRANSLATION_PROSE_SHARE = 0.95
TRANSLATION_RATIO = (1.2, 8.0)
PROSE_CHAR_RE = re.compile(r"[A-Za-z\s,.;:!?'’‘“”\"()\-]")
WORD_RE = re.compile(r"[A-Za-z]+")
HAN_RE = re.compile(f"[{HAN}]")
LATIN_LINE_RE = re.compile(r"(?:^|\n)[A-Za-z]")
# what follows a title glued before the text is the text (同志们：…, 生产需要…), not a breadcrumb step (高考在线 >主持词)
GLUED_REST_RE = re.compile(rf"[{HAN}A-Za-z0-9“「《（(]")


TRADITIONAL_SCOPES = {"tail", "title_suffix"}
TRADITIONAL_REASONS = {"paywall", "docinfo"}


def _boilerplate():
    """Rules by scope. A tail heading, a title suffix, a paywall line and a document-sharing info line are also
    matched in their Traditional spellings (【熱門點閱】 on a Taiwan portal, 已閱讀5頁 on a mirror of 人人文库), so no
    line needs converting."""
    rules, simplified = defaultdict(list), {}
    for reason, scope, pattern in rows("boilerplate.tsv", 3):
        both = scope in TRADITIONAL_SCOPES or reason in TRADITIONAL_REASONS
        compiled = re.compile(with_traditional(pattern) if both else pattern)
        rules[scope].append((reason, compiled))
        simplified[compiled] = re.compile(pattern)
    return rules, simplified


def with_traditional(pattern: str) -> str:
    """`pattern` with each Han character that has Traditional spellings matching them too (阅 -> [阅閱]; inside a
    class they join it, [^页] -> [^页頁]). One pattern then reads Simplified, Traditional and mixed lines
    (提供并上傳) at the cost of the Simplified one: an alternation of whole converted copies made the one-alternation
    pre-test of the inline rules three times slower."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        forms = "".join(form for form in to_traditional_forms(char) if len(form) == 1) if HAN_RE.match(char) else ""
        if in_class:
            in_class = char != "]"
            out.append(char + forms)
        elif char == "[":
            in_class = True
            out.append(char)
        else:
            out.append(f"[{char}{forms}]" if forms else char)
        i += 1
    return "".join(out)


def _admit(yields, word, *values):
    yields[word] = tuple(dict.fromkeys((*yields.get(word, ()), *values)))


def _lexicon():
    """(regexes always tried, Aho-Corasick automaton, what each of its words yields, regexes): a trigger word
    yields the indexes of the regexes it admits, a menu separator MENU_SEPARATOR (counted, one pass for both).
    A trigger's Traditional forms (責任編輯, 下載, 相關) admit the same regexes plus TRADITIONAL: Taiwan and
    Hong Kong pages print the same furniture, and the regexes, written in Simplified, then read the line
    converted (only such lines pay for the conversion)."""
    always, yields, patterns = [], {}, []
    for _, triggers, pattern in rows("furniture_lexicon.tsv", 3):
        patterns.append(re.compile(pattern))
        if not triggers:
            always.append(len(patterns) - 1)
        for word in filter(None, triggers.split("|")):
            _admit(yields, word, len(patterns) - 1)
            for form in to_traditional_forms(word):
                _admit(yields, form, len(patterns) - 1, TRADITIONAL)
    for separator in MENU_SEPARATORS:
        yields[separator] = MENU_SEPARATOR
    words = list(yields)
    return always, ahocorasick_rs.AhoCorasick(words), [yields[word] for word in words], patterns


NAMED_GROUP_RE = re.compile(r"\(\?P<\w+>")


def _any_of(patterns) -> re.Pattern:
    """One alternation of the patterns (named groups made plain): it matches a line where one of them does,
    so a line it misses (nearly all) is passed without trying the rules one by one."""
    return re.compile("|".join(f"(?:{NAMED_GROUP_RE.sub('(?:', pattern.pattern)})" for pattern in patterns) or "(?!)")


RULES, SIMPLIFIED = _boilerplate()       # SIMPLIFIED: each rule as written, before with_traditional
LEXICON_ALWAYS, LEXICON_TRIGGERS, LEXICON_YIELDS, LEXICON = _lexicon()
# without their lookarounds: a rule opening with (?<=[\u4e00-\u9fff]) is tried at every position of every line;
# a rule anchored at the line start (^…) is pre-tested apart, with match: inside the search it would be tried at
# every position too (the css and intro rules cost a third of the pre-test there)
# The pre-test reads the rules as written (Simplified); a line holding a Traditional character of a rule that reads
# both is pre-tested again with those rules (character classes cost: the Simplified-only pre-test is 40 % cheaper)
INLINE_LOOSE = [loose(SIMPLIFIED[pattern]) or SIMPLIFIED[pattern] for _, pattern in RULES["inline"]]
# (both searched alternations tried only where a match can open, Screen: re would try them at every position)
ANY_INLINE = Screen(_any_of(pattern for pattern in INLINE_LOOSE if not pattern.pattern.startswith("^")))
ANY_INLINE_AT_START = _any_of(pattern for pattern in INLINE_LOOSE if pattern.pattern.startswith("^"))
INLINE_BOTH = [pattern for _, pattern in RULES["inline"] if pattern.pattern != SIMPLIFIED[pattern].pattern]
ANY_INLINE_BOTH = Screen(_any_of(loose(pattern) or pattern for pattern in INLINE_BOTH))
TRADITIONAL_CHAR_RE = re.compile("[{}]".format("".join(sorted(
    set("".join(p.pattern for p in INLINE_BOTH)) - set("".join(SIMPLIFIED[p].pattern for p in INLINE_BOTH))))) or "(?!)")
TITLE_RULES = {pattern: Screen(pattern) for scope in ("title_suffix", "title_year") for _, pattern in RULES[scope]}
ANY_LINE = _any_of(pattern for _, pattern in RULES["line"] + RULES["date_line"])
LEXICON_ANCHORED = re.compile("|".join(f"(?:{LEXICON[row].pattern})" for row in LEXICON_ALWAYS))   # all start with ^
HEADING_RE = re.compile("|".join(f"(?:{pattern})" for pattern in rows("headings.txt")))
SPEECH_LINE_RE = re.compile("|".join(f"(?:{pattern})" for pattern in rows("speech_lines.txt")))


@dataclass
class Cleaned:
    title: str | None          # None when the text has no title line
    paragraphs: list[dict]     # {"n", "text", "heading", "section"}
    removed: list[dict]        # {"text", "reason"}, in the order they were cut
    published: str | None      # ISO date of the page's date line
    truncated: bool            # a paywall / hidden-content marker was cut


def clean(lines: list[str], title: str | None = None, furniture: frozenset[str] = frozenset()) -> Cleaned:
    """Paragraphs, title and removals of a document's raw lines.

    `title` is the title found elsewhere (an HTML page's <h1>); without it the first line that looks
    like a title is taken. `furniture` is the set of lines learnt by `learn_furniture` for the site.
    """
    removed = []

    def cut(text, reason):
        removed.append({"text": text, "reason": reason})

    lines, truncated = _cut_inline(lines, cut)
    lines, published = _drop_boilerplate_lines(lines, cut)
    lines = _drop_ad_blocks(lines, cut)
    lines = _drop_tails(lines, cut)
    lines = _drop_page_furniture(lines, cut)
    lines = _drop_furniture(lines, furniture, cut)
    if title is None and lines and looks_like_title(lines[0]):
        title, first = split_glued_heading(lines.pop(0))
        lines[:0] = [first] if first else []
    title = clean_title(title, cut) if title else None
    lines = _drop_repeats(lines, title, cut)
    lines = _drop_glued_title(lines, title, cut)
    lines = _drop_translations(lines, cut)
    truncated |= bool(lines) and bool(CUT_MARK_RE.search(lines[-1]))
    texts = [chinese_punctuation(line) for line in lines]
    return Cleaned(chinese_punctuation(title) if title else None, outline(texts), removed, published, truncated)


def strip_line(line: str) -> str:
    return line.strip(STRIP)


def _cut_inline(lines, cut):
    kept, truncated = [], False
    for line in lines:
        line = strip_line(line)
        if not (ANY_INLINE.search(line) or ANY_INLINE_AT_START.match(line)
                or TRADITIONAL_CHAR_RE.search(line) and ANY_INLINE_BOTH.search(line)):
            if line:
                kept.append(line)
            continue
        for reason, pattern in RULES["inline"]:
            if not line:
                break
            pieces = [match.group() for match in pattern.finditer(line)]
            if pieces:
                line = strip_line(pattern.sub("", line))
                truncated |= reason == "paywall"
                for piece in pieces:
                    cut(piece.strip(STRIP), reason)
        if line:
            kept.append(line)
    return kept, truncated


def _drop_boilerplate_lines(lines, cut):
    kept, published = [], None
    for line in lines:
        if not ANY_LINE.fullmatch(line):
            kept.append(line)
            continue
        reason = next((reason for reason, pattern in RULES["line"] if pattern.fullmatch(line)), None)
        if reason is None:
            for pattern_reason, pattern in RULES["date_line"]:
                match = pattern.fullmatch(line)
                if match:
                    reason = pattern_reason
                    published = published or iso_date(match.group("date"))
                    break
        if reason:
            cut(line, reason)
        else:
            kept.append(line)
    return kept, published


def find_published(texts: list[str]) -> str | None:
    """The ISO date of the first date line among `texts` (e.g. lines an HTML page kept outside its article)."""
    for text in texts:
        for _, pattern in RULES["date_line"]:
            match = pattern.fullmatch(strip_line(text))
            published = match and iso_date(match.group("date"))
            if published:
                return published
    return None


def iso_date(text: str) -> str | None:
    try:
        return date(*map(int, re.findall(r"\d+", text)[:3])).isoformat()
    except (TypeError, ValueError):
        return None


def _is_ad(line):
    """A short line with an ad word that does not end like a sentence of a law or speech (。；): real
    regulations say 会员, 付费 and 倒卖 too (`(二)红十字会会员；`); ads end in ！ or nothing."""
    return (len(line) <= AD_LINE_MAX and not CLAUSE_END_RE.search(line)
            and any(pattern.fullmatch(line) for _, pattern in RULES["ad_anchor"]))


def _drop_ad_blocks(lines, cut):
    """Ad lines, and the short slogan lines between two ad lines of the same block."""
    anchors = [i for i, line in enumerate(lines) if _is_ad(line)]
    doomed = set(anchors)
    for a, b in zip(anchors, anchors[1:]):
        between = range(a + 1, b)
        if len(between) <= AD_GAP_MAX and all(_is_slogan(lines[i]) for i in between):
            doomed.update(between)
    for i in sorted(doomed):
        cut(lines[i], "ad")
    return [line for i, line in enumerate(lines) if i not in doomed]


def _is_slogan(line):
    return len(line) <= AD_LINE_MAX and not HEADING_RE.match(line)


def _drop_tails(lines, cut):
    for i, line in enumerate(lines):
        reason = next((reason for reason, pattern in RULES["tail"] if pattern.fullmatch(line)), None)
        if reason is None:
            continue
        end = i + 1
        while end < len(lines) and len(lines[end]) <= TAIL_LINE_MAX and not SENTENCE_END_RE.search(lines[end]):
            end += 1
        for text in lines[i:end]:
            cut(text, reason)
        return lines[:i] + _drop_tails(lines[end:], cut)
    return lines


def _cut_lines(lines, reasons, cut):
    """The lines whose reason (from the parallel iterable `reasons`) is None; the others are cut for it."""
    kept = []
    for line, reason in zip(lines, reasons):
        if reason:
            cut(line, reason)
        else:
            kept.append(line)
    return kept


def _drop_page_furniture(lines, cut):
    return _cut_lines(lines, ("furniture" if is_page_furniture(line) else None for line in lines), cut)


def is_page_furniture(line: str) -> bool:
    """A line of what every site prints (lexicon), or a menu, and not a sentence of the article."""
    if len(line) > SENTENCE_LINE_MIN and SENTENCE_END_RE.search(line):
        return False
    candidates, separators = set(), 0
    for index, _, _ in LEXICON_TRIGGERS.find_matches_as_indexes(line, overlapping=True):    # every occurrence
        found = LEXICON_YIELDS[index]
        if found is MENU_SEPARATOR:
            separators += 1
        else:
            candidates.update(found)
    if separators >= MENU_MIN - 1 and _is_menu(line):
        return True
    if not candidates and not LEXICON_ANCHORED.match(line):
        return False
    if TRADITIONAL in candidates:
        candidates.discard(TRADITIONAL)
        line = to_simplified(line)
    left, hit = line, False
    for row in sorted(candidates.union(LEXICON_ALWAYS)):
        left, count = LEXICON[row].subn("", left)
        hit |= count > 0
    if not hit:
        return False
    left = FILLER_RE.sub("", left)
    if len(PUNCT_RE.sub("", left)) <= LEFT_SHORT:
        return True
    return not SENTENCE_MARK_RE.search(left) and (len(left) <= LEFT_MAX or len(left) <= LEFT_SHARE * len(line))


def _is_menu(line: str) -> bool:
    pieces = MENU_SPLIT_RE.split(line)
    return (len(pieces) >= MENU_MIN and all(len(piece) <= MENU_ITEM_MAX for piece in pieces)
            and not SENTENCE_MARK_RE.search(line))


def _drop_furniture(lines, furniture, cut):
    if not furniture:
        return lines
    return _cut_lines(lines, ("furniture" if line in furniture else None for line in lines), cut)


def looks_like_title(line: str) -> bool:
    return (len(line) <= TITLE_MAX and not SENTENCE_END_RE.search(line) and not line.endswith((":", "："))
            and not SPEECH_LINE_RE.fullmatch(line) and not HEADING_RE.match(line))


def split_glued_heading(line: str) -> tuple[str, str | None]:
    """(title, first paragraph) of a first line that is the title with the first heading glued on."""
    match = GLUED_FIRST_HEADING_RE.search(line, GLUED_TITLE_MIN)
    if not match:                                   # nearly every line
        return line, None
    before = line[match.start() - 1]
    if (HAN_RE.match(before) and before not in NOT_BEFORE_GLUED_HEADING and looks_like_title(line)
            and HEADING_RE.match(line, match.start())):
        return line[:match.start()], line[match.start():]
    return line, None


def _drop_glued_title(lines, title, cut):
    """The first paragraph without the title the site glued before it (文档简介 then 安全生产四个凡事一、…;
    生产须安全领导是关键 生产需要安全…; 安全的演讲 2020 精选 在生活…, spaced as in the PDF): it goes when a
    heading or a space and then text follow it, so a sentence that opens with the title's words (安全生产法规定…)
    stays."""
    if not title or not lines:
        return lines
    end = _prefix_end(lines[0], title)
    if end is None:
        return lines
    rest = strip_line(lines[0][end:])
    if not rest or not (lines[0][end].isspace() and GLUED_REST_RE.match(rest) or HEADING_RE.match(rest)):
        return lines
    cut(strip_line(lines[0][:end]), "duplicate_title")
    return [rest, *lines[1:]]


def _drop_translations(lines, cut):
    if not LATIN_LINE_RE.search("\n".join(lines[1:])):        # no line opens with a Latin letter: nearly every text
        return lines
    return _cut_lines(lines, ("translation" if i and _translates(lines[i - 1], line) else None
                              for i, line in enumerate(lines)), cut)


def _translates(chinese: str, line: str) -> bool:
    """Whether `line` reads as an English rendering of the Chinese paragraph before it (see TRANSLATION_WORDS)."""
    if not line[:1].isascii() or not line[:1].isalpha() or HAN_RE.search(line):     # nearly every line stops here
        return False
    han = len(HAN_RE.findall(chinese))
    low, high = TRANSLATION_RATIO
    return (len(WORD_RE.findall(line)) >= TRANSLATION_WORDS and han and low <= len(line) / han <= high
            and len(PROSE_CHAR_RE.findall(line)) >= TRANSLATION_PROSE_SHARE * len(line))


def _prefix_end(line: str, title: str) -> int | None:
    """Where `title` ends at the start of `line`, spaces in the line skipped; None when it does not start it."""
    want = [char for char in title if not char.isspace()]
    i = n = 0
    while i < len(line) and n < len(want):
        if line[i].isspace():
            i += 1
        elif line[i] == want[n]:
            i, n = i + 1, n + 1
        else:
            return None
    return i if n == len(want) and i < len(line) else None


def clean_title(title: str, cut=lambda text, reason: None) -> str:
    """The title without a site suffix (` - XX网`) or a bare year a site glued on (2022在…)."""
    title = strip_line(title)
    for scope in ("title_suffix", "title_year"):
        for reason, pattern in RULES[scope]:
            match = TITLE_RULES[pattern].search(title)
            if match and strip_line(title[:match.start()] + title[match.end():]):
                cut(strip_line(match.group()), reason)
                title = strip_line(title[:match.start()] + title[match.end():])
    return title


def may_reduce_to(line: str, reduced: str) -> bool:
    """A cheap, exact pre-test before deriving a title or key from `line` to compare with `reduced`: what
    title_key and titles' candidates derive is a subsequence of the line's characters, in order."""
    return len(reduced) <= len(line) and reduced[0] in line and reduced[-1] in line


def title_key(text: str) -> str:
    """What a title and its variants share: no site suffix, no leading year, letters and digits only."""
    text = clean_title(text)
    text = re.sub(r"^(?:19|20)\d\d\s*年?度?", "", text)
    return TITLE_KEY_DROP_RE.sub("", text)


def _drop_repeats(lines, title, cut):
    """Title repeats, and the crawler's duplicates: a long line right after itself, or a run of lines
    repeating an earlier run. A single long line recurring further on is content (a regulation repeats
    `(一)…的；` clauses under several articles: 101 such lines in shared/corpus-real)."""
    key = title_key(title) if title else None
    first = {}
    earlier = [None] * len(lines)          # index of the line's first occurrence, for long repeated lines
    for i, line in enumerate(lines):
        if len(line) >= REPEAT_MIN:
            if line in first:
                earlier[i] = first[line]
            else:
                first[line] = i

    def duplicated(i):
        j = earlier[i]
        if j is None:
            return False
        return (j == i - 1 or (i > 0 and earlier[i - 1] == j - 1)
                or (i + 1 < len(lines) and earlier[i + 1] is not None and earlier[i + 1] == j + 1))

    def reason(i, line):
        if key and len(line) <= TITLE_MAX + 20 and may_reduce_to(line, key) and title_key(line) == key:
            return "duplicate_title"
        return "repeated_line" if duplicated(i) else None

    return _cut_lines(lines, (reason(i, line) for i, line in enumerate(lines)), cut)


def chinese_punctuation(text: str) -> str:
    """Half-width , ; : ! ? and ( ) written among Chinese characters, made full-width."""
    if not HALF_WIDTH_RE.search(text):
        return text
    text = HALF_PAREN_RE.sub(r"（\1）", text)
    return HALF_MARK_RE.sub(lambda match: match.group().translate(FULL_WIDTH), text)


def outline(texts: list[str]) -> list[dict]:
    """Numbered paragraphs, each heading flagged and each paragraph under its latest heading."""
    paragraphs, section = [], None
    for n, text in enumerate(texts, 1):
        heading = bool(HEADING_RE.match(text))
        section = n if heading else section
        paragraphs.append({"n": n, "text": text, "heading": heading, "section": section})
    return paragraphs


def learn_furniture(documents: list[list[str]], min_share: float = 0.3, min_documents: int = 3) -> frozenset[str]:
    """Lines that recur in many documents of one site (menus, slogans, notices): its furniture.

    `documents` are the raw lines of each document of the same site. A line counts once per
    document; speech formulae (同志们：, 谢谢大家) and headings are never furniture.
    """
    counts = Counter()
    for lines in documents:
        counts.update({strip_line(line) for line in lines} - {""})
    needed = max(min_documents, min_share * len(documents))
    return frozenset(line for line, count in counts.items()
                     if count >= needed and not SPEECH_LINE_RE.fullmatch(line) and not HEADING_RE.match(line))
