"""What `msgaudit inspect` prints: how each input was read, in words or as JSON.

Besides the accounting of each file, it shows who writes most in each chat, so
a user whose chat export has no declared business author sees what to pass to
`--business`, and every file in the input folders that was skipped, with why.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel

from msgaudit.ingest import InputReport, Skipped
from msgaudit.ingest.base import counted
from msgaudit.loading import Loaded

TOP_AUTHORS = 5
# One author writing more than this share of a chat's messages is most likely the business.
MAJORITY = 0.5
# Only a chat export leaves it to the user to say which author is the business; logs carry the direction.
AUTHORED_FORMATS = {"whatsapp-chat"}


class AuthorShare(BaseModel):
    author: str
    messages: int
    share: float


class Authors(BaseModel):
    top: list[AuthorShare]
    business_declared: bool  # the file has messages the business sent
    suggest_business: str | None = None  # the author to pass to --business, when one writes most


def authors_by_file(messages: pd.DataFrame, paths: list[str]) -> dict[str, Authors]:
    """Per input file in `paths`, the most frequent authors of its non-system messages."""
    people = messages[messages["kind"].ne("system")]
    if people.empty:
        return {}
    outbound = people["direction"].eq("outbound")
    author = people["counterpart_name"].where(people["counterpart_name"].notna(), people["counterpart"])
    author = author.where(~outbound, people["business_account"].fillna("(the business)"))
    # A source is `file:line`, or `archive!member:line` for a chat read from a zip.
    where = people["source"].str.rsplit(":", n=1).str[0]
    file = where.map({p: p for p in paths})
    in_archive = file.isna() & where.str.contains("!", regex=False)
    file = file.where(~in_archive, where.str.rsplit("!", n=1).str[0])
    frame = pd.DataFrame({"file": file, "author": author, "outbound": outbound}).dropna(subset=["file", "author"])
    out: dict[str, Authors] = {}
    for file, group in frame.groupby("file", sort=True):
        counts = group["author"].value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        total = int(counts.sum())
        top = [AuthorShare(author=str(a), messages=int(n), share=round(n / total, 3))
               for a, n in counts.head(TOP_AUTHORS).items()]
        declared = bool(group["outbound"].any())
        suggest = top[0].author if top and not declared and top[0].share > MAJORITY else None
        out[str(file)] = Authors(top=top, business_declared=declared, suggest_business=suggest)
    return out


def reports_as_json(loaded: Loaded) -> list[dict[str, Any]]:
    authors = authors_by_file(loaded.tables.messages, [r.path for r in loaded.inputs])
    out = []
    for r in loaded.inputs:
        item = r.model_dump(mode="json")
        item["top_rejection_reasons"] = [
            {"reason": reason, "count": count, "lines": lines} for reason, count, lines in r.top_reasons()
        ]
        item["skipped"] = None
        if r.format in AUTHORED_FORMATS and r.path in authors:
            item["authors"] = authors[r.path].model_dump(mode="json")
        out.append(item)
    out.extend(_skipped_json(s) for s in loaded.skipped)
    return out


def _skipped_json(s: Skipped) -> dict[str, Any]:
    """A skipped file as an item of the list, with the contract's keys and nothing read."""
    return {"path": s.path, "sha256": None, "format": "skipped", "encoding": None, "delimiter": None,
            "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0, "rejections": [], "first_timestamp": None,
            "last_timestamp": None, "notes": [], "top_rejection_reasons": [],
            "skipped": {"kind": s.kind, "reason": s.reason}}


def render_inspect(loaded: Loaded) -> str:
    reports: list[InputReport] = loaded.inputs
    authors = authors_by_file(loaded.tables.messages, [r.path for r in loaded.inputs])
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
        if r.format in AUTHORED_FORMATS and r.path in authors:
            lines.extend(_author_lines(authors[r.path]))
        blocks.append("\n".join(lines))
    if loaded.skipped:
        blocks.append("\n".join(["skipped (not read)", *(f"  {s.path}: {s.reason}" for s in loaded.skipped)]))
    total_read = sum(r.rows_read for r in reports)
    total_rej = sum(r.rows_rejected for r in reports)
    skipped = f" · {len(loaded.skipped)} skipped" if loaded.skipped else ""
    blocks.append(f"{counted(len(reports), 'file', 'files')}{skipped} · {counted(total_read, 'row', 'rows')} read · {total_read - total_rej} accepted · "
                  f"{total_rej} rejected")
    return "\n\n".join(blocks)


def _author_lines(a: Authors) -> list[str]:
    shown = " · ".join(f"{x.author} {x.share:.0%}" for x in a.top)
    lines = [f"  authors   {shown}"]
    if a.suggest_business:
        lines.append(f"  business  none declared; {a.suggest_business} writes {a.top[0].share:.0%} of the messages: "
                     f"if they write for the organisation, pass --business {_quoted(a.suggest_business)}")
    elif not a.business_declared:
        lines.append("  business  none declared: pass --business NAME|PHONE for whoever writes for the organisation")
    return lines


def _quoted(text: str) -> str:
    return text if text.replace("+", "").replace("-", "").isalnum() else '"' + text.replace('"', '\\"') + '"'


def _show_delim(d: str) -> str:
    return {"\t": "tab", ";": "';'", ",": "','"}.get(d, repr(d))
