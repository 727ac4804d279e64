"""Reports: HTML and PDF for people, JSON and CSV for machines, all from one `AuditResult`.

    write_reports(result, out_dir, {"html", "pdf", "json", "csv"}, lang="en", mask=True)

The PDF renderer (weasyprint) is imported only when a PDF is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from msgaudit.findings import AuditResult

FORMATS = ("html", "pdf", "json", "csv")
FILE_NAMES = {"html": "report.html", "pdf": "report.pdf", "json": "findings.json", "csv": "findings.csv"}


def _write(path: Path, produce: Callable[[], bytes]) -> Path:
    """Write via a temporary name, so a failure never leaves a half-written report behind."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(produce())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_reports(result: AuditResult, out_dir: Path, formats: set[str] | frozenset[str] = frozenset(FORMATS), *,
                  lang: str = "en", mask: bool = True) -> dict[str, Path]:
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "json" in formats or "csv" in formats:
        from msgaudit.report.machine import findings_csv, findings_json

        if "json" in formats:
            written["json"] = _write(out_dir / FILE_NAMES["json"], lambda: findings_json(result, mask).encode("utf-8"))
        if "csv" in formats:
            written["csv"] = _write(out_dir / FILE_NAMES["csv"], lambda: findings_csv(result, mask).encode("utf-8"))
            from msgaudit.report.contactability import FILE_NAME, contactability_csv

            _write(out_dir / FILE_NAME, lambda: contactability_csv(result, mask).encode("utf-8"))
    if "html" in formats or "pdf" in formats:
        from msgaudit.report.html import render_html
        from msgaudit.report.viewmodel import build_view

        html = render_html(build_view(result.localised(lang), lang, mask))
        if "html" in formats:
            written["html"] = _write(out_dir / FILE_NAMES["html"], lambda: html.encode("utf-8"))
        if "pdf" in formats:
            from msgaudit.report.pdf import render_pdf

            written["pdf"] = _write(out_dir / FILE_NAMES["pdf"], lambda: render_pdf(html, result.as_of))
    return {k: written[k] for k in FORMATS if k in written}
