"""Reading a message's text: marketing, service or unknown, with the cue that decided.

Exports that carry no category (Twilio SMS logs, WhatsApp chat exports) would
otherwise hide a campaign from every consent, opt-out and quiet-hours rule. The
word lists and the decision order are reference data (`message_classes.yaml`,
plus the promotional terms of `marketing_terms.yaml`, so a template TEMPLATE-001
calls promotional also reads as marketing here); this module only applies them.

Vectorised over distinct bodies: each distinct text is normalised and searched
once (a campaign is one text sent to thousands), then the answers are spread
back to every row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from msgaudit.law.loader import locate, read_term_file
from msgaudit.law.text import _COMBINING, _STRINGS, normalise_all, normalise_distinct, spread, valid_patterns

CLASSES_FILE = "message_classes.yaml"
TERMS_FILE = "marketing_terms.yaml"
MARKETING, SERVICE, UNKNOWN = "marketing", "service", "unknown"



class _Language(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    promo: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    optout_route: tuple[str, ...] = ()
    source: tuple[str, ...] = Field(min_length=1)
    verified: bool = True
    note: str = ""


class _Patterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    promo: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    coupon: tuple[str, ...] = ()
    service: tuple[str, ...] = ()

    @field_validator("promo", "weak", "coupon", "service")
    @classmethod
    def _compiles(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return valid_patterns(v)


class _ClassesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: dict[str, _Language] = Field(min_length=1)
    patterns: _Patterns = _Patterns()


class _PromoTerms(BaseModel):
    """The part of marketing_terms.yaml this module reads (the file is checked in full by TEMPLATE-001)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


class _TermsFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    languages: dict[str, _PromoTerms] = Field(min_length=1)


def _trie(words: list[str]) -> str:
    """One regex for many literal words, factored by common prefix: the engine tests a shared
    prefix once instead of every alternative at every position (hundreds of terms made a plain
    alternation the slowest step). Longer words are still preferred, as a longest-first
    alternation would: every branch is greedy and a shorter word is only the empty branch."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(tree)


def _word_regex(terms: list[str], patterns: list[str] = ()) -> re.Pattern[str] | None:
    """Whole words over normalised text (a term, else a pattern); group 1 is the match."""
    words = sorted({t for t in normalise_all(terms) if t})
    parts = ([_trie(words)] if words else []) + [f"(?:{p})" for p in sorted(set(patterns))]
    # A word must start after a space (or at the start); the lookbehind lets the engine skip
    # every position inside a word at once.
    return re.compile(rf"(?<![^ ])(?:({'|'.join(parts)})(?= |$))") if parts else None


def _any_regex(patterns: tuple[str, ...], flags: int = 0) -> re.Pattern[str] | None:
    return re.compile("(" + "|".join(f"(?:{p})" for p in patterns) + ")", flags) if patterns else None


def folded(texts: pd.Series) -> pd.Series:
    """Case folded, accents removed, whitespace collapsed; symbols and punctuation kept."""
    s = texts.astype(_STRINGS).str.casefold().str.normalize("NFKD").str.replace(_COMBINING, "", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


class MessageClassifier:
    """Marketing / service / unknown for message bodies, and whether a body offers a way to opt out."""

    def __init__(self, data: _ClassesFile, promo_terms: _TermsFile) -> None:
        langs = data.languages.values()
        self.promo = _word_regex([t for lang in langs for t in lang.promo]
                                 + [t for lang in promo_terms.languages.values() for t in lang.terms],
                                 [p for lang in promo_terms.languages.values() for p in lang.patterns])
        self.weak = _word_regex([t for lang in langs for t in lang.weak])
        self.service = _word_regex([t for lang in langs for t in lang.service])
        self.optout_route = _word_regex([t for lang in langs for t in lang.optout_route])
        self.neutral = _word_regex([t for lang in langs for t in lang.neutral])
        self.promo_symbols = _any_regex(data.patterns.promo)
        self.weak_symbols = _any_regex(data.patterns.weak)
        self.service_symbols = _any_regex(data.patterns.service)
        self.coupon = _any_regex(data.patterns.coupon)

    def classify(self, bodies: pd.Series) -> pd.DataFrame:
        """Per body: `content_category` (marketing, service, unknown; missing for no body) and `cue`.

        The cue is the promotional term or pattern that decided marketing
        (two weak cues are joined by " + "), or the service term for service.
        """
        codes, distinct = pd.factorize(bodies.astype(_STRINGS))
        raw = pd.Series(distinct, dtype=_STRINGS)
        fold = folded(raw)
        # The normalised text is the folded one without symbols (as law.text.normalise makes it),
        # with the neutral phrases blanked so their promotional-looking words count for nothing.
        norm = fold.str.replace(r"[\W_]+", " ", regex=True).str.strip()
        if self.neutral is not None:
            norm = norm.str.replace(self.neutral, " _ ", regex=True)
        # Every symbol pattern needs a digit, a dot or a slash: other texts skip those passes.
        symbolic = fold.str.contains(r"[\d./]", regex=True).fillna(False).to_numpy(dtype=bool)
        category = np.full(len(raw), UNKNOWN, dtype=object)
        cue = np.full(len(raw), None, dtype=object)
        # Each pass reads only the texts the earlier ones left undecided.
        promo = _first(norm, self.promo)
        rest = promo.isna().to_numpy(dtype=bool) & symbolic
        promo[rest] = _first(fold[rest], self.promo_symbols)
        decided = promo.notna().to_numpy(dtype=bool)
        category[decided], cue[decided] = MARKETING, promo[decided].to_numpy(dtype=object)
        open_ = ~decided
        service = pd.Series(pd.NA, index=raw.index, dtype=_STRINGS)
        service[open_] = _first(norm[open_], self.service)
        rest = open_ & service.isna().to_numpy(dtype=bool) & symbolic
        service[rest] = _first(fold[rest], self.service_symbols)
        has_service = service.notna().to_numpy(dtype=bool)
        weighed = open_ & ~has_service
        n_weak = np.zeros(len(raw), dtype=np.int64)
        n_weak[weighed] = _count(norm[weighed], self.weak)
        weighed_symbols = weighed & symbolic
        n_weak[weighed_symbols] += _count(fold[weighed_symbols], self.weak_symbols) + _count(raw[weighed_symbols], self.coupon)
        by_weak = weighed & (n_weak >= 2)
        category[by_weak], cue[by_weak] = MARKETING, self._weak_cue(norm[by_weak], fold[by_weak], raw[by_weak])
        as_service = open_ & has_service
        category[as_service], cue[as_service] = SERVICE, service[as_service].to_numpy(dtype=object)
        empty = norm.fillna("").eq("").to_numpy(dtype=bool)
        category[empty] = None
        cue[empty] = None
        return pd.DataFrame({"content_category": spread(codes, category, None), "cue": spread(codes, cue, None)},
                            index=bodies.index)

    def _weak_cue(self, norm: pd.Series, fold: pd.Series, raw: pd.Series) -> np.ndarray:
        """The first two weak cues found, joined by " + " (words first, then symbols, then a coupon code).

        Only the few texts decided by weak cues come here, so listing every match is cheap.
        """
        found = [_all(norm, self.weak), _all(fold, self.weak_symbols), _all(raw, self.coupon)]
        return np.array([" + ".join((a + b + c)[:2]) for a, b, c in zip(*found)], dtype=object)

    def offers_optout(self, bodies: pd.Series) -> pd.Series:
        """The body tells the reader how to stop these messages ("Rispondi STOP", "unsubscribe")."""
        codes, norm = normalise_distinct(bodies)
        found = _first(norm, self.optout_route).notna().to_numpy(dtype=bool)
        return pd.Series(spread(codes, found, False), index=bodies.index)


def _first(texts: pd.Series, regex: re.Pattern[str] | None) -> pd.Series:
    if regex is None or texts.empty:
        return pd.Series(pd.NA, index=texts.index, dtype=_STRINGS)
    return texts.str.extract(regex, expand=False).astype(_STRINGS).str.strip()


def _all(texts: pd.Series, regex: re.Pattern[str] | None) -> list[list[str]]:
    if regex is None:
        return [[] for _ in range(len(texts))]
    return [[m.strip() for m in found] for found in texts.fillna("").str.findall(regex)]


def _count(texts: pd.Series, regex: re.Pattern[str] | None) -> np.ndarray:
    if regex is None or texts.empty:
        return np.zeros(len(texts), dtype=np.int64)
    return texts.fillna("").str.count(regex).to_numpy(dtype=np.int64)


@lru_cache(maxsize=8)
def _load(root: str) -> MessageClassifier:
    base = Path(root)
    data = read_term_file(base / CLASSES_FILE, _ClassesFile, "message classes")
    terms = read_term_file(base / TERMS_FILE, _TermsFile, "marketing terms")
    return MessageClassifier(data, terms)  # type: ignore[arg-type]


def load_classifier(root: str | Path | None = None) -> MessageClassifier:
    """The classifier of the reference folder `root` (default: the one `load_reference` reads)."""
    return _load(str(locate(Path(root) if root is not None else None)))
