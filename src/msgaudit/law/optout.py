"""Recognising opt-out, resume, objection and opt-out-like replies in message bodies.

Built from optout_keywords.yaml for a set of languages. Each test is
vectorised over the distinct bodies: normalise them once (text.py), `isin` a
set for whole-message keywords, one compiled alternation per phrase list, then
spread the answers back to every row.

A body is at most one of: an opt-out keyword (the whole message), an
objection (an objection phrase anywhere, with no limiting words such as
"a quest'ora"), or a review item (an objection narrowed by limiting words, or
an ambiguous phrase).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from msgaudit.law.models import OptoutFile
from msgaudit.law.text import normalise_all, normalise_distinct, spread


def _alternation(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex finding any of `phrases` on whole words of a normalised text."""
    if not phrases:
        return None
    # Longest first so a phrase is not cut short by one of its own prefixes.
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?:^| )({alternation})(?: |$)")


def _found(pattern: re.Pattern[str] | None, norm: pd.Series) -> np.ndarray:
    """The first phrase of `pattern` in each normalised text, else None."""
    if pattern is None:
        return np.full(len(norm), None, dtype=object)
    return norm.str.extract(pattern, expand=False).to_numpy(dtype=object, na_value=None)


class OptoutMatcher:
    def __init__(self, optout: frozenset[str], resume: frozenset[str], phrases: tuple[str, ...],
                 languages: tuple[str, ...], objections: tuple[str, ...] = (), limits: tuple[str, ...] = ()) -> None:
        self.languages = languages
        self.optout_keywords = optout
        self.resume_keywords = resume
        self.phrases = phrases
        self.objections = objections
        self.limits = limits
        self._phrase_re = _alternation(phrases)
        self._objection_re = _alternation(objections)
        self._limit_re = _alternation(limits)

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
        objections: list[str] = []
        limits: list[str] = []
        for lang in chosen:
            entry = data.languages[lang]
            optout += [k for group in entry.optout for k in group.keywords]
            resume += [k for group in entry.resume for k in group.keywords]
            phrases += [p for group in entry.phrases for p in group.phrases]
            objections += [p for group in entry.objections for p in group.phrases]
            limits += [p for group in entry.limits for p in group.phrases]

        def distinct(values: list[str]) -> tuple[str, ...]:
            return tuple(sorted(set(normalise_all(values)) - {""}))

        return cls(frozenset(normalise_all(optout)) - {""}, frozenset(normalise_all(resume)) - {""},
                   distinct(phrases), tuple(chosen), distinct(objections), distinct(limits))

    def match(self, bodies: pd.Series) -> pd.DataFrame:
        """Every test at once, normalising the bodies once (the costly step).

        Columns: `keyword` (the normalised opt-out keyword the body is, else
        missing), `is_keyword`, `is_resume`, `objection` (the objection phrase
        found, in a body that is no keyword and has no limiting words),
        `looks_like_optout`, and `phrase` (for review: an objection narrowed by
        limiting words, or an ambiguous phrase, in a body that is neither a
        keyword nor an objection). `keyword`, `objection` and `phrase` are
        evidence for a finding that does not copy the message body.
        """
        codes, norm = normalise_distinct(bodies)
        keyword = norm.isin(self.optout_keywords).to_numpy(dtype=bool)
        said = _found(self._objection_re, norm)
        limited = pd.notna(_found(self._limit_re, norm))
        objection = np.where(~keyword & ~limited, said, None)
        review = np.where(pd.notna(said), said, _found(self._phrase_re, norm))
        phrase = np.where(~keyword & pd.isna(objection), review, None)
        matched = np.where(keyword, norm.to_numpy(dtype=object, na_value=None), None)

        def text(values: np.ndarray) -> pd.Series:
            return pd.Series(spread(codes, values.astype(object), None), index=bodies.index, dtype=norm.dtype)

        return pd.DataFrame({
            "keyword": text(matched),
            "is_keyword": spread(codes, keyword, False),
            "is_resume": spread(codes, self._whole(norm, self.resume_keywords), False),
            "objection": text(objection),
            "looks_like_optout": spread(codes, pd.notna(phrase), False),
            "phrase": text(phrase),
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
        """The message needs a human to read it: neither a keyword nor a plain objection, but close."""
        return self.match(bodies)["looks_like_optout"]

    @staticmethod
    def _whole(norm: pd.Series, words: frozenset[str]) -> np.ndarray:
        return norm.isin(words).to_numpy(dtype=bool)
