"""Describe a clean document: its year, region, level, document type and topics, each with its evidence.

Every rule's words live in data/ (level_cues.tsv, year_cues.tsv, date_lines.tsv, doc_types.tsv,
topics.tsv, …); this module only reads them once and weighs them. Traditional text is converted to
Simplified for matching only. Each field's evidence is the quoted text that decided it and where it
was found (title, body, site: a line the cleaner cut as page furniture, date_line), so a person can
check why a document sits under 2019 and 济宁市.
"""
import re
from collections import Counter

import ahocorasick_rs

from ingest import region
from ingest.datafile import rows
from ingest.prefilter import Screen, chars_in
from ingest.text import HAN, to_simplified
from ingest.years import plausible_year

TITLE_WEIGHT = 5            # one title cue outweighs a handful of 全市 in the body
HEAD = 3                    # paragraphs after the title that hold an issuer or a national header
DATE_HEAD = 12               # opening paragraphs searched for a date line (site furniture may come first)
HISTORY = 20                # opening paragraphs searched for a promulgation or revision line
NEWS_LEAD = 4               # paragraphs of a news report that date it (the lead and what follows it)
TAIL = 4                    # closing paragraphs that hold a signature date
OFFICIAL_TYPES = {"通知", "意见", "方案", "预案", "制度", "法律法规", "报告", "解读"}   # dated by own date or number
# official texts a government site posts itself, so its page date is theirs; 预案, 报告 and 制度 are mostly
# copies on content sites, whose page date is a repost date (measured on the development set: 3 of 4)
POSTED_TYPES = {"通知", "意见", "方案", "解读", "法律法规"}
SUMMARY_YEAR_RE = re.compile(r"((?:19|20)\d\d)年?度?[^，。]{0,10}?总结")
MEETING_END_RE = re.compile(r"(?:会议|会|大会)$")
RANGE_END_RE = re.compile(r"(?:19|20)\d\d\s*年?\s*[—–\-~～至到]\s*$")
# a development zone named after its place (吴江开发区, 西安经开区, 安康市恒口示范区): the issuer is the zone
ZONE_RE = re.compile(rf"[{HAN}]{{0,6}}?(?:经济技术开发区|经济开发区|经开区|开发区|高新区|高新技术产业开发区|示范区|工业园区|产业园区)")
COLUMN_RE = re.compile(r"[^｜|]{2,8}[｜|]")       # a site column before the headline (新华视界｜, 政策解读|)
CITED_RE = re.compile(r"《[^《》\n]*》")
SENTENCE_RE = re.compile(r"[，。；,;]")
ARTICLE_RE = re.compile(r"第[一二三四五六七八九十]+[章条]")
NATIONAL = "国家"
# how deep the region goes for a speaker of each level; 企业 keeps all the text tells, an unknown speaker stops
# at the county (a town named in a report is where it happened, not who speaks).
# A 省直辖县级市 is a city in the gazetteer (nothing above it but the province): 县 reads it to the city level.
REGION_DEPTH = {"省": "province", "市": "city", "县": "county", "区": "county", "乡": "town", "镇": "town",
                "街道": "town", "开发区": "county"}
# speakers that are no government (a zone, a company) sit in a county only when the text names it: the towns
# a zone's report lists are the places it works in, not its address
NAMED_COUNTY_ONLY = {"开发区", "企业"}
CN_DIGITS = str.maketrans("〇零○OＯ一二三四五六七八九", "00000123456789")   # 二OO九: a Latin O for 〇
CN_YEAR_RE = re.compile(r"[一二][〇零○OＯ一二三四五六七八九]{3}(?=[ \t]*年)")
# the month and day of a date whose year is already digits: 2006年八月二十六日 -> 2006年8月26日
CN_DATE_RE = re.compile(r"(\d{4}年)([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")
# the space starts the pattern: lookbehinds first were slow; [ \t][ \t]*, not [ \t]+, so re scans for the space
SPACED_RE = re.compile(r"[ \t][ \t]*(?=[\d年月日])")
FULL_WIDTH_RE = re.compile("[０-９\u3000]")
# a year is four digits not touching another digit or a redaction mark (20**, 202x); 2017年以来 is history
YEAR_RE = re.compile(r"(?<![\d*＊xX×])((?:19|20)\d\d)(?![\d*＊xX×])(?!\s*年?(?:以来|来))")
YEAR_SCREEN = Screen(YEAR_RE)
# a text opens with its promulgation and revision history: 2004年1月13日…公布, 根据2014年7月29日…修订
ENACTED_RE = re.compile(r"((?:19|20)\d\d)年\d{1,2}月\d{1,2}日(?:[^。；\n]{0,80}?(?:公布|通过|修正|修订|发布|批准)|\s*$)")
# a report's lead dated without its year (12月29日下午，北田街办召开…): in the year's last months a look back on a
# year is on the year now ending, not the one before (year_cues.tsv, offset 1)
LEAD_DATE_RE = re.compile(r"[^\n\d]{0,12}?(?<![\d年])(\d{1,2})月\d{1,2}日")
YEAR_END = {11, 12}
TRAILING_NOTE_RE = re.compile(r"(?:（[^（）]*）|\([^()]*\)|\s|(?<=\D)\d{1,2})+$")   # 总结（2021年）, 总结10
OPENING = 8                 # paragraphs whose wording tells the type of a text without a title (menus may come first)
NO_LAW_LEVELS = {"企业", "乡", "镇", "街道", "开发区"}     # their 规定 and 办法 are internal rules (制度)
OPENING_CHARS = 40          # an issuer in the body is named in the opening clause (X月X日，XX镇召开…)
FULL_WIDTH = str.maketrans("０１２３４５６７８９\u3000", "0123456789 ")
QUOTE_AROUND = 20           # characters each side of a cue quoted as evidence

LEVEL_CUES = [(level, float(weight), re.compile(pattern)) for level, weight, pattern in rows("level_cues.tsv", 3)]
LEVEL_SCREENS = {pattern: Screen(pattern) for _, _, pattern in LEVEL_CUES}   # to pass over a cue the body cannot match
LEVEL_CHARS = frozenset().union(*(need for screen in LEVEL_SCREENS.values() for need in screen.needs))
LEVEL_TITLE_CUES = [(level, re.compile(pattern)) for level, pattern in rows("level_title_cues.tsv", 2)]
NATIONAL_RE = re.compile("|".join(f"(?:{cue})" for cue in rows("national_cues.txt")), re.M)
RELAY_RE = re.compile("|".join(rows("national_relays.txt")))
YEAR_CUES = [(int(offset), rank, re.compile(pattern, re.M)) for offset, rank, pattern in rows("year_cues.tsv", 3)]
DATE_LINES = [(kind, re.compile(pattern)) for kind, pattern in rows("date_lines.tsv", 2)]
# a date line's year group takes part in every match (dated_line reads it), so a text without such four digits
# (most paragraphs) matches none of them: one scan instead of 17
DATED_RE = re.compile(r"(?:19|20)\d\d" if all(r"(?P<year>(?:19|20)\d\d)" in pattern.pattern
                                                for _, pattern in DATE_LINES) else "")
DOC_TYPES = [(doc_type, where, re.compile(pattern, re.M)) for doc_type, where, pattern in rows("doc_types.tsv", 3)]
TOPICS = {topic: (int(min_hits), keywords.split("|")) for topic, min_hits, keywords in rows("topics.tsv", 3)}
TOPIC_OF = {}
for _topic, (_, _keywords) in TOPICS.items():
    for _keyword in _keywords:
        TOPIC_OF.setdefault(_keyword, []).append(_topic)
# leftmost longest, so 危险化学品 is counted once and not also as 危化 (an alternation of the words longest
# first finds the same, in one pass per word at each candidate position)
TOPIC_WORDS = sorted(TOPIC_OF, key=len, reverse=True)
TOPIC_MATCHER = ahocorasick_rs.AhoCorasick(TOPIC_WORDS, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def _evidence(quote, source):
    return {"quote": quote[:120], "source": source}


def _around(text, match):
    return text[max(0, match.start() - QUOTE_AROUND): match.end() + QUOTE_AROUND].strip()


def normalise(text):
    """Simplified text with full-width digits folded, 二〇二三年 as 2023年 and no spaces inside 2018 年 3 月."""
    text = to_simplified(text)
    if FULL_WIDTH_RE.search(text):
        text = text.translate(FULL_WIDTH)
    text = CN_YEAR_RE.sub(_cn_year, text)
    if "月" in text:
        text = CN_DATE_RE.sub(lambda m: f"{m.group(1)}{_cn_number(m.group(2))}月{_cn_number(m.group(3))}日", text)
    return SPACED_RE.sub(_inside_date, text)


def _cn_number(text):
    """一 -> 1, 十二 -> 12, 二十六 -> 26 (up to 三十一)."""
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return str(int(text.translate(CN_DIGITS)))
    return str(int((tens or "一").translate(CN_DIGITS)) * 10 + (int(units.translate(CN_DIGITS)) if units else 0))


def _cn_year(match):
    """二〇二三 as 2023, unless it is the tail of a longer numeral or a redaction (一二〇二三, *二〇二三)."""
    before = match.string[match.start() - 1] if match.start() else ""
    year = match.group().translate(CN_DIGITS)
    return match.group() if (before and before in "〇零○一二三四五六七八九*＊") or not year.isdigit() else year


def _inside_date(match):
    """'' for a space inside a date (2018 年, 3 月 5), else the space unchanged."""
    before = match.string[match.start() - 1] if match.start() else ""
    after = match.string[match.end()]
    inside = (before.isdigit() and after in "年月日") or (before in "年月" and after.isdigit())
    return "" if inside else match.group()


def describe(title: str | None, paragraphs: list[str], published: str | None, site: list[str] = (),
             outside: list[str] = ()) -> dict:
    """Year (with its source), region, level, doc_type, topics and the evidence of each, for one document.

    `paragraphs` is the cleaned, de-spun text (Simplified or Traditional); `published` is the page's
    ISO date from a date line, or None; `site` are the lines the cleaner cut as page furniture (footer,
    banner, source line), which tell the site's own place and date; `outside` the other lines of an HTML
    page outside its article (its date line sits there, among other articles' names: searched for dates only).
    """
    title = normalise(title or "")
    # one pass over the joined text: the per-paragraph calls cost more than the work
    paragraphs = normalise("\n".join(text.replace("\n", " ") for text in paragraphs)).split("\n") if paragraphs else []
    site = [normalise(text) for text in site]
    outside = [normalise(text) for text in outside]
    evidence = {}
    level, evidence["level"], placement = speaker_level(title, paragraphs, site)
    depth = REGION_DEPTH.get(level, "county" if level is None else "town")
    # a text that names one place only, of the speaker's own level (赤山镇 and 我镇) or above it, is placed by
    # that mention; a company by the one place it names (zones list the places they work in)
    single = level in REGION_DEPTH or level == "企业"
    if level == NATIONAL:
        placement = None          # a national text has no place, whatever places it names
    place = placement.names(depth, single) if placement else dict.fromkeys(region.LEVELS)
    if level in NAMED_COUNTY_ONLY and place["county"] and not placement.direct.get(placement.codes["county"]):
        place["county"] = place["town"] = None
    if level is None and place["province"] and not _spoken_for(placement):
        place = dict.fromkeys(region.LEVELS)      # only a medium's seat or the site's footer names it
    quote = placement.quote(depth, single) if placement and place["province"] else None
    evidence["region"] = _evidence(*quote) if quote and (place["province"] or place["town"]) else None
    doc_type, evidence["doc_type"] = document_type(title, paragraphs, level)
    year, year_source, evidence["year"] = speech_year(title, paragraphs, published, [*site, *outside], doc_type)
    return {
        "year": year,
        "year_source": year_source,
        "region": place,
        "level": level,
        "doc_type": doc_type,
        "topics": topics(title, paragraphs),
        "evidence": evidence,
    }


# --- level ------------------------------------------------------------------------------------------

def level_of_area(code):
    """The level a speaker for this division has: 省, 市, 县 (county-level cities too), 区, 乡, 镇, 街道."""
    area = region.AREAS_BY_CODE[code]
    if area.level == "province":
        return "省"
    if area.level == "city":
        return "县" if len(code) == 6 else "市"     # a 省直辖县级市 (仙桃市) has a county's six-digit code
    if area.level == "county":
        return "区" if area.name.endswith("区") and not area.name.endswith(("林区", "矿区")) else "县"
    return "街道" if area.name.endswith(("街道", "办事处")) else "乡" if area.name.endswith(("乡", "苏木")) else "镇"


def speaker_level(title, paragraphs, site=()):
    """(level, evidence, placement): the issuer's or speaker's own level and where they sit.

    The issuer named in the title or opening (济南市…条例, XX镇召开…, XX人民政府关于…) decides; else a
    national text (国务院令, 中华人民共和国…法) is 国家 and has no place; else how the speaker addresses
    the audience (我镇, 全县, 我公司) is counted, the title's cues weighing most. Level (None, None, …)
    when the text is silent.
    """
    issuer = issuing_place(title, paragraphs)
    # a national document cited by name (《国务院关于…的意见》) does not make the citing text national;
    # the opening paragraphs, and the first that hold a sentence when page furniture (打印本页 转发 收藏, a
    # date line) stands above the text
    sentences = [text for text in paragraphs[HEAD: HEAD * 3] if SENTENCE_RE.search(text)]
    head = CITED_RE.sub("《》", "\n".join([title, *paragraphs[:HEAD], *sentences[:HEAD]]))
    national = NATIONAL_RE.search(head)
    # the issuer that names the title or opens the text (安徽省人民政府办公厅转发国务院…) outweighs national cues,
    # unless a national body opens the title before it (安全监管总局召开“支援西藏…座谈会”: the place is its topic)
    opens = issuer and (issuer[1].where == "title" or (issuer[1].paragraph == 0 and issuer[1].start <= 2))
    if opens and not (national and national.start() == 0 and issuer[1].where == "title" and issuer[1].start > 0):
        national = None
    if national and national.start() > len(title) and RELAY_RE.search(title):
        national = None           # 泾河新城组织参加全国…会议: a local report of the national meeting it joined
    if national:
        line_start = head.rfind("\n", 0, national.start()) + 1      # the quote stays on the cue's own line
        line = head[line_start: head.find("\n", national.end()) % (len(head) + 1)]
        quote = line[max(0, national.start() - line_start - QUOTE_AROUND): national.end() - line_start + QUOTE_AROUND]
        return NATIONAL, _evidence(quote.strip(), "title" if national.start() < len(title) else "body"), None
    placement = region.place(title, paragraphs, site)
    if issuer:
        code, mention = issuer
        level = "开发区" if ZONE_RE.match(mention.after) else _adjust(level_of_area(code), placement)
        return level, _evidence(mention.quote, mention.where), placement
    score, first = Counter(), {}
    for level, pattern in LEVEL_TITLE_CUES:
        match = pattern.search(title)
        if match:
            score[level] += TITLE_WEIGHT
            first.setdefault(level, _evidence(_around(title, match), "title"))
    body = "\n".join(paragraphs)
    counted = region.without_participants(body)      # the bodies listed at a meeting do not speak for it
    chars = chars_in(counted, LEVEL_CHARS)
    for level, weight, pattern in LEVEL_CUES:
        screen = LEVEL_SCREENS[pattern]
        if not screen.passes(counted, chars):
            continue
        found = list(screen.finditer(counted))
        if found:
            score[level] += weight * len(found)
            first.setdefault(level, _evidence(_around(body, found[0]), "body"))
    best = score.most_common(1)
    if not best or best[0][1] <= 0:
        return _host_level(placement)
    return _adjust(best[0][0], placement), first[best[0][0]], placement


def _spoken_for(placement):
    """Whether a mention in the title or body, other than a medium's name, supports the province chosen."""
    province = placement.codes["province"]
    return any(mention.where != "site" and mention.weight >= 1 and not region.is_medium(mention)
               and any(code == province or province in region.ancestors(code) for code in mention.codes)
               for mention in placement.mentions)


def _host_level(placement):
    """(level, evidence, placement) from the site's host in its footer (主办：北京市西城区人民政府办公室), else Nones."""
    mentions = placement.mentions
    for i, mention in enumerate(mentions):
        if mention.where == "site" and "主办" in mention.quote and len(mention.codes) == 1:
            code, last = _deepest(mention.codes[0], mention, mentions[i + 1:])     # 北京市西城区 -> 西城区
            return _adjust(level_of_area(code), placement), _evidence(last.quote, "site"), placement
    return None, None, placement


def _adjust(level, placement):
    """Conventions: a county-level city's 我市 is 县, a 直辖市's 全市 is 省, an autonomous region's 全区 is 省."""
    codes = placement.codes
    province = region.AREAS_BY_CODE[codes["province"]] if codes["province"] else None
    if level == "市" and province and province.name.endswith("市"):
        return "省"
    if level == "市" and codes["city"] and len(codes["city"]) == 6:
        return "县"        # 我市 in a 省直辖县级市 (天门市)
    if level == "市" and codes["county"]:
        county = region.AREAS_BY_CODE[codes["county"]]
        city_direct = placement.direct.get(codes["city"], 0)
        if county.name.endswith("市") and placement.direct.get(county.code, 0) > city_direct:
            return "县"
    county = region.AREAS_BY_CODE[codes["county"]] if codes["county"] else None
    if level == "区" and province and province.name.endswith("自治区") and not (county and county.name.endswith("区")):
        return "省"        # 我区 of an autonomous region, unless one of its districts speaks
    return level


def issuing_place(title, paragraphs):
    """(code, mention) of the division that issues or holds the document, or None.

    A place that opens the title (济南市安全生产条例, 通州区启动…), or one followed by an issuing body or
    a verb of holding (XX人民政府, XX应急管理局, XX镇召开) in the title or the opening clause of the text.
    A shared name (通州区) counts when its parent is named nearby.
    """
    head = region.place(title, paragraphs[:2])
    chosen = set(head.codes.values())
    mentions = head.mentions
    # the addressees of a notice (各县（区）人民政府，新乡高新区…：) are no issuer: the characters before the colon
    addressed = {i: (len(text) if text.rstrip().endswith(("：", ":")) else text.find("：") if text.startswith("各")
                     else 0) for i, text in enumerate(paragraphs[:2])}
    for i, mention in enumerate(mentions):
        codes = [code for code in mention.codes if len(mention.codes) == 1 or code in chosen]
        if not codes and len({level_of_area(code) for code in mention.codes}) == 1 \
                and region.AREAS_BY_CODE[mention.codes[0]].level == "town":
            codes = mention.codes[:1]     # a street that 14 counties have (河东街道召开…) still issues as a 街道
        if len(codes) != 1 or mention.weight < 1 or (mention.where == "body" and mention.start > OPENING_CHARS):
            continue
        if mention.where == "body" and mention.start < addressed[mention.paragraph]:
            continue
        first = mention.where == "body" or mention.start == 0     # a zone counts where an issuer stands
        # a title opening with a full name (济南市…条例) names its issuer; a short form only when a body, a verb
        # or a colon follows (内蒙古安委会召开…, 黑龙江：…): 浙江正元召开… is a company named after its province
        at_start = mention.start == 0 or COLUMN_RE.fullmatch(title, 0, mention.start)      # 新华视界｜河北遵化：…
        code, last = _deepest(codes[0], mention, mentions[i + 1:])    # the chain 河北遵化 ends at 遵化
        opens = mention.where == "title" and at_start and (
            last.form == region.AREAS_BY_CODE[code].name or last.after[:1] in "：:"
            or region.ISSUER_RE.match(last.after))
        if opens or region.ISSUER_RE.match(mention.after) or (first and ZONE_RE.match(mention.after)):
            return code, last
    return None


def _deepest(code, mention, following):
    """The issuer written as a chain (北京市东城区人民政府, 山西省泽州县高都镇) is its last link."""
    end = mention.start + len(mention.form)
    for other in following:
        if other.where != mention.where or other.start != end:
            break
        inside = [c for c in other.codes if code in region.ancestors(c)]
        if len(inside) != 1:
            break
        code, mention, end = inside[0], other, other.start + len(other.form)
    return code, mention


# --- year -------------------------------------------------------------------------------------------

def title_year(title):
    """(year, match) of the title's year: the latest one written (总结2017年暨部署2018年…会议), the start of
    a range (三年行动计划（2018—2020年）), the year summed up by a summary (2022年工作总结和2023年工作思路);
    None when the title names none."""
    found = []
    for match in YEAR_RE.finditer(title):
        if plausible_year(int(match.group(1))) and not RANGE_END_RE.search(title, 0, match.start()):
            found.append((int(match.group(1)), match))
    summary = SUMMARY_YEAR_RE.search(title)
    if summary and len(found) > 1 and not MEETING_END_RE.search(title):
        return next(item for item in found if item[1].start() == summary.start())   # 2022年工作总结和2023年思路
    return max(found, key=lambda item: item[0], default=None)


def cue_years(paragraphs, rank):
    """(year, evidence) the body dates itself to with cues of this rank (部署2023年工作 -> 2023, 总结2022年 -> 2023,
    but 12月29日…回顾了2015年工作 -> 2015).

    Years only mentioned as history do not count; when cues disagree the most frequent wins, then the latest.
    """
    votes, quotes = Counter(), {}
    body = "\n".join(paragraphs)
    if not (YEAR_SCREEN.passes(body) and YEAR_RE.search(body)):
        return None          # most speeches name no year: skip the cues
    lead = LEAD_DATE_RE.match(body)
    year_end = bool(lead) and int(lead.group(1)) in YEAR_END
    for offset, cue_rank, pattern in YEAR_CUES:
        if cue_rank != rank:
            continue
        for match in pattern.finditer(body):
            year = int(match.group(1)) + (0 if year_end else offset)
            if plausible_year(year):
                votes[year] += 1
                quotes.setdefault(year, _around(body, match))
    if not votes:
        return None
    year = max(votes, key=lambda year: (votes[year], year))
    return year, quotes[year]


def enacted_year(paragraphs):
    """(year, quote): the latest promulgation or revision in the opening history lines, or None."""
    found = []
    for i, text in enumerate(paragraphs[:HISTORY]):
        if ARTICLE_RE.match(text):
            break        # 第一章 总则, 第一条: the history is above the articles
        found += [(int(m.group(1)), _around(text, m)) for m in ENACTED_RE.finditer(text) if plausible_year(int(m.group(1)))]
    return max(found, default=None)


def dated_line(texts, kind):
    """(year, quote) of the first date line of this kind ("page" or "own", see data/date_lines.tsv) among `texts`."""
    texts = [text for text in texts if DATED_RE.search(text)]
    for line_kind, pattern in DATE_LINES:      # the data file's order is the order of trust
        for text in texts if line_kind == kind else ():
            match = pattern.search(text)
            if match and plausible_year(int(match.group("year"))):
                return int(match.group("year")), match.group().strip()
    return None


def speech_year(title, paragraphs, published, site=(), doc_type=None):
    """(year, source, evidence): the year the text is from, with the evidence that tells it.

    The title's year first, then a promulgation or revision line. A news report is then dated by its
    page's date line; an official text (通知, 方案…) by its own date (a signature date, a document number),
    its body, then (for the kinds a government site posts itself) the page's date; a speech by what its body
    says (部署2023年工作) or its own date, never by the page's date, which for a speech copied by a content
    site is only when it was reposted. Weak body cues (rank 2) come last.
    """
    found = title_year(title)
    if found:
        return found[0], "title", _evidence(title, "title")
    enacted = enacted_year(paragraphs)
    if enacted:
        return enacted[0], "body", _evidence(enacted[1], "body")
    lines = [*paragraphs[:DATE_HEAD], *paragraphs[-TAIL:], *site]
    own = dated_line(lines, "own")
    # a news report tells its year in its lead: items a page appends below it (近日，平度市…) are other stories
    told = paragraphs[:NEWS_LEAD] if doc_type == "新闻" else paragraphs
    cued = cue_years(told, "1")
    page = dated_line(lines, "page") or ((int(published[:4]), published) if published and YEAR_RE.match(published)
                                         and plausible_year(int(published[:4])) else None)
    if doc_type == "新闻":
        order = [(page, "date_line"), (own, "date_line"), (cued, "body")]
    elif doc_type in OFFICIAL_TYPES:
        order = [(own, "date_line"), (cued, "body")] + [(page, "date_line")] * (doc_type in POSTED_TYPES)
    else:
        order = [(cued, "body"), (own, "date_line")]
    for found, source in order + [(cue_years(told, "2"), "body")]:
        if found:
            return found[0], source, _evidence(found[1], source)
    return None, "none", None


# --- document type and topics ----------------------------------------------------------------------

def document_type(title, paragraphs, level=None):
    """(doc_type, evidence) from the title, else the opening paragraphs' cues, else 其他 (data/doc_types.tsv)."""
    bare_title = TRAILING_NOTE_RE.sub("", title)
    opening = "\n".join(paragraphs[:OPENING])
    for doc_type, where, pattern in DOC_TYPES:
        if where == "rules" and level not in NO_LAW_LEVELS:
            continue
        texts = [opening] if where == "opening" else [bare_title, opening] if where in ("rules", "news") else [bare_title]
        for text in texts:
            match = pattern.search(text)
            if match:
                return doc_type, _evidence(_around(text, match), "title" if text is bare_title else "body")
    return "其他", None


def topics(title, paragraphs):
    """Topics whose keywords occur often enough in the text, or at all in the title; in data-file order."""
    hits = Counter()
    for keyword in _topic_words("\n".join(paragraphs)):
        for topic in TOPIC_OF[keyword]:
            hits[topic] += 1
    for keyword in _topic_words(title):
        for topic in TOPIC_OF[keyword]:
            hits[topic] += TOPICS[topic][0]
    return [topic for topic, (min_hits, _) in TOPICS.items() if hits[topic] >= min_hits]


def _topic_words(text):
    return [TOPIC_WORDS[index] for index, _, _ in TOPIC_MATCHER.find_matches_as_indexes(text)]
