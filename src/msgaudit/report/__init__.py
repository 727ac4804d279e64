"""Reports: HTML and PDF for people, JSON and CSV for machines, all from one `AuditResult`.

    write_reports(result, out_dir, {"html", "pdf", "json", "csv"}, lang="en", mask=True)

The formats asked for are one set with a `manifest.json` (see `outdir`): staged
privately and moved in together, so an interrupted or concurrent run never
leaves files of two runs side by side. The PDF renderer (weasyprint) is
imported only when a PDF is asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from msgaudit.findings import AuditResult
from msgaudit.report.contactability import FILE_NAME as CONTACTABILITY
from msgaudit.report.contactability import contactability_csv
from msgaudit.report.outdir import ReportDir

FORMATS = ("html", "pdf", "json", "csv")
FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "json": "findings.json", "csv": "findings.csv"}


def write_reports(result: AuditResult, out: Path | ReportDir,
                  formats: set[str] | frozenset[str] = frozenset(FORMATS), *,
                  lang: str = "en", mask: bool = True) -> dict[str, Path]:
    """Write the asked formats as one set; `out` is a folder, or one the caller already claimed."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    if isinstance(out, ReportDir):
        return _write_set(result, out, formats, lang, mask)
    with claim_out(out) as folder:
        return _write_set(result, folder, formats, lang, mask)


def claim_out(out: Path, inputs: Iterable[str | Path] = ()) -> contextlib.AbstractContextManager[ReportDir]:
    """Lock `out` for one report set; refuses a folder whose reports would overwrite one of `inputs`."""
    return ReportDir.claim(out, [*FILE_NAMES.values(), CONTACTABILITY], inputs)


def _write_set(result: AuditResult, folder: ReportDir, formats: set[str] | frozenset[str], lang: str,
               mask: bool) -> dict[str, Path]:
    with folder.staging() as stage:
        if "json" in formats or "csv" in formats:
            from msgaudit.report.machine import findings_csv, findings_json

            if "json" in formats:
                stage.add(FILE_NAMES["json"], findings_json(result, mask).encode("utf-8"))
            if "csv" in formats:
                stage.add(FILE_NAMES["csv"], findings_csv(result, mask).encode("utf-8"))
                stage.add(CONTACTABILITY, contactability_csv(result, mask).encode("utf-8"))
        if "html" in formats or "pdf" in formats:
            from msgaudit.report.html import render_html
            from msgaudit.report.viewmodel import build_view

            html = render_html(build_view(result.localised(lang), lang, mask))
            if "html" in formats:
                stage.add(FILE_NAMES["html"], html.encode("utf-8"))
            if "pdf" in formats:
                from msgaudit.report.pdf import render_pdf

                stage.add(FILE_NAMES["pdf"], render_pdf(html, result.as_of))
        stage.publish({"tool": dict(sorted(result.tool.items())), "as_of": result.as_of.isoformat(),
                                   "lang": lang, "masked": mask})
    return {fmt: folder.path / FILE_NAMES[fmt] for fmt in FORMATS if fmt in formats}
