"""Pydantic models of the reference files in `rules/reference/`.

One model per file, `extra="forbid"` everywhere, so a misspelt key is an error
rather than a silently ignored fact. Every legal fact is `Cited`: it names its
source keys (from sources.yaml), whether it is verified, and a note that must
say what is unverified when it is not.

Values that YAML 1.1 quietly mistypes are rejected with a hint: an unquoted
`NO` (Norway) becomes false, an unquoted `21:00` becomes the number 1260, and a
date written as a number would otherwise be read as a Unix timestamp.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MECHANISM_NAMES = (
    "adequacy", "dpf", "privacy-shield", "safe-harbor", "scc-2001", "scc-2004", "scc-2010", "scc-2021", "bcr",
    "derogation", "none",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
_SOURCE_KEY = re.compile(r"^[A-Z][A-Z0-9-]*$")


def _country(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("YAML read an unquoted country code as true/false: quote it, e.g. \"NO\"")
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code in capitals, e.g. \"IT\"")
    return value


def _day(value: object) -> object:
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} has a time of day: write the day only, e.g. 2020-07-16")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a day: write it as YYYY-MM-DD, e.g. 2020-07-16")


def _clock(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError("YAML read an unquoted time as a number: quote it, e.g. \"21:00\"")
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a time: write it as \"HH:MM\", e.g. \"08:00\"")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{value!r} is not a time between \"00:00\" and \"24:00\"")
    return hours * 60 + minutes


def _word(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("YAML read an unquoted YES/NO/ON/OFF as true/false: quote it, e.g. \"YES\"")
    if isinstance(value, (int, float)):
        return str(value)
    return value


Country = Annotated[str, BeforeValidator(_country)]
Word = Annotated[str, BeforeValidator(_word)]
Day = Annotated[date, BeforeValidator(_day)]
MinuteOfDay = Annotated[int, BeforeValidator(_clock)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(Strict):
    """A legal fact: its sources, whether it is verified, and what is not."""

    source: tuple[str, ...] = Field(min_length=1)
    verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _unverified_says_what(self) -> Cited:
        if not self.verified and not (self.note and self.note.strip()):
            raise ValueError("verified: false needs a note saying what is unverified")
        return self


def _ordered(first: date | None, last: date | None, what: str) -> None:
    if first is not None and last is not None and last < first:
        raise ValueError(f"{what}: the last day {last} is before the first day {first}")


# --- settings.yaml, sources.yaml ---------------------------------------------

class Settings(Strict):
    day_zone: str

    @model_validator(mode="after")
    def _known_zone(self) -> Settings:
        try:
            ZoneInfo(self.day_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"day_zone {self.day_zone!r} is not an IANA time zone, e.g. Europe/Brussels") from None
        return self


SourceKind = Literal["law-md", "external", "policy"]


def _source_key(value: object) -> object:
    if not isinstance(value, str) or not _SOURCE_KEY.match(value):
        raise ValueError(f"{value!r} is not a source key (capitals, digits and '-', e.g. T7)")
    return value


SourceKey = Annotated[str, BeforeValidator(_source_key)]


class SourceRef(Strict):
    ref: str = Field(min_length=1)
    kind: SourceKind
    secondary: bool = False


# --- mechanisms.yaml ------------------------------------------------------------

class Milestone(Cited):
    date: Day
    event: str


class LegalEvent(Cited):
    name: str
    case: str
    date: Day


class Mechanism(Cited):
    title: str
    instrument: str | None = None
    basis: Literal["period", "adequacy", "none"] = "period"
    valid_from: Day | None = None
    valid_to: Day | None = None
    countries: tuple[Country, ...] | None = None
    requires_certified: bool = False
    new_contracts_until: Day | None = None
    ended_by: LegalEvent | None = None
    milestones: tuple[Milestone, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Mechanism:
        _ordered(self.valid_from, self.valid_to, "valid_from/valid_to")
        if self.basis != "period":
            period_keys = ("valid_from", "valid_to", "countries", "new_contracts_until", "ended_by")
            used = [k for k in period_keys if getattr(self, k) is not None] + (
                ["requires_certified"] if self.requires_certified else [])
            if used:
                raise ValueError(f"basis {self.basis!r} takes its days elsewhere; remove {', '.join(used)}")
        if self.ended_by is not None:
            if self.valid_to is None or (self.ended_by.date - self.valid_to).days != 1:
                raise ValueError(
                    f"ended_by is dated {self.ended_by.date}, so valid_to (the last valid day) "
                    f"must be the day before, not {self.valid_to}")
        return self


class MechanismsFile(Strict):
    mechanisms: dict[str, Mechanism]

    @model_validator(mode="after")
    def _all_named(self) -> MechanismsFile:
        missing = [m for m in MECHANISM_NAMES if m not in self.mechanisms]
        unknown = sorted(set(self.mechanisms) - set(MECHANISM_NAMES))
        if missing:
            raise ValueError(f"missing mechanisms: {', '.join(missing)}")
        if unknown:
            raise ValueError(f"unknown mechanisms {', '.join(unknown)}; allowed: {', '.join(MECHANISM_NAMES)}")
        return self


# --- adequacy.yaml, eea.yaml ------------------------------------------------------

class AdequacyEntry(Cited):
    country: Country
    name: str
    decision: str
    kind: Literal["decision", "bridge"] = "decision"
    valid_from: Day
    valid_to: Day | None = None
    requires: Literal["dpf-certified"] | None = None
    scope: str | None = None
    history: tuple[Milestone, ...] = ()

    @model_validator(mode="after")
    def _ordered_days(self) -> AdequacyEntry:
        _ordered(self.valid_from, self.valid_to, "valid_from/valid_to")
        return self


class Organisation(Cited):
    id: str
    name: str
    decision: str
    valid_from: Day
    valid_to: Day | None = None


class AdequacyFile(Strict):
    countries: tuple[AdequacyEntry, ...]
    organisations: tuple[Organisation, ...] = ()

    @model_validator(mode="after")
    def _no_overlap(self) -> AdequacyFile:
        by_country: dict[str, list[AdequacyEntry]] = {}
        for entry in self.countries:
            by_country.setdefault(entry.country, []).append(entry)
        for code, entries in by_country.items():
            entries.sort(key=lambda e: e.valid_from)
            for before, after in zip(entries, entries[1:]):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    raise ValueError(f"{code}: the entries from {before.valid_from} and {after.valid_from} overlap")
        return self


class EeaMember(Cited):
    country: Country
    name: str
    union: Literal["EU", "EEA"]
    member_from: Day
    member_to: Day | None = None

    @model_validator(mode="after")
    def _ordered_days(self) -> EeaMember:
        _ordered(self.member_from, self.member_to, "member_from/member_to")
        return self


class EeaFile(Strict):
    members: tuple[EeaMember, ...]

    @model_validator(mode="after")
    def _unique(self) -> EeaFile:
        codes = [m.country for m in self.members]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return self


# --- optout_keywords.yaml ------------------------------------------------------------

class KeywordGroup(Cited):
    keywords: tuple[Word, ...] = Field(min_length=1)


class PhraseGroup(Cited):
    phrases: tuple[Word, ...] = Field(min_length=1)


class Language(Strict):
    optout: tuple[KeywordGroup, ...] = Field(min_length=1)
    resume: tuple[KeywordGroup, ...] = ()
    # Plain-words objections (an opt-out wherever they appear), the words that narrow one to a review
    # item ("... a quest'ora"), and phrases that only look like an opt-out.
    objections: tuple[PhraseGroup, ...] = ()
    limits: tuple[PhraseGroup, ...] = ()
    phrases: tuple[PhraseGroup, ...] = ()


LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class OptoutFile(Strict):
    languages: dict[LanguageCode, Language] = Field(min_length=1)


# --- quiet_hours.yaml ------------------------------------------------------------

class Window(Strict):
    days: tuple[Weekday, ...] = Field(min_length=1)
    start: MinuteOfDay
    end: MinuteOfDay

    @model_validator(mode="after")
    def _start_before_end(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start (windows cannot cross midnight: split them in two)")
        return self

    @property
    def day_numbers(self) -> tuple[int, ...]:
        """pandas `dayofweek` numbers: Monday is 0."""
        return tuple(WEEKDAYS.index(d) for d in self.days)


class Attempts(Strict):
    count: int = Field(gt=0)
    days: int = Field(gt=0)


class QuietProfile(Cited):
    title: str
    country: Country | None = None
    area_codes: tuple[Annotated[str, Field(pattern=r"^[2-9]\d\d$")], ...] = Field(
        default=(), description="North American area codes the profile is limited to (a US state's numbers)")
    valid_from: Day | None = None
    valid_to: Day | None = None
    windows: tuple[Window, ...] = Field(min_length=1)
    holidays: str | None = None
    applies_to_messaging: bool
    max_attempts: Attempts | None = None
    silence_after_refusal_days: int | None = Field(default=None, gt=0)
    exemptions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ordered_days(self) -> QuietProfile:
        _ordered(self.valid_from, self.valid_to, "valid_from/valid_to")
        return self


class Holiday(Strict):
    name: str
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    easter_offset: int | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Holiday:
        fixed = self.month is not None and self.day is not None
        if fixed == (self.easter_offset is not None) or (self.month is None) != (self.day is None):
            raise ValueError("give either month and day, or easter_offset")
        if fixed:
            date(2000, self.month, self.day)  # type: ignore[arg-type]
        return self


class HolidayCalendar(Cited):
    title: str
    holidays: tuple[Holiday, ...] = Field(min_length=1)


class QuietFile(Strict):
    profiles: dict[str, QuietProfile] = Field(min_length=1)
    holiday_calendars: dict[str, HolidayCalendar] = {}

    @model_validator(mode="after")
    def _calendars_exist(self) -> QuietFile:
        for name, profile in self.profiles.items():
            if profile.holidays is not None and profile.holidays not in self.holiday_calendars:
                raise ValueError(f"profile {name!r} names holiday calendar {profile.holidays!r}, "
                                 f"which holiday_calendars does not define")
        return self


# --- platform.yaml ------------------------------------------------------------

class ServiceWindow(Cited):
    hours: int = Field(gt=0)


class TemplateCategories(Cited):
    categories: tuple[str, ...] = Field(min_length=1)
    valid_from: Day


class DatedFact(Cited):
    valid_from: Day


class UsMarketingBlock(Cited):
    valid_from: Day
    calling_code: str = Field(pattern=r"^\d{1,3}$")


class BroadcastList(Cited):
    max_recipients: int = Field(gt=0)


class TcpaRevocation(Cited):
    business_days: int = Field(gt=0)
    valid_from: Day
    confirmation_texts: int = Field(ge=0)
    confirmation_from: Day


class RpoMobiles(Cited):
    valid_from: Day
    in_force: Day
    covers_messaging: bool
    # The channels it covers whatever `covers_messaging` says (Codice art. 130(3-bis): calls and paper mail).
    channels: tuple[str, ...] = Field(min_length=1)


class PlatformFile(Strict):
    service_window: ServiceWindow
    template_categories: TemplateCategories
    per_message_pricing: DatedFact
    utility_in_window_charging: DatedFact
    us_marketing_block: UsMarketingBlock
    broadcast_list: BroadcastList
    tcpa_revocation: TcpaRevocation
    rpo_mobiles: RpoMobiles
