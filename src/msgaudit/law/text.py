"""Normalising message text so keywords match however people type them.

NFKD splits accented letters into letter + combining mark; the marks are
dropped, case is folded, and every run of non-word characters (punctuation,
emoji, symbols, underscores) becomes one space. "ARRÊT!!" → "arret",
"Opt-out 🛑" → "opt out". Keywords and phrases from the YAML go through the
same function as the message bodies, so the two can never disagree.
"""

from __future__ import annotations

import pandas as pd

# Literal combining-mark ranges (not \u escapes) so any regex engine reads them alike.
_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# The Python string engine is forced: a pyarrow-backed column would use RE2,
# whose \W is ASCII-only and would erase every accented or non-Latin letter.
_STRINGS = pd.StringDtype("python")


def normalise(texts: pd.Series) -> pd.Series:
    """Accent-free, case-folded, punctuation-free text with single spaces; missing stays missing."""
    s = texts.astype(_STRINGS)
    s = s.str.casefold().str.normalize("NFKD").str.replace(_COMBINING, "", regex=True)
    return s.str.replace(r"[\W_]+", " ", regex=True).str.strip()


def normalise_all(values: tuple[str, ...] | list[str]) -> list[str]:
    return normalise(pd.Series(list(values), dtype=_STRINGS)).tolist()
