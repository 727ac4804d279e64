"""The demo and a simulated world go all the way to HTML, PDF, JSON and CSV, reproducibly and masked."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from msgaudit.api import AuditOptions, audit
from msgaudit.cli import cli
from msgaudit.report import write_reports
from msgaudit.simulate import simulate

# An unmasked international number, spaced or not; masked ones read "+39 333 ••• ••67".
UNMASKED = re.compile(r"\+\d[\d ]{7,}\d")


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def test_demo_writes_every_format_for_each_sample_organisation(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for org in ("associazione", "negozio"):
        for name in ("report.html", "report.pdf", "findings.json", "findings.csv"):
            assert (tmp_path / org / name).stat().st_size > 0
        assert f"{tmp_path / org / 'report.pdf'}" in result.output
        pages, text = _pdf_text(tmp_path / org / "report.pdf")
        assert pages >= 8
        for section in ("Executive summary", "The audited model", "Findings by rule", "Action plan",
                        "DPO opinion", "Methodology"):
            assert section in text
        assert UNMASKED.findall(text) == []
        assert UNMASKED.findall((tmp_path / org / "report.html").read_text(encoding="utf-8")) == []


def test_demo_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    for run in ("a", "b"):
        assert runner.invoke(cli, ["demo", "--out", str(tmp_path / run)]).exit_code == 0
    for org in ("associazione", "negozio"):
        assert (tmp_path / "a" / org / "findings.json").read_bytes() == (tmp_path / "b" / org / "findings.json").read_bytes()
        assert (tmp_path / "a" / org / "report.pdf").read_bytes() == (tmp_path / "b" / org / "report.pdf").read_bytes()


def test_simulated_world_report(tmp_path: Path) -> None:
    simulate(tmp_path / "world", seed=3, contacts=120, messages=1200, days=45, violation_rate=1.0, start=date(2025, 9, 1))
    result = audit([tmp_path / "world" / "exports"], AuditOptions(as_of=date(2026, 6, 30)))
    written = write_reports(result, tmp_path / "report", {"html", "pdf", "json", "csv"}, lang="it")
    pages, text = _pdf_text(written["pdf"])
    assert pages >= 8 and "Sintesi" in text
    assert result.summary.total > 0
    assert all(i.rows_rejected == 0 for i in result.inputs)
