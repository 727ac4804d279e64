"""HTML and PDF reports: sections, masking, hostile input, language, the URL fetcher, writing files."""

from __future__ import annotations

import importlib.util
import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from msgaudit.findings import Activity, AuditResult, Summary
from msgaudit.report import write_reports
from msgaudit.report.html import render_html
from msgaudit.report.pdf import PackageOnlyFetcher, RefusedURL, render_pdf
from msgaudit.report.viewmodel import EVIDENCE_ROWS, build_view

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SECTIONS_EN = ["Executive summary", "The audited model", "Activity and findings at a glance", "Findings by rule",
               "Data quality and input accounting", "Action plan", "DPO opinion and sign-off", "Methodology",
               "Appendix: draft record of processing (GDPR Art. 30)"]
SECTIONS_IT = ["Sintesi per la direzione", "Il modello verificato", "Rilievi per regola",
               "Qualità dei dati e rendiconto degli ingressi", "Piano d'azione", "Parere del DPO e firme", "Metodologia"]
# A full Italian mobile number, with or without spaces: what masking must never let through.
UNMASKED_PHONE = re.compile(r"\+39 ?3\d{2} ?\d{3} ?\d{3,4}|\d{10,}")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


class Rendered:
    def __init__(self, result: AuditResult, lang: str = "en", mask: bool = True) -> None:
        self.result = result
        self.html = render_html(build_view(result, lang, mask))
        self.fetcher = PackageOnlyFetcher()
        self.pdf = render_pdf(self.html, result.as_of, self.fetcher)
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.text = _text(self.pdf)


@pytest.fixture(scope="module")
def masked() -> Rendered:
    return Rendered(build.build())


@pytest.fixture(scope="module")
def unmasked() -> Rendered:
    return Rendered(build.build(), mask=False)


@pytest.fixture(scope="module")
def italian() -> Rendered:
    return Rendered(build.build(), lang="it")


@pytest.fixture(scope="module")
def large() -> Rendered:
    return Rendered(build.build(scale=40, extra_rules=12))


def test_pdf_has_every_section_in_text_and_bookmarks(masked: Rendered) -> None:
    for title in SECTIONS_EN:
        assert title in masked.text
    outline = [item["/Title"] for item in masked.reader.outline if isinstance(item, dict)]
    assert outline[:3] == ["Executive summary", "Scope, exclusions and assumptions", "The audited model"]
    assert "Appendix: draft record of processing (GDPR Art. 30)" in outline
    assert outline[-1] == "Appendix: the charts' data"
    assert len(masked.reader.pages) >= 10


def test_pdf_table_of_contents_links_and_page_numbers(masked: Rendered) -> None:
    first = masked.reader.pages[0]
    links = [a.get_object() for a in first.get("/Annots", [])]
    assert sum(1 for a in links if a.get("/Subtype") == "/Link") >= len(SECTIONS_EN)
    assert re.search(r"Executive summary\s*\.+\s*2", masked.text)
    assert f"Page 3 of {len(masked.reader.pages)}" in masked.text
    # The running header: organisation and date on every page after the cover.
    assert masked.reader.pages[3].extract_text().count("Associazione Culturale Esempio") >= 1
    assert "November 25, 2026" in masked.reader.pages[3].extract_text()


def test_pdf_metadata_is_deterministic(masked: Rendered) -> None:
    meta = masked.reader.metadata
    assert meta["/Author"] == "msgaudit"
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20261125"
    assert meta["/Title"].startswith("Messaging privacy audit · Associazione Culturale Esempio")
    assert render_pdf(masked.html, masked.result.as_of) == masked.pdf


def test_masked_report_shows_no_phone_number(masked: Rendered) -> None:
    for text in (masked.text, masked.html):
        assert not UNMASKED_PHONE.search(text), UNMASKED_PHONE.search(text)
    assert "+39 333 ••• ••67" in masked.html
    assert "Giulia Bianchi" not in masked.text and "(G. B.)" in masked.html
    # WhatsApp names chat exports after the other person: the file name is masked too.
    assert "WhatsApp Chat with +39 333 ••• ••67.txt" in masked.html


def test_unmasked_report_shows_numbers_and_names(unmasked: Rendered) -> None:
    assert "+393331234567" in unmasked.text
    assert "Giulia Bianchi" in unmasked.text
    assert "Personal data in this report is masked" not in unmasked.text


def test_hostile_text_is_inert_in_html(unmasked: Rendered) -> None:
    html = unmasked.html
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=http://evil/x&gt;" in html
    # No attribute anywhere points outside the file except the legal references' links.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("#", "https://eur-lex.europa.eu", "https://www.garanteprivacy.it",
                               "https://business.whatsapp.com")), url
    assert "javascript:" not in html


def test_hostile_text_is_literal_in_pdf_and_nothing_was_fetched(unmasked: Rendered) -> None:
    flat = _flat(unmasked.text)  # table cells wrap the text over lines
    for hostile in (build.HOSTILE_NAME, build.HOSTILE_IMG, build.HOSTILE_FORMULA):
        assert _flat(hostile) in flat
    for rendered in (unmasked,):
        assert rendered.fetcher.refused == []
        assert all(u.startswith("data:") for u in rendered.fetcher.requested)


def test_fetcher_refuses_and_records_outside_urls(tmp_path: Path) -> None:
    fetcher = PackageOnlyFetcher()
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"x")
    for url in ("http://evil/x", "https://evil/x.css", outside.as_uri(), "file:///etc/passwd", "ftp://evil/x"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.refused == fetcher.requested and len(fetcher.refused) == 5
    inside = fetcher.fetch((fetcher.static / "report.css").as_uri())
    assert b"@page" in inside.read()


def test_an_outside_request_stops_the_pdf() -> None:
    fetcher = PackageOnlyFetcher()
    html = '<html><body><p>x</p><img src="http://evil/x"><link rel="stylesheet" href="https://evil/s.css"></body></html>'
    with pytest.raises(BaseException, match="evil"):
        render_pdf(html, date(2026, 11, 25), fetcher)
    assert fetcher.refused and all("evil" in u for u in fetcher.refused)


def test_italian_report(italian: Rendered) -> None:
    for title in SECTIONS_IT:
        assert title in italian.text
    assert "25 novembre 2026" in italian.text
    assert "dal 3 gennaio 2020 al 28 giugno 2025" in italian.text
    assert "4.821" in italian.text  # messages audited, Italian thousands separator
    assert "Pagina 2 di" in italian.text
    assert "Non conforme" in italian.text
    assert 'lang="it"' in italian.html
    for english in ("Executive summary", "Findings by rule", "Signature", "Owner", "Page 2 of", "per day"):
        assert english not in italian.text


def test_evidence_tables_show_first_rows_only(large: Rendered) -> None:
    n = len(large.result.findings)
    assert n >= 2000
    rows = large.html.count('<td data-label="Time">')
    rules = {f.rule_id for f in large.result.findings}
    assert len(rules) < rows <= EVIDENCE_ROWS * len(rules)
    assert "Showing the first 20 of" in large.text
    assert len(large.reader.pages) > 25
    assert f"Page 20 of {len(large.reader.pages)}" in large.text


def test_evidence_never_shows_message_bodies() -> None:
    result = build.build(hostile=False)
    result.findings[0].evidence["body"] = "Ciao Giulia, il tuo codice è 4471"
    html = render_html(build_view(result, "en", mask=False))
    assert "il tuo codice" not in html


def _empty() -> AuditResult:
    return AuditResult(tool={"name": "msgaudit", "version": "0.1.0"}, as_of=date(2026, 1, 31), inputs=[], rules=[],
                       findings=[], summary=Summary(total=0, waived=0, by_severity={}, by_rule={}, by_pack={}),
                       activity=Activity())


def test_empty_audit_renders_with_a_clean_verdict() -> None:
    view = build_view(_empty(), "en", True)
    assert view.cover.verdict.level == "ok"
    html = render_html(view)
    assert "No findings" in html and "Unnamed organisation" in html
    pdf = render_pdf(html, date(2026, 1, 31))
    assert "No inventory was given" in _text(pdf)


def test_verdict_levels() -> None:
    result = build.build(hostile=False)
    assert build_view(result).cover.verdict.text == (
        "Not compliant: findings at high severity or above (critical 4, high 12)")
    low_only = result.model_copy(update={"findings": [f for f in result.findings if f.severity in ("low", "info")]})
    verdict = build_view(low_only).cover.verdict
    assert verdict.level == "warn" and verdict.text.endswith("10 findings to review at lower severity")


def test_urgent_actions_are_the_most_severe_rules() -> None:
    actions = build_view(build.build()).cover.actions
    assert [a.rule_id for a in actions] == ["OPTOUT-001", "TRANSFER-001", "CONSENT-001"]
    assert actions[0].count == "3 findings"


def test_transfer_flow_is_red_for_the_gap_and_grey_in_the_eea() -> None:
    view = build_view(build.build())
    status = {s.name: s.status for s in view.model.systems}
    assert status == {"WhatsApp Business": "invalid", "Soci.xlsx on Google Drive": "none", "Newsletter SMS": "valid"}
    whatsapp = next(s for s in view.model.systems if s.name == "WhatsApp Business")
    assert whatsapp.status_label == "No valid mechanism July 16, 2020 to August 31, 2023"
    assert 'stroke="#b91c1c"' in view.model.flow_svg and 'stroke="#15803d"' in view.model.flow_svg


def test_record_of_processing_from_inventory() -> None:
    rows = {r.label: r for r in build_view(build.build()).record}
    assert rows["Purposes of the processing (Art. 30(1)(b))"].values == [
        "event reminders", "member communications", "membership register"]
    transfers = rows["Transfers to third countries and safeguards (Art. 30(1)(e))"].values
    assert any(t.startswith("WhatsApp Business → US: EU-US Data Privacy Framework") for t in transfers)
    assert not any("IE" in t for t in transfers)
    assert rows["Time limits for erasure (Art. 30(1)(f))"].to_fill


def test_law_links_only_for_web_urls() -> None:
    rules = {r.rule_id: r for r in build_view(build.build()).rules}
    assert rules["QUALITY-001"].law[0].url == ""  # the fixture's javascript: URL is dropped
    assert rules["CONSENT-001"].law[0].url.startswith("https://eur-lex.europa.eu/")


def test_write_reports_writes_every_format(tmp_path: Path) -> None:
    out = write_reports(build.build(hostile=False), tmp_path / "out", lang="it")
    assert {k: p.name for k, p in out.items()} == {
        "html": "report.html", "pdf": "report.pdf", "json": "findings.json", "csv": "findings.csv"}
    assert all(p.stat().st_size > 0 for p in out.values())
    # The set and its manifest, nothing else: no staging folder, no lock, no part file; with the CSV format
    # comes the list of who may be contacted today.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [*(p.name for p in out.values()), "manifest.json", "contactability.csv"])


def test_write_reports_leaves_no_half_written_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import msgaudit.report.pdf as pdf

    def broken(html: str, as_of: date) -> bytes:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        write_reports(_empty(), tmp_path, {"pdf"})
    assert list(tmp_path.iterdir()) == []


def test_write_reports_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="docx"):
        write_reports(_empty(), tmp_path, {"docx"})
