"""Normalising message text so keywords match however people type them.

NFKD splits accented letters into letter + combining mark; the marks are
dropped, case is folded, and every run of non-word characters (punctuation,
emoji, symbols, underscores) becomes one space. "ARRÊT!!" → "arret",
"Opt-out 🛑" → "opt out". Keywords and phrases from the YAML go through the
same function as the message bodies, so the two can never disagree.

Each distinct text is normalised once: chats repeat short replies ("Ok",
"Grazie", "STOP") many times, and the regex passes are the expensive part.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Literal combining-mark ranges (not \u escapes) so any regex engine reads them alike.
_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# The Python string engine is forced: a pyarrow-backed column would use RE2,
# whose \W is ASCII-only and would erase every accented or non-Latin letter.
_STRINGS = pd.StringDtype("python")


def normalise_distinct(texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Normalise each distinct text once: (codes into the result, normalised distinct texts).

    A missing text gets code -1, which `spread` turns back into missing or False.
    """
    codes, distinct = pd.factorize(texts.astype(_STRINGS))
    s = pd.Series(distinct, dtype=_STRINGS)
    s = s.str.casefold().str.normalize("NFKD").str.replace(_COMBINING, "", regex=True)
    return codes, s.str.replace(r"[\W_]+", " ", regex=True).str.strip()


def spread(codes: np.ndarray, values: np.ndarray, missing: object) -> np.ndarray:
    """Per-distinct `values` back to one per row; code -1 (a missing text) gets `missing`."""
    return np.append(values, np.array([missing], dtype=values.dtype))[codes]


def normalise(texts: pd.Series) -> pd.Series:
    """Accent-free, case-folded, punctuation-free text with single spaces; missing stays missing."""
    codes, distinct = normalise_distinct(texts)
    values = spread(codes, distinct.to_numpy(dtype=object, na_value=None), None)
    return pd.Series(values, index=texts.index, dtype=_STRINGS)


def normalise_all(values: tuple[str, ...] | list[str]) -> list[str]:
    return normalise(pd.Series(list(values), dtype=_STRINGS)).tolist()


def valid_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The patterns of a reference file, each checked to compile; ValueError names the one that does not."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
    return patterns
