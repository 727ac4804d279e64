"""contactability.csv: who may be contacted on the audit date, one row per person and channel.

Load it into the sending tool as a suppression list: `do-not-contact` rows get nothing on that channel,
`service-only` and `unknown` rows no marketing. Contacts are masked unless `--no-mask`; cells are
neutralised against formula injection as in findings.csv.
"""

from __future__ import annotations

from msgaudit.findings import AuditResult
from msgaudit.masking import show_contact
from msgaudit.report.machine import csv_text

FILE_NAME = "contactability.csv"
COLUMNS = ("contact", "channel", "status", "reason", "since", "source")


def contactability_csv(result: AuditResult, mask: bool = True) -> str:
    return csv_text(COLUMNS, ((show_contact(row.contact, mask), row.channel, row.status, row.reason,
                               row.since.isoformat() if row.since else "", row.source or "")
                              for row in result.contactability))
