"""Template category: utility or authentication messages whose text reads as marketing."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from msgaudit.errors import ConfigError
from msgaudit.law.loader import read_term_file
from msgaudit.law.text import normalise, normalise_all, valid_patterns
from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext

TERMS_FILE = "marketing_terms.yaml"


class _TermList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    source: tuple[str, ...] = Field(min_length=1)
    verified: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _valid(self) -> _TermList:
        if not self.verified and not self.note.strip():
            raise ValueError("verified: false needs a note saying what is unverified")
        valid_patterns(self.patterns)
        return self


class _TermsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: dict[str, _TermList] = Field(min_length=1)


@lru_cache(maxsize=16)
def promo_regex(path: str, languages: tuple[str, ...] | None) -> re.Pattern[str]:
    """One compiled alternation of the chosen languages' terms and patterns, over normalised text.

    Group 1 is the matched term: evidence that shows why, without the message.
    """
    data = read_term_file(path, _TermsFile, "marketing terms")
    chosen = list(data.languages) if languages is None else list(languages)
    unknown = [lang for lang in chosen if lang not in data.languages]
    if unknown:
        raise ConfigError(path, None, f"no marketing terms for language(s) {', '.join(unknown)}; "
                                      f"the file has {', '.join(data.languages)}")
    terms = sorted({t for lang in chosen for t in normalise_all(list(data.languages[lang].terms)) if t},
                   key=lambda t: (-len(t), t))
    patterns = sorted({p for lang in chosen for p in data.languages[lang].patterns})
    alternation = "|".join([re.escape(t) for t in terms] + [f"(?:{p})" for p in patterns])
    return re.compile(rf"(?:^| )({alternation})(?= |$)")


class ContentParams(Params):
    languages: list[str] | None = Field(None, description="Languages of marketing_terms.yaml to use; null for all")
    terms_file: str = Field(TERMS_FILE, min_length=1, description="Terms file, relative to the reference folder")


@check("content_category", ContentParams, applies_to=("messages", "deliveries"))
def content_category(ctx: CheckContext, rows: pd.DataFrame, p: ContentParams) -> pd.DataFrame:
    """Flag messages whose text reads as marketing (select the declared categories with `where`).

    The body is normalised like opt-out keywords (case, accents, punctuation
    and emoji ignored) and searched for any promotional term or pattern of the
    chosen languages as whole words: "Sconto 20%!" matches "sconto",
    "promossa" does not match "promo". A message with no body passes.

    Parameters:
      languages: which languages' lists to use (e.g. [it, en]); null (default)
        for every language in the file.
      terms_file: the terms file, relative to the reference folder (default
        marketing_terms.yaml).

    Evidence: matched_term (the normalised term or pattern match, never the
    message), declared_category.
    """
    path = str(Path(ctx.reference.root) / p.terms_file)
    regex = promo_regex(path, tuple(p.languages) if p.languages is not None else None)
    found = normalise(rows["body"]).str.extract(regex, expand=False)
    hit = found.notna().fillna(False).astype(bool)
    return pd.DataFrame({
        "matched_term": found[hit].astype(object),
        "ev_matched_term": found[hit].astype(object),
        "ev_declared_category": rows.loc[hit, "category"],
    }, index=rows.index[hit])
