"""What a regex needs to match: sets of characters a text must hold, one of each, for any match.

A text whose characters miss one of these sets cannot match, so a rule loop can pass a pattern over
without running it (a speech that never writes 镇 needs none of the 镇 cues). Computed from the parsed
pattern (the standard library's re._parser, fenced here: its tree is internal, checked on 3.11-3.13);
anything it does not understand needs nothing, so the test only ever skips patterns that cannot match.
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
