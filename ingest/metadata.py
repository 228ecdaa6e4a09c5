"""Describe a clean document: its year, region, level, document type and topics.

Every rule's words live in data/ (level_cues.tsv, year_cues.tsv, doc_types.tsv, topics.tsv, …);
this module only reads them once and applies them. Traditional text is converted to Simplified for
matching only.
"""
import re
from collections import Counter
from datetime import date
from pathlib import Path

import opencc

from ingest import region

DATA = Path(__file__).parent / "data"
TITLE_WEIGHT = 5            # one title cue outweighs a handful of 全市 in the body
NATIONAL_HEAD = 3           # paragraphs searched for a national issuer, after the title
NATIONAL = "国家"
REGION_DEPTH = {"省": "province", "市": "city"}
CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# a year is four digits not touching another digit or a redaction mark (20**, 202x, 二〇**)
YEAR_RE = re.compile(r"(?<![\d*＊xX×])((?:19|20)\d\d)(?![\d*＊xX×])")
CN_YEAR_RE = re.compile(r"(?<![〇零一二三四五六七八九*＊])([一二][〇零一二三四五六七八九]{3})年")
# a national text opens with its promulgation and revision history: 2004年1月13日…公布, 根据2014年7月29日…修订
ENACTED_RE = re.compile(r"((?:19|20)\d\d)年\d{1,2}月\d{1,2}日(?:[^。；\n]{0,80}?(?:公布|通过|修正|修订|发布|批准)|\s*$)")
TRAILING_NOTE_RE = re.compile(r"(?:（[^（）]*）|\([^()]*\)|\s)+$")

_to_simplified = opencc.OpenCC("t2s").convert


def _rows(name):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


LEVEL_CUES = [(level, float(weight), re.compile(pattern)) for level, weight, pattern in _rows("level_cues.tsv")]
LEVEL_TITLE_CUES = [(level, re.compile(pattern)) for level, pattern in _rows("level_title_cues.tsv")]
NATIONAL_RE = re.compile("|".join(f"(?:{row[0]})" for row in _rows("national_cues.txt")), re.M)
YEAR_CUES = [(int(offset), re.compile(pattern)) for offset, pattern in _rows("year_cues.tsv")]
DOC_TYPES = [(doc_type, where, re.compile(pattern)) for doc_type, where, pattern in _rows("doc_types.tsv")]
TOPICS = {topic: (int(min_hits), keywords.split("|")) for topic, min_hits, keywords in _rows("topics.tsv")}
TOPIC_OF = {}
for _topic, (_, _keywords) in TOPICS.items():
    for _keyword in _keywords:
        TOPIC_OF.setdefault(_keyword, []).append(_topic)
# longest first, so 危险化学品 is counted once and not also as 危化
TOPIC_RE = re.compile("|".join(map(re.escape, sorted(TOPIC_OF, key=len, reverse=True))))


def describe(title: str, paragraphs: list[str], published: str | None) -> dict:
    """Year (with its source), region, level, doc_type and topics of one document.

    `paragraphs` is the cleaned, de-spun text (Simplified or Traditional); `published` is the page's
    ISO date from a date line, or None.
    """
    title = _to_simplified(title or "")
    paragraphs = [_to_simplified(text) for text in paragraphs]
    level = speaker_level(title, paragraphs)
    if level == NATIONAL:
        place = dict.fromkeys(("province", "city", "county"))
    else:
        place = region.resolve(title, paragraphs, REGION_DEPTH.get(level, "county"))
        if level == "区" and not place["city"] and (place["province"] or "").endswith("自治区"):
            level = "省"      # 全区 in an autonomous region's speech is the whole region
    year, year_source = speech_year(title, paragraphs, published, national=level == NATIONAL)
    return {
        "year": year,
        "year_source": year_source,
        "region": place,
        "level": level,
        "doc_type": document_type(title, paragraphs),
        "topics": topics(title, paragraphs),
    }


def speaker_level(title, paragraphs):
    """国家 for a national text, else 省/市/区/县 from how the speaker addresses the audience; None if silent."""
    if NATIONAL_RE.search("\n".join([title, *paragraphs[:NATIONAL_HEAD]])):
        return NATIONAL
    score = Counter()
    for level, pattern in LEVEL_TITLE_CUES:
        if pattern.search(title):
            score[level] += TITLE_WEIGHT
    body = "\n".join(paragraphs)
    for level, weight, pattern in LEVEL_CUES:
        score[level] += weight * len(pattern.findall(body))
    best = score.most_common(1)
    return best[0][0] if best and best[0][1] > 0 else None


def _plausible(year):
    return 1949 <= year <= date.today().year + 1


def title_year(title):
    """The first plausible year written in the title (2023年…, 二〇二三年…, a glued 2022…), or None."""
    for match in YEAR_RE.finditer(title):
        if _plausible(int(match.group(1))):
            return int(match.group(1))
    for match in CN_YEAR_RE.finditer(title):
        year = int(match.group(1).translate(CN_DIGITS))
        if _plausible(year):
            return year
    return None


def body_year(paragraphs):
    """The year the body dates itself to (部署2023年工作, 今年是2023年, 总结2022年 -> 2023), or None.

    Years only mentioned as history do not count; when cues disagree the most frequent wins, then the latest.
    """
    votes = Counter()
    for text in paragraphs:
        for offset, pattern in YEAR_CUES:
            for match in pattern.finditer(text):
                year = int(match.group(1)) + offset
                if _plausible(year):
                    votes[year] += 1
    if not votes:
        return None
    return max(votes, key=lambda year: (votes[year], year))


def enacted_year(paragraphs):
    """The latest promulgation or revision year in a national text's opening history lines, or None."""
    years = []
    for i, text in enumerate(paragraphs):
        found = ENACTED_RE.findall(text)
        if not found and i >= NATIONAL_HEAD:
            break
        years += [int(year) for year in found]
    return max(filter(_plausible, years), default=None)


def speech_year(title, paragraphs, published, national=False):
    """(year, source): the title, else explicit body evidence, else the date line, else (None, "none").

    For a national text the body evidence is its latest promulgation or revision date.
    """
    year = title_year(title)
    if year:
        return year, "title"
    year = enacted_year(paragraphs) if national else None
    if year:
        return year, "body"
    year = body_year(paragraphs)
    if year:
        return year, "body"
    if published and YEAR_RE.match(published) and _plausible(int(published[:4])):
        return int(published[:4]), "date_line"
    return None, "none"


def document_type(title, paragraphs):
    """讲话, 通知, 方案, 意见, 报告, 法律法规, 规定 … from the title (else the opening line), or 其他."""
    bare_title = TRAILING_NOTE_RE.sub("", title)
    opening = paragraphs[0] if paragraphs else ""
    for doc_type, where, pattern in DOC_TYPES:
        if pattern.search(bare_title if where == "title" else opening):
            return doc_type
    return "其他"


def topics(title, paragraphs):
    """Topics whose keywords occur often enough in the text, or at all in the title; in data-file order."""
    hits = Counter()
    for keyword in TOPIC_RE.findall("\n".join(paragraphs)):
        for topic in TOPIC_OF[keyword]:
            hits[topic] += 1
    for keyword in TOPIC_RE.findall(title):
        for topic in TOPIC_OF[keyword]:
            hits[topic] += TOPICS[topic][0]
    return [topic for topic, (min_hits, _) in TOPICS.items() if hits[topic] >= min_hits]
