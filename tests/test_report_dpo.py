"""What a DPO's report holds: tagged PDF, captions and chart data, document control, scope, review, Art. 30."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from msgaudit.findings import AuditResult
from msgaudit.report.html import render_html
from msgaudit.report.pdf import render_pdf
from msgaudit.report.viewmodel import build_view

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

RECIPIENTS = "Recipients (Art. 30(1)(d))"


@pytest.fixture(scope="module")
def result() -> AuditResult:
    return build.build(hostile=False)


def test_pdf_is_tagged_pdf_ua_and_still_deterministic(result: AuditResult) -> None:
    html = render_html(build_view(result, "it", True))
    first, second = render_pdf(html, result.as_of), render_pdf(html, result.as_of)
    assert first == second
    root = PdfReader(io.BytesIO(first)).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert root["/Lang"] == "it" and bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # the PDF/UA identification in XMP


def test_every_table_has_a_caption_and_every_chart_its_data(result: AuditResult) -> None:
    html = render_html(build_view(result, "en", True))
    tables = re.findall(r"<table\b[^>]*>\s*(<caption\b)?", html)
    assert tables and all(tables), f"{tables.count('')} of {len(tables)} tables have no caption"
    view = build_view(result, "en", True)
    for chart in view.charts:
        assert chart.data_anchor and f'id="{chart.data_anchor}"' in html, chart.title
    hours = next(d for d in view.chart_data if d.anchor == "data-hours")
    assert [int(v) for v in hours.rows[0][1:]] == result.activity.local_hours[0]
    assert 'href="#data-law"' in html and 'id="data-law"' in html


@pytest.mark.parametrize(("mask", "statement"), [(True, "Personal data is masked"),
                                                 (False, "Contains personal data")])
def test_document_control_says_whether_it_holds_personal_data(result: AuditResult, mask: bool,
                                                               statement: str) -> None:
    view = build_view(result, "en", mask)
    assert view.control.personal_data is not mask and view.control.personal_data_note.startswith(statement)
    facts = {f.label: f.value for f in view.control.document}
    assert facts["Auditor"] == "" and facts["Run date (situation as of)"] == "November 25, 2026"
    html = render_html(view)
    assert "Document control" in html and ('class="personal-data"' in html) is not mask


def test_scope_names_what_was_not_evaluated_and_what_was_taken_on_trust(result: AuditResult) -> None:
    control = build_view(result, "en", True).control
    skipped = [r for r in result.rules if not r.evaluated]
    assert skipped and all(any(r.id in x and r.not_evaluated_reason in x for x in control.exclusions)
                           for r in skipped)
    assert any("own declaration" in x for x in control.assumptions)
    assert any(f"{len(result.inputs)} input files" in x for x in control.scope)


def test_sign_off_has_residual_risk_and_a_review_date(result: AuditResult) -> None:
    html = render_html(build_view(result, "it", True))
    assert "Rischio residuo" in html and "Prossimo riesame entro il" in html
    assert "suggerito: 25 novembre 2027" in html


def test_record_does_not_list_the_controller_as_its_own_recipient(result: AuditResult) -> None:
    own = {"system": "Registro soci", "operator": result.organisation["name"], "role": "controller",
           "country": "IT", "channels": "", "data": "names", "purposes": "membership register"}
    with_own = result.model_copy(update={"systems": [*result.systems, own]})
    rows = {r.label: r for r in build_view(with_own).record}
    assert not [v for v in rows[RECIPIENTS].values if "Registro soci" in v or result.organisation["name"] in v]
    assert any(v.startswith("WhatsApp LLC") for v in rows[RECIPIENTS].values)
