"""msgaudit.law: the time-aware reference data and its vectorised queries.

Most tests are tables: one row per (input, expected verdict), with the reason
in the id, so a new boundary case is a new row.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from dateutil.easter import easter as dateutil_easter

from msgaudit.errors import ConfigError
from msgaudit.law import ENV_VAR, Interval, Reference, easter_sunday, load_reference, outside_allowed
from msgaudit.law.models import Cited

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "rules" / "reference"


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference(REFERENCE_DIR)


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


# --- transfer mechanisms ------------------------------------------------------------------------

# (mechanism, country, certified, contract_signed, moment (UTC), expected, why)
MECHANISM_CASES = [
    ("privacy-shield", "US", None, None, "2016-07-11", False, "day before adoption"),
    ("privacy-shield", "US", None, None, "2016-07-12", True, "adopted"),
    ("privacy-shield", "US", None, None, "2020-07-15", True, "last valid day"),
    ("privacy-shield", "US", None, None, "2020-07-16", False, "Schrems II"),
    ("privacy-shield", "US", None, None, "2020-07-15T21:59:00Z", True, "23:59 in Brussels on the 15th"),
    ("privacy-shield", "US", None, None, "2020-07-15T22:30:00Z", False, "00:30 in Brussels on the 16th"),
    ("privacy-shield", "IN", None, None, "2018-01-01", False, "US only"),
    ("safe-harbor", "US", None, None, "2015-10-05", True, "last valid day"),
    ("safe-harbor", "US", None, None, "2015-10-06", False, "Schrems I"),
    ("safe-harbor", "US", None, None, "2000-07-25", False, "before Decision 2000/520"),
    ("dpf", "US", True, None, "2023-07-09", False, "before the decision"),
    ("dpf", "US", True, None, "2023-07-10", True, "in force on adoption"),
    ("dpf", "US", True, None, "2026-03-01", True, "still in force"),
    ("dpf", "US", False, None, "2024-01-01", False, "importer not certified"),
    ("dpf", "US", None, None, "2024-01-01", False, "certification unknown"),
    ("dpf", "CA", True, None, "2024-01-01", False, "US only"),
    ("scc-2010", "IN", None, date(2021, 10, 1), "2021-10-02", False, "new contract after repeal"),
    ("scc-2010", "IN", None, date(2021, 9, 27), "2021-10-02", False, "signed on the repeal day"),
    ("scc-2010", "IN", None, date(2021, 9, 26), "2021-10-02", True, "signed the day before repeal"),
    ("scc-2010", "IN", None, date(2020, 1, 1), "2022-12-27", True, "last day of transition"),
    ("scc-2010", "IN", None, date(2020, 1, 1), "2022-12-28", False, "transition over"),
    ("scc-2010", "IN", None, None, "2022-06-01", True, "signature unknown: days only"),
    ("scc-2010", "IN", None, None, "2010-05-14", False, "2010 set adopted 2010-02-05, applies from 2010-05-15"),
    ("scc-2010", "IN", None, None, "2010-05-15", True, "2010 set applies"),
    ("scc-2001", "IN", None, date(2021, 9, 27), "2021-10-02", False, "2001 set: new contract after repeal"),
    ("scc-2004", "IN", None, date(2020, 1, 1), "2022-12-28", False, "2004 set: transition over"),
    ("derogation", "IN", None, None, "2022-06-01", False, "a derogation is never a safeguard for storage"),
    ("scc-2021", "IN", None, None, "2021-06-26", False, "not yet usable"),
    ("scc-2021", "IN", None, None, "2021-06-27", True, "usable"),
    ("adequacy", "JP", None, None, "2019-01-22", False, "day before Japan's decision"),
    ("adequacy", "JP", None, None, "2019-01-23", True, "Japan adequate"),
    ("adequacy", "US", True, None, "2023-07-10", True, "US: DPF-certified"),
    ("adequacy", "US", False, None, "2024-01-01", False, "US: not certified"),
    ("adequacy", "BR", None, None, "2026-01-25", False, "before Brazil's decision"),
    ("adequacy", "BR", None, None, "2026-01-26", True, "Brazil adequate"),
    ("adequacy", "GB", None, None, "2031-12-27", True, "UK renewal, last day"),
    ("adequacy", "GB", None, None, "2025-12-27", True, "UK (EU) 2021/1772 as extended, last day"),
    ("adequacy", "GB", None, None, "2025-12-28", True, "UK renewal of 2025-12-19 takes over"),
    ("adequacy", "GB", None, None, "2031-12-28", False, "UK renewal expired"),
    ("adequacy", "IN", None, None, "2024-01-01", False, "no decision"),
    ("bcr", "IN", None, None, "2019-05-01", True, "no legal end"),
    ("none", "US", True, None, "2024-01-01", False, "never a safeguard"),
]


@pytest.mark.parametrize(("mechanism", "country", "certified", "signed", "moment", "expected"),
                         [c[:6] for c in MECHANISM_CASES], ids=[f"{c[0]}-{c[4]}-{c[6]}" for c in MECHANISM_CASES])
def test_mechanism_valid_on_day(ref: Reference, mechanism: str, country: str, certified: bool | None,
                                signed: date | None, moment: str, expected: bool) -> None:
    got = ref.mechanism_valid(mechanism, utc(moment), country=country, certified=certified, contract_signed=signed)
    assert got.tolist() == [expected]


def test_mechanism_valid_is_one_series_in_one_pass(ref: Reference) -> None:
    dates = pd.Series(pd.to_datetime(["2020-07-16", "2016-07-12", None, "2020-07-15"], utc=True),
                      index=[10, 11, 12, 13])
    got = ref.mechanism_valid("privacy-shield", dates, country="us")
    assert got.dtype == bool
    assert got.to_dict() == {10: False, 11: True, 12: False, 13: True}


def test_naive_timestamps_are_read_as_utc(ref: Reference) -> None:
    naive = pd.Series(pd.to_datetime(["2020-07-15 22:30", "2020-07-15 21:59"]))
    assert ref.mechanism_valid("privacy-shield", naive, country="US").tolist() == [False, True]


def test_unknown_mechanism_is_named(ref: Reference) -> None:
    with pytest.raises(ValueError, match="unknown transfer mechanism 'privacy_shield'"):
        ref.mechanism_valid("privacy_shield", utc("2019-01-01"), country="US")


# (mechanism, country, certified, contract_signed) -> [(start, end, verified)]
VALIDITY_CASES = [
    ("privacy-shield", "US", None, None, [(date(2016, 7, 12), date(2020, 7, 15), True)]),
    ("safe-harbor", "US", None, None, [(date(2000, 7, 26), date(2015, 10, 5), False)]),
    ("dpf", "US", True, None, [(date(2023, 7, 10), None, True)]),
    ("dpf", "US", None, None, []),
    ("scc-2010", "CN", None, date(2019, 5, 1), [(date(2010, 5, 15), date(2022, 12, 27), True)]),
    ("scc-2001", "CN", None, date(2019, 5, 1), [(date(2001, 9, 3), date(2022, 12, 27), True)]),
    ("scc-2004", "CN", None, date(2019, 5, 1), [(date(2005, 4, 1), date(2022, 12, 27), False)]),
    ("scc-2004", "CN", None, date(2022, 1, 1), []),
    ("derogation", "CN", None, None, []),
    ("scc-2010", "CN", None, date(2022, 1, 1), []),
    ("adequacy", "GB", None, None, [(date(2021, 1, 1), date(2021, 6, 27), False),
                                    (date(2021, 6, 28), date(2025, 12, 27), True),
                                    (date(2025, 12, 28), date(2031, 12, 27), False)]),
    ("none", "CH", None, None, []),
]


@pytest.mark.parametrize(("mechanism", "country", "certified", "signed", "expected"), VALIDITY_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in VALIDITY_CASES])
def test_mechanism_validity_periods(ref: Reference, mechanism: str, country: str, certified: bool | None,
                                    signed: date | None, expected: list[tuple[date, date | None, bool]]) -> None:
    periods = ref.mechanism_validity(mechanism, country, certified, signed)
    assert [(p.start, p.end, p.verified) for p in periods] == expected
    assert all(isinstance(p, Interval) and p.source and p.label for p in periods)


# --- adequacy and EEA ----------------------------------------------------------------------------

# (country, moment, in EEA, adequate, why)
MEMBERSHIP_CASES = [
    ("GB", "2020-06-01", True, False, "UK in the EU until the end of transition"),
    ("GB", "2020-12-31", True, False, "last day of transition"),
    ("GB", "2021-03-01", False, True, "TCA bridge (unverified)"),
    ("GB", "2021-07-01", False, True, "UK adequacy decision"),
    ("GB", "2032-01-01", False, False, "renewal expired"),
    ("HR", "2013-06-30", False, False, "Croatia before accession"),
    ("HR", "2013-07-01", True, False, "Croatia joins"),
    ("NO", "2024-01-01", True, False, "Norway via the EEA"),
    ("IT", "2024-01-01", True, False, "Italy"),
    ("CH", "2024-01-01", False, True, "Switzerland adequate"),
    ("KR", "2021-12-16", False, False, "before Korea's decision"),
    ("KR", "2021-12-17", False, True, "Korea adequate"),
    ("US", "2024-01-01", False, False, "US without certification"),
]


@pytest.mark.parametrize(("country", "moment", "eea", "adequate"), [c[:4] for c in MEMBERSHIP_CASES],
                         ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in MEMBERSHIP_CASES])
def test_eea_and_adequacy_on_day(ref: Reference, country: str, moment: str, eea: bool, adequate: bool) -> None:
    dates = utc(moment)
    assert ref.in_eea(country, dates).tolist() == [eea]
    assert ref.is_adequate(country, dates).tolist() == [adequate]


def test_eea_has_eu27_and_efta_three(ref: Reference) -> None:
    current = {m.country for m in ref.eea.members if m.member_to is None}
    assert len(current) == 30
    assert {"IS", "LI", "NO"} <= current
    assert "GB" not in current


def test_transfer_lawful_combines_eea_adequacy_and_the_claim(ref: Reference) -> None:
    dates = utc("2019-06-01", "2021-03-01", "2032-01-01", "2032-01-01")
    no_claim = ref.transfer_lawful(dates, country="GB", mechanism=None)
    with_scc = ref.transfer_lawful(dates, country="GB", mechanism="scc-2021")
    assert no_claim.tolist() == [True, True, False, False]
    assert with_scc.tolist() == [True, True, True, True]


# --- opt-out keywords ----------------------------------------------------------------------------

# (body, whole-message keyword, looks like an opt-out, resume keyword, why)
OPTOUT_CASES = [
    ("STOP", True, False, False, "en: Twilio default"),
    ("Stop.", True, False, False, "en: trailing dot"),
    ("stop!!", True, False, False, "en: trailing bangs"),
    ("  unsubscribe  ", True, False, False, "en: spaces"),
    ("STOP 🛑", True, False, False, "en: trailing emoji"),
    ("Opt-out", True, False, False, "en: AWS OPT-OUT"),
    ("opt out", True, False, False, "en: FCC wording"),
    ("stop sending me stuff", False, True, False, "en: a sentence is not the keyword"),
    ("Please remove me from this list", False, True, False, "en: free-text objection"),
    ("Stopping by the office later", False, False, False, "en: 'stop' inside a word"),
    ("Can't stop laughing 😂", False, False, False, "en: unrelated"),
    ("Yes", False, False, True, "en: resume"),
    ("Cancellami", True, False, False, "it: keyword"),
    ("BASTA!", True, False, False, "it: keyword with bang"),
    ("Annulla.", True, False, False, "it: keyword with dot"),
    ("Non scrivetemi più", False, True, False, "it: phrase"),
    ("non scrivetemi piu", False, True, False, "it: phrase without the accent"),
    ("Per favore toglietemi dalla lista, grazie", False, True, False, "it: phrase inside a sentence"),
    ("Annullare la prenotazione?", False, False, False, "it: a different word"),
    ("Ciao Giulia, a domani", False, False, False, "it: unrelated"),
    ("ARRÊT", True, False, False, "fr: AWS ARRET with accent"),
    ("Arret", True, False, False, "fr: without accent"),
    ("arrêt.", True, False, False, "fr: lower case with dot"),
    ("Désabonner", True, False, False, "fr: keyword with accent"),
    ("Ne m'envoyez plus de messages", False, True, False, "fr: phrase"),
    ("Arrêt de bus Gare de Lyon", False, False, False, "fr: bus stop"),
    ("Stopp", True, False, False, "de: keyword"),
    ("KÜNDIGEN", True, False, False, "de: umlaut"),
    ("kundigen", True, False, False, "de: umlaut dropped"),
    ("Bitte abmelden", False, True, False, "de: phrase"),
    ("Ich komme später", False, False, False, "de: unrelated"),
    ("Baja", True, False, False, "es: keyword"),
    ("BAJA.", True, False, False, "es: keyword with dot"),
    ("Dame de baja por favor", False, True, False, "es: phrase"),
    ("No me envíen más mensajes", False, True, False, "es: phrase with accents"),
    ("no me envien mas", False, True, False, "es: phrase without accents"),
    ("La baja de precios", False, False, False, "es: unrelated 'baja'"),
    ("", False, False, False, "empty body"),
    (None, False, False, False, "missing body"),
]


@pytest.mark.parametrize(("body", "keyword", "looks", "resume"), [c[:4] for c in OPTOUT_CASES],
                         ids=[c[4] for c in OPTOUT_CASES])
def test_optout_matching(ref: Reference, body: str | None, keyword: bool, looks: bool, resume: bool) -> None:
    matcher = ref.optout_matcher()
    bodies = pd.Series([body, body], dtype=object)
    assert matcher.is_keyword(bodies).tolist() == [keyword] * 2
    matched = matcher.match(bodies)
    # An objection (an opt-out for marketing) or a review item: tests/test_optout_phrases.py tells them apart.
    assert (matched["objection"].notna() | matched["looks_like_optout"]).tolist() == [looks] * 2
    assert matcher.is_resume(bodies).tolist() == [resume] * 2


def test_optout_matching_is_vectorised_and_keeps_the_index(ref: Reference) -> None:
    bodies = pd.Series(["Stop.", "ciao", None, "ARRÊT"], index=["a", "b", "c", "d"])
    matcher = ref.optout_matcher()
    got = matcher.is_keyword(bodies)
    assert got.dtype == bool
    assert got.to_dict() == {"a": True, "b": False, "c": False, "d": True}
    matched = matcher.match(bodies)
    assert list(matched.columns) == ["keyword", "is_keyword", "is_resume", "objection", "looks_like_optout", "phrase"]
    assert matched["keyword"].tolist()[::3] == ["stop", "arret"]
    assert matched["keyword"].isna().tolist()[1:3] == [True, True]
    assert matched["is_keyword"].equals(got)


def test_match_names_the_phrase_found_without_the_body(ref: Reference) -> None:
    bodies = pd.Series(["Buongiorno, per favore TOGLIETEMI dalla lista!", "STOP", None, "ok"])
    matched = ref.optout_matcher(["it", "en"]).match(bodies)
    assert matched["objection"].iloc[0] == "toglietemi dalla lista"
    assert matched["objection"].iloc[1:].isna().all()
    assert matched["phrase"].isna().all()
    assert matched["looks_like_optout"].tolist() == [False, False, False, False]


def test_languages_limit_the_keywords(ref: Reference) -> None:
    english = ref.optout_matcher(["en"])
    assert english.is_keyword(pd.Series(["ARRET", "STOP", "Cancellami"])).tolist() == [False, True, False]
    with pytest.raises(ValueError, match="no opt-out keywords for language.s. xx"):
        ref.optout_matcher(["xx"])


# --- quiet hours and holidays ---------------------------------------------------------------------

# (profile, local wall-clock time, outside the allowed hours, why)
QUIET_CASES = [
    ("us-tcpa", "2024-07-10 07:59", True, "before 8 a.m."),
    ("us-tcpa", "2024-07-10 08:00", False, "8 a.m. allowed"),
    ("us-tcpa", "2024-07-10 20:59:59", False, "last second allowed"),
    ("us-tcpa", "2024-07-10 21:00", True, "9 p.m."),
    ("us-tcpa", "2024-07-14 10:00", False, "Sunday is allowed in the US"),
    ("fr-d223-9", "2024-03-11 09:59", True, "Monday before 10h"),
    ("fr-d223-9", "2024-03-11 10:00", False, "Monday 10h"),
    ("fr-d223-9", "2024-03-11 12:59", False, "Monday before lunch"),
    ("fr-d223-9", "2024-03-11 13:30", True, "lunch break"),
    ("fr-d223-9", "2024-03-11 14:00", False, "after lunch"),
    ("fr-d223-9", "2024-03-11 20:00", True, "20h"),
    ("fr-d223-9", "2024-03-09 11:00", True, "Saturday"),
    ("fr-d223-9", "2024-03-10 11:00", True, "Sunday"),
    ("fr-d223-9", "2025-07-14 11:00", True, "Bastille Day on a Monday"),
    ("fr-d223-9", "2024-04-01 11:00", True, "Easter Monday 2024"),
    ("fr-d223-9", "2024-04-02 11:00", False, "the Tuesday after"),
    ("fr-d223-9", "2023-02-26 11:00", False, "Sunday before the décret was in force"),
    ("organisation", "2024-03-09 10:00", False, "Saturday allowed by the house policy"),
    ("organisation", "2024-03-10 10:00", True, "Sunday"),
    ("organisation", "2024-03-11 08:59", True, "before 9"),
]


@pytest.mark.parametrize(("profile", "local", "outside"), [c[:3] for c in QUIET_CASES],
                         ids=[f"{c[0]}-{c[3]}" for c in QUIET_CASES])
def test_outside_allowed_hours(ref: Reference, profile: str, local: str, outside: bool) -> None:
    times = pd.Series(pd.to_datetime([local]))
    assert outside_allowed(times, ref.quiet_profile(profile)).tolist() == [outside]


def test_outside_allowed_is_vectorised_with_missing_times(ref: Reference) -> None:
    times = pd.Series(pd.to_datetime(["2024-03-10 11:00", None, "2024-03-11 11:00"]), index=[5, 6, 7])
    got = outside_allowed(times, ref.quiet_profile("fr-d223-9"))
    assert got.dtype == bool
    assert got.to_dict() == {5: True, 6: False, 7: False}


def test_profiles_carry_their_legal_limits(ref: Reference) -> None:
    fr = ref.quiet_profile("fr-d223-9").profile
    assert (fr.max_attempts.count, fr.max_attempts.days) == (4, 30)  # type: ignore[union-attr]
    assert fr.silence_after_refusal_days == 60
    assert fr.applies_to_messaging is False and fr.verified is False
    with pytest.raises(ValueError, match="unknown quiet-hours profile 'it'"):
        ref.quiet_profile("it")


def test_french_holidays_2024(ref: Reference) -> None:
    assert ref.french_holidays([2024]) == {
        date(2024, 1, 1), date(2024, 4, 1), date(2024, 5, 1), date(2024, 5, 8), date(2024, 5, 9),
        date(2024, 5, 20), date(2024, 7, 14), date(2024, 8, 15), date(2024, 11, 1), date(2024, 11, 11),
        date(2024, 12, 25),
    }
    assert len(ref.french_holidays(range(2020, 2030))) == 110


@pytest.mark.parametrize("year", range(1583, 2500, 7))
def test_easter_agrees_with_dateutil(year: int) -> None:
    assert easter_sunday(year) == dateutil_easter(year)


# --- the data itself ---------------------------------------------------------------------------

def _entries(value: object) -> list[Cited]:
    from pydantic import BaseModel
    found: list[Cited] = []
    if isinstance(value, Cited):
        found.append(value)
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found += _entries(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            found += _entries(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _entries(item)
    return found


def test_every_entry_cites_a_known_source_and_unverified_ones_say_why(ref: Reference) -> None:
    entries = _entries([ref.mechanisms, ref.adequacy, ref.eea, ref.optout, ref.quiet, ref.platform])
    assert len(entries) > 80
    for entry in entries:
        assert entry.source and all(k in ref.sources for k in entry.source), entry
        if not entry.verified:
            assert entry.note and entry.note.strip(), entry


def test_raw_yaml_unverified_mappings_have_notes() -> None:
    def check(node: object, where: str) -> None:
        if isinstance(node, dict):
            if node.get("verified") is False:
                assert str(node.get("note", "")).strip(), where
            if "verified" in node or "valid_from" in node or "keywords" in node:
                assert node.get("source"), where
            for key, item in node.items():
                check(item, f"{where}.{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                check(item, f"{where}[{index}]")

    for name in ("mechanisms", "adequacy", "eea", "optout_keywords", "quiet_hours", "platform"):
        path = REFERENCE_DIR / f"{name}.yaml"
        check(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def test_facts_law_md_calls_unverified_are_marked(ref: Reference) -> None:
    assert not ref.mechanisms["safe-harbor"].verified
    assert all(not g.verified for lang in ("it", "de", "es") for g in ref.optout.languages[lang].optout)
    assert ref.optout.languages["en"].optout[0].verified
    assert not ref.quiet.profiles["us-tcpa"].verified
    assert not ref.platform.broadcast_list.verified and ref.platform.broadcast_list.max_recipients == 256
    assert not ref.platform.rpo_mobiles.verified and ref.platform.rpo_mobiles.covers_messaging is False
    assert not ref.platform.utility_in_window_charging.verified
    bridge = [e for e in ref.adequacy.countries if e.kind == "bridge"]
    assert [(e.country, e.verified, e.source) for e in bridge] == [("GB", False, ("X-TCA",))]


def test_platform_facts(ref: Reference) -> None:
    p = ref.platform
    assert p.service_window.hours == 24
    assert p.template_categories.valid_from == date(2023, 6, 1)
    assert p.per_message_pricing.valid_from == date(2025, 7, 1)
    assert (p.us_marketing_block.valid_from, p.us_marketing_block.calling_code) == (date(2025, 4, 1), "1")
    assert (p.tcpa_revocation.business_days, p.tcpa_revocation.valid_from) == (10, date(2025, 4, 11))
    assert p.rpo_mobiles.valid_from == date(2022, 7, 27)


# --- loading: where from, and clear errors --------------------------------------------------------

@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules" / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace `old` once in a copied file; return the 1-based line where `new` starts."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_env_var_names_the_rules_folder_and_root_wins(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(copy, "mechanisms.yaml", "valid_to: 2020-07-15", "valid_to: 2020-07-14")
    _edit(copy, "mechanisms.yaml", "date: 2020-07-16, source: [T2, T3]}\n    source",
          "date: 2020-07-15, source: [T2, T3]}\n    source")
    monkeypatch.setenv(ENV_VAR, str(copy.parent))
    edited = load_reference()
    assert edited.root == str(copy)
    assert edited.mechanism_valid("privacy-shield", utc("2020-07-15"), country="US").tolist() == [False]
    assert load_reference(REFERENCE_DIR).mechanism_valid(
        "privacy-shield", utc("2020-07-15"), country="US").tolist() == [True]


def test_default_is_the_repository_rules_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert load_reference().root == str(REFERENCE_DIR)


# (file, old text, new text, expected message after "file:line: ", error line minus edited line, why)
# A problem with a whole entry points at the entry's first line, so some offsets are negative.
BAD_EDITS = [
    ("mechanisms.yaml", "  dpf:\n    title: EU-US Data Privacy Framework\n",
     "  dpf: !!python/object/apply:os.system ['echo hacked']\n  dpf-old:\n    title: EU-US Data Privacy Framework\n",
     "not plain YAML data (could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'); reference files are read with the safe loader, "
     "so remove tags such as !!python/object", 0, "python tag"),
    ("mechanisms.yaml", "    valid_from: 2023-07-10\n", "    valid_form: 2023-07-10\n",
     "mechanisms.dpf.valid_form: unknown key 'valid_form'; check its spelling", 0, "misspelt key"),
    ("mechanisms.yaml", "    valid_to: 2020-07-15\n", "    valid_to: 2020-07-16\n",
     "mechanisms.privacy-shield: ended_by is dated 2020-07-16, so valid_to (the last valid day) must be "
     "the day before, not 2020-07-16", -3, "valid_to on the invalidation day"),
    ("eea.yaml", '{country: "NO",', "{country: NO,",
     "members[29].country: YAML read an unquoted country code as true/false: quote it, e.g. \"NO\"",
     0, "unquoted Norway"),
    ("quiet_hours.yaml", 'start: "08:00", end: "21:00"', 'start: "08:00", end: 21:00',
     "profiles.us-tcpa.windows[0].end: YAML read an unquoted time as a number: quote it, e.g. \"21:00\"",
     0, "unquoted time"),
    ("adequacy.yaml", "    valid_from: 2019-01-23\n", "    valid_from: 23/01/2019\n",
     "countries[11].valid_from: '23/01/2019' is not a day: write it as YYYY-MM-DD, e.g. 2020-07-16",
     0, "day-first date"),
    ("adequacy.yaml", "    source: [T22, T23]\n", "    source: [T22, T99]\n",
     "countries[17].source: unknown source key 'T99'; define it in sources.yaml", 0, "unknown source"),
    ("adequacy.yaml", "    source: [T22, T23]\n", "    source: [X-GDPR]\n",
     "countries[17]: a verified entry must cite a LAW.md (or policy) source; cite one, or set verified: false "
     "with a note saying what is unverified", -4, "verified without a LAW.md source"),
    ("platform.yaml", "  max_recipients: 256\n", "  max_recipients: 256\n  max_recipients: 257\n",
     "key 'max_recipients' appears twice in the same mapping", 1, "duplicate key"),
    ("optout_keywords.yaml", "keywords: [BAJA, CANCELAR", "keywords: ['🛑', CANCELAR",
     "languages.es.optout[0].keywords[0]: '🛑' has no letter or digit, so it can never match", 0, "emoji keyword"),
]


@pytest.mark.parametrize(("name", "old", "new", "message", "offset"), [c[:5] for c in BAD_EDITS],
                         ids=[c[5] for c in BAD_EDITS])
def test_bad_edits_are_one_clear_line(copy: Path, name: str, old: str, new: str, message: str, offset: int) -> None:
    line = _edit(copy, name, old, new)
    with pytest.raises(ConfigError) as caught:
        load_reference(copy)
    text = str(caught.value)
    assert text.startswith(f"{copy / name}:")
    assert text.split(":", 2)[2].strip() == message
    assert caught.value.line == line + offset


def test_unverified_entry_without_note_is_refused(copy: Path) -> None:
    _edit(copy, "platform.yaml", '  note: "Business App broadcast lists: max 256, only contacts who saved the '
          'number receive them. Secondary sources only, not confirmed by Meta: unverified."\n', "")
    with pytest.raises(ConfigError, match=r"platform\.yaml:\d+: broadcast_list: verified: false needs a note"):
        load_reference(copy)


def test_missing_file(copy: Path) -> None:
    (copy / "eea.yaml").unlink()
    with pytest.raises(ConfigError, match=r"eea\.yaml: reference file missing"):
        load_reference(copy)


def test_florida_area_codes_are_florida_numbers(ref: Reference) -> None:
    """The us-fl list (and the simulator's copy) against the phonenumbers geocoder: every code, nothing else."""
    import phonenumbers
    from phonenumbers import geocoder

    from msgaudit.simulate.people import FLORIDA_AREA_CODES

    codes = ref.quiet_profile("us-fl").profile.area_codes
    assert tuple(codes) == FLORIDA_AREA_CODES
    places = {c: geocoder.description_for_number(phonenumbers.parse(f"+1{c}2345678"), "en") for c in codes}
    assert all(p == "Florida" or p.endswith(", FL") for p in places.values()), places
    for neighbour in ("404", "251", "912"):  # Atlanta, Mobile, Savannah: next door, not Florida
        assert neighbour not in codes
