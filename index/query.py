"""The query language: parsing user syntax into a tree, then into Whoosh queries over our fields.

Syntax: words (AND by default), OR, AND, NOT, -word, "exact phrase", (groups), title:word,
title:"phrase", word* (prefix of at least two characters). Full-width quotes and brackets work too.

How a word matches (words are cut by jieba in precise mode):
- a word W matches where its characters stand together, in the title or a paragraph: the word
  token W, or for Chinese the bigram phrase of W (verified against positions), because jieba cuts
  the same characters differently by context; its synonyms (data/synonyms.txt) count as W;
- a single Chinese character or a number is bound to its neighbours and matched as exact text
  (第5条 does not match 第6条; 2023年 is the characters 2023年), never as a lone token;
- "quoted text" matches exactly those characters, within one paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from whoosh import query as wq

from ingest.text import HAN

from .analysis import BigramTokenizer, is_cjk_word, negating_compounds, normalise, synonyms, words
from .matching import idf
from .schema import CHAR_FIELDS, WORD_FIELDS
from .vocabulary import MAX_QUERY_CHARS

MAX_TERMS = 32
MAX_PREFIX_EXPANSION = 64
FIELD_NAMES = {"title": "title", "标题": "title", "body": "body", "正文": "body"}
OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "与": "AND", "或": "OR", "非": "NOT"}
QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」"}
OPEN, CLOSE = "(（", ")）"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


class QueryError(ValueError):
    """A query or parameter that cannot be answered; str(exc) is the Chinese message for the user."""


# --- the tree ------------------------------------------------------------------------------------

@dataclass
class Leaf:
    text: str
    field: str | None = None     # None: title and body
    phrase: bool = False


@dataclass
class Node:
    op: str                      # "and" | "or" | "not"
    items: list = field(default_factory=list)


def _lex(q: str):
    """Tokens: ("(",), (")",), ("op", name), ("leaf", negated, field, text, phrase)."""
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in OPEN or c in CLOSE:
            yield ("(",) if c in OPEN else (")",)
            i += 1
        else:
            negated = c == "-" and i + 1 < n and not q[i + 1].isspace()
            j = i + 1 if negated else i
            name = None
            m = re.match(f"([a-z{HAN}]+)[:：]", q[j:], re.I)
            if m and m.group(1).lower() in FIELD_NAMES:
                name = FIELD_NAMES[m.group(1).lower()]
                j += m.end()
            if j < n and q[j] in QUOTES:
                close = q.find(QUOTES[q[j]], j + 1)
                if close < 0 and q[j] == "“":
                    close = q.find('"', j + 1)
                if close < 0:
                    raise QueryError(f"引号不成对：第 {j + 1} 个字符处的引号没有闭合")
                yield ("leaf", negated, name, q[j + 1:close], True)
                i = close + 1
                continue
            k = j
            while k < n and not q[k].isspace() and q[k] not in OPEN + CLOSE and q[k] not in QUOTES:
                k += 1
            word = q[j:k]
            i = k
            if not word:
                if name or negated:
                    raise QueryError(f"「{q[i - 1:i + 1] if name else '-'}」后面缺少检索词")
                continue
            if not negated and name is None and word in OPERATORS:
                yield ("op", OPERATORS[word])
            else:
                yield ("leaf", negated, name, word, False)


class _Parser:
    def __init__(self, tokens: list):
        self.tokens, self.i = tokens, 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise QueryError("括号不成对：多了一个右括号")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while self.peek() == ("op", "OR"):
            self.take()
            if self.peek() in (None, (")",)) or self.peek() == ("op", "OR"):
                raise QueryError("OR 后面缺少检索词")
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Node("or", items)

    def and_expr(self):
        items = []
        while self.peek() not in (None, (")",), ("op", "OR")):
            if self.peek() == ("op", "AND"):
                self.take()
                if self.peek() in (None, (")",), ("op", "OR"), ("op", "AND")):
                    raise QueryError("AND 后面缺少检索词")
                continue
            items.append(self.unary())
        if not items:
            raise QueryError("缺少检索词" if self.peek() is None else "OR 前面缺少检索词"
                             if self.peek() == ("op", "OR") else "括号内没有检索词")
        return items[0] if len(items) == 1 else Node("and", items)

    def unary(self):
        token = self.take()
        if token == ("op", "NOT"):
            if self.peek() in (None, (")",)) or (self.peek() or ("",))[0] == "op":
                raise QueryError("NOT 后面缺少检索词")
            return Node("not", [self.unary()])
        if token == ("(",):
            node = self.or_expr()
            if self.take() != (")",):
                raise QueryError("括号不成对：缺少右括号")
            return node
        _, negated, name, text, phrase = token
        leaf = Leaf(text, name, phrase)
        return Node("not", [leaf]) if negated else leaf


def parse(q: str):
    """The query tree of `q`, or None for an empty query. Raises QueryError naming the problem."""
    if not isinstance(q, str):
        raise QueryError("查询应为文字")
    q = CONTROL.sub(" ", q).strip()
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"查询过长：{len(q)} 个字符，最多 {MAX_QUERY_CHARS} 个")
    if not q:
        return None
    tokens = list(_lex(q))
    if sum(1 for t in tokens if t[0] == "leaf") > MAX_TERMS:
        raise QueryError(f"检索词过多：最多 {MAX_TERMS} 个")
    if not tokens:
        return None
    return _Parser(tokens).parse()


# --- compiling to Whoosh -------------------------------------------------------------------------

@dataclass
class Hit:
    """A positive part of the query: how to find it in a document, what to mark, what it weighs."""
    label: str                   # the part as matched (normalised), for explanations
    body: list                   # one Whoosh query per form (the part, its synonyms) locating it in the body
    title: list                  # the same over the title
    marks: list[str]             # normalised strings to highlight
    weight: float = 1.0
    length: int = 1              # characters of the part, for proximity
    negations: list = field(default_factory=list)   # (bigrams of a negating compound, offset of the part in it)


@dataclass
class Compiled:
    query: wq.Query
    hits: list[Hit]


_bigram_tokenizer = BigramTokenizer()


def term_idf(searcher, fieldname: str, text: str) -> float:
    """How rare a term is in a field of this index: weighs the parts of a query."""
    return idf(max(searcher.doc_count(), 1), searcher.doc_frequency(fieldname, text))


def _char_query(name: str, text: str):
    """Exact characters of `text` in a row in field `name` (split where punctuation breaks them).

    A lone unit (one character or number between punctuation) is looked up as a word too, since in
    running text it only exists inside bigrams.
    """
    runs = _bigram_runs(text)
    chars = CHAR_FIELDS[name]
    parts = [wq.Or([wq.Term(chars, r[0]), wq.Term(WORD_FIELDS[name], r[0])]) if _lone_unit(r)
             else wq.Term(chars, r[0]) if len(r) == 1 else wq.Phrase(chars, r) for r in runs]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _lone_unit(run: list[str]) -> bool:
    """A stretch of a single unit (one character, a number, a Latin word) rather than bigrams."""
    return len(run) == 1 and (len(run[0]) == 1 or not is_cjk_word(run[0]))


def _bigram_runs(text: str) -> list[list[str]]:
    """The bigrams of `text`, one list per stretch between punctuation."""
    runs, last = [], None
    for t in _bigram_tokenizer(text, positions=True):
        if last is None or t.pos != last + 1:
            runs.append([])
        runs[-1].append(t.text)
        last = t.pos
    return runs


def _units(text: str) -> list[tuple[str, str]]:
    """("word", w) and ("exact", s) units of an unquoted chunk (see the module docstring)."""
    cut = words(text)
    norm = normalise(text)
    single = [len(w) == 1 and is_cjk_word(w) for w, _, _ in cut]
    numeric = [any(c.isdigit() for c in w) for w, _, _ in cut]

    def glued(a: int, b: int) -> bool:  # a lone character sticks to a numeral or another lone one
        return cut[a][2] == cut[b][1] and (single[a] or single[b]) and \
            (single[a] or numeric[a]) and (single[b] or numeric[b])

    units, i = [], 0
    while i < len(cut):
        j = i
        while j + 1 < len(cut) and glued(j, j + 1):
            j += 1
        if j > i:
            units.append(("exact", norm[cut[i][1]:cut[j][2]]))
        elif single[i]:
            units.append(("exact", cut[i][0]))
        else:
            units.append(("word", cut[i][0]))
        i = j + 1
    return units


def _fields(leaf: Leaf) -> list[str]:
    return [leaf.field] if leaf.field else ["title", "body"]


class _Compiler:
    def __init__(self, searcher):
        self.searcher = searcher
        self.hits: list[Hit] = []

    def node(self, node, positive: bool = True):
        if isinstance(node, Leaf):
            return self.leaf(node, positive)
        if node.op == "not":
            inner = self.node(node.items[0], not positive)
            return wq.Not(inner) if inner is not None else None
        parts = [p for p in (self.node(item, positive) for item in node.items) if p is not None]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return wq.And(parts) if node.op == "and" else wq.Or(parts)

    def _idf(self, fieldname: str, text: str) -> float:
        return term_idf(self.searcher, fieldname, text)

    def leaf(self, leaf: Leaf, positive: bool):
        if leaf.phrase:
            units = [("exact", normalise(leaf.text))]
        elif leaf.text.endswith("*") and leaf.text.count("*") == 1:
            return self.prefix(leaf, positive)
        elif "*" in leaf.text or "?" in leaf.text:
            raise QueryError(f"「{leaf.text[:40]}」：只支持词尾的 * 通配符，如 安全*")
        else:
            units = _units(leaf.text)
        parts = []
        for kind, text in units:
            alternatives = []
            forms = [text] + (list(synonyms(text)) if kind == "word" else [])
            located = {"title": [], "body": []}
            for form in forms:
                for name in _fields(leaf):
                    word = wq.Term(WORD_FIELDS[name], form) if kind == "word" else None
                    chars = _char_query(name, form) if kind == "exact" or is_cjk_word(form) and len(form) > 1 \
                        else None
                    alternatives += [q for q in (word, chars) if q is not None]
                    # Occurrences are located by characters (bigram positions) whenever possible,
                    # so every part of the query is measured in the same positions.
                    if chars is not None or word is not None:
                        located[name].append(chars if chars is not None else word)
            if not alternatives:
                continue
            if positive:
                negations = [(run, offset) for form in forms
                             for compound, offset in negating_compounds().get(form, [])
                             for run in _bigram_runs(compound)[:1]]
                self.hits.append(Hit(text, located["body"], located["title"], forms,
                                     self._idf("body", text) if kind == "word" else 1.0 + len(text) / 2,
                                     len(text), negations))
            parts.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def prefix(self, leaf: Leaf, positive: bool):
        stem = normalise(leaf.text[:-1])
        if len(stem) < 2:
            raise QueryError(f"「{leaf.text[:40]}」：通配符 * 前至少要有两个字")
        terms, marks = [], []
        for name in _fields(leaf):
            fieldname = WORD_FIELDS[name]
            expanded = [t.decode("utf-8") if isinstance(t, bytes) else t for t in
                        islice(self.searcher.reader().expand_prefix(fieldname, stem), MAX_PREFIX_EXPANSION)]
            terms += [wq.Term(fieldname, t) for t in expanded]
            marks += expanded
        if not terms:
            return wq.NullQuery
        if positive:
            self.hits.append(Hit(stem + "*", [t for t in terms if t.fieldname == "body"],
                                 [t for t in terms if t.fieldname == "title"], sorted(set(marks)), 1.0, len(stem)))
        return wq.Or(terms)


def compile_query(texts: list[str], searcher) -> Compiled | None:
    """One Whoosh query for a query and the queries it is searched within (all must match)."""
    compiler = _Compiler(searcher)
    parts = []
    for text in texts:
        tree = parse(text)
        if tree is None:
            continue
        compiled = compiler.node(tree)
        if compiled is None:
            raise QueryError(f"查询「{text[:40]}」中没有可检索的词")
        parts.append(compiled)
    if not parts:
        return None
    query = parts[0] if len(parts) == 1 else wq.And(parts)
    if all(isinstance(p, wq.Not) for p in _conjuncts(query)):  # only exclusions: from everything
        query = wq.And([wq.Every(), query])
    return Compiled(query, compiler.hits)


def _conjuncts(query) -> list:
    return list(query.subqueries) if isinstance(query, wq.And) else [query]
