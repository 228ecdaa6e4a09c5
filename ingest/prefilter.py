"""Cheap tests that a regex cannot match a text, so a rule loop can pass the regex over without running it.

`needed_chars`: sets of characters a text must hold, one of each, for any match (a speech that never
writes 镇 needs none of the 镇 cues); computed from the parsed pattern (the standard library's re._parser,
fenced here: its tree is internal, checked on 3.11-3.13); anything it does not understand needs nothing.
`loose`: the pattern without its lookarounds, which matches wherever the pattern does; a pattern that
opens with a lookbehind (?<![乡城]) is tried at every position, its loose form jumps to its first literal.
Both only ever pass over what cannot match.
"""
import re
import sys
from collections import Counter
from re import _constants as sre, _parser as sre_parse


assert (3, 11) <= sys.version_info[:2] <= (3, 13), "re._parser's tree is read here: check _item on this Python"

RANGE_MAX = 64        # a wider class ([\u4e00-\u9fff]) is as good as any character: no need from it


def needed_chars(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Sets of characters of which every match of `pattern` holds at least one each (() if none is sure)."""
    if pattern.flags & re.IGNORECASE:
        return ()
    return tuple(_sequence(sre_parse.parse(pattern.pattern, pattern.flags)))


def may_match(needs: tuple[frozenset[str], ...], chars: set[str]) -> bool:
    """Whether a text with these characters can match a pattern with these needs."""
    return all(not chars.isdisjoint(need) for need in needs)


def chars_in(text: str, wanted: frozenset[str]) -> set[str]:
    """The characters of `wanted` that `text` holds, all that may_match looks at: a scan per character is
    cheaper than set(text), which makes a string object of every character (0.2 ms for a 2,000-character speech)."""
    return {char for char in wanted if char in text}


class Screen:
    """Cheaper scans for one pattern: `passes` is False only for a text it cannot match; `search`, `finditer`
    and `sub` give re's own results."""

    def __init__(self, pattern: re.Pattern):
        self.needs = needed_chars(pattern)
        # only for a pattern opening with a lookaround, which re tries at every position: elsewhere re already
        # jumps to the first literal, and the loose form would be one more scan of a text that matches
        self.loose = loose(pattern) if LOOKAROUND_RE.match(pattern.pattern) else None
        # a pattern re cannot scan for (no literal or character set opens every match: 副?县长|县委书记, a
        # lookbehind first) is tried only where one of its literal openings (or opening characters) stands
        self.pattern = pattern
        self.opening = _opening_chars(pattern)

    def passes(self, text: str, chars: set[str] | None = None) -> bool:
        """`chars`: the text's set of characters, when the caller has it (a set costs as much as a scan)."""
        return (chars is None or may_match(self.needs, chars)) and (self.loose is None or bool(self.loose.search(text)))

    def search(self, text: str, pos: int = 0) -> re.Match | None:
        """pattern.search(text, pos): re tries a match at each position, and no match starts on a character
        its matches cannot open with (lookbehinds see before pos, as in re's own search)."""
        if self.opening is None:
            return self.pattern.search(text, pos)
        find, match_at = self.opening.search, self.pattern.match
        while (candidate := find(text, pos)) is not None:
            found = match_at(text, candidate.start())
            if found:
                return found
            pos = candidate.start() + 1
        return None

    def sub(self, repl: str, text: str) -> str:
        """pattern.sub(repl, text); a text the cheaper scan finds no match in is returned as it is."""
        if self.opening is not None and self.search(text) is None:
            return text
        return self.pattern.sub(repl, text)

    def finditer(self, text: str):
        """The matches pattern.finditer(text) gives, in order (a pattern that may match empty is not screened)."""
        if self.opening is None:
            yield from self.pattern.finditer(text)
            return
        pos = 0
        while (found := self.search(text, pos)) is not None:
            yield found
            pos = found.end()


def _opening_chars(pattern: re.Pattern) -> re.Pattern | None:
    """A character class of every character a match of `pattern` can open with, when re cannot scan for one
    itself (see Screen); None when re can, when it is not sure or when the pattern may match the empty string."""
    if pattern.flags & re.IGNORECASE:
        return None
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    if parsed.getwidth()[0] == 0 or _scannable(list(parsed), pattern.flags):
        return None
    openings = _openings(list(parsed), OPENING_LENGTH)
    if openings and "" not in openings and len(openings) <= OPENINGS_MAX:
        # literal openings, longest first: re scans for their first characters and checks the rest itself
        return re.compile("|".join(map(re.escape, sorted(openings, key=lambda text: (-len(text), text)))))
    members, _ = _first(list(parsed))
    return re.compile("[" + "".join(sorted(members)) + "]", pattern.flags) if members else None


OPENING_LENGTH = 2      # 副县|县长|县委 for 副?县长|县委书记: 县 alone stands everywhere in a county's speech
OPENINGS_MAX = 200


def _openings(items, length) -> set[str] | None:
    """Literal strings (at most `length` characters) one of which opens every match of the sequence (a
    shorter one: anything may follow it); None when some match may open with a character no literal names."""
    if length == 0 or not items:
        return {""}
    (op, av), rest = items[0], list(items[1:])
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return _openings(rest, length)                  # zero width
    if op in (sre.LITERAL, sre.IN):
        members = [chr(av)] if op is sre.LITERAL else [chr(value) if kind is sre.LITERAL else None
                                                      for kind, value in av]
        after = _openings(rest, length - 1)
        if None in members or after is None:
            return None
        return {char + text for char in members for text in after}
    if op is sre.SUBPATTERN:
        return _openings(list(av[-1]) + rest, length)
    if op is sre.BRANCH:
        found = [_openings(list(branch) + rest, length) for branch in av[1]]
        return None if None in found else set().union(*found)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, item = av
        once = _openings(list(item) + (rest if high == 1 else []), length if high == 1 else 1)
        skipped = _openings(rest, length) if low == 0 else set()
        return None if once is None or skipped is None else once | skipped
    return None


def _scannable(items, flags) -> bool:
    """Whether re finds the pattern's matches fast itself: a literal, a class or a branch of literals opens it,
    or it is anchored at the start of the text (^ without MULTILINE, \\A: tried at one position)."""
    while items and items[0][0] is sre.SUBPATTERN:
        items = list(items[0][1][-1])
    if not items:
        return False
    op, av = items[0]
    if op is sre.BRANCH:
        return all(branch and branch[0][0] is sre.LITERAL for branch in av[1])
    if op is sre.AT:
        return av is sre.AT_BEGINNING_STRING or (av is sre.AT_BEGINNING and not flags & re.MULTILINE)
    return op in (sre.LITERAL, sre.IN)


def _first(items) -> tuple[set[str] | None, bool]:
    """(members of a character class, as source (a, \\d, a-z), holding every character the sequence's matches
    open with, or None when any may; whether the sequence may match empty)."""
    members = set()
    for op, av in items:
        got, empty = _first_item(op, av)
        if got is None:
            return None, False
        members |= got
        if not empty:
            return members, False
    return members, True


CLASS_CATEGORIES = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_WORD: r"\w"}


def _class_members(op, av) -> set[str] | None:
    if op is sre.LITERAL:
        return {re.escape(chr(av))}
    members = set()
    for kind, value in av:
        if kind is sre.LITERAL:
            members.add(re.escape(chr(value)))
        elif kind is sre.RANGE:
            members.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif kind is sre.CATEGORY and value in CLASS_CATEGORIES:
            members.add(CLASS_CATEGORIES[value])
        else:                  # NEGATE and the rest: any character may do
            return None
    return members


def _first_item(op, av) -> tuple[set[str] | None, bool]:
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return set(), True                 # zero width: the next item opens the match
    if op in (sre.LITERAL, sre.IN):
        return _class_members(op, av), False
    if op is sre.SUBPATTERN:
        return _first(av[-1])
    if op is sre.ATOMIC_GROUP:
        return _first(av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        members, empty = _first(av[2])
        return members, empty or av[0] == 0
    if op is sre.BRANCH:
        members, empty = set(), False
        for branch in av[1]:
            got, may_be_empty = _first(branch)
            if got is None:
                return None, False
            members |= got
            empty |= may_be_empty
        return members, empty
    return None, False


LOOKAROUND_RE = re.compile(r"\(\?<?[=!]")


def loose(pattern: re.Pattern) -> re.Pattern | None:
    """`pattern` with its lookahead and lookbehind assertions taken out, or None when it has none (or the
    rest does not compile). A match of `pattern` is a match of it: the assertions only narrow."""
    source, kept, i = pattern.pattern, [], 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            kept.append(source[i:i + 2])
            i += 2
        elif char == "[":
            end = _class_end(source, i)
            kept.append(source[i:end])
            i = end
        elif LOOKAROUND_RE.match(source, i):
            i = _group_end(source, i)
        else:
            kept.append(char)
            i += 1
    text = "".join(kept)
    if text == source:
        return None
    try:
        return re.compile(text, pattern.flags)
    except re.error:
        return None


def _class_end(source: str, i: int) -> int:
    """The index after the character class that opens at `i` ([^]…], escapes inside)."""
    j = i + 1
    j += source.startswith("^", j)
    j += source.startswith("]", j)
    while j < len(source) and source[j] != "]":
        j += 2 if source[j] == "\\" else 1
    return j + 1


def _group_end(source: str, i: int) -> int:
    """The index after the group that opens at `i`."""
    depth, j = 0, i
    while j < len(source):
        char = source[j]
        if char == "\\":
            j += 2
            continue
        if char == "[":
            j = _class_end(source, j)
            continue
        depth += (char == "(") - (char == ")")
        j += 1
        if depth == 0:
            break
    return j


def _sequence(items) -> list[frozenset[str]]:
    return [need for op, av in items for need in _item(op, av)]


def _item(op, av) -> list[frozenset[str]]:
    if op is sre.LITERAL:
        return [frozenset(chr(av))]
    if op is sre.IN:
        chars = set()
        for kind, value in av:
            if kind is sre.LITERAL:
                chars.add(chr(value))
            elif kind is sre.RANGE and value[1] - value[0] < RANGE_MAX:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:                      # NEGATE, a category (\d, \s), a wide range: any character may do
                return []
        return [frozenset(chars)]
    if op is sre.SUBPATTERN:
        return _sequence(av[-1])
    if op is sre.ATOMIC_GROUP:
        return _sequence(av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, item = av
        return _sequence(item) if low >= 1 else []
    if op is sre.BRANCH:
        branches = [_sequence(branch) for branch in av[1]]
        if not all(branches):
            return []                  # a branch that needs nothing: the alternation needs nothing
        # one need of each branch, the one most branches share (县委|县政府|副?县长 all need 县): a small union
        shared = Counter(need for branch in branches for need in set(branch))
        return [frozenset().union(*(max(branch, key=lambda need: (shared[need], -len(need))) for branch in branches))]
    return []                          # lookarounds, anchors, any character, group references
