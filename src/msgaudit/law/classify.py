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
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from msgaudit.errors import ConfigError
from msgaudit.law.text import normalise, normalise_all, normalise_distinct, spread

CLASSES_FILE = "message_classes.yaml"
TERMS_FILE = "marketing_terms.yaml"
MARKETING, SERVICE, UNKNOWN = "marketing", "service", "unknown"

_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_STRINGS = pd.StringDtype("python")


def _regexes(values: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in values:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
    return values


class _Language(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    promo: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
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
        return _regexes(v)


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


def _read(path: Path, model: type[BaseModel], what: str) -> BaseModel:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(str(path), None, f"{what} file missing; restore it from the msgaudit repository") from None
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), None, f"invalid {what}: {str(exc).splitlines()[0]}") from None


def _word_regex(terms: list[str], patterns: list[str] = ()) -> re.Pattern[str] | None:
    """Whole-word alternation over normalised text, longest first; group 1 is the match."""
    words = sorted({t for t in normalise_all(terms) if t}, key=lambda t: (-len(t), t))
    parts = [re.escape(t) for t in words] + [f"(?:{p})" for p in sorted(set(patterns))]
    return re.compile(rf"(?:^| )({'|'.join(parts)})(?= |$)") if parts else None


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
        norm, fold = normalise(raw), folded(raw)
        promo = _first(norm, self.promo).fillna(_first(fold, self.promo_symbols))
        service = _first(norm, self.service).fillna(_first(fold, self.service_symbols))
        weak_parts = [(_count(norm, self.weak), _first(norm, self.weak)),
                      (_count(fold, self.weak_symbols), _first(fold, self.weak_symbols)),
                      (_count(raw, self.coupon), _first(raw, self.coupon))]
        n_weak = sum(n for n, _ in weak_parts)
        first_weak = [w for _, w in weak_parts]
        weak_cue = first_weak[0].fillna("")
        for other in first_weak[1:]:
            weak_cue = weak_cue + np.where(weak_cue.ne("") & other.notna(), " + ", "") + other.fillna("")
        has_promo = promo.notna().to_numpy(dtype=bool)
        has_service = service.notna().to_numpy(dtype=bool)
        by_weak = ~has_promo & (n_weak >= 2) & ~has_service
        category = np.where(has_promo | by_weak, MARKETING, np.where(has_service, SERVICE, UNKNOWN)).astype(object)
        cue = np.where(has_promo, promo.to_numpy(dtype=object, na_value=None),
                       np.where(by_weak, weak_cue.to_numpy(dtype=object, na_value=None),
                                np.where(has_service, service.to_numpy(dtype=object, na_value=None), None))).astype(object)
        empty = norm.fillna("").eq("").to_numpy(dtype=bool)
        category[empty] = None
        cue[empty] = None
        return pd.DataFrame({"content_category": spread(codes, category, None), "cue": spread(codes, cue, None)},
                            index=bodies.index)

    def offers_optout(self, bodies: pd.Series) -> pd.Series:
        """The body tells the reader how to stop these messages ("Rispondi STOP", "unsubscribe")."""
        codes, norm = normalise_distinct(bodies)
        found = _first(norm, self.optout_route).notna().to_numpy(dtype=bool)
        return pd.Series(spread(codes, found, False), index=bodies.index)


def _first(texts: pd.Series, regex: re.Pattern[str] | None) -> pd.Series:
    if regex is None or texts.empty:
        return pd.Series(pd.NA, index=texts.index, dtype=_STRINGS)
    return texts.str.extract(regex, expand=False).astype(_STRINGS).str.strip()


def _count(texts: pd.Series, regex: re.Pattern[str] | None) -> np.ndarray:
    if regex is None or texts.empty:
        return np.zeros(len(texts), dtype=np.int64)
    return texts.fillna("").str.count(regex).to_numpy(dtype=np.int64)


@lru_cache(maxsize=8)
def _load(root: str) -> MessageClassifier:
    base = Path(root)
    data = _read(base / CLASSES_FILE, _ClassesFile, "message classes")
    terms = _read(base / TERMS_FILE, _TermsFile, "marketing terms")
    return MessageClassifier(data, terms)  # type: ignore[arg-type]


def load_classifier(root: str | Path | None = None) -> MessageClassifier:
    """The classifier of the reference folder `root` (default: the one `load_reference` reads)."""
    from msgaudit.law.loader import locate

    return _load(str(locate(Path(root) if root is not None else None)))
