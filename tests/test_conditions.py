"""The `where:` condition language: every operator against a canonical-shaped frame, exact
error messages, and a property test against a slow row-by-row reference interpreter."""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msgaudit.rules.conditions import MAX_DEPTH, MAX_LENGTH, Condition, ConditionError, compile_condition


def _utc(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.as_unit("ns")


def _text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype=object)


# Six messages shaped like the canonical `messages` table (object+None text, `boolean`,
# datetime64[ns, UTC], Int64), with a dotted column the way a joined contact field arrives.
FRAME = pd.DataFrame({
    "direction": _text(["outbound", "inbound", "outbound", "outbound", None, "outbound"]),
    "category": _text(["marketing", None, "utility", "unknown", "marketing", "service"]),
    "is_template": pd.Series([True, False, None, True, False, None], dtype="boolean"),
    "timestamp": _utc(["2019-05-01T08:00:00Z", "2020-07-15T23:59:59Z", "2020-07-16T00:00:00Z",
                       "2025-04-01T00:00:00Z", None, "2025-06-30T21:30:00Z"]),
    "consent_at": _utc(["2019-01-10T09:00:00Z", "2020-08-01T00:00:00Z", None,
                        "2025-04-01T00:00:00Z", "2021-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]),
    "body": _text(["Offerta speciale: sconto 20%", "Grazie, a presto!", None,
                   "Città di Perugia — rinnovo quota 2025", "", "   "]),
    "counterpart_name": _text(["Mario Rossi", "Niccolò Bianchi", "O'Neil \"Sean\"", None, "ROSSI Lucia", "Giulia Esposito"]),
    "contact.relationship": _text(["member", "former-member", None, "prospect", "customer", "member"]),
    "email": _text(["mario.rossi@example.it", None, "", "giulia@esempio.it", None, "nicolò@posta.it"]),
    "counterpart_region": _text(["IT", "US", None, "US", "IT", "DE"]),
    "zip": _text(["00123", "20121", "06121", None, "00123", "10121"]),
    "attempts": pd.Series([1, 3, None, 0, 12, 5], dtype="Int64"),
    "retries": pd.Series([1, 2, 4, None, 12, 5], dtype="Int64"),
    "kind": _text(["template", "text", "system", "template", "text", "media"]),
}).set_axis(pd.Index([10, 11, 12, 13, 14, 15], name="row"))

KINDS = {
    "direction": "str", "category": "str", "is_template": "bool", "timestamp": "datetime",
    "consent_at": "datetime", "body": "str", "counterpart_name": "str", "contact.relationship": "str",
    "email": "str", "counterpart_region": "str", "zip": "str", "attempts": "int", "retries": "int", "kind": "str",
}

# (expression, expected mask over the six rows: 1 selected, 0 not)
CASES: list[tuple[str, str]] = [
    # blank and constants
    ("", "111111"),
    ("   ", "111111"),
    ("true", "111111"),
    ("false", "000000"),
    # equality on text; null cells never compare
    ('direction == "outbound"', "101101"),
    ("direction == 'outbound'", "101101"),
    ('direction != "outbound"', "010000"),
    ('"outbound" == direction', "101101"),
    ('category != "marketing"', "001101"),
    # ordering on text, numbers, dates (literal on either side)
    ('counterpart_region < "IT"', "000001"),
    ('counterpart_region >= "IT"', "110110"),
    ("attempts > 2", "010011"),
    ("attempts >= 3", "010011"),
    ("attempts < 1", "000100"),
    ("attempts <= 1", "100100"),
    ("attempts == 0", "000100"),
    ("attempts != 0", "110011"),
    ("attempts > -1", "110111"),
    ("2 < attempts", "010011"),
    ("attempts < 3.5", "110100"),
    ('attempts == "12"', "000010"),
    # text column against an unquoted number or date keeps the written form
    ("zip == 00123", "100010"),
    ('zip == "00123"', "100010"),
    # dates: a bare date is midnight UTC; date-times with offsets are converted to UTC
    ("timestamp >= 2025-04-01", "000101"),
    ("timestamp < 2020-07-16", "110000"),
    ('timestamp < date("2020-07-16T00:00:00Z")', "110000"),
    ('timestamp < date("2020-07-16")', "110000"),
    ("timestamp == 2020-07-16T00:00:00Z", "001000"),
    ("timestamp == 2020-07-16T02:00:00+02:00", "001000"),
    ("timestamp > 2020-07-15T23:59", "011101"),
    ("timestamp == 2019-05-01T08:00:00.000000Z", "100000"),
    ('timestamp >= "2025-04-01"', "000101"),
    ("2020-07-16 <= timestamp", "001101"),
    ("timestamp != 2020-07-16", "110101"),
    # column against column: both sides must hold a value
    ("timestamp >= consent_at", "100100"),
    ("timestamp < consent_at", "010001"),
    ("attempts == retries", "100011"),
    ("attempts != retries", "010000"),
    ("direction != category", "101101"),
    # booleans: a bare column is true only where the cell is true
    ("is_template", "100100"),
    ("not is_template", "011011"),
    ("is_template == true", "100100"),
    ("is_template == false", "010010"),
    ("is_template != true", "010010"),
    ("is_template is null", "001001"),
    # in / not in, with lists in brackets or parentheses, trailing commas, empty lists
    ('category in ["marketing", "unknown"]', "100110"),
    ('category in ("marketing", "unknown",)', "100110"),
    ('category not in ["marketing", "unknown"]', "001001"),
    ('contact.relationship not in ("member", "former-member")', "000110"),
    ("category in []", "000000"),
    ("category not in []", "101111"),
    ("attempts in [0, 12]", "000110"),
    ('attempts in ["0", 12]', "000110"),
    ("timestamp in [2020-07-16, 2025-04-01T02:00:00+02:00]", "001100"),
    ("is_template in [false]", "010010"),
    ("zip in [00123, 10121]", "100011"),
    # null and empty
    ("email is null", "010010"),
    ("email is not null", "101101"),
    ("body is empty", "001011"),
    ("body is not empty", "110100"),
    ("timestamp is null", "000010"),
    ("attempts is not empty", "110111"),
    # text tests: case-sensitive; lower()/upper() to ignore case; null never matches
    ('counterpart_name contains "Rossi"', "100000"),
    ('lower(counterpart_name) contains "rossi"', "100010"),
    ('upper(counterpart_name) == "ROSSI LUCIA"', "000010"),
    ('counterpart_name not contains "Rossi"', "011011"),
    ('counterpart_name contains "\\"Sean\\""', "001000"),
    ("counterpart_name contains 'O\\'Neil'", "001000"),
    ('counterpart_name contains "O\'Neil"', "001000"),
    ('email startswith "giulia"', "000100"),
    ('email not startswith "giulia"', "101001"),
    ('email endswith ".it"', "100101"),
    ('email contains "."', "100101"),
    ('body matches "(?i)offerta|sconto"', "100000"),
    ('body matches "\\d+%"', "100000"),
    ('body matches "\\\\d+%"', "100000"),
    ('body matches "^\\s*$"', "000011"),
    ('body not matches "(?i)offerta"', "010111"),
    ('body contains "Città"', "000100"),
    ('body contains "(?i)offerta"', "000000"),
    # between is inclusive; null cells are outside both between and not between
    ("attempts between 1 and 5", "110001"),
    ("attempts not between 1 and 5", "000110"),
    ("timestamp between 2020-07-16 and 2025-04-01", "001100"),
    ('counterpart_region between "DE" and "IT"', "100011"),
    # precedence: not > and > or; parentheses
    ('direction == "outbound" and category in ["marketing", "unknown"] and not is_template', "000000"),
    ('direction == "outbound" and category in ["marketing", "unknown"] or is_template', "100100"),
    ('is_template or direction == "inbound" and attempts > 2', "110100"),
    ('(is_template or direction == "inbound") and attempts > 2', "010000"),
    ("not attempts > 2 or is_template", "101100"),
    ("not (attempts > 2 or is_template)", "001000"),
    ('not not direction == "outbound"', "101101"),
    ("not is_template and not attempts > 2", "001000"),
    ("(((attempts > 2)))", "010011"),
    # null semantics: not is two-valued, so `not x == v` differs from `x != v` on nulls
    ('not category == "marketing"', "011101"),
    ('category != "marketing"', "001101"),
    ('not (category == "marketing") and category is not null', "001101"),
    # the examples from the brief
    ('counterpart_region == "US" and timestamp >= 2025-04-01', "000100"),
    ('contact.relationship not in ("member", "former-member") or email is null', "010110"),
    ('body matches "(?i)offerta|sconto" and kind != "system"', "100000"),
]


def _mask(bits: str) -> list[bool]:
    return [b == "1" for b in bits]


@pytest.mark.parametrize("kinds", [KINDS, None], ids=["declared-kinds", "dtype-kinds"])
@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] or "<blank>" for c in CASES])
def test_condition_selects_expected_rows(expression: str, expected: str, kinds: dict[str, str] | None) -> None:
    result = compile_condition(expression, kinds)(FRAME)
    assert result.dtype == bool
    assert result.index.equals(FRAME.index)
    assert result.tolist() == _mask(expected)


# (expression, exact message): columns are 1-based so the rule loader can add file:line
BAD: list[tuple[str, str]] = [
    ('directon == "outbound"', "column 1: unknown column 'directon' — did you mean 'direction'?"),
    ('is_template and qwerty == "x"', "column 17: unknown column 'qwerty'"),
    ('relationship == "member"', "column 1: unknown column 'relationship' — did you mean 'contact.relationship'?"),
    ('body contains "offerta', 'column 15: unterminated string: add the closing "'),
    ("body contains 'offerta", "column 15: unterminated string: add the closing '"),
    ('direction == "outbound" category == "marketing"',
     "column 25: expected 'and', 'or' or end of condition, found 'category'"),
    ('direction == "outbound" AND kind == "text"',
     "column 25: expected 'and', 'or' or end of condition, found 'AND' (keywords are lowercase: 'and')"),
    ('body matches "(offerta"',
     'column 14: invalid regular expression "(offerta": missing ), unterminated subpattern at position 0'),
    ("__import__('os')",
     "column 1: '__import__' is not a function you can call; only date(\"...\"), lower(column) and upper(column) are allowed"),
    ("a.b()",
     "column 1: 'a.b' is not a function you can call; only date(\"...\"), lower(column) and upper(column) are allowed"),
    ("body.upper() == 'X'",
     "column 1: 'body.upper' is not a function you can call; only date(\"...\"), lower(column) and upper(column) are allowed"),
    ("(" * (MAX_DEPTH + 1) + "is_template" + ")" * (MAX_DEPTH + 1),
     f"column {MAX_DEPTH + 1}: condition is nested too deeply (more than {MAX_DEPTH} levels)"),
    ("not " * (MAX_DEPTH + 1) + "is_template",
     f"column {4 * MAX_DEPTH + 1}: condition is nested too deeply (more than {MAX_DEPTH} levels)"),
    ("category in", "column 12: expected a list of values such as [\"a\", \"b\"] after 'in', found end of condition"),
    ('category in ["a" "b"]', "column 18: expected ',' or ']', found \"b\""),
    ('category in ["a", null]', "column 19: null cannot be in a list; use 'is null' to test for a missing value"),
    ("category in [kind]", "column 14: expected a value, found column 'kind'"),
    ('category in ("a"]', "column 17: expected ',' or ')', found ']'"),
    ("attempts >", "column 11: expected a column or a value after '>', found end of condition"),
    ('direction == "outbound" and', "column 28: expected a condition after 'and', found end of condition"),
    ("and is_template", "column 1: expected a condition, found 'and'"),
    ("(is_template", "column 13: expected ')' to close the '(' at column 1, found end of condition"),
    ("is_template)", "column 12: unmatched ')'"),
    ("email == null", "column 10: use 'is null' to test for a missing value, not '== null'"),
    ("email != null", "column 10: use 'is not null' to test for a missing value, not '!= null'"),
    ("email is nothing", "column 10: expected 'null' or 'empty' after 'is', found 'nothing'"),
    ('email not like "x"', "column 11: expected 'in', 'between', 'contains', 'startswith', 'endswith', 'matches' after 'not', found 'like'"),
    ("kind = 'text'", "column 6: '=' is not an operator; use '==' to compare"),
    ("is_template && kind", "column 13: use 'and' to combine conditions"),
    ("!is_template", "column 1: use '!=' to compare or 'not' to negate"),
    ("kind == $x", "column 9: unexpected character '$'"),
    ('timestamp >\n  "ieri\nsera"', 'column 15: \'timestamp\' is a date column, and "ieri\\nsera" is not a date (write 2020-07-16 or 2020-07-16T10:00:00Z)'),
    ("attempts > ²", "column 12: unexpected character '²'"),
    ("1 == 2", "column 3: one side of '==' must be a column, but both are values"),
    ("'text' in ['a']", "column 1: the left side of 'in' must be a column, found 'text'"),
    ("attempts", "column 1: 'attempts' is a number column, not true/false; compare it with a value"),
    ("42", "column 3: expected a comparison such as '==' or 'in', found end of condition"),
    ('timestamp > "yesterday"',
     "column 13: 'timestamp' is a date column, and \"yesterday\" is not a date (write 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ("timestamp > 2020",
     "column 13: 'timestamp' is a date column, and 2020 is not a date (write 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ("timestamp > 2020-13-01", "column 13: '2020-13-01' is not a valid date (write 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ("timestamp > 2020-07-16T25", "column 13: '2020-07-16T25' is not a number or a date (write dates as 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ('timestamp > date("luglio")', "column 18: 'luglio' is not a valid date (write 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ("timestamp > date(2020-07-16)", "column 18: expected a quoted date such as \"2020-07-16\" after '(', found '2020-07-16'"),
    ("attempts > 24h", "column 12: '24h' is not a number or a date (write dates as 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ('attempts == "tre"', "column 13: 'attempts' is a number column, and \"tre\" is not a number"),
    ("attempts == 2020-07-16", "column 13: 'attempts' is a number column, and 2020-07-16 is not a number"),
    ("kind == true", "column 9: 'kind' is a text column; compare it with a quoted string, not true"),
    ('is_template == "yes"', "column 16: 'is_template' is a true/false column; compare it with true or false, not \"yes\""),
    ("is_template < true", "column 13: true/false values have no order; use '==' or '!=' instead of '<'"),
    ("is_template between false and true",
     "column 13: true/false values have no order; use '==' or '!=' instead of 'between'"),
    ("timestamp == body", "column 11: cannot compare date column 'timestamp' with text column 'body'"),
    ('attempts contains "1"', "column 10: 'contains' needs a text column, and 'attempts' is a number column"),
    ('lower(timestamp) == "x"', "column 7: lower() needs a text column, and 'timestamp' is a date column"),
    ("lower(lower(body)) == 'x'", "column 7: expected a column name inside lower() after '(', found 'lower'"),
    ("lower('X') == body", "column 7: expected a column name inside lower() after '(', found 'X'"),
    ("lower(body == 'x'", "column 12: expected ')' to close lower(, found '=='"),
    ("attempts between 1 or 5", "column 20: expected 'and' between the two ends of 'between', found 'or'"),
    ("attempts > - x", "column 14: expected a number after '-', found 'x'"),
    ("attempts > 1.", "column 12: '1.' is not a number or a date (write dates as 2020-07-16 or 2020-07-16T10:00:00Z)"),
    ('body matches kind', "column 14: expected a quoted string after 'matches', found 'kind'"),
]


@pytest.mark.parametrize(("expression", "message"), BAD, ids=[b[0][:40] for b in BAD])
def test_bad_condition_is_rejected_with_exact_message(expression: str, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition(expression, KINDS)
    assert str(caught.value) == message
    assert caught.value.position == int(message.split(":")[0].split()[1]) - 1
    assert str(caught.value) == f"column {caught.value.position + 1}: {caught.value.message}"


def test_too_long_condition_is_rejected_before_parsing() -> None:
    text = "is_template or " * (MAX_LENGTH // 15) + "is_template"
    with pytest.raises(ConditionError, match=f"^column {MAX_LENGTH + 1}: condition is longer than {MAX_LENGTH} characters$"):
        compile_condition(text)


def test_long_flat_chains_within_the_limit_do_not_recurse() -> None:
    text = " or ".join(["attempts == 12"] * 500)
    assert compile_condition(text, KINDS)(FRAME).tolist() == _mask("000010")


def test_without_kinds_type_errors_and_unknown_columns_surface_when_run() -> None:
    condition = compile_condition('timestamp > "yesterday" and directon == "x"')
    with pytest.raises(ConditionError, match=r"^column 29: unknown column 'directon' — did you mean 'direction'\?$"):
        condition(FRAME)
    with pytest.raises(ConditionError, match=r"^column 13: 'timestamp' is a date column, and \"yesterday\" is not a date"):
        compile_condition('timestamp > "yesterday"')(FRAME)


def test_float_columns_are_numbers_comparable_with_int_columns() -> None:
    frame = pd.DataFrame({"score": [0.5, None, 3.0], "attempts": pd.Series([1, 2, 3], dtype="Int64")})
    for kinds in ({"score": "float", "attempts": "int"}, None):
        assert compile_condition("score < attempts", kinds)(frame).tolist() == [True, False, False]
        assert compile_condition('score >= "3"', kinds)(frame).tolist() == [False, False, True]


def test_declared_kinds_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown column kinds"):
        compile_condition("a", {"a": "boolean"})


def test_condition_is_a_frozen_value_naming_its_columns() -> None:
    condition = compile_condition('lower(body) contains "x" or timestamp >= consent_at or not is_template', KINDS)
    assert isinstance(condition, Condition)
    assert condition.columns == frozenset({"body", "timestamp", "consent_at", "is_template"})
    assert condition == compile_condition(condition.text)
    assert compile_condition("").columns == frozenset()
    with pytest.raises(dataclasses.FrozenInstanceError):
        condition.text = "x"  # type: ignore[misc]


def test_pandas_default_string_dtype_and_naive_times_behave_like_canonical_columns() -> None:
    frame = pd.DataFrame({
        "direction": pd.Series(["outbound", None, "inbound"], dtype="str"),
        "body": pd.Series(["Sconto!", None, "ciao"], dtype="str"),
        "timestamp": pd.to_datetime(pd.Series(["2020-07-16 00:00", None, "2020-07-15 23:00"])),
        "is_template": pd.Series([True, None, False], dtype=object),
    })
    cases = {
        'direction == "outbound"': [True, False, False],
        'direction != "outbound"': [False, False, True],
        'direction < "p"': [True, False, True],
        'body matches "(?i)sconto"': [True, False, False],
        "body not contains 'ciao'": [True, False, False],
        "body is empty": [False, True, False],
        "timestamp >= 2020-07-16": [True, False, False],
        "timestamp in [2020-07-15T23:00:00Z]": [False, False, True],
        "timestamp between 2020-07-15 and 2020-07-15T23:00Z": [False, False, True],
        "is_template": [True, False, False],
        "not is_template": [False, True, True],
    }
    for expression, expected in cases.items():
        assert compile_condition(expression)(frame).tolist() == expected, expression


def test_empty_frame_gives_empty_mask() -> None:
    empty = FRAME.iloc[0:0]
    for expression, _ in CASES:
        result = compile_condition(expression, KINDS)(empty)
        assert result.dtype == bool and len(result) == 0


def test_all_null_column_selects_nothing_and_its_negation_everything() -> None:
    frame = pd.DataFrame({"category": _text([None, None]), "attempts": pd.Series([None, None], dtype="Int64")})
    assert compile_condition('category == "x"')(frame).tolist() == [False, False]
    assert compile_condition('not category == "x"')(frame).tolist() == [True, True]
    assert compile_condition("attempts between 1 and 3")(frame).tolist() == [False, False]
    assert compile_condition("attempts not in [1]")(frame).tolist() == [False, False]


# ---------------------------------------------------------------- property test

STRINGS = ["rossi", "Rossi", "bianchi", "o'neil", 'a"b', "back\\slash", "", " ", "città", "offerta 20%", "Perugia"]
INTS = [-3, 0, 1, 7, 42]
TIMES = [pd.Timestamp(t) for t in ("2019-12-31T23:00:00Z", "2020-07-16T00:00:00Z", "2020-07-16T10:00:00Z", "2024-02-29T12:30:00Z")]
REGEXES = ["^r", "(?i)rossi", "\\d+", "a|b", "i$", "\\s", "[àèìòù]"]
PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
FLIP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
PROPERTY_KINDS = {"s": "str", "u": "str", "n": "int", "m": "int", "b": "bool", "c": "bool", "t": "datetime", "v": "datetime"}


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(0, 7))

    def column(pool: list[Any]) -> list[Any]:
        return draw(st.lists(st.sampled_from([*pool, None]), min_size=rows, max_size=rows))

    text_dtype = draw(st.sampled_from(["object", "str"]))
    return pd.DataFrame({
        "s": pd.Series(column(STRINGS), dtype=text_dtype),
        "u": pd.Series(column(STRINGS), dtype=text_dtype),
        "n": pd.Series(column(INTS), dtype="Int64"),
        "m": pd.Series(column(INTS), dtype="Int64"),
        "b": pd.Series(column([True, False]), dtype="boolean"),
        "c": pd.Series(column([True, False]), dtype="boolean"),
        "t": pd.Series(column(TIMES), dtype="datetime64[ns, UTC]"),
        "v": pd.Series(column(TIMES), dtype="datetime64[ns, UTC]"),
    })


def _quote(text: str, quote: str) -> str:
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _time_text(moment: pd.Timestamp, style: int) -> str:
    if style == 0 and moment == moment.normalize():
        return moment.strftime("%Y-%m-%d")
    if style == 1:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    rome = moment.tz_convert("Europe/Rome").isoformat()
    return f'date("{rome}")'


@st.composite
def literals(draw: st.DrawFn, kind: str) -> tuple[str, Any]:
    """A literal as written in a condition and the value it means for a column of `kind`."""
    if kind == "str":
        value = draw(st.sampled_from(STRINGS))
        return _quote(value, draw(st.sampled_from(['"', "'"]))), value
    if kind == "int":
        value = draw(st.sampled_from(INTS))
        return (f'"{value}"' if draw(st.booleans()) else str(value)), value
    if kind == "bool":
        value = draw(st.booleans())
        return ("true" if value else "false"), value
    value = draw(st.sampled_from(TIMES))
    return _time_text(value, draw(st.integers(0, 2))), value


Expr = tuple[Any, ...]


@st.composite
def predicates(draw: st.DrawFn) -> Expr:
    column = draw(st.sampled_from(sorted(PROPERTY_KINDS)))
    kind = PROPERTY_KINDS[column]
    shape = draw(st.sampled_from(["cmp", "cmpcol", "in", "null", "empty", "between", "text", "truthy", "const"]))
    ordered = kind != "bool"
    if shape == "cmp" or (shape in ("between", "text", "truthy") and not {"between": ordered, "text": kind == "str", "truthy": kind == "bool"}[shape]):
        op = draw(st.sampled_from(list(PY_OPS) if ordered else ["==", "!="]))
        transform = draw(st.sampled_from([None, "lower", "upper"])) if kind == "str" else None
        source, value = draw(literals(kind))
        return ("cmp", column, transform, op, source, value, draw(st.booleans()))
    if shape == "cmpcol":
        other = draw(st.sampled_from([c for c, k in PROPERTY_KINDS.items() if k == kind]))
        return ("cmpcol", column, draw(st.sampled_from(list(PY_OPS) if ordered else ["==", "!="])), other)
    if shape == "in":
        items = draw(st.lists(literals(kind), max_size=3))
        return ("in", column, draw(st.booleans()), items, draw(st.sampled_from(["[]", "()"])))
    if shape in ("null", "empty"):
        return (shape, column, draw(st.booleans()))
    if shape == "between":
        return ("between", column, draw(st.booleans()), draw(literals(kind)), draw(literals(kind)))
    if shape == "text":
        op = draw(st.sampled_from(["contains", "startswith", "endswith", "matches"]))
        pattern = draw(st.sampled_from(REGEXES)) if op == "matches" else draw(st.sampled_from(STRINGS + ["ss", "o", "%"]))
        return ("text", column, draw(st.booleans()), op, pattern, draw(st.sampled_from([None, "lower", "upper"])))
    if shape == "truthy":
        return ("truthy", column)
    return ("const", draw(st.booleans()))


def expressions() -> st.SearchStrategy[Expr]:
    return st.recursive(
        predicates(),
        lambda inner: st.one_of(
            st.tuples(st.just("not"), inner),
            st.tuples(st.sampled_from(["and", "or"]), inner, inner),
            st.tuples(st.just("group"), inner),
        ),
        max_leaves=8,
    )


PRECEDENCE = {"or": 1, "and": 2, "not": 3}


def render(expr: Expr) -> str:
    """Write `expr` with only the parentheses precedence needs (plus explicit `group`s)."""
    tag = expr[0]
    if tag in ("and", "or"):
        left, right = (_child(part, PRECEDENCE[tag], right_side) for part, right_side in ((expr[1], False), (expr[2], True)))
        return f"{left} {tag} {right}"
    if tag == "not":
        return f"not {_child(expr[1], PRECEDENCE['not'], False)}"
    if tag == "group":
        return f"({render(expr[1])})"
    return _render_predicate(expr)


def _child(expr: Expr, parent: int, right_side: bool) -> str:
    level = PRECEDENCE.get(expr[0], 4)
    # the left side of a chain may share the parent's level; the right side needs brackets then,
    # since the reference tree is binary while the parser reads chains left to right
    needs = level < parent or (right_side and level == parent and level < 3)
    return f"({render(expr)})" if needs else render(expr)


def _render_predicate(expr: Expr) -> str:
    tag = expr[0]
    if tag == "cmp":
        _, column, transform, op, source, _, flipped = expr
        target = f"{transform}({column})" if transform else column
        return f"{source} {FLIP[op]} {target}" if flipped else f"{target} {op} {source}"
    if tag == "cmpcol":
        return f"{expr[1]} {expr[2]} {expr[3]}"
    if tag == "in":
        _, column, negate, items, brackets = expr
        inside = ", ".join(source for source, _ in items)
        return f"{column} {'not in' if negate else 'in'} {brackets[0]}{inside}{brackets[1]}"
    if tag in ("null", "empty"):
        return f"{expr[1]} is {'not ' if expr[2] else ''}{tag}"
    if tag == "between":
        _, column, negate, (low, _), (high, _) = expr
        return f"{column} {'not between' if negate else 'between'} {low} and {high}"
    if tag == "text":
        _, column, negate, op, pattern, transform = expr
        target = f"{transform}({column})" if transform else column
        return f"{target} {'not ' if negate else ''}{op} {_quote(pattern, chr(34))}"
    if tag == "truthy":
        return expr[1]
    return "true" if expr[1] else "false"


def reference(expr: Expr, row: dict[str, Any]) -> bool:
    """One row at a time, in plain Python: the meaning the docs give each construct."""
    tag = expr[0]
    if tag == "and":
        return reference(expr[1], row) and reference(expr[2], row)
    if tag == "or":
        return reference(expr[1], row) or reference(expr[2], row)
    if tag == "not":
        return not reference(expr[1], row)
    if tag == "group":
        return reference(expr[1], row)
    if tag == "const":
        return bool(expr[1])
    if tag == "truthy":
        return row[expr[1]] is True
    if tag == "cmp":
        _, column, transform, op, _, value, _ = expr
        cell = _transformed(row[column], transform)
        return cell is not None and PY_OPS[op](cell, value)
    if tag == "cmpcol":
        left, right = row[expr[1]], row[expr[3]]
        return left is not None and right is not None and PY_OPS[expr[2]](left, right)
    if tag == "in":
        cell = row[expr[1]]
        if cell is None:
            return False
        found = any(cell == value for _, value in expr[3])
        return not found if expr[2] else found
    if tag == "null":
        return (row[expr[1]] is not None) if expr[2] else (row[expr[1]] is None)
    if tag == "empty":
        cell = row[expr[1]]
        empty = cell is None or (isinstance(cell, str) and cell.strip() == "")
        return not empty if expr[2] else empty
    if tag == "between":
        _, column, negate, (_, low), (_, high) = expr
        cell = row[column]
        if cell is None:
            return False
        inside = low <= cell <= high
        return not inside if negate else inside
    _, column, negate, op, pattern, transform = expr
    cell = _transformed(row[column], transform)
    if cell is None:
        return False
    if op == "matches":
        hit = re.search(pattern, cell) is not None
    else:
        hit = {"contains": pattern in cell, "startswith": cell.startswith(pattern), "endswith": cell.endswith(pattern)}[op]
    return not hit if negate else hit


def _transformed(cell: Any, transform: str | None) -> Any:
    if cell is None or transform is None:
        return cell
    return cell.lower() if transform == "lower" else cell.upper()


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for i in range(len(frame)):
        row = {}
        for name in frame.columns:
            cell = frame[name].iloc[i]
            row[name] = None if pd.isna(cell) else (bool(cell) if isinstance(cell, (bool, np.bool_)) else cell)
        out.append(row)
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), expr=expressions(), declared=st.booleans())
def test_vectorised_evaluation_matches_row_by_row_reference(frame: pd.DataFrame, expr: Expr, declared: bool) -> None:
    text = render(expr)
    result = compile_condition(text, PROPERTY_KINDS if declared else None)(frame)
    assert result.dtype == bool and not result.isna().any()
    expected = [reference(expr, row) for row in _rows(frame)]
    assert result.tolist() == expected, text


TOKEN_SOUP = [
    "(", ")", "[", "]", ",", "-", "==", "!=", "<", ">=", "=", "!", "and", "or", "not", "in", "is", "null", "empty",
    "true", "false", "contains", "matches", "between", "date(", "lower(", "upper(", '"x"', "'(?i)a'", '"(',
    "3", "4.5", "2020-07-16", "2020-07-16T10:00:00Z", "attempts", "body", "timestamp", "is_template", "nope", "a.b",
    '"', "\\", "²",
]


@settings(max_examples=600, deadline=None)
@given(text=st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKEN_SOUP), max_size=12).map(" ".join)))
def test_any_text_either_compiles_and_runs_or_raises_condition_error(text: str) -> None:
    try:
        condition = compile_condition(text, KINDS)
    except ConditionError as exc:
        assert 0 <= exc.position <= len(text)
        assert "\n" not in str(exc)
        return
    result = condition(FRAME)
    assert result.dtype == bool and len(result) == len(FRAME)
