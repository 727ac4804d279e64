"""Header layouts of WhatsApp chat exports: blocks, the file's layout, its date order, wall times.

A chat export is a run of *blocks*: a header line (date, time, maybe an author)
followed by the continuation lines of the same message. One regex over the whole
text finds every block of *any* known layout (`BLOCK`): Android
`12/03/24, 09:00 - `, iOS `[12/03/24, 09:00:00] `, colon-terminated
`13.06.18 21.25.15: `, Finnish `13.6.2018 klo 21.25.15 - `, 12-hour clocks with
`AM`, `a. m.`, `p.m.` and U+202F before the marker, a trailing dot `13:34. - `.
It anchors on the line break before a header, so the regex engine jumps from
line break to line break instead of trying every character.

The *layout* of a block is its shape without the numbers: bracket or dash or
colon shell, date separator, comma or `klo` between date and time, time
separator, seconds, 12 or 24 hours. Fields are parsed once per distinct date
string and once per distinct time string (a million messages carry a few
thousand dates), then spread back to blocks through factorized codes.

The date order is decided from the whole file, not per line. Each of the six
orders of day, month and year counts the evidence against it: dates it makes
impossible (31/02, month 13), dates before 2009 (WhatsApp did not exist; this
tells `24/03/12` year-first from year-last), and steps back in time from one
message to the next (exports are nearly chronological). Fewest wins; then the
order that spreads the chat over fewer years; then the first of d-m-y, m-d-y,
y-m-d, y-d-m, m-y-d, d-y-m. So a file whose first field exceeds 12 somewhere
is day-first, one whose second field does is month-first, and a file where
every order fits equally is day-first — unless the caller names an order that
makes no more dates impossible than the one chosen. A single mistyped date
(31/02) does not flip a file to another order: it is one piece of evidence
against many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from msgaudit.ingest.gcpause import gc_paused

# Bidirectional and zero-width marks phones put around headers, names and bodies.
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u200b\ufeff"
_MARK = "[\u200e\u200f\u202a-\u202e\u200b\ufeff]"
_SP = "[ \t\u202f\u00a0]"  # U+202F comes before AM/PM in recent exports
_DATE = r"\d{1,4}[./-]\d{1,4}[./-]\d{1,4}"
_TIME = rf"\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?:{_SP}*[AaPp]\.?{_SP}?[Mm]\.?)?\.?"
_JOIN = rf",?{_SP}+(?:klo{_SP}+)?"
_TERM = rf"\]{_SP}?|{_SP}[-–]{_SP}|:{_SP}"
HEADER = rf"{_MARK}*\[?{_MARK}*{_DATE}{_JOIN}{_TIME}(?:{_TERM})"

# Groups: shell opening, date, joiner, time, shell closing, author, the marks
# before the body (iOS flags system and media bodies with U+200E), the body's
# first line, and its continuation lines (every following line that does not
# start a header, each with its leading "\n"; empty for most messages).
BLOCK = re.compile(
    rf"\n{_MARK}*(\[?){_MARK}*({_DATE})({_JOIN})({_TIME})({_TERM}){_MARK}*"
    rf"(?:([^:\n]+):(?: |(?=\n)|\Z))?({_MARK}*)"
    rf"([^\n]*)((?:\n(?!{HEADER})[^\n]*)*)"
)
LINE_HEADER = re.compile(HEADER)

_DATE_PARTS = re.compile(r"(\d{1,4})([./-])(\d{1,4})([./-])(\d{1,4})")
_TIME_PARTS = re.compile(
    rf"(\d{{1,2}})([:.])(\d{{2}})(?:([:.])(\d{{2}}))?(?:{_SP}*([AaPp])\.?{_SP}?[Mm]\.?)?\.?"
)
_DATE_SEPS = ("/", ".", "-")
_TIME_SEPS = (":", ".")
_JOINERS = (", ", " ", " klo ")
_SHELLS = ("[]", " - ", ": ")

ORDERS = ("dmy", "mdy", "ymd", "ydm", "myd", "dym")
FIRST_WHATSAPP_YEAR = 2009
_NS_PER_S = 1_000_000_000


@dataclass
class Blocks:
    """Every header-led block of a chat text, in file order."""

    leading: list[tuple[int, str]]  # non-blank lines before the first header: (line, text)
    frame: pd.DataFrame  # open, date, join, time, term, author, marks, body (object); line (int)


@dataclass(frozen=True)
class Layout:
    shell: str  # "[]", " - " or ": "
    date_sep: str
    joiner: str
    time_sep: str
    seconds: bool
    twelve_hour: bool
    order: str = "dmy"

    def describe(self) -> str:
        date = self.date_sep.join(self.order)
        clock = "I" if self.twelve_hour else "H"
        time = self.time_sep.join([clock, "M", "S"] if self.seconds else [clock, "M"])
        if self.twelve_hour:
            time += " p"
        stamp = f"{date}{self.joiner}{time}"
        if self.shell not in _SHELLS:
            return f"{stamp} with an unmatched bracket, {'12h' if self.twelve_hour else '24h'}"
        kind = {"[]": "bracketed", " - ": "dash", ": ": "colon"}[self.shell]
        shown = f"[{stamp}]" if self.shell == "[]" else f"{stamp}{self.shell.rstrip()}"
        return f"{shown} {kind}, {'12h' if self.twelve_hour else '24h'}"


@dataclass
class Parsed:
    """The file's layout and the naive wall time of each block (NaT where unreadable)."""

    layout: Layout
    in_layout: np.ndarray  # bool per block: the block has the file's layout
    naive: pd.Series  # datetime64[ns], aligned with the blocks
    problem: pd.Series  # reason a block in the layout has no time, else ""
    order_note: str  # why the date order was chosen when the caller's was overruled, else ""


def split_blocks(text: str) -> Blocks:
    """Cut `text` (line breaks already `\\n`) into header-led blocks with their first line number."""
    padded = "\n" + text
    first = BLOCK.search(padded)
    if first is None:
        return Blocks(leading=_leading(padded[1:], 1), frame=pd.DataFrame())
    start = first.start()
    first_line = padded.count("\n", 0, start + 1)
    with gc_paused():
        table = np.array(BLOCK.findall(padded, start), dtype=object)
    names = ("open", "date", "join", "time", "term", "author", "marks", "body")
    frame = pd.DataFrame({name: table[:, i] for i, name in enumerate(names)})
    # Only messages with continuation lines need their line breaks counted and joined.
    rest = table[:, 8]
    multi = rest != ""
    breaks = np.zeros(len(frame), dtype=np.int64)
    if multi.any():
        more = pd.Series(rest[multi], dtype=object)
        breaks[multi] = more.str.count("\n").to_numpy()
        frame.loc[multi, "body"] = frame.loc[multi, "body"] + more.str.rstrip("\n").to_numpy()
    lines = np.empty(len(frame), dtype=np.int64)
    lines[0] = first_line
    np.cumsum(breaks[:-1] + 1, out=lines[1:])
    lines[1:] += first_line
    frame["line"] = lines
    return Blocks(leading=_leading(padded[1:start], 1), frame=frame)


def _leading(text: str, first_line: int) -> list[tuple[int, str]]:
    if not text:
        return []
    return [(first_line + i, line) for i, line in enumerate(text.split("\n")) if line.strip(MARKS + " \t")]


def looks_like_chat(head: str, lines: int = 10) -> bool:
    """The first non-blank lines of `head` include a message header."""
    seen = [ln for ln in head.replace("\r\n", "\n").replace("\r", "\n").split("\n") if ln.strip()][:lines]
    return any(LINE_HEADER.match(ln) for ln in seen)


def parse(frame: pd.DataFrame, date_order: str | None = None) -> Parsed:
    """Find the dominant layout, pick the date order, and read every block's wall time."""
    date_codes, date_uniques = pd.factorize(frame["date"])
    time_codes, time_uniques = pd.factorize(frame["time"])
    dates = _date_fields(date_uniques)
    times = _time_fields(time_uniques)
    join_codes, join_uniques = pd.factorize(frame["join"])
    open_codes, open_uniques = pd.factorize(frame["open"])
    term_codes, term_uniques = pd.factorize(frame["term"])
    join_kind = np.array([_joiner(j) for j in join_uniques], dtype=np.int64)
    shell_kind = np.array([[_shell(o + t) for t in term_uniques] for o in open_uniques], dtype=np.int64)

    key = (((dates["sep"][date_codes] * 24 + times["shape"][time_codes]) * len(_JOINERS)
            + join_kind[join_codes]) * (len(_SHELLS) + 1) + shell_kind[open_codes, term_codes])
    keys, first_at, counts = np.unique(key, return_index=True, return_counts=True)
    best = np.flatnonzero(counts == counts.max())
    dominant = keys[best[np.argmin(first_at[best])]]
    in_layout = key == dominant

    layout = _layout_of(int(dominant))
    used = date_codes[in_layout]
    order, note = _choose_order(dates, used, date_order)
    layout = replace(layout, order=order)

    day_ns, date_ok = _day_ns(dates, order)
    secs = times["seconds"]
    naive_ns = np.where(date_ok[date_codes] & (secs[time_codes] >= 0),
                        day_ns[date_codes] + secs[time_codes] * _NS_PER_S,
                        np.iinfo(np.int64).min)
    naive = pd.Series(naive_ns.view("datetime64[ns]"), index=frame.index)
    naive[~in_layout] = pd.NaT

    problem = np.full(len(frame), "", dtype=object)
    bad_date = in_layout & ~date_ok[date_codes]
    bad_time = in_layout & date_ok[date_codes] & (secs[time_codes] < 0)
    shown = "/".join(order)
    problem[bad_date] = "impossible date " + frame["date"].to_numpy()[bad_date] + f" (read as {shown})"
    problem[bad_time] = "impossible time " + frame["time"].to_numpy()[bad_time]
    return Parsed(layout=layout, in_layout=in_layout, naive=naive,
                  problem=pd.Series(problem, index=frame.index), order_note=note)


def _date_fields(uniques: pd.Index) -> dict[str, np.ndarray]:
    """Numbers, digit counts and separator id of each distinct date string."""
    n = len(uniques)
    fields = np.zeros((n, 3), dtype=np.int64)
    widths = np.zeros((n, 3), dtype=np.int64)
    sep = np.full(n, len(_DATE_SEPS), dtype=np.int64)  # inconsistent separators get their own id
    for i, text in enumerate(uniques):
        m = _DATE_PARTS.fullmatch(text)
        if m is None:
            continue
        parts = (m.group(1), m.group(3), m.group(5))
        fields[i] = [int(p) for p in parts]
        widths[i] = [len(p) for p in parts]
        if m.group(2) == m.group(4):
            sep[i] = _DATE_SEPS.index(m.group(2))
    return {"fields": fields, "widths": widths, "sep": sep}


def _time_fields(uniques: pd.Index) -> dict[str, np.ndarray]:
    """Seconds after midnight (-1 if impossible) and a shape id (separator, seconds, 12h)."""
    n = len(uniques)
    seconds = np.full(n, -1, dtype=np.int64)
    shape = np.full(n, 23, dtype=np.int64)
    for i, text in enumerate(uniques):
        m = _TIME_PARTS.fullmatch(text)
        if m is None:
            continue
        hour, sep, minute, sep2, second, marker = m.groups()
        if sep2 is not None and sep2 != sep:
            continue
        h, mi, s = int(hour), int(minute), int(second or 0)
        twelve = marker is not None
        shape[i] = (_TIME_SEPS.index(sep) * 2 + (second is not None)) * 2 + twelve
        if twelve and h <= 12:
            # 12 AM is midnight; some exports write 13:37 p.m., which is already 24-hour.
            h = h % 12 + (12 if marker in "Pp" else 0)
        if h <= 23 and mi <= 59 and s <= 59:
            seconds[i] = (h * 60 + mi) * 60 + s
    return {"seconds": seconds, "shape": shape}


def _joiner(text: str) -> int:
    if "klo" in text:
        return 2
    return 0 if text.startswith(",") else 1


def _shell(text: str) -> int:
    opened = text.startswith("[")
    closing = text.lstrip("[").strip(" \t\u202f\u00a0")
    if closing == "]":
        return 0 if opened else len(_SHELLS)
    if opened:
        return len(_SHELLS)  # "[" without "]": not a layout any app writes
    return 2 if closing == ":" else 1


def _layout_of(key: int) -> Layout:
    key, shell = divmod(key, len(_SHELLS) + 1)
    key, joiner = divmod(key, len(_JOINERS))
    date_sep, time_shape = divmod(key, 24)
    time_shape, twelve = divmod(time_shape, 2)
    time_sep, seconds = divmod(time_shape, 2)
    return Layout(
        shell=_SHELLS[shell] if shell < len(_SHELLS) else "?",
        date_sep=_DATE_SEPS[date_sep] if date_sep < len(_DATE_SEPS) else "?",
        joiner=_JOINERS[joiner],
        time_sep=_TIME_SEPS[time_sep] if time_sep < len(_TIME_SEPS) else "?",
        seconds=bool(seconds),
        twelve_hour=bool(twelve),
    )


def _ymd(dates: dict[str, np.ndarray], order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fields, widths = dates["fields"], dates["widths"]
    y_at, m_at, d_at = order.index("y"), order.index("m"), order.index("d")
    year = np.where(widths[:, y_at] <= 2, 2000 + fields[:, y_at], fields[:, y_at])
    return year, fields[:, m_at], fields[:, d_at]


def _day_ns(dates: dict[str, np.ndarray], order: str) -> tuple[np.ndarray, np.ndarray]:
    """Midnight of each distinct date as ns since the epoch, and whether that date exists."""
    year, month, day = _ymd(dates, order)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1970) & (year <= 2200)
    if not len(year):
        return np.zeros(0, dtype=np.int64), ok
    frame = pd.DataFrame({"year": np.where(ok, year, 1970), "month": np.where(ok, month, 1),
                          "day": np.where(ok, day, 1)})
    stamps = pd.to_datetime(frame, errors="coerce")
    ok &= stamps.notna().to_numpy()
    values = stamps.fillna(pd.Timestamp(0)).to_numpy(dtype="datetime64[ns]").view(np.int64)
    return values, ok


def _choose_order(dates: dict[str, np.ndarray], used: np.ndarray, wanted: str | None) -> tuple[str, str]:
    scores: dict[str, tuple[int, int, int]] = {}
    impossible: dict[str, int] = {}
    for rank, order in enumerate(ORDERS):
        all_ns, all_ok = _day_ns(dates, order)
        day_ns, valid = all_ns[used], all_ok[used]
        year = _ymd(dates, order)[0][used]
        impossible[order] = int((~valid).sum())
        early = int((valid & (year < FIRST_WHATSAPP_YEAR)).sum())
        steps_back = int((np.diff(day_ns[valid]) < 0).sum())
        years = len(np.unique(year[valid]))
        scores[order] = (impossible[order] + early + steps_back, years, rank)
    best = min(scores, key=scores.__getitem__)
    if wanted is None:
        return best, ""
    wanted = re.sub(r"[^dmy]", "", wanted.lower())
    if wanted in scores and impossible[wanted] <= impossible[best]:
        return wanted, ""
    return best, (f"date order {wanted!r} was asked for but the file's dates rule it out; "
                  f"read as {'/'.join(best)}")
