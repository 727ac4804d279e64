"""A 100,000-character name or id cannot stall the PDF: every string a template prints is capped, the data keep it whole."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from msgaudit.report import write_reports
from msgaudit.report.i18n import Lang
from msgaudit.report.textcap import MAX_RUN, MAX_TEXT, cap_text

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

HUGE = "Cloud" + "X" * 99_995


@pytest.mark.parametrize(("lang", "said"), [("en", "…(100,000 characters)"), ("it", "…(100.000 caratteri)")])
def test_unbroken_run_is_cut_and_says_how_long_it_was(lang: str, said: str) -> None:
    shown = cap_text(f"system {HUGE} in the US", Lang(lang))
    assert shown == f"system {HUGE[:MAX_RUN]}{said} in the US"


def test_long_text_is_cut_as_a_whole() -> None:
    text = "parola " * 1000
    shown = cap_text(text, Lang("en"))
    assert shown == text[:MAX_TEXT] + "…(7,000 characters)"


@pytest.mark.parametrize("text", [
    "https://www.whatsapp.com/legal/business-policy/?lang=en#a-very-long-anchor-" + "x" * 40,  # a long law URL
    "Consenso raccolto " * 50,                                                                # a long description
    "wamid.HBgLMzkzMzMxMjM0NTY3FQIAERgSQzQ1RjA2RDdGMkQ5QjZBRkE4AA==",
])
def test_ordinary_text_is_untouched(text: str) -> None:
    assert cap_text(text, Lang("en")) == text


def test_report_with_a_100000_character_system_name_renders(tmp_path: Path) -> None:
    result = build.build(hostile=False)
    result.systems[0]["system"] = HUGE
    for f in result.findings[:5]:
        f.system, f.message_id, f.source, f.contact_name, f.message = HUGE, HUGE, HUGE, HUGE, HUGE
        f.evidence = {**f.evidence, "note": HUGE}
    # Quadratic before the cap: 20,000 characters took 46 s, 100,000 did not finish in 600 s.
    written = write_reports(result, tmp_path, {"html", "pdf", "json"}, mask=False)
    html = written["html"].read_text(encoding="utf-8")
    assert "…(100,000 characters)" in html and "X" * (MAX_RUN + 1) not in html
    assert written["pdf"].read_bytes().startswith(b"%PDF")
    # Nothing lost: the machine-readable findings keep the whole value.
    systems = {f["system"] for f in json.loads(written["json"].read_text(encoding="utf-8"))["findings"]}
    assert HUGE in systems
