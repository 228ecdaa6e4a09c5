"""The document's own title, from the evidence a reader would use, and where it was found.

Sources, strongest first: the page's <h1>/<title> (HTML); a headline a site prints above its date line
or repeats (原标题：…); the first line when it reads like a title; the title a 小编/整理 intro names; a
title glued to the body's first sentence (…会议上的讲话同志们，…); a 收藏《…》 line at the end. When none
holds, the title is None (a news fragment, a 主持词 without a heading), never the file name.
The words a title is made of are data (data/title_words.txt).
"""
import functools
import itertools
import re

from ingest.clean import (RULES, chinese_punctuation, clean_title, looks_like_title, may_reduce_to, split_glued_heading,
                          strip_line)
from ingest.datafile import rows
from ingest.prefilter import Screen
from ingest.text import HAN, to_simplified

HEAD_LINES = 14             # a headline stands among the first lines, above the body (and a metadata table)
TITLE_MIN, TITLE_MAX = 5, 60
# the site's sections a <title> carries after the headline: …的决议__2007年第23号国务院公报, …讲话 - 某某网
HTML_SECTION_RE = re.compile(r"(?<=[^_]{6})\s*(?:_+|\s[-|｜—]\s).*$")
FURNITURE_WORD_MAX = 8      # a site's column or banner word before a headline, space-separated, is this short
FURNITURE_WORD_RE = re.compile(r"(?:首页|动态|動態|要闻|要聞|新闻|新聞|资讯|資訊|频道|頻道|栏目|欄目|中国|網|网)$")
HTML_HEAD_MIN = 6           # a page line this long that begins its <title> is the headline without the section
# a breadcrumb: 首页 > 新闻中心 > 要闻 (a bare > is markup or a comparison, not a step)
BREADCRUMB_RE = re.compile(r"\s+>>?\s*|\s*>>?\s+|\s*(?:＞|»|›|->|→)\s*")
BREADCRUMB = Screen(BREADCRUMB_RE)         # it opens with \s*: re would try it at every position
# a date, or a news dateline without a year (人民网石家庄10月10日电)
DATE_RE = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]|\d{1,2}\.\d{1,2}\.(?:19|20)\d\d|\d{1,2}月\d{1,2}日[电讯]")
LABEL_RE = re.compile(r"^[•·\s]*(?:原标题|标\s*题|【标题】|\[标题\])\s*[:：]?\s*|^【[^】]{1,6}】|^(?:19|20)\d{6}\s*[:：]"
                      rf"|^[{HAN}]{{1,10}}[〔\[［]\d{{4}}[〕\]］]\s*\d+\s*[号號]\s*(?=\S)")   # 苏办发〔2018〕53号《…》
WRAPPED_RE = re.compile(r"^《([^《》]+)》$")
# not a title: a list item (1. …, 一、…), a sentence (an inner 。), an organisation's name (a signature line)
NOT_TITLE_RE = re.compile(r"^(?:\d+\s*[.．、]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|第.{1,4}条"
                          r"|近日|日前|\d{1,2}月\d{1,2}日[，,]|日[，,]|[答问]\s*[:：]"
                          r"|会议(?:听取|强调|指出|要求|认为|传达|通报|审议|研究))"
                          r"|[。；;\ufffd]|[！？!?]$|《[^》]*$|(?:网|网站|频道|在线|之家|首页)$"
                          r"|(?:发言人|司长|局长|部长|主任|书记)$|(?:通过|公布|修订|修正|批准|施行)$"
                          r"|^(?:您当前的|当前|您的|所在)位置|^(?:应用|信息|主题)?分类\s*[:：]"
                          r"|^[-•·\s]*(?:上一篇|下一篇|上一条|下一条|上篇|下篇)"      # a link to another article
                          r"|^(?:发文字号|文号|发布机构|发文机关|索引号|来源|作者|类别|效力级别|主办|承办|主管)(?:单位)?\s*[:：]|厅$"
                          rf"|^[{HAN}]{{1,12}}[〔\[［]\d{{4}}[〕\]］]\s*\d+\s*号$"
                          r"|(?:委员会|人民政府|办公厅|办公室|管理局|[省市县区]委|人大常委会|公司|集团)$"
                          # a document number (…公告第20号, …令第88号), a byline in brackets ((太平煤矿 王来文)),
                          # a snippet cut short (…生产经营单 ……)
                          r"|(?:公告|令)第\s*[\d一二三四五六七八九十百〇零]+\s*号$|^[（(][^（）()]*[)）]$|\s(?:……|\.{3})$")
# trailing decoration of a scraped title: a document number (青政〔2021〕24号), a file extension, the page of an
# article split in pages (_第2页, 严字当头 强化落实 保障大局(1))
TITLE_TAIL_RE = re.compile(r"\s*(?:[（(][^（）()]*[〔\[]\d{4}[〕\]][^（）()]*[)）]|\.(?:docx?|pdf|wps|txt)|[（(][图圖][)）]"
                           r"|【已废止】|_第\d+页|(?<=[^\d\s])[（(][1-9][)）]|\[VIP\]|【VIP】|[\s|｜]+)$")
TITLE_TAIL = Screen(TITLE_TAIL_RE)       # it opens with \s*: re would try it at every position of a line
PINYIN = [Screen(pattern) for reason, pattern in RULES["inline"] if reason == "pinyin"]
# a content site's decoration: 乡镇安全生产工作总结（大全10篇）, 主持词（通用8篇）, 讲话稿 篇1, 第一篇：…, 类型…
FARM_TAIL_RE = re.compile(r"\s*(?:[（(【\[](?:通用|大全|精选|最新|优秀|热门|汇编)?\s*\d+\s*篇[)）】\]]|篇\s*\d+|最佳|范文\d*)$")
FARM_TAIL = Screen(FARM_TAIL_RE)
FARM_HEAD_RE = re.compile(r"^(?:第[一二三四五六七八九十\d]+篇\s*[:：]\s*|类型\s*)")
SPEAKER_RE = re.compile(r"^[^：:，,]{2,24}[：:](?=在.{4,60}(?:讲话|发言|致辞)$)")       # 山西省副省长胡玉亭：在…上的讲话
INTRO_RE = re.compile(r"(?:整理|收集|搜集|精选|准备|推荐|带来|分享|提供)(?:的|了)?(?:关于)?[“《]?"
                      r"(?P<title>[^“”《》，,。]{5,60}?)[”》]?(?:（[^）]*）|\([^)]*\))?(?:[，,。]|供|希望|欢迎|仅供)")
GLUED_RE = re.compile(r"^(?P<title>[^，,。；：:！？]{5,60}?(?:讲话|发言|致辞|讲话稿|主持词|讲稿))"
                      r"(?=同志们|各位|尊敬的|大家好|女士们)"
                      r"|^(?P<news>[^，,。；！？]{5,60}?)(?=(?:信息|文章)?来源\s*[:：]|发布(?:时间|日期)\s*[:：])"
                      r"|^(?P<law>[^，,。；：:！？]{4,50}?(?:条例|办法|规定|细则|决定|方案|意见|通知|制度|预案))[。.](?=\s*\S)"
                      # a notice glued to its addressees: …的通知 各市、县人民政府：
                      r"|^(?P<notice>[^，,。；：:！？]{5,80}?(?:通知|意见|方案|办法|规定|决定|通报|函))\s+(?=各)"
                      # a document-sharing site's summary opens with the title: 《在全县…会议上的讲话》讲解了…
                      r"|^《?(?P<summary>[^，,。；：:！？《》]{5,60}?(?:讲话|发言|致辞|讲话稿|主持词|讲稿|总结|方案|报告"
                      r"|汇报|预案|通知|意见|要点|制度))》?(?=讲解了|主要讲|介绍了|阐述了|概述了|描述了)")
# the first half of a wrapped title ends in 关于 (…人民政府关于实施); the second half ends like a document
WRAP_BEFORE_RE = re.compile(r"^[^，。；：:！？\s]{2,30}关于[^，。；：:！？\s]{0,8}$")
WRAP_AFTER_RE = re.compile(r"^[^，。；：:！？\s]{2,40}(?:通知|意见|方案|办法|规定|决定|通报|报告|计划|要点|预案|细则|批复)$")
# a news headline's kicker (引题) ends in what the meeting said; its main title follows on one or two lines
KICKER_RE = re.compile(r"^[^，。；：:！？\s]{4,30}(?:强调|指出|要求|提出)$")
HEADLINE_LINE_RE = re.compile(r"[^，。；：:！？]{4,30}")
KICKER_LINES = 2
# a page's bookmark link (收藏《…》, 新文秘网) or a document-sharing notice naming the file (《预案.doc》由会员分享，
# 可在线阅读…: 冰豆网, 三一办公), the file suffix left out
COLLECT_RE = re.compile(r"收藏《(?P<title>[^《》]{5,60})》"
                        r"|《(?P<shared>[^《》]{5,60}?)(?:\.(?:docx?|wps|pdf|pptx?|xlsx?|txt|rtf))?》由(?:会员|用户)分享")
# a text that names itself: 特制定本《…制度》, 《…意见》全文如下, 《…条例》于2010年5月29日…通过
SELF_NAMED_RE = re.compile(r"本《(?P<a>[^《》]{5,60})》|《(?P<b>[^《》]{5,60})》全文如下"
                           r"|(?:^|[：:]\s*)(?:新修订的)?《(?P<c>[^《》]{5,60})》(?:已?于|已经).{0,60}?(?:通过|批准|公布|印发|同意)")
TITLE_WORDS_RE = re.compile("|".join(rows("title_words.txt")))


def is_title(text: str | None, words: bool = True) -> bool:
    """A line that reads like a title: short, no sentence, no date, not a list item, and (with `words`) made of
    title words. A page's own <h1>/<title> needs no title words: it is a title by markup, whatever its topic."""
    if not text or not TITLE_MIN <= len(text) <= TITLE_MAX or DATE_RE.search(text):
        return False
    simple = to_simplified(text)  # the patterns and words are Simplified: 應急管理部…簽署儀式 is read as such
    if NOT_TITLE_RE.search(simple):
        return False
    return looks_like_title(text) and (not words or bool(TITLE_WORDS_RE.search(simple))) \
        and text.count("，") + text.count(",") <= 1


def tidy(title: str) -> str:
    """A scraped title without its site suffix, document number, file extension, speaker prefix or a content
    site's decoration; of a line holding two titles, the first when the second is the site's (…（大全10篇）)."""
    for pinyin in PINYIN:                     # converter residue, as the cleaner cuts it from the text: 鄉(xiāng)
        title = pinyin.sub("", title)
    title = TITLE_TAIL.sub("", clean_title(LABEL_RE.sub("", title)))
    title = WRAPPED_RE.sub(r"\1", title)
    farmed = FARM_TAIL.search(title)
    title = FARM_HEAD_RE.sub("", FARM_TAIL_RE.sub("", title) if farmed else title)
    if farmed and " " in title and is_title(title.split()[0]):
        title = title.split()[0]
    return SPEAKER_RE.sub("", title).strip()


@functools.lru_cache(maxsize=4096)     # a pure function of the line; headline asks for each line once per head line
def _candidate(line: str) -> str | None:
    """The title a head line holds: the line itself, the last step of a breadcrumb, the text after 标题：,
    or the one part that reads like a title of a line of furniture words (鄉鎮動態 北四平鄉消防安全生產會)."""
    line = LABEL_RE.sub("", strip_line(line))
    steps = [step for step in BREADCRUMB_RE.split(line) if step] if BREADCRUMB.search(line) else [line] * bool(line)
    if len(steps) >= 3:
        line = steps[-1]
    title = tidy(split_glued_heading(line)[0]) if line else None
    if title and " " in title and not NOT_TITLE_RE.search(title):
        parts = title.split()
        # short furniture words before the headline (鄉鎮動態 北四平鄉…會, EHS中国 法规首页 兰州市…通知) go
        while len(parts) > 1 and len(parts[0]) <= FURNITURE_WORD_MAX and FURNITURE_WORD_RE.search(parts[0]):
            parts.pop(0)
        rest = " ".join(parts)
        if rest != title and is_title(tidy(rest)):
            title = tidy(rest)
        elif not is_title(title):
            found = [tidy(part) for part in parts if is_title(tidy(part))]
            title = found[0] if len(found) == 1 else None
    return title if is_title(title) else None


def _joined(lines, i):
    """(text, index of its last line): line i with the line it continues or that continues it: a long title
    wraps in two (…关于实施 / 安全工程三年行动计划的意见, 市政府办公厅关于推进城镇燃气居民 / 和餐饮用户…的实施意见);
    a news headline's kicker with its main lines (全国安全生产电视电话会议强调 / 狠抓…落实 / 为…营造良好氛围)."""
    line = lines[i]
    if i and WRAP_BEFORE_RE.search(lines[i - 1]) and len(lines[i - 1]) + len(line) <= TITLE_MAX + 20:
        return lines[i - 1] + line, i
    if i + 1 < len(lines) and WRAP_AFTER_RE.search(lines[i + 1]) and not WRAP_AFTER_RE.search(line) \
            and "关于" in line and len(line) + len(lines[i + 1]) <= TITLE_MAX + 20:
        return line + lines[i + 1], i + 1
    if KICKER_RE.search(line):
        end = i
        while end + 1 < min(len(lines), i + 1 + KICKER_LINES) and HEADLINE_LINE_RE.fullmatch(lines[end + 1]) \
                and not DATE_RE.search(lines[end + 1]):
            end += 1
        return " ".join(lines[i: end + 1]), end
    return line, i


def headline(raw_lines: list[str]) -> str | None:
    """The headline among the first lines: above a date line or repeated scores highest, then the earliest."""
    lines = list(itertools.islice(filter(None, map(strip_line, raw_lines)), HEAD_LINES + 2))
    best, best_score = None, 0
    for i, line in enumerate(lines[:HEAD_LINES]):
        text, last = _joined(lines, i)
        title = _candidate(text)
        if title is None:
            continue
        score = 1 if i == 0 else 0.5
        if any(DATE_RE.search(after) for after in lines[last + 1: last + 2]):
            score += 2
        elif any(DATE_RE.search(after) for after in lines[last + 2: last + 3]):
            score += 1
        if sum(may_reduce_to(other, title) and _candidate(other) == title for other in lines) > 1:
            score += 2
        if score > best_score:
            best, best_score = title, score
        if len(line) > TITLE_MAX * 2:
            break       # the body has begun
    return best


def choose(*args, **kwargs) -> tuple[str | None, str]:
    """(title, title_source), see _choose; the title with Chinese punctuation like the paragraphs."""
    title, source = _choose(*args, **kwargs)
    return (chinese_punctuation(title) if title else None), source


def _choose(found: str | None, raw_lines: list[str], paragraphs: list[str], removed: list[dict],
           is_html: bool) -> tuple[str | None, str]:
    """(title, title_source): html | headline | first_line | intro | first_sentence | self_named | collect | none.

    `found` is the cleaner's title (the HTML page's <h1>/<title>, or the first line of a text file when it
    looked like a title); `raw_lines` the lines before cleaning; `removed` what the cleaner cut.
    """
    if found and is_html:
        # the page's headline line when <title> is it plus the site's section (…调研工作 东区办事处, …监察法-纪检)
        title = tidy(HTML_SECTION_RE.sub("", found))
        lines = [strip_line(text) for text in [*raw_lines, *(cut["text"] for cut in removed)]]
        heads = [line for line in lines if HTML_HEAD_MIN <= len(line) < len(title) and title.startswith(line)]
        title = max(heads, key=len) if heads else title
        if is_title(title.rstrip("？！?!"), words=False):     # a markup headline may ask or exclaim
            return title, "html"
    title = headline(raw_lines)
    if title:
        return title, "first_line" if found and title == found else "headline"
    for cut in removed:
        if cut["reason"] == "intro":
            match = INTRO_RE.search(cut["text"])
            if match and is_title(tidy(match.group("title"))):
                return tidy(match.group("title")), "intro"
    if paragraphs:
        match = GLUED_RE.search(paragraphs[0])
        if match and is_title(tidy(next(filter(None, match.groups())))):
            return tidy(next(filter(None, match.groups()))), "first_sentence"
    for text in paragraphs[:3]:
        match = SELF_NAMED_RE.search(text)
        if match:
            return next(filter(None, match.groups())), "self_named"
    for line in reversed(raw_lines[-HEAD_LINES:]):
        match = COLLECT_RE.search(line)
        if match:
            return match.group("title") or match.group("shared"), "collect"
    return None, "none"
