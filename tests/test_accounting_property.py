"""Nothing lost: for generated inputs, rows_read == rows_accepted + rows_rejected, and every row is counted."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msgaudit.ingest import IngestContext, Ingested, read_file

PHONES = st.sampled_from(["+39 333 123 4567", "3471234567", "0039 06 1234567", "abc", "", "3,93331E+11",
                          "+1 212 555 0147", "12", "+33 6 12 34 56 78"])
NAMES = st.text(alphabet=st.characters(whitelist_categories=("L",), whitelist_characters=" 'àèìòùéÈ"), min_size=0, max_size=12)
DATES = st.sampled_from(["12/09/2019", "2024-03-05", "31/02/2020", "", "ieri", "05/13/2021 10:00"])
STATUS = st.sampled_from(["granted", "withdrawn", "concesso", "revocato", "forse", ""])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _cell(value: str, delim: str) -> str:
    if any(ch in value for ch in (delim, '"', "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


@SETTINGS
@given(rows=st.lists(st.tuples(NAMES, NAMES, PHONES, DATES), max_size=30), delim=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_contacts_table_accounts_for_every_row(tmp_path_factory, rows, delim, encoding) -> None:
    lines = [delim.join(["Nome", "Cognome", "Cellulare", "Data consenso"])]
    lines += [delim.join(_cell(v, delim) for v in row) for row in rows]
    path = tmp_path_factory.mktemp("c") / "soci.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding, errors="replace"))
    got = read_file(path, IngestContext(), "contacts-table")
    rep = got.report
    non_blank = sum(1 for row in rows if any(v.strip() for v in row))
    assert rep.rows_read == non_blank
    _accounted(got, "contacts")
    assert all(r.line >= 2 for r in rep.rejections)


@SETTINGS
@given(rows=st.lists(st.tuples(PHONES, STATUS, DATES), max_size=30))
def test_consent_ledger_accounts_for_every_row(tmp_path_factory, rows) -> None:
    lines = ["phone,purpose,channel,status,timestamp,evidence"]
    lines += [",".join([_cell(p, ","), "marketing", "whatsapp", s, _cell(d, ","), "form"]) for p, s, d in rows]
    path = tmp_path_factory.mktemp("l") / "consents.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = read_file(path, IngestContext(), "consent-ledger")
    assert got.report.rows_read == len(rows)
    _accounted(got, "consent_events")


def _accounted(got: Ingested, table: str) -> None:
    """Each accepted row is one row of its table, and each rejected row has its own line and reason."""
    rep = got.report
    assert len(got.tables.get(table, [])) == rep.rows_accepted
    assert len({r.line for r in rep.rejections}) == rep.rows_rejected
    assert all(r.reason.strip() for r in rep.rejections)


BODY_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@SETTINGS
@given(messages=st.lists(st.tuples(st.sampled_from(["Anna Rossi", "Mario", "+39 333 123 4567"]),
                                   st.lists(BODY_LINE, min_size=1, max_size=4)), min_size=1, max_size=25))
def test_chat_export_counts_messages_not_lines(tmp_path_factory, messages) -> None:
    out = []
    for i, (author, body) in enumerate(messages):
        # Continuation lines that look like headers would be real headers; keep them plain text.
        safe = [b.replace("/", " ").replace("[", " ") for b in body]
        out.append(f"1{i % 9}/03/24, 10:{i % 60:02d} - {author}: " + "\n".join(safe))
    path: Path = tmp_path_factory.mktemp("w") / "chat.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    got = read_file(path, IngestContext(), "whatsapp-chat")
    _accounted(got, "messages")
    assert got.report.rows_accepted == len(messages)
