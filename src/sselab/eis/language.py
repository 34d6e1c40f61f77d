"""The circuit language: a tokenizer and a recursive-descent parser (never eval).

Grammar::

    circuit  := series EOF
    series   := term ('-' term)*
    term     := element | 'p' '(' series (',' series)+ ')'
    element  := TYPE label        e.g. R0, CPE1, Ws_diff, R_mof

``-`` joins in series, ``p(a, b, ...)`` in parallel, nesting is allowed up to
:data:`MAX_DEPTH` levels of ``p(...)`` and :data:`MAX_LENGTH` characters (deeper or longer is
a syntax error, never a RecursionError).  An element name
is a registered type (see :mod:`sselab.eis.elements`) followed by nothing, digits, or an
underscore and a label.  Errors are :class:`~sselab.exceptions.CircuitSyntaxError` with
the column and what was expected.

Examples
--------
>>> tree = parse("R0-p(R1,CPE1)")
>>> [e.label for e in tree.elements()]
['R0', 'R1', 'CPE1']
>>> str(tree)
'R0-p(R1,CPE1)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..exceptions import CircuitSyntaxError
from .elements import ELEMENTS

#: Deepest nesting of p(...) accepted (real circuits nest two or three levels).
MAX_DEPTH = 32
#: Longest circuit string accepted [characters].
MAX_LENGTH = 2000

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>[-,()]))")


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "-", ",", "(", ")", "end"
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split a circuit string into tokens; unknown characters are errors."""
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CircuitSyntaxError(text, pos, f"unexpected character {text[pos]!r}")
        start = m.start("name") if m.group("name") else m.start("op")
        if m.group("name"):
            tokens.append(Token("name", m.group("name"), start))
        else:
            tokens.append(Token(m.group("op"), m.group("op"), start))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# -- syntax tree -----------------------------------------------------------------
@dataclass(frozen=True)
class Element:
    label: str
    type: str
    pos: int

    def elements(self) -> Iterator["Element"]:
        yield self

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Series:
    children: tuple["Node", ...]

    def elements(self) -> Iterator[Element]:
        for c in self.children:
            yield from c.elements()

    def __str__(self) -> str:
        return "-".join(str(c) for c in self.children)


@dataclass(frozen=True)
class Parallel:
    children: tuple["Node", ...]

    def elements(self) -> Iterator[Element]:
        for c in self.children:
            yield from c.elements()

    def __str__(self) -> str:
        return "p(" + ",".join(str(c) for c in self.children) + ")"


Node = Element | Series | Parallel


def element_type(label: str) -> str | None:
    """The registered type of an element label (longest type prefix whose remainder is
    empty, digits, or starts with ``_``), or None."""
    for name in sorted(ELEMENTS, key=len, reverse=True):
        if label.startswith(name):
            rest = label[len(name):]
            if rest == "" or rest[0] == "_" or rest.isdigit():
                return name
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.labels: dict[str, int] = {}
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, message: str, tok: Token | None = None) -> CircuitSyntaxError:
        tok = tok or self.tok
        return CircuitSyntaxError(self.text, tok.pos, message)

    def expect(self, kind: str, what: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            found = "end of string" if tok.kind == "end" else repr(tok.text)
            raise self.fail(f"expected {what}, found {found}")
        self.i += 1
        return tok

    def circuit(self) -> Node:
        if self.tok.kind == "end":
            raise self.fail("empty circuit: expected an element such as R0 or p(R1,C1)")
        node = self.series()
        if self.tok.kind != "end":
            raise self.fail(f"expected '-' or end of string, found {self.tok.text!r}")
        return node

    def series(self) -> Node:
        items = [self.term()]
        while self.tok.kind == "-":
            self.i += 1
            items.append(self.term())
        return items[0] if len(items) == 1 else Series(tuple(items))

    def term(self) -> Node:
        tok = self.tok
        if tok.kind != "name":
            found = "end of string" if tok.kind == "end" else repr(tok.text)
            raise self.fail(f"expected an element or p(...), found {found}")
        if tok.text == "p" and self.tokens[self.i + 1].kind == "(":
            self.i += 2
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"p(...) nested deeper than {MAX_DEPTH} levels", tok)
            branches = [self.series()]
            while self.tok.kind == ",":
                self.i += 1
                branches.append(self.series())
            self.depth -= 1
            if self.tok.kind != ")":
                found = "end of string" if self.tok.kind == "end" else repr(self.tok.text)
                raise self.fail(f"expected ',' or ')' to close p( opened at column {tok.pos + 1}, found {found}")
            self.i += 1
            if len(branches) < 2:
                raise self.fail("p(...) needs at least two branches separated by ','", tok)
            return Parallel(tuple(branches))
        self.i += 1
        etype = element_type(tok.text)
        if etype is None:
            known = ", ".join(sorted(ELEMENTS))
            raise self.fail(
                f"unknown element {tok.text!r}: a name is a type ({known}) followed by digits or _label", tok
            )
        if tok.text in self.labels:
            raise self.fail(
                f"duplicate element name {tok.text!r} (first used at column {self.labels[tok.text] + 1})", tok
            )
        self.labels[tok.text] = tok.pos
        return Element(tok.text, etype, tok.pos)


def parse(text: str) -> Node:
    """Parse a circuit string into a syntax tree; raises CircuitSyntaxError."""
    if not isinstance(text, str):
        raise CircuitSyntaxError(f"<{type(text).__name__}>", 0, f"a circuit must be a string, got a {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise CircuitSyntaxError(text[:60] + "...", 0, f"circuit is {len(text)} characters long; at most {MAX_LENGTH}")
    return _Parser(text).circuit()
