"""Finding words in message bodies that reveal a special category of data (GDPR Art. 9(1)).

The terms are reference data (`art9_terms.yaml`), one list per category and
language. Each distinct body is normalised and searched once per category; the
answer is the first category (in the file's order) with a match and the term
matched, which is what a finding may show instead of the message.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from msgaudit.law.classify import _word_regex
from msgaudit.law.loader import read_term_file
from msgaudit.law.text import normalise_distinct, spread

TERMS_FILE = "art9_terms.yaml"


class _Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    terms: dict[str, tuple[str, ...]] = Field(min_length=1)
    source: tuple[str, ...] = Field(min_length=1)
    verified: bool = True
    note: str = ""


class _Art9File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: dict[str, _Category] = Field(min_length=1)


class Art9Matcher:
    def __init__(self, data: _Art9File) -> None:
        self.labels = {name: c.label for name, c in data.categories.items()}
        self._regex = {name: _word_regex([t for terms in c.terms.values() for t in terms])
                       for name, c in data.categories.items()}

    def match(self, bodies: pd.Series, categories: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Per body: `art9_category` (the file's key, e.g. health) and `term`; both missing without a match.

        `categories` limits the search (None: every category in the file).
        """
        chosen = list(self._regex) if categories is None else [c for c in self._regex if c in categories]
        codes, norm = normalise_distinct(bodies)
        category = np.full(len(norm), None, dtype=object)
        term = np.full(len(norm), None, dtype=object)
        for name in chosen:
            regex = self._regex[name]
            if regex is None or norm.empty:
                continue
            found = norm.str.extract(regex, expand=False).to_numpy(dtype=object, na_value=None)
            new = pd.isna(category) & pd.notna(found)
            category[new] = name
            term[new] = found[new]
        return pd.DataFrame({"art9_category": spread(codes, category, None), "term": spread(codes, term, None)},
                            index=bodies.index)


@lru_cache(maxsize=8)
def _load(path: str) -> Art9Matcher:
    return Art9Matcher(read_term_file(path, _Art9File, "Art. 9 terms"))


def load_art9(root: str | Path, terms_file: str = TERMS_FILE) -> Art9Matcher:
    return _load(str(Path(root) / terms_file))
