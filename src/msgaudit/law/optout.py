"""Recognising opt-out, resume and opt-out-like replies in message bodies.

Built from optout_keywords.yaml for a set of languages. Every test is one
vectorised pass: normalise the bodies (text.normalise), then `isin` a set for
whole-message keywords, or one compiled alternation for phrases.
"""

from __future__ import annotations

import re

import pandas as pd

from msgaudit.law.models import OptoutFile
from msgaudit.law.text import normalise, normalise_all


class OptoutMatcher:
    def __init__(self, optout: frozenset[str], resume: frozenset[str], phrases: tuple[str, ...],
                 languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.optout_keywords = optout
        self.resume_keywords = resume
        self.phrases = phrases
        # Longest first so a phrase is not cut short by one of its own prefixes.
        alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        self._phrase_re = re.compile(rf"(?:^| )(?:{alternation})(?: |$)") if phrases else None

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

    def is_keyword(self, bodies: pd.Series) -> pd.Series:
        """The whole message is an opt-out keyword ("Stop.", "ARRÊT"; not "stop sending me stuff")."""
        return self._whole(bodies, self.optout_keywords)

    def is_resume(self, bodies: pd.Series) -> pd.Series:
        """The whole message is a resume (opt back in) keyword."""
        return self._whole(bodies, self.resume_keywords)

    def keyword(self, bodies: pd.Series) -> pd.Series:
        """The normalised opt-out keyword each body is, or missing: evidence for a finding."""
        norm = normalise(bodies)
        return norm.where(norm.isin(self.optout_keywords))

    def looks_like_optout(self, bodies: pd.Series) -> pd.Series:
        """The message contains an opt-out-like phrase and needs a human to read it."""
        if self._phrase_re is None:
            return pd.Series(False, index=bodies.index, dtype=bool)
        found = normalise(bodies).str.contains(self._phrase_re, regex=True, na=False)
        return found.astype(bool)

    @staticmethod
    def _whole(bodies: pd.Series, words: frozenset[str]) -> pd.Series:
        return normalise(bodies).isin(words).fillna(False).astype(bool)
