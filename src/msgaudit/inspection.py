"""What `msgaudit inspect` prints: how each input was read, in words or as JSON."""

from __future__ import annotations

from typing import Any

from msgaudit.ingest import InputReport


def reports_as_json(reports: list[InputReport]) -> list[dict[str, Any]]:
    out = []
    for r in reports:
        item = r.model_dump(mode="json")
        item["top_rejection_reasons"] = [
            {"reason": reason, "count": count, "lines": lines} for reason, count, lines in r.top_reasons()
        ]
        out.append(item)
    return out


def render_inspect(reports: list[InputReport]) -> str:
    blocks = []
    for r in reports:
        lines = [r.path]
        enc = f"   encoding {r.encoding}" if r.encoding else ""
        delim = f"   delimiter {_show_delim(r.delimiter)}" if r.delimiter else ""
        lines.append(f"  format    {r.format}{enc}{delim}")
        lines.append(f"  rows      {r.rows_read} read · {r.rows_accepted} accepted · {r.rows_rejected} rejected")
        if r.first_timestamp and r.last_timestamp:
            lines.append(f"  period    {r.first_timestamp:%Y-%m-%d %H:%M} → {r.last_timestamp:%Y-%m-%d %H:%M} UTC")
        for reason, count, where in r.top_reasons():
            shown = ", ".join(str(n) for n in where) + (" …" if count > len(where) else "")
            lines.append(f"  rejected  {count}× {reason} (line {shown})")
        for note in r.notes:
            lines.append(f"  note      {note}")
        blocks.append("\n".join(lines))
    total_read = sum(r.rows_read for r in reports)
    total_rej = sum(r.rows_rejected for r in reports)
    blocks.append(f"{len(reports)} files · {total_read} rows read · {total_read - total_rej} accepted · {total_rej} rejected")
    return "\n\n".join(blocks)


def _show_delim(d: str) -> str:
    return {"\t": "tab", ";": "';'", ",": "','"}.get(d, repr(d))
