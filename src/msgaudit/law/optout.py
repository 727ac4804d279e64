"""Recognising opt-out, resume and opt-out-like replies in message bodies.

Built from optout_keywords.yaml for a set of languages. Each test is
vectorised over the distinct bodies: normalise them once (text.py), `isin` a
set for whole-message keywords, one compiled alternation for phrases, then
spread the answers back to every row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from msgaudit.law.models import OptoutFile
from msgaudit.law.text import normalise_all, normalise_distinct, spread


class OptoutMatcher:
    def __init__(self, optout: frozenset[str], resume: frozenset[str], phrases: tuple[str, ...],
                 languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.optout_keywords = optout
        self.resume_keywords = resume
        self.phrases = phrases
        # Longest first so a phrase is not cut short by one of its own prefixes.
        alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        self._phrase_re = re.compile(rf"(?:^| )({alternation})(?: |$)") if phrases else None

    @classmethod
    def from_reference(cls, data: OptoutFile, languages: list[str] | None) -> OptoutMatcher:
        chosen = list(data.languages) if languages is None else languages
        unknown = [lang for lang in chosen if lang not in data.languages]
        if unknown:
            raise ValueError(f"no opt-out keywords for language(s) {', '.join(unknown)}; "
                             f"optout_keywords.yaml has {', '.join(data.languages)}")
        optout: list[str] = []
        resume: list[str] = []
        phrases: list[str] = []
        for lang in chosen:
            entry = data.languages[lang]
            optout += [k for group in entry.optout for k in group.keywords]
            resume += [k for group in entry.resume for k in group.keywords]
            phrases += [p for group in entry.phrases for p in group.phrases]
        return cls(frozenset(normalise_all(optout)) - {""}, frozenset(normalise_all(resume)) - {""},
                   tuple(sorted(set(normalise_all(phrases)) - {""})), tuple(chosen))

    def match(self, bodies: pd.Series) -> pd.DataFrame:
        """Every test at once, normalising the bodies once (the costly step).

        Columns: `keyword` (the normalised opt-out keyword the body is, else
        missing), `is_keyword`, `is_resume`, `looks_like_optout`, and `phrase`
        (the normalised phrase found, else missing). `keyword` and `phrase` are
        evidence for a finding that does not copy the message body.
        """
        codes, norm = normalise_distinct(bodies)
        keyword = norm.isin(self.optout_keywords).to_numpy(dtype=bool)
        phrase = self._found_phrase(norm)
        matched = np.where(keyword, norm.to_numpy(dtype=object, na_value=None), None)
        return pd.DataFrame({
            "keyword": pd.Series(spread(codes, matched, None), index=bodies.index, dtype=norm.dtype),
            "is_keyword": spread(codes, keyword, False),
            "is_resume": spread(codes, self._whole(norm, self.resume_keywords), False),
            "looks_like_optout": spread(codes, pd.notna(phrase), False),
            "phrase": pd.Series(spread(codes, phrase, None), index=bodies.index, dtype=norm.dtype),
        }, index=bodies.index)

    def is_keyword(self, bodies: pd.Series) -> pd.Series:
        """The whole message is an opt-out keyword ("Stop.", "ARRÊT"; not "stop sending me stuff")."""
        codes, norm = normalise_distinct(bodies)
        return pd.Series(spread(codes, self._whole(norm, self.optout_keywords), False), index=bodies.index)

    def is_resume(self, bodies: pd.Series) -> pd.Series:
        """The whole message is a resume (opt back in) keyword."""
        codes, norm = normalise_distinct(bodies)
        return pd.Series(spread(codes, self._whole(norm, self.resume_keywords), False), index=bodies.index)

    def looks_like_optout(self, bodies: pd.Series) -> pd.Series:
        """The message contains an opt-out-like phrase and needs a human to read it."""
        codes, norm = normalise_distinct(bodies)
        return pd.Series(spread(codes, pd.notna(self._found_phrase(norm)), False), index=bodies.index)

    def _found_phrase(self, norm: pd.Series) -> np.ndarray:
        if self._phrase_re is None:
            return np.full(len(norm), None, dtype=object)
        return norm.str.extract(self._phrase_re, expand=False).to_numpy(dtype=object, na_value=None)

    @staticmethod
    def _whole(norm: pd.Series, words: frozenset[str]) -> np.ndarray:
        return norm.isin(words).to_numpy(dtype=bool)
