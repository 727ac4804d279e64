"""Evidence tables as a board reads them: labelled and translated evidence, local times, no repeated sources."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from msgaudit.findings import AuditResult, Finding, fingerprint
from msgaudit.report.html import render_html
from msgaudit.report.redact import short_id
from msgaudit.report.viewmodel import EvidenceRow, build_view

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

FOLDER = "sample_exports/associazione/"
CHAT = "Chat WhatsApp con Soci ASD Esempio.txt"
# A chat export is named after the other side; masked reports cannot tell a group from a person, so both show initials.
CHAT_MASKED = "Chat WhatsApp con S. A. E.txt"
# What the real checks write (rules/checks/*.py), taken from the sample association's findings.json.
OPTOUT = {"optout_at": "2021-10-15T19:10:00+00:00", "optout_kind": "keyword",
          "optout_source": f"{FOLDER}{CHAT}:28", "optout_text": "stop"}
TIMING = {"allowed": "every day 08:00–21:00", "local_time": "2019-10-02T21:15:00+02:00|2019-10-02T21:15:00+02:00",
          "time_zone": "Europe/Rome|Europe/Vatican", "zone_source": "number"}
CONSENT = {"channel": "whatsapp", "outcome": "not_yet", "purpose": "any", "consent_status": "granted",
           "consent_at": "2019-09-11T22:00:00+00:00", "consent_source": f"{FOLDER}consensi.csv:3"}
TRANSFER = {"country": "US", "mechanism": "scc-2010", "period_start": "2022-12-28", "period_end": "2024-05-05",
            "valid_from": "2010-02-05", "valid_to": "2022-12-27"}
WINDOW = {"last_inbound_at": "2024-02-10T08:00:00+00:00", "hours_since": 36.5}
FREQUENCY = {"count_in_window": 1234, "window_start": "2024-02-05T19:30:00+00:00"}
CUSTOM = {"raw_number": "0039 3331234567", "delivery_flag": True}


def _finding(rule_id: str, evidence: dict[str, Any], *, line: int = 29, message_id: str | None = None,
             when: datetime = datetime(2021, 10, 16, 7, 0, tzinfo=UTC), contact: str | None = "+393331234567",
             system: str | None = None) -> Finding:
    return Finding(rule_id=rule_id, fingerprint=fingerprint(rule_id, line), severity="high", title=rule_id,
                   message=rule_id, contact=contact, message_id=message_id if message_id else f"{CHAT}:{line}",
                   system=system, timestamp=when, source=f"{FOLDER}{CHAT}:{line}", evidence=evidence)


def _result(findings: list[Finding], timezone: str | None = "Europe/Rome") -> AuditResult:
    base = build.build(hostile=False)
    org = {k: v for k, v in base.organisation.items() if k != "timezone"}
    if timezone:
        org["timezone"] = timezone
    return base.model_copy(update={"findings": findings, "organisation": org})


def _rows(result: AuditResult, lang: str, mask: bool = True) -> dict[str, EvidenceRow]:
    view = build_view(result, lang, mask)
    return {r.rule_id: r.evidence[0] for r in view.rules}


def _facts(row: EvidenceRow) -> dict[str, str]:
    return {f.label: f.value for f in row.details}


SAMPLE = [
    _finding("OPTOUT-001", OPTOUT),
    _finding("TIMING-003", TIMING, line=7, when=datetime(2019, 10, 2, 19, 15, tzinfo=UTC)),
    _finding("CONSENT-006", CONSENT, line=4),
    _finding("TRANSFER-003", TRANSFER, contact=None, message_id="", system="Newsletter provider"),
    _finding("WINDOW-001", WINDOW, message_id="wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgg"),
    _finding("TIMING-005", FREQUENCY, line=40),
    _finding("CUSTOM-001", CUSTOM, line=41),
]


def test_english_evidence_is_labelled_and_readable() -> None:
    rows = _rows(_result(SAMPLE), "en")
    assert _facts(rows["OPTOUT-001"]) == {
        "How the person opted out": "replied with a stop word",
        "Words used": "stop",
        "Opted out on": "Oct 15, 2021, 9:10\u202fPM CEST",
        "Opt-out recorded in": f"{CHAT_MASKED}, line 28",
    }
    assert _facts(rows["TIMING-003"]) == {
        "Recipient's local time": "Oct 2, 2019, 9:15\u202fPM CEST",
        "Recipient's time zone": "Europe/Rome, Europe/Vatican",
        "Time zone taken from": "the phone number",
        "Allowed hours": "every day 08:00–21:00",
    }
    assert _facts(rows["CONSENT-006"]) == {
        "Consent check": "consent given only later", "Consent status": "granted",
        "Consent recorded on": "Sep 12, 2019, 12:00\u202fAM CEST", "Consent record": "consensi.csv, line 3",
        "Purpose": "any purpose", "Channel": "WhatsApp",
    }
    assert _facts(rows["TRANSFER-003"]) == {
        "Country": "United States", "Transfer mechanism declared": "Standard contractual clauses (2010)",
        "Mechanism valid from": "Feb 5, 2010", "Mechanism valid until": "Dec 27, 2022",
    }
    assert _facts(rows["WINDOW-001"]) == {"Last message from the person": "Feb 10, 2024, 9:00\u202fAM CET",
                                          "Hours since then": "36.5"}
    assert _facts(rows["TIMING-005"]) == {"Messages in the period": "1,234",
                                          "Period counted from": "Feb 5, 2024, 8:30\u202fPM CET"}
    # A custom check's keys: underscores become spaces; values keep masking.
    assert _facts(rows["CUSTOM-001"]) == {"delivery flag": "yes", "raw number": "0039 ••• 4567"}


def test_italian_evidence_is_labelled_in_italian() -> None:
    rows = _rows(_result(SAMPLE), "it")
    assert _facts(rows["OPTOUT-001"]) == {
        "Modalità dell'opposizione": "ha risposto con una parola chiave di opt-out",
        "Parole usate": "stop",
        "Data dell'opposizione": "15 ott 2021, 21:10 CEST",
        "Opposizione registrata in": f"{CHAT_MASKED}, riga 28",
    }
    assert _facts(rows["TIMING-003"])["Fuso orario ricavato da"] == "il numero di telefono"
    assert _facts(rows["TIMING-003"])["Ora locale del destinatario"] == "2 ott 2019, 21:15 CEST"
    consent = _facts(rows["CONSENT-006"])
    assert consent["Verifica del consenso"] == "consenso prestato solo in seguito"
    assert consent["Stato del consenso"] == "prestato"
    assert consent["Finalità"] == "qualsiasi finalità"
    assert consent["Registrazione del consenso"] == "consensi.csv, riga 3"
    transfer = _facts(rows["TRANSFER-003"])
    assert transfer["Paese"] == "Stati Uniti"
    assert transfer["Meccanismo di trasferimento dichiarato"] == "Clausole contrattuali tipo (2010)"
    assert transfer["Meccanismo valido fino al"] == "27 dic 2022"
    assert _facts(rows["WINDOW-001"]) == {"Ultimo messaggio della persona": "10 feb 2024, 09:00 CET",
                                          "Ore trascorse": "36,5"}
    assert _facts(rows["TIMING-005"])["Messaggi nel periodo"] == "1.234"
    assert _facts(rows["CUSTOM-001"]) == {"delivery flag": "sì", "raw number": "0039 ••• 4567"}


@pytest.mark.parametrize("kind, en, it", [
    ("do-not-contact", "on the do-not-contact list", "nella lista dei numeri da non contattare"),
    ("block", "blocked the account", "ha bloccato l'account"),
    ("marketing-stop", "stopped marketing messages", "ha disattivato i messaggi di marketing"),
    ("national-registry", "listed in the national opt-out register", "iscritto al Registro pubblico delle opposizioni"),
    ("looks-like", "wrote a message that reads as an opt-out", "ha scritto un messaggio che esprime opposizione"),
])
def test_every_opt_out_kind_has_a_label(kind: str, en: str, it: str) -> None:
    result = _result([_finding("OPTOUT-001", {**OPTOUT, "optout_kind": kind})])
    assert _facts(_rows(result, "en")["OPTOUT-001"])["How the person opted out"] == en
    assert _facts(_rows(result, "it")["OPTOUT-001"])["Modalità dell'opposizione"] == it


@pytest.mark.parametrize("outcome, en", [("missing", "no consent recorded"), ("withdrawn", "consent withdrawn"),
                                         ("unproven", "consent recorded without proof")])
def test_every_consent_outcome_has_a_label(outcome: str, en: str) -> None:
    result = _result([_finding("CONSENT-001", {"outcome": outcome, "consent_status": "withdrawn"})])
    assert _facts(_rows(result, "en")["CONSENT-001"]) == {"Consent check": en, "Consent status": "withdrawn"}


def test_rendered_evidence_shows_no_machine_keys_or_iso_times() -> None:
    for lang in ("en", "it"):
        html = render_html(build_view(_result(SAMPLE), lang, True))
        for raw in ("optout_at", "optout_kind", "zone_source", "consent_status", "hours_since", "count_in_window",
                    "2021-10-15T19:10", "+00:00", f"{FOLDER}{CHAT}:28", " UTC<"):
            assert raw not in html, (lang, raw)


def test_time_column_is_local_to_the_organisation() -> None:
    finding = _finding("OPTOUT-001", OPTOUT)
    assert _rows(_result([finding]), "it")["OPTOUT-001"].timestamp == "16 ott 2021, 09:00 CEST"
    assert _rows(_result([finding]), "en")["OPTOUT-001"].timestamp == "Oct 16, 2021, 9:00\u202fAM CEST"
    # No time zone declared: Europe/Rome. Another zone: that zone, evidence times too.
    assert _rows(_result([finding], None), "it")["OPTOUT-001"].timestamp == "16 ott 2021, 09:00 CEST"
    row = _rows(_result([finding], "America/New_York"), "en")["OPTOUT-001"]
    assert row.timestamp == "Oct 16, 2021, 3:00\u202fAM EDT"
    assert _facts(row)["Opted out on"] == "Oct 15, 2021, 3:10\u202fPM EDT"
    html = render_html(build_view(_result([finding], "America/New_York"), "it", True))
    assert "nel fuso orario dell'organizzazione, America/New_York, con la sua sigla" in html
    # Winter time gets its own abbreviation.
    winter = _finding("OPTOUT-001", OPTOUT, when=datetime(2024, 2, 12, 19, 30, tzinfo=UTC))
    assert _rows(_result([winter]), "it")["OPTOUT-001"].timestamp == "12 feb 2024, 20:30 CET"


def test_recipient_local_time_stays_in_the_recipient_zone() -> None:
    new_york = {**TIMING, "local_time": "2024-07-04T22:30:00-04:00", "time_zone": "America/New_York"}
    result = _result([_finding("TIMING-001", new_york, when=datetime(2024, 7, 5, 2, 30, tzinfo=UTC))])
    row = _rows(result, "en")["TIMING-001"]
    assert _facts(row)["Recipient's local time"] == "Jul 4, 2024, 10:30\u202fPM EDT"
    assert row.timestamp == "Jul 5, 2024, 4:30\u202fAM CEST"


def test_transfer_rows_are_dated_by_their_period() -> None:
    row = _rows(_result(SAMPLE), "it")["TRANSFER-003"]
    assert row.timestamp == "dal 28 dic 2022 al 5 mag 2024"
    assert not {"Inizio del periodo", "Fine del periodo"} & set(_facts(row))
    alone = _result([_finding("TRANSFER-009", {"period_end": "2024-05-05"}, contact=None, message_id="")])
    assert _facts(_rows(alone, "en")["TRANSFER-009"]) == {}
    assert _rows(alone, "en")["TRANSFER-009"].timestamp == "until May 5, 2024"


def test_chat_export_message_ids_are_not_repeated() -> None:
    findings = [
        _finding("OPTOUT-001", OPTOUT),  # message_id == "<file name>:<line>" of the source
        _finding("WINDOW-001", WINDOW, message_id="wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgg"),
        _finding("TIMING-003", TIMING, line=7, message_id=f"{CHAT}:8"),  # another line: a real reference
        _finding("TRANSFER-003", TRANSFER, contact=None, message_id="", system="Newsletter provider"),
    ]
    rows = _rows(_result(findings), "en")
    assert rows["OPTOUT-001"].message_id == "—"
    assert rows["OPTOUT-001"].source == f"{FOLDER}{CHAT_MASKED}:29"
    assert rows["WINDOW-001"].message_id == short_id("wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgg")
    assert rows["TIMING-003"].message_id == f"{CHAT_MASKED}:8"
    shown = _rows(_result(findings), "en", mask=False)
    assert shown["WINDOW-001"].message_id == "wamid.HBgLMzkzMzMxMjM0NTY3FQIAEhgg"
    assert shown["TIMING-003"].message_id == f"{CHAT}:8"
    assert rows["TRANSFER-003"].message_id == "—"
    html = render_html(build_view(_result(findings), "en", True))
    assert f'class="mono">{CHAT}:29<' not in html


def test_masking_holds_in_evidence() -> None:
    named = "WhatsApp Chat with +39 333 123 4567.txt"
    evidence = {**OPTOUT, "optout_source": f"exports/{named}:28", "body": "Ciao Giulia, richiamami al 3331234567"}
    finding = _finding("OPTOUT-001", evidence).model_copy(
        update={"source": f"exports/{named}:29", "message_id": f"{named}:29"})
    masked = _facts(_rows(_result([finding]), "en")["OPTOUT-001"])
    assert masked["Opt-out recorded in"] == "WhatsApp Chat with +39 333 ••• ••67.txt, line 28"
    assert masked["Words used"] == "stop"  # the matched keyword, not the message
    for mask in (True, False):
        html = render_html(build_view(_result([finding]), "en", mask))
        assert "richiamami" not in html
    shown = _facts(_rows(_result([finding]), "en", mask=False)["OPTOUT-001"])
    assert shown["Opt-out recorded in"] == f"{named}, line 28"
    # An id that differs from the source is shown, masked like every other text.
    other = finding.model_copy(update={"message_id": f"{named}:30"})
    assert _rows(_result([other]), "en")["OPTOUT-001"].message_id == "WhatsApp Chat with +39 333 ••• ••67.txt:30"


def test_odd_values_are_shown_as_they_are() -> None:
    odd = {"optout_at": "2021-13-45T99:99:00", "valid_to": "2022-02-30", "local_time": "late evening",
           "window_start": "", "mechanism": "scc-2010|dpf|custom-deal"}
    row = _rows(_result([_finding("ODD-001", odd).model_copy(update={"timestamp": None})]), "en")["ODD-001"]
    assert row.timestamp == "—"
    assert _facts(row) == {"Opted out on": "2021-13-45T99:99:00", "Recipient's local time": "late evening",
                           "Period counted from": "—", "Transfer mechanism declared":
                           "Standard contractual clauses (2010), EU-US Data Privacy Framework, custom-deal",
                           "Mechanism valid until": "2022-02-30"}


def test_special_category_evidence_is_labelled() -> None:
    special = {"aim": "trade-union", "art9_condition": "none", "relationship": "former-member", "role": "processor"}
    row = _rows(_result([_finding("SPECIAL-001", special)]), "it")["SPECIAL-001"]
    assert _facts(row) == {"Finalità dichiarata": "sindacale",
                           "Condizione dell'art. 9(2) GDPR": "nessuna condizione dichiarata",
                           "Rapporto con l'organizzazione": "ex socio", "Ruolo": "Responsabile del trattamento"}
    declared = _rows(_result([_finding("SPECIAL-001", {"art9_condition": "9.2.d"})]), "en")["SPECIAL-001"]
    assert _facts(declared) == {"GDPR Art. 9(2) condition": "GDPR Art. 9(2)(d)"}


def test_every_evidence_key_a_check_emits_has_a_label_in_each_language() -> None:
    """A key without a label reaches the reader as its code ("withdrawn purpose"), and in English in Italian."""
    import re
    from zoneinfo import ZoneInfo

    from msgaudit.report.evidence import EvidenceFormatter
    from msgaudit.report.i18n import Lang

    src = Path(__file__).resolve().parents[1] / "src" / "msgaudit" / "rules"
    emitted = {k for f in [*(src / "checks").glob("*.py"), src / "evaluate.py"]
               for k in re.findall(r'"ev_([a-z_]+)"', f.read_text(encoding="utf-8"))}
    assert {"withdrawn_purpose", "members_exposed", "tia"} <= emitted
    for lang in ("en", "it"):
        t = Lang(lang)
        labels = EvidenceFormatter(t, ZoneInfo("Europe/Rome"), True, mechanism=str, role=str).labels
        assert emitted - set(labels) == set(), lang
        if lang == "it":
            english = {k: v for k, v in labels.items() if v == EvidenceFormatter(
                Lang("en"), ZoneInfo("Europe/Rome"), True, mechanism=str, role=str).labels[k] and k in emitted}
            assert english == {}, english
