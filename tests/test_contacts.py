"""Contact-list adapters: fixture files in, canonical tables out (cases in fixtures/contacts/cases.yaml)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from msgaudit.errors import ConfigError, InputError
from msgaudit.ingest.base import IngestContext, Ingested, Source
from msgaudit.ingest.contact_consent import find_marks
from msgaudit.ingest.contact_fields import CONTACT_ALIASES, relationship, resolve
from msgaudit.ingest.decoding import detect_encoding
from msgaudit.ingest.registry import adapter, detect

FIXTURES = Path(__file__).parent / "fixtures"
CONTACTS = FIXTURES / "contacts"


def load_cases(root: Path, *, detection: bool = False) -> list[Any]:
    """Cases as pytest params; a `known_issue` marks the case xfail(strict) so its fix is noticed."""
    params = []
    for case in yaml.safe_load((root / "cases.yaml").read_text(encoding="utf-8")):
        if detection and (not case["format"] or case.get("compare_without")):
            continue
        known = case.get("known_issue") and not detection
        marks = [pytest.mark.xfail(strict=True, reason=case["known_issue"])] if known else []
        label = case["file"] + ("-" + "-".join(case["compare_without"]) if case.get("compare_without") else "")
        params.append(pytest.param(root, case, id=label, marks=marks))
    return params


def source_of(path: Path) -> Source:
    return Source(path=path, data=path.read_bytes(), name=path.name)


def head_of(data: bytes) -> str:
    head = data[:16_384]
    return "" if head[:2] == b"PK" else head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff")


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text an expected CSV holds: '' for missing, ISO 8601 for times."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[col] = values.map(lambda t: "" if pd.isna(t) else t.isoformat())
        else:
            out[col] = values.astype(object).map(lambda v: "" if v is None or v is pd.NA else str(v))
    return out.reset_index(drop=True)


def read_case(root: Path, case: dict[str, Any]) -> Ingested:
    mapping = yaml.safe_load((root / case["mapping"]).read_text(encoding="utf-8")) if case.get("mapping") else {}
    name = case.get("read_as") or case["format"]
    ctx = IngestContext(mapping=mapping, default_region=case.get("region", "IT"))
    return adapter(name).read(source_of(root / case["file"]), ctx)


def check_case(root: Path, case: dict[str, Any]) -> None:
    result = read_case(root, case)
    rep = result.report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (
        case["rows"]["read"], case["rows"]["accepted"], case["rows"]["rejected"])
    got = [(r.line, r.reason) for r in rep.rejections]
    want = case.get("rejections", [])
    assert [g[0] for g in got] == [w[0] for w in want]
    for (_, reason), (_, piece) in zip(got, want):
        assert piece in reason
    for piece in case.get("notes", []):
        assert any(piece in n for n in rep.notes), (piece, rep.notes)
    for table, expected_file in case.get("tables", {}).items():
        expected = pd.read_csv(root / expected_file, dtype=str, keep_default_na=False)
        actual = as_text(result.tables[table])
        drop = [c for c in case.get("compare_without", []) if c in actual]
        pd.testing.assert_frame_equal(actual.drop(columns=drop), expected.drop(columns=drop))


@pytest.mark.parametrize(("root", "case"), load_cases(CONTACTS))
def test_contact_fixture(root: Path, case: dict[str, Any]) -> None:
    check_case(root, case)


@pytest.mark.parametrize(("root", "case"), load_cases(CONTACTS, detection=True))
def test_detection_picks_the_adapter(root: Path, case: dict[str, Any]) -> None:
    src = source_of(root / case["file"])
    assert detect(src, head_of(src.data)).name == case["format"]


FIXTURE_FILES = sorted(p for area in ("contacts", "ledgers") for p in (FIXTURES / area).iterdir()
                       if p.is_file() and p.suffix not in {".yaml"})


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_nothing_lost(path: Path) -> None:
    """rows_read = accepted + rejected, and every accepted row is one row of the output table."""
    src = source_of(path)
    mapping_file = path.with_suffix(".yaml")
    ctx = IngestContext(mapping=yaml.safe_load(mapping_file.read_text()) if mapping_file.exists() else {})
    chosen = adapter("contacts-table") if mapping_file.exists() else detect(src, head_of(src.data))
    result = chosen.read(src, ctx)
    rep = result.report
    assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
    assert all(r.reason for r in rep.rejections)
    main = {"consent-ledger": "consent_events", "optout-list": "optouts"}.get(chosen.name, "contacts")
    assert len(result.tables[main]) == rep.rows_accepted


# The same member list as the spreadsheet itself: typed cells, a second sheet, and the phone
# Excel shows as 3,93331E+11 still whole in its numeric cell (only CSV export truncates it).
SOCI_ROWS: list[list[Any]] = [
    ["Tessera", "Cognome", "Nome", "Cellulare", "Telefono", "Email", "Socio", "Consenso", "Data consenso",
     "Consenso marketing", "Fonte consenso", "Data revoca", "Quota", "Note"],
    ["A-001", "Bertolò", "Niccolò", "333 123 4567", "02 1234 5678", "niccolo.bertolo@example.it", "Socio", "Sì",
     datetime(2021, 3, 15), "No", "Modulo iscrizione 2021", None, 25.0, "Pagato in contanti"],
    ["A-002", "D'Angelo", "Lucía", "+39 347 765 4321", None, "lucia.dangelo@example.it", "socia", "si",
     datetime(2022, 2, 1), "sì", "Modulo online v2", None, 30.0, None],
    ["A-003", "Rossi", "Mario", 393331234567, None, None, "Socio", "Sì", datetime(2020, 1, 20), None,
     "Modulo cartaceo", None, 25.0, "numero in una cella numerica"],
    ["A-004", "Moreau", "Agnès", "+33 6 12 34 56 78", None, "agnes.moreau@example.fr", "Ex socio", "Sì",
     datetime(2019, 9, 10), None, "Modulo cartaceo", datetime(2023, 12, 31), None, "trasferita a Lione"],
    ["A-005", "Müller", "Zoë", None, None, "zoe.mueller@example.de", "Simpatizzante", None, None, None, None, None,
     None, "solo e-mail"],
    ["A-006", "Esposito", "Gennaro", None, None, None, "Socio", "Sì", None, None, None, None, 25.0, "nessun recapito"],
    ["A-007", "Bianchi", "Chiara", "0039 340 111 2233", None, None, "Socio", "Sì", None, None, "Modulo online v2",
     None, 1500.75, "consenso senza data"],
    ["A-008", "Verdi", "Luca", "06 4567 8901", None, None, "Cliente", "No", None, None, None, None, None, "fisso"],
    ["A-009", "Ferrari", "Giulia", "+39 328 555 0101", None, "giulia.ferrari@example.it", "Socia", "Sì",
     datetime(2023, 2, 28), "Sì", "Modulo online v2", None, 25.0, None],
]


def write_soci_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Soci"
    for row in SOCI_ROWS:
        ws.append(row)
    for cell in ws["I"][1:] + ws["L"][1:]:
        cell.number_format = "DD/MM/YYYY"
    wb.create_sheet("Quote 2024").append(["Tessera", "Importo"])
    wb.save(path)


def test_xlsx_member_list(tmp_path: Path) -> None:
    path = tmp_path / "soci.xlsx"
    write_soci_xlsx(path)
    src = source_of(path)
    assert detect(src, head_of(src.data)).name == "contacts-table"
    result = adapter("contacts-table").read(src, IngestContext())
    rep = result.report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (9, 8, 1)
    assert [(r.line, r.reason) for r in rep.rejections] == [(7, "no phone or e-mail")]
    assert any("only the first sheet 'Soci' was read" in n for n in rep.notes)
    for table in ("contacts", "consent_events"):
        expected = pd.read_csv(CONTACTS / f"expected/soci_xlsx.{table}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(as_text(result.tables[table]), expected)


@pytest.mark.parametrize(("header", "purpose", "channel"), [
    ("Consenso", "membership", "any"),
    ("Privacy", "membership", "any"),
    ("Consenso WhatsApp", "membership", "whatsapp"),
    ("Consenso marketing", "marketing", "any"),
    ("Consenso comunicazioni promozionali via SMS", "marketing", "sms"),
    ("Consent newsletter e-mail", "newsletter", "email"),
    ("Opt-in marketing WhatsApp", "marketing", "whatsapp"),
])
def test_consent_header_meaning(header: str, purpose: str, channel: str) -> None:
    [mark] = find_marks([header, "Data consenso"], {})
    assert (mark.purpose, mark.channel, mark.date_column) == (purpose, channel, "Data consenso")


def test_consent_date_pairs_with_its_own_mark() -> None:
    columns = ["Consenso", "Data consenso", "Consenso marketing", "Data consenso marketing"]
    dates = {m.column: m.date_column for m in find_marks(columns, {})}
    assert dates == {"Consenso": "Data consenso", "Consenso marketing": "Data consenso marketing"}


@pytest.mark.parametrize(("header", "value", "expected"), [
    ("Socio", "socia", "member"), ("Socio", "Sì", "member"), ("Socio", "no", "other"),
    ("Tipo", "Ex socio", "former-member"), ("Categoria", "Cliente", "customer"),
    ("Relazione", "potenziale", "prospect"), ("Tipo", "Simpatizzante", "regular-contact"),
    ("Tipo", "contatto", "regular-contact"), ("Tipo", "Benefattore", "other"), ("Tipo", "", None),
])
def test_relationship_words(header: str, value: str, expected: str | None) -> None:
    mapped, _ = relationship(pd.Series([value]), header)
    assert mapped.iloc[0] == expected


@pytest.mark.parametrize(("header", "field"), [
    ("Nome e cognome", "display_name"), ("NOMINATIVO", "display_name"), ("Cellulare", "phone"),
    ("Tel.", "phone"), ("Posta elettronica", "email"), ("E-mail", "email"), ("N. tessera", "contact_id"),
    ("Fuso orario", "time_zone"), ("Etichette", "tags"), ("Data revoca", "withdrawal_date"),
    ("Fonte consenso", "consent_evidence"), ("Modalità consenso", "consent_method"),
])
def test_header_aliases(header: str, field: str) -> None:
    assert resolve([header], CONTACT_ALIASES, {}) == {field: [header]}


def test_mapping_applies_before_aliases() -> None:
    cols = resolve(["Telefono", "Cellulare"], CONTACT_ALIASES, {"Telefono": "ignore"}, multi=frozenset({"phone"}))
    assert cols == {"ignore": ["Telefono"], "phone": ["Cellulare"]}


def test_mapping_fields_of_other_tables_are_passed_over() -> None:
    """One --mapping serves every input: a ledger's field does not break a contact table."""
    cols = resolve(["Finalità", "Cellulare"], CONTACT_ALIASES, {"Finalità": "purpose"}, multi=frozenset({"phone"}))
    assert cols == {"phone": ["Cellulare"]}


def test_an_ignored_consent_column_is_not_a_mark() -> None:
    columns = ["Consenso", "Consenso vecchio modulo"]
    cols = resolve(columns, CONTACT_ALIASES, {"Consenso vecchio modulo": "ignore"})
    assert [m.column for m in find_marks(columns, cols)] == ["Consenso"]


def test_unknown_mapping_field_is_a_config_error() -> None:
    ctx = IngestContext(mapping={"Chi": "nome_completo"})
    with pytest.raises(ConfigError, match="'Chi': unknown field 'nome_completo'"):
        adapter("contacts-table").read(source_of(CONTACTS / "mapping_odd_headers.csv"), ctx)


def test_table_without_phone_or_email_column_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "nomi.csv"
    path.write_text("Nome;Cognome\nNiccolò;Bertolò\n", encoding="utf-8")
    with pytest.raises(InputError, match="nomi.csv: no phone or e-mail column"):
        adapter("contacts-table").read(source_of(path), IngestContext())


def test_a_broken_card_does_not_lose_its_neighbours() -> None:
    result = adapter("vcard").read(source_of(CONTACTS / "android_v21.vcf"), IngestContext())
    assert list(result.tables["contacts"]["display_name"]) == [
        "Niccolò Bertolò", "Biglietto Rotto", "Zoë Müller", "Agnès Moreau Désirée de la Fontaine Saint-André"]


def test_the_readme_mapping_example_is_a_valid_mapping(tmp_path: Path) -> None:
    import re

    from msgaudit.ingest.contact_fields import CONTACT_EXTRA_TARGETS, KNOWN_TARGETS
    from msgaudit.mapping import load_mapping

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(columns:.*?)```", readme, re.S)
    assert block, "the README lost its --mapping example"
    path = tmp_path / "mapping.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    mapping = load_mapping(path)
    cols = resolve(["Num. cellulare socio", "Cell. 2", "Ok promo", "Data firma modulo", "Note interne", "Nome"],
                   CONTACT_ALIASES, mapping, multi=frozenset({"phone"}), extra_targets=CONTACT_EXTRA_TARGETS)
    assert cols["phone"] == ["Num. cellulare socio"] and cols["consent:marketing:whatsapp"] == ["Ok promo"]
    assert cols["consent_date"] == ["Data firma modulo"] and cols["ignore"] == ["Note interne"]
    listed = re.search(r"Fields: (.*?)\n\n", readme[block.end():], re.S)
    assert listed
    named = {f.rstrip("…") for f in re.findall(r"`([a-z_…]+)`", listed.group(1))}
    assert named == set(KNOWN_TARGETS)


@pytest.mark.parametrize(("columns", "date_column"), [
    (["Nome", "Data di nascita", "Consenso", "Data iscrizione"], "Data iscrizione"),
    (["Nome", "Consenso", "Data", "Iscritto dal"], "Iscritto dal"),
    (["Name", "Consent", "Member since"], "Member since"),
    (["Nome", "Consenso", "Data"], "Data"),
    (["Nome", "Data di nascita", "Consenso"], None),
    (["Nome", "Consenso", "Data consenso", "Data iscrizione"], "Data consenso"),
])
def test_a_mark_without_its_own_date_takes_the_sign_up_date(columns: list[str], date_column: str | None) -> None:
    [mark] = find_marks(columns, {})
    assert mark.date_column == date_column
    assert mark.signup_date == (date_column not in (None, "Data consenso"))
