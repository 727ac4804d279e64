"""The condition language of a rule's ``where:`` filter.

A condition selects rows of one canonical table::

    direction == "outbound" and category in ["marketing", "unknown"] and not is_template
    counterpart_region == "US" and timestamp >= 2025-04-01
    relationship not in ("member", "former-member") or email is null
    lower(body) matches "offerta|sconto" and kind != "system"
    timestamp < date("2020-07-16T00:00:00Z")

It is parsed by hand (no ``eval``, no Python ``ast``) and compiled to vectorised
pandas operations: ``compile_condition(text, columns)(df)`` returns a boolean
Series aligned with ``df.index``.

Grammar (EBNF; keywords are lowercase and reserved)::

    condition  = [ or_expr ] ;                      (* blank: every row *)
    or_expr    = and_expr { "or" and_expr } ;
    and_expr   = not_expr { "and" not_expr } ;
    not_expr   = "not" not_expr | primary ;
    primary    = "(" or_expr ")" | predicate ;
    predicate  = operand compare operand
               | column [ "not" ] "in" list
               | column "is" [ "not" ] ( "null" | "empty" )
               | column [ "not" ] text_op string
               | column [ "not" ] "between" value "and" value
               | column                             (* a true/false column *)
               | "true" | "false" ;
    compare    = "==" | "!=" | "<" | "<=" | ">" | ">=" ;
    text_op    = "contains" | "startswith" | "endswith" | "matches" ;
    list       = "[" [ value { "," value } [ "," ] ] "]"
               | "(" [ value { "," value } [ "," ] ] ")" ;
    operand    = column | value ;
    column     = name | ( "lower" | "upper" ) "(" name ")" ;
    value      = string | number | date | "true" | "false" | "null" ;
    name       = ? [A-Za-z_][A-Za-z0-9_.]* ? ;     (* dots are part of the name *)
    string     = ? '...' or "..." ? ;
    number     = [ "-" ] digits [ "." digits ] ;
    date       = ? 2020-07-16 or 2020-07-16T10:00[:00[.ffffff]][Z|+02:00] ?
               | "date" "(" string ")" ;

Meaning:

- ``not`` binds tighter than ``and``, which binds tighter than ``or``.
- At least one side of a comparison is a column; the other is a column of the
  same kind or a value. ``"US" == country`` is read as ``country == "US"``.
- ``contains``, ``startswith`` and ``endswith`` are case-sensitive; use
  ``lower(column)`` to ignore case. ``matches`` searches for a Python regular
  expression anywhere in the text (``(?i)`` for case-insensitive); the regex is
  checked when the rule is loaded.
- ``between`` includes both ends.
- ``is empty`` holds for a null cell or a text made only of spaces.
- Dates: a bare date is midnight UTC; a date-time without an offset is UTC.
  Date columns hold UTC instants, so ``timestamp >= 2025-04-01`` means from
  2025-04-01T00:00:00Z on.
- Strings take the escapes ``\\\\ \\" \\' \\n \\t \\r``; any other backslash is
  kept as written, so regular expressions read naturally: ``"\\d+"``.
- Values are converted to the column's kind: a number or a date against a text
  column is compared as it is written (``zip == 00123`` is ``zip == "00123"``),
  a quoted date against a date column is a date, a quoted number against a
  number column is a number. Anything else that does not fit is an error when
  the rule is loaded (if the column kinds are known) or when it first runs.
- Null: every comparison, list test, text test and ``between`` with a null cell
  is false, like SQL; but ``not`` is two-valued, so ``not x == "a"`` is true for
  a null ``x`` while ``x != "a"`` is false. A null true/false cell counts as
  false. Use ``is null`` / ``is not null`` to ask about missing values.

Column kinds: ``compile_condition(text, columns)`` takes a mapping of column
name to ``str``, ``datetime``, ``bool``, ``int`` or ``float`` (ints and floats
are both numbers) and then reports unknown columns and type mistakes at once.
Without it, kinds come from the frame's dtypes each time the condition runs.

Safety: the only calls are ``date``, ``lower`` and ``upper``; there is no
attribute access (a dotted name is a column name looked up as a string);
conditions are at most 10,000 characters and 50 levels of nesting; regular
expressions go through :mod:`re`, which has no time limit, so a pathological
pattern in a rule pack is slow rather than unsafe.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal as TypingLiteral

import numpy as np
import pandas as pd

MAX_LENGTH = 10_000
MAX_DEPTH = 50

Kind = TypingLiteral["str", "datetime", "bool", "int", "float"]
KINDS: frozenset[str] = frozenset({"str", "datetime", "bool", "int", "float"})
_KIND_WORDS = {"str": "text", "datetime": "date", "bool": "true/false", "int": "number"}

KEYWORDS = frozenset({
    "and", "or", "not", "in", "is", "null", "empty", "true", "false",
    "contains", "startswith", "endswith", "matches", "between",
})
FUNCTIONS = ("date", "lower", "upper")
TEXT_OPS = ("contains", "startswith", "endswith", "matches")


class ConditionError(ValueError):
    """A condition cannot be parsed or does not fit the table; `position` is a 0-based offset."""

    def __init__(self, position: int, message: str) -> None:
        self.position = position
        # messages quote the condition's own text, which may span lines in YAML; errors stay one line
        self.message = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(f"column {position + 1}: {self.message}")


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    type: str  # name, string, number, date, op, punct, end
    value: object
    source: str
    position: int


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?", re.ASCII)
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_PUNCT = "()[],-"
_MISTAKES = {
    "=": "'=' is not an operator; use '==' to compare",
    "&": "use 'and' to combine conditions",
    "|": "use 'or' to combine conditions",
    "!": "use '!=' to compare or 'not' to negate",
}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "\"'":
            value, end = _read_string(text, i)
            tokens.append(Token("string", value, text[i:end], i))
            i = end
            continue
        if "0" <= ch <= "9":
            i = _read_number_or_date(text, i, tokens)
            continue
        name = _NAME.match(text, i)
        if name:
            tokens.append(Token("name", name.group(), name.group(), i))
            i = name.end()
            continue
        two = text[i:i + 2]
        if two in _OPERATORS or ch in _OPERATORS:
            op = two if two in _OPERATORS else ch
            tokens.append(Token("op", op, op, i))
            i += len(op)
            continue
        if ch in _PUNCT:
            tokens.append(Token("punct", ch, ch, i))
            i += 1
            continue
        if ch in _MISTAKES:
            raise ConditionError(i, _MISTAKES[ch])
        raise ConditionError(i, f"unexpected character {ch!r}")
    tokens.append(Token("end", None, "", len(text.rstrip())))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ConditionError(start, f"unterminated string: add the closing {quote}")


def _read_number_or_date(text: str, i: int, tokens: list[Token]) -> int:
    date = _DATE.match(text, i)
    match = date or _NUMBER.match(text, i)
    assert match is not None  # text[i] is a digit
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "_.-:"):
        word = re.match(r"[\w.:+-]*", text[i:]).group()  # type: ignore[union-attr]
        raise ConditionError(i, f"{word!r} is not a number or a date (write dates as 2020-07-16 or 2020-07-16T10:00:00Z)")
    source = match.group()
    if date:
        tokens.append(Token("date", _parse_date(source, i), source, i))
    else:
        tokens.append(Token("number", float(source) if "." in source else int(source), source, i))
    return end


def _parse_date(source: str, position: int) -> pd.Timestamp:
    try:
        moment = datetime.fromisoformat(source)
    except ValueError:
        raise ConditionError(position, f"{source!r} is not a valid date (write 2020-07-16 or 2020-07-16T10:00:00Z)") from None
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# ---------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Value:
    value: object  # str | int | float | bool | None | pd.Timestamp
    type: str  # str, number, bool, null, date
    text: str  # how it reads as text, for comparisons against text columns
    source: str
    position: int


@dataclass(frozen=True)
class ColumnRef:
    name: str
    position: int
    transform: str | None = None  # lower, upper

    @property
    def label(self) -> str:
        return f"{self.transform}({self.name})" if self.transform else self.name


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Negation:
    part: Node


@dataclass(frozen=True)
class Truthy:
    column: ColumnRef


@dataclass(frozen=True)
class Compare:
    left: ColumnRef
    op: str
    right: ColumnRef | Value
    position: int


@dataclass(frozen=True)
class InList:
    column: ColumnRef
    values: tuple[Value, ...]
    negate: bool


@dataclass(frozen=True)
class IsMissing:
    column: ColumnRef
    what: str  # null, empty
    negate: bool


@dataclass(frozen=True)
class TextTest:
    column: ColumnRef
    op: str
    pattern: str
    regex: re.Pattern[str] | None
    negate: bool
    position: int


@dataclass(frozen=True)
class Between:
    column: ColumnRef
    low: Value
    high: Value
    negate: bool
    position: int


Node = Const | AnyOf | AllOf | Negation | Truthy | Compare | InList | IsMissing | TextTest | Between

_FLIP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


# ---------------------------------------------------------------- parser

class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    @property
    def previous(self) -> Token | None:
        return self.tokens[self.index - 1] if self.index else None

    def advance(self) -> Token:
        token = self.token
        if token.type != "end":
            self.index += 1
        return token

    def is_keyword(self, *words: str) -> bool:
        return self.token.type == "name" and self.token.value in words

    def is_punct(self, *chars: str) -> bool:
        return self.token.type == "punct" and self.token.value in chars

    def fail(self, expected: str, token: Token | None = None) -> ConditionError:
        token = token or self.token
        before = self.previous
        after = f" after {before.source!r}" if before is not None and _opens_place(before) else ""
        found = _describe(token)
        hint = ""
        if token.type == "name" and token.value.lower() in KEYWORDS and token.value not in KEYWORDS:  # type: ignore[union-attr]
            hint = f" (keywords are lowercase: {token.value.lower()!r})"  # type: ignore[union-attr]
        return ConditionError(token.position, f"expected {expected}{after}, found {found}{hint}")

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(token.position, f"condition is nested too deeply (more than {MAX_DEPTH} levels)")

    def parse(self) -> Node:
        if self.token.type == "end":
            return Const(True)
        node = self.or_expr()
        if self.token.type != "end":
            if self.is_punct(")"):
                raise ConditionError(self.token.position, "unmatched ')'")
            raise self.fail("'and', 'or' or end of condition")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.is_keyword("or"):
            self.advance()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.is_keyword("and"):
            self.advance()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def not_expr(self) -> Node:
        if not self.is_keyword("not"):
            return self.primary()
        self.nest(self.advance())
        node = Negation(self.not_expr())
        self.depth -= 1
        return node

    def primary(self) -> Node:
        if not self.is_punct("("):
            return self.predicate()
        opening = self.advance()
        self.nest(opening)
        node = self.or_expr()
        if not self.is_punct(")"):
            raise self.fail(f"')' to close the '(' at column {opening.position + 1}")
        self.advance()
        self.depth -= 1
        return node

    def predicate(self) -> Node:
        left = self.operand("a condition")
        token = self.token
        if token.type == "op":
            self.advance()
            return self.comparison(left, token)
        negate = False
        if self.is_keyword("not"):
            self.advance()
            negate = True
            if not self.is_keyword("in", "between", *TEXT_OPS):
                raise self.fail("'in', 'between', " + ", ".join(f"'{w}'" for w in TEXT_OPS))
        if self.is_keyword("in", "between", "is", *TEXT_OPS):
            word = self.token
            column = self.require_column(left, word)
            self.advance()
            if word.value == "in":
                return InList(column, self.value_list(), negate)
            if word.value == "between":
                low = self.value("a value")
                if not self.is_keyword("and"):
                    raise self.fail("'and' between the two ends of 'between'")
                self.advance()
                high = self.value("a value")
                return Between(column, low, high, negate, word.position)
            if word.value == "is":
                return self.missing(column)
            return self.text_test(column, str(word.value), word, negate)
        if isinstance(left, ColumnRef):
            return Truthy(left)
        if left.type == "bool":
            return Const(bool(left.value))
        raise self.fail("a comparison such as '==' or 'in'")

    def comparison(self, left: ColumnRef | Value, op: Token) -> Node:
        right = self.operand("a column or a value")
        for side in (left, right):
            if isinstance(side, Value) and side.type == "null":
                negation = "not " if op.value == "!=" else ""
                raise ConditionError(side.position, f"use 'is {negation}null' to test for a missing value, not '{op.value} null'")
        if isinstance(left, ColumnRef):
            return Compare(left, str(op.value), right, op.position)
        if isinstance(right, ColumnRef):
            return Compare(right, _FLIP[str(op.value)], left, op.position)
        raise ConditionError(op.position, f"one side of '{op.value}' must be a column, but both are values")

    def require_column(self, left: ColumnRef | Value, word: Token) -> ColumnRef:
        if isinstance(left, ColumnRef):
            return left
        raise ConditionError(left.position, f"the left side of '{word.value}' must be a column, found {left.source}")

    def missing(self, column: ColumnRef) -> Node:
        negate = False
        if self.is_keyword("not"):
            self.advance()
            negate = True
        if not self.is_keyword("null", "empty"):
            raise self.fail("'null' or 'empty'")
        return IsMissing(column, str(self.advance().value), negate)

    def text_test(self, column: ColumnRef, op: str, word: Token, negate: bool) -> Node:
        if self.token.type != "string":
            raise self.fail("a quoted string")
        token = self.advance()
        pattern = str(token.value)
        regex = None
        if op == "matches":
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise ConditionError(token.position, f"invalid regular expression {token.source}: {exc}") from None
        return TextTest(column, op, pattern, regex, negate, word.position)

    def value_list(self) -> tuple[Value, ...]:
        if not self.is_punct("[", "("):
            raise self.fail("a list of values such as [\"a\", \"b\"]")
        opening = self.advance()
        closing = "]" if opening.value == "[" else ")"
        values: list[Value] = []
        while not self.is_punct(closing):
            item = self.value("a value or " + repr(closing))
            if item.type == "null":
                raise ConditionError(item.position, "null cannot be in a list; use 'is null' to test for a missing value")
            values.append(item)
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct(closing):
                raise self.fail(f"',' or '{closing}'")
        self.advance()
        return tuple(values)

    def value(self, expected: str) -> Value:
        item = self.operand(expected)
        if isinstance(item, ColumnRef):
            raise ConditionError(item.position, f"expected a value, found column {item.label!r}")
        return item

    def operand(self, expected: str) -> ColumnRef | Value:
        token = self.token
        if token.type == "string":
            self.advance()
            return Value(token.value, "str", str(token.value), token.source, token.position)
        if token.type == "number":
            self.advance()
            return Value(token.value, "number", token.source, token.source, token.position)
        if token.type == "date":
            self.advance()
            return Value(token.value, "date", token.source, token.source, token.position)
        if self.is_punct("-"):
            self.advance()
            number = self.token
            if number.type != "number":
                raise self.fail("a number")
            self.advance()
            source = "-" + number.source
            return Value(-number.value, "number", source, source, token.position)  # type: ignore[operator]
        if token.type != "name":
            raise self.fail(expected)
        name = str(token.value)
        if name in ("true", "false"):
            self.advance()
            return Value(name == "true", "bool", name, name, token.position)
        if name == "null":
            self.advance()
            return Value(None, "null", "null", name, token.position)
        if name in KEYWORDS:
            raise self.fail(expected)
        self.advance()
        if not self.is_punct("("):
            return ColumnRef(name, token.position)
        return self.call(token)

    def call(self, function: Token) -> ColumnRef | Value:
        name = str(function.value)
        if name not in FUNCTIONS:
            raise ConditionError(function.position, f"{name!r} is not a function you can call; only date(\"...\"), lower(column) and upper(column) are allowed")
        self.advance()
        argument = self.token
        if name == "date":
            if argument.type != "string":
                raise self.fail("a quoted date such as \"2020-07-16\"")
            self.advance()
            moment = _parse_date(str(argument.value), argument.position)
            result: ColumnRef | Value = Value(moment, "date", str(argument.value), f"date({argument.source})", function.position)
        else:
            if argument.type != "name" or argument.value in KEYWORDS or self.tokens[self.index + 1].source == "(":
                raise self.fail(f"a column name inside {name}()")
            self.advance()
            result = ColumnRef(str(argument.value), argument.position, name)
        if not self.is_punct(")"):
            raise self.fail(f"')' to close {name}(")
        self.advance()
        return result


def _opens_place(token: Token) -> bool:
    """Whether a token is one after which something must follow, so naming it helps the reader."""
    if token.type == "op" or (token.type == "punct" and token.value in "([,-"):
        return True
    return token.type == "name" and token.value in KEYWORDS - {"true", "false", "null", "empty"}


def _describe(token: Token) -> str:
    if token.type == "end":
        return "end of condition"
    source = token.source if len(token.source) <= 30 else token.source[:27] + "..."
    return source if token.type == "string" else f"{source!r}"


# ---------------------------------------------------------------- binding: types and vectorised code

Mask = np.ndarray
Evaluator = Callable[[pd.DataFrame], Mask]
KindOf = Callable[[ColumnRef], str]

_COMPARE: dict[str, Callable[[object, object], object]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _as_mask(result: object) -> Mask:
    if hasattr(result, "to_numpy"):
        return result.to_numpy(dtype=bool, na_value=False)  # type: ignore[union-attr]
    return np.asarray(result, dtype=bool)


def _series(df: pd.DataFrame, column: ColumnRef) -> pd.Series:
    series = df[column.name]
    if column.transform == "lower":
        return series.str.lower()
    if column.transform == "upper":
        return series.str.upper()
    return series


def _valid(series: pd.Series) -> Mask:
    return series.notna().to_numpy(dtype=bool)


def _fit_time(series: pd.Series, value: object) -> object:
    """Date values are UTC instants; a date column without a zone is read as UTC."""
    if isinstance(value, pd.Timestamp) and not isinstance(series.dtype, pd.DatetimeTZDtype):
        return value.tz_convert("UTC").tz_localize(None)
    return value


def _coerce(value: Value, kind: str, column: ColumnRef) -> object:
    """The value as the column's kind, or a ConditionError that says why it does not fit."""
    where = f"{column.label!r} is a {_KIND_WORDS[kind]} column"
    if kind == "str":
        if value.type == "bool":
            raise ConditionError(value.position, f"{where}; compare it with a quoted string, not {value.source}")
        return value.text
    if kind == "int":
        if value.type == "number":
            return value.value
        if value.type == "str":
            try:
                return float(value.text) if re.search(r"[.eE]", value.text) else int(value.text)
            except ValueError:
                pass
        raise ConditionError(value.position, f"{where}, and {value.source} is not a number")
    if kind == "datetime":
        if value.type == "date":
            return value.value
        if value.type == "str":
            try:
                return _parse_date(value.text, value.position)
            except ConditionError:
                pass
        raise ConditionError(value.position, f"{where}, and {value.source} is not a date (write 2020-07-16 or 2020-07-16T10:00:00Z)")
    if value.type == "bool":
        return value.value
    raise ConditionError(value.position, f"{where}; compare it with true or false, not {value.source}")


def _kind(column: ColumnRef, kind_of: KindOf) -> str:
    kind = kind_of(column)
    if column.transform and kind != "str":
        raise ConditionError(column.position, f"{column.transform}() needs a text column, and {column.name!r} is a {_KIND_WORDS[kind]} column")
    return kind


def bind(node: Node, kind_of: KindOf) -> Evaluator:
    """Check `node` against the column kinds and build its vectorised evaluator."""
    if isinstance(node, Const):
        return lambda df: np.full(len(df), node.value, dtype=bool)
    if isinstance(node, (AnyOf, AllOf)):
        parts = [bind(part, kind_of) for part in node.parts]
        combine = operator.or_ if isinstance(node, AnyOf) else operator.and_
        return lambda df: functools.reduce(combine, (part(df) for part in parts))
    if isinstance(node, Negation):
        inner = bind(node.part, kind_of)
        return lambda df: ~inner(df)
    if isinstance(node, Truthy):
        return _bind_truthy(node, kind_of)
    if isinstance(node, Compare):
        return _bind_compare(node, kind_of)
    if isinstance(node, InList):
        return _bind_in(node, kind_of)
    if isinstance(node, IsMissing):
        return _bind_missing(node)
    if isinstance(node, TextTest):
        return _bind_text(node, kind_of)
    return _bind_between(node, kind_of)


def _bind_truthy(node: Truthy, kind_of: KindOf) -> Evaluator:
    kind = _kind(node.column, kind_of)
    if kind != "bool":
        raise ConditionError(node.column.position, f"{node.column.label!r} is a {_KIND_WORDS[kind]} column, not true/false; compare it with a value")

    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.column)
        return _as_mask(series.eq(True))

    return run


def _masked_compare(node: Compare, series: pd.Series, other: object) -> Mask:
    """Compare only where every side has a value, so nulls give False and never raise."""
    valid = _valid(series)
    if isinstance(other, pd.Series):
        valid = valid & _valid(other)
    out = np.zeros(len(series), dtype=bool)
    if not valid.any():
        return out
    left = series.array[valid]
    right = other.array[valid] if isinstance(other, pd.Series) else other
    try:
        out[valid] = _as_mask(_COMPARE[node.op](left, right))
    except TypeError as exc:
        raise ConditionError(node.position, f"cannot compare {node.left.label!r} with {_label(node.right)} using '{node.op}': {exc}") from None
    return out


def _label(side: ColumnRef | Value) -> str:
    return repr(side.label) if isinstance(side, ColumnRef) else side.source


def _check_order(op: str, kind: str, position: int) -> None:
    if kind == "bool" and op not in ("==", "!="):
        raise ConditionError(position, f"true/false values have no order; use '==' or '!=' instead of '{op}'")


def _bind_compare(node: Compare, kind_of: KindOf) -> Evaluator:
    kind = _kind(node.left, kind_of)
    _check_order(node.op, kind, node.position)
    right = node.right
    if isinstance(right, ColumnRef):
        other_kind = _kind(right, kind_of)
        if other_kind != kind:
            raise ConditionError(node.position, f"cannot compare {_KIND_WORDS[kind]} column {node.left.label!r} with {_KIND_WORDS[other_kind]} column {right.label!r}")
        return lambda df: _masked_compare(node, _series(df, node.left), _series(df, right))
    value = _coerce(right, kind, node.left)

    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.left)
        return _masked_compare(node, series, _fit_time(series, value))

    return run


def _bind_in(node: InList, kind_of: KindOf) -> Evaluator:
    kind = _kind(node.column, kind_of)
    values = [_coerce(v, kind, node.column) for v in node.values]

    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.column)
        found = _as_mask(series.isin([_fit_time(series, v) for v in values]))
        return _valid(series) & ~found if node.negate else found

    return run


def _bind_missing(node: IsMissing) -> Evaluator:
    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.column)
        missing = series.isna().to_numpy(dtype=bool)
        if node.what == "empty" and _kind_of_dtype(series.dtype) == "str":
            missing = missing | _as_mask(series.str.strip().eq(""))
        return ~missing if node.negate else missing

    return run


def _bind_text(node: TextTest, kind_of: KindOf) -> Evaluator:
    kind = _kind(node.column, kind_of)
    if kind != "str":
        raise ConditionError(node.position, f"'{node.op}' needs a text column, and {node.column.label!r} is a {_KIND_WORDS[kind]} column")

    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.column)
        text = series.str
        if node.op == "contains":
            found = text.contains(node.pattern, regex=False, na=False)
        elif node.op == "startswith":
            found = text.startswith(node.pattern, na=False)
        elif node.op == "endswith":
            found = text.endswith(node.pattern, na=False)
        else:
            found = text.contains(node.regex, regex=True, na=False)
        mask = _as_mask(found)
        return _valid(series) & ~mask if node.negate else mask

    return run


def _bind_between(node: Between, kind_of: KindOf) -> Evaluator:
    kind = _kind(node.column, kind_of)
    _check_order("between", kind, node.position)
    low = _coerce(node.low, kind, node.column)
    high = _coerce(node.high, kind, node.column)

    def run(df: pd.DataFrame) -> Mask:
        series = _series(df, node.column)
        valid = _valid(series)
        out = np.zeros(len(series), dtype=bool)
        if valid.any():
            values = series.array[valid]
            inside = _as_mask(values >= _fit_time(series, low)) & _as_mask(values <= _fit_time(series, high))
            out[valid] = ~inside if node.negate else inside
        return out

    return run


# ---------------------------------------------------------------- public face

def _references(node: Node) -> Iterable[ColumnRef]:
    if isinstance(node, (AnyOf, AllOf)):
        for part in node.parts:
            yield from _references(part)
    elif isinstance(node, Negation):
        yield from _references(node.part)
    elif isinstance(node, (Truthy, InList, IsMissing, TextTest, Between)):
        yield node.column
    elif isinstance(node, Compare):
        yield node.left
        if isinstance(node.right, ColumnRef):
            yield node.right


def _unknown_column(column: ColumnRef, known: Iterable[str]) -> ConditionError:
    close = difflib.get_close_matches(column.name, list(known), n=1)
    hint = f" — did you mean {close[0]!r}?" if close else ""
    return ConditionError(column.position, f"unknown column {column.name!r}{hint}")


_INFERRED = {"boolean": "bool", "integer": "int", "floating": "int", "mixed-integer-float": "int", "datetime": "datetime"}


def _kind_of_series(series: pd.Series) -> str:
    """The kind of a column nobody declared: its dtype, or for objects what the values are."""
    if series.dtype == object:
        return _INFERRED.get(pd.api.types.infer_dtype(series, skipna=True), "str")
    return _kind_of_dtype(series.dtype)


def _kind_of_dtype(dtype: object) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "int"
    return "str"


@dataclass(frozen=True)
class Condition:
    """A compiled `where:` condition; call it with a table to get its boolean row mask."""

    text: str
    columns: frozenset[str]
    _tree: Node = field(repr=False, compare=False)
    _refs: tuple[ColumnRef, ...] = field(repr=False, compare=False)
    _bound: Evaluator | None = field(default=None, repr=False, compare=False)

    def __call__(self, df: pd.DataFrame) -> pd.Series:
        for ref in self._refs:
            if ref.name not in df.columns:
                raise _unknown_column(ref, map(str, df.columns))
        evaluate = self._bound or bind(self._tree, lambda ref: _kind_of_series(df[ref.name]))
        return pd.Series(evaluate(df), index=df.index, dtype=bool)


def compile_condition(text: str, columns: Mapping[str, str] | None = None) -> Condition:
    """Parse `text`; with `columns` (name → str|datetime|bool|int|float) also check names and kinds now."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(MAX_LENGTH, f"condition is longer than {MAX_LENGTH} characters")
    tree = _Parser(tokenize(text)).parse()
    refs = tuple(_references(tree))
    bound = None
    if columns is not None:
        bad = sorted(set(columns.values()) - KINDS)
        if bad:
            raise ValueError(f"unknown column kinds {bad}; use {sorted(KINDS)}")

        def kind_of(ref: ColumnRef) -> str:
            if ref.name not in columns:
                raise _unknown_column(ref, columns)
            # ints and floats compare with each other and take the same values
            return "int" if columns[ref.name] == "float" else columns[ref.name]

        bound = bind(tree, kind_of)
    return Condition(text, frozenset(ref.name for ref in refs), tree, refs, bound)
