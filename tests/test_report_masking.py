"""Masking that cannot be bypassed: chat files named after people, wamid ids, absolute paths."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import pytest

from msgaudit.findings import AuditResult
from msgaudit.report.html import render_html
from msgaudit.report.machine import findings_csv, findings_json
from msgaudit.report.redact import audited_root, mask_text, relative_source, short_id
from msgaudit.report.viewmodel import build_view

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

ROOT = "/home/dott.ssa.verdi/Documenti/audit 2026/exports"
PERSON_CHAT = "Chat WhatsApp con Carla Neri.txt"
# A Cloud API id: base64 of the recipient's number among other bytes, as Meta sends it.
WAMID = "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x0c393331234567\x15\x02\x00\x12").decode()


@pytest.mark.parametrize(("name", "masked"), [
    ("Chat WhatsApp con Mario Rossi.txt", "Chat WhatsApp con M. R.txt"),
    ("WhatsApp Chat with Anna Maria De Santis.txt:12", "WhatsApp Chat with A. M. D. S.txt:12"),
    ("WhatsApp Chat - Zoë Müller.zip", "WhatsApp Chat - Z. M.zip"),
    ("WhatsApp_Chat_with_Luca_Esposito.txt", "WhatsApp_Chat_with_L. E.txt"),
    ("Chat de WhatsApp con Lucía (2).txt", "Chat de WhatsApp con L (2).txt"),
    ("WhatsApp Chat mit +49 151 23456789.txt", "WhatsApp Chat mit +49 151• •••••89.txt"),
    ("rubrica_contatti.csv:3", "rubrica_contatti.csv:3"),
])
def test_chat_file_names_are_masked_like_names(name: str, masked: str) -> None:
    assert mask_text(name) == masked


def test_wamid_is_a_short_stable_hash_that_hides_the_number() -> None:
    assert "393331234567" in base64.b64decode(WAMID.removeprefix("wamid.")).decode("latin-1")
    shown = mask_text(f"id {WAMID} sent")
    assert shown == f"id {short_id(WAMID)} sent"
    assert short_id(WAMID) == short_id(WAMID) and short_id(WAMID) != short_id(WAMID + "A")
    assert len(short_id(WAMID)) == len("wamid…") + 6 and WAMID.removeprefix("wamid.")[:8] not in shown


def test_sources_are_relative_to_the_audited_folder() -> None:
    root = audited_root([f"{ROOT}/{PERSON_CHAT}", f"{ROOT}/ledger/consensi.csv"])
    assert root == ROOT
    assert relative_source(f"{ROOT}/ledger/consensi.csv:3", root) == "ledger/consensi.csv:3"
    assert relative_source("/etc/msgaudit/inventory.yaml:7", root) == "inventory.yaml:7"
    assert relative_source("exports/chat.txt:4", root) == "exports/chat.txt:4"
    assert audited_root(["exports/chat.txt"]) is None


def _personal_result() -> AuditResult:
    result = build.build(hostile=False)
    inputs = [i.model_copy(update={"path": f"{ROOT}/{PERSON_CHAT}" if k == 0 else f"{ROOT}/{Path(i.path).name}"})
              for k, i in enumerate(result.inputs)]
    findings = [f.model_copy(update={"source": f"{ROOT}/{PERSON_CHAT}:{k + 2}", "message_id": WAMID})
                for k, f in enumerate(result.findings)]
    return result.model_copy(update={"inputs": inputs, "findings": findings})


@pytest.mark.parametrize("lang", ["en", "it"])
def test_report_shows_no_name_number_id_or_absolute_path(lang: str) -> None:
    result = _personal_result()
    html = render_html(build_view(result, lang, True))
    for leak in ("Carla Neri", "Neri.txt", WAMID, WAMID[:20], "/home/", "dott.ssa.verdi", "Documenti"):
        assert leak not in html, leak
    assert "Chat WhatsApp con C. N.txt" in html and short_id(WAMID) in html
    unmasked = render_html(build_view(result, lang, False))
    assert PERSON_CHAT in unmasked and WAMID in unmasked
    assert "/home/" not in unmasked and "dott.ssa.verdi" not in unmasked


def test_machine_files_hash_ids_and_mask_chat_names_unless_no_mask() -> None:
    result = _personal_result()
    masked = json.loads(findings_json(result, mask=True))["findings"]
    assert {f["message_id"] for f in masked} == {short_id(WAMID)}
    assert not [f for f in masked if "Carla Neri" in f["source"]]
    assert "Carla Neri" not in findings_csv(result, mask=True) and WAMID not in findings_csv(result, mask=True)
    plain = json.loads(findings_json(result, mask=False))["findings"]
    assert {f["message_id"] for f in plain} == {WAMID}  # joinable with ground_truth.csv only unmasked
    assert all(PERSON_CHAT in f["source"] for f in plain)
