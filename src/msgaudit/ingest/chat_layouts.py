"""Header layouts of WhatsApp chat exports: blocks, their layouts, date orders, wall times.

A chat export is a run of *blocks*: a header line (date, time, maybe an author)
followed by the continuation lines of the same message. One regex over the whole
text finds every block of *any* known layout (`BLOCK`): Android
`12/03/24, 09:00 - `, iOS `[12/03/24, 09:00:00] `, colon-terminated
`13.06.18 21.25.15: `, Finnish `13.6.2018 klo 21.25.15 - `, 12-hour clocks with
`AM`, `a. m.`, `p.m.`, Arabic `ص`/`م` and U+202F before the marker, a trailing
dot `13:34. - `, time first `[14:56:01, 3/18/22] ` (Vietnamese iOS), Arabic
`[٢٧‏/٣‏/٢٠٢٢، ٩:٤١:٣٥ م] ` (Arabic-Indic or Persian digits, U+200F after the
day and month, Arabic comma), Buddhist-era years `3/18/2565 BE` (or a bare
`18/3/2565`: no Gregorian year of a chat is that late) and Japanese era years
`3/18/R4`. It anchors on the line break before a header, so the
regex engine jumps from line break to line break instead of trying every
character.

The *layout* of a block is its shape without the numbers: bracket or dash or
colon shell, date or time first, date separator, calendar (Gregorian, Buddhist
or Japanese era), joiner between date and time, time separator, seconds, 12 or
24 hours. Fields are parsed once per distinct date string and once per distinct
time string (a million messages carry a few thousand dates), then spread back to
blocks through factorized codes. Digits of any script are read as numbers.

A file may mix layouts (two exports pasted together, a line pasted from another
phone, a phone switched to a 12-hour clock). Every header is read in its own
layout; none is glued to the message above it or dropped. The date order is
decided per layout over all of that layout's headers, never per line. Each of
the six orders of day, month and year counts the evidence against it: dates it
makes impossible (31/02, month 13, an era year in the day's place), dates before
2009 (WhatsApp did not exist; this tells `24/03/12` year-first from year-last),
and steps back in time from one message to the next (exports are nearly
chronological). So a date that is impossible in one order is evidence for the
others, and an order that reads every line with nothing against it always beats
one that would reject a line. Fewest wins. Ties go, in turn, to the order that
fits the messages of the already decided layouts around the headers (layouts
whose own headers left one best order are decided first, else the main one);
to the least evidence pooled over all layouts that write dates alike (same
separator and calendar: the one line of a switched clock that cannot be
day-first decides for the other nineteen); to the order that spreads the chat
over fewer years; to the order already chosen for dates written alike; and
to the first of d-m-y, m-d-y, y-m-d, y-d-m, m-y-d, d-y-m. So a file whose first
field exceeds 12 somewhere is day-first, one whose second field does is
month-first, and a file where every order fits equally is day-first — unless
the caller names an order that makes no more dates impossible than the one
chosen. A single mistyped date (31/02) does not flip a file to another order:
it is one piece of evidence against many.
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
_ARABIC_AM, _ARABIC_PM = "\u0635", "\u0645"  # ص (صباحًا) and م (مساءً)
# Japanese era letters: year = base + n, and the day each era began.
_ERAS = {"M": (1867, "1868-01-01"), "T": (1911, "1912-07-30"), "S": (1925, "1926-12-25"),
         "H": (1988, "1989-01-08"), "R": (2018, "2019-05-01")}
# Date fields are digits of any script; the last may be an era year (3/18/R4) or
# carry "BE". Arabic iOS puts U+200F after the day and the month.
_FIELD = r"\d{1,4}"
_LAST_FIELD = rf"(?:\d{{1,4}}(?:{_SP}BE)?|[{''.join(_ERAS)}]\d{{1,2}})"
_DSEP = rf"{_MARK}?[./-]"
_DATE = rf"{_FIELD}{_DSEP}{_FIELD}{_DSEP}{_LAST_FIELD}"
_AMPM = rf"{_SP}*(?:[AaPp]\.?{_SP}?[Mm]\.?|[{_ARABIC_AM}{_ARABIC_PM}])"
_TIME = rf"\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?:{_AMPM})?\.?"
_JOIN = rf"[,\u060c]?{_SP}+(?:klo{_SP}+)?"
_TERM = rf"\]{_SP}?|{_SP}[-–]{_SP}|:{_SP}"
# Time first is written in brackets or before a dash, never before a colon:
# a typed line such as "alle 10:30, 12/03/24: ci vediamo" stays a continuation line.
_TIME_FIRST_END = rf"(?=\]|{_SP}[-–]{_SP})"
_STAMP = rf"{_DATE}{_JOIN}{_TIME}|{_TIME}{_JOIN}{_DATE}{_TIME_FIRST_END}"
HEADER = rf"{_MARK}*\[?{_MARK}*(?:{_STAMP})(?:{_TERM})"

# Groups: shell opening; date, joiner, time (date first) or time, joiner, date
# (time first; the other three are then empty); shell closing, author, the
# marks before the body (iOS flags system and media bodies with U+200E), the
# body's first line, and its continuation lines (every following line that does
# not start a header, each with its leading "\n"; empty for most messages).
BLOCK = re.compile(
    rf"\n{_MARK}*(\[?){_MARK}*(?:({_DATE})({_JOIN})({_TIME})|({_TIME})({_JOIN})({_DATE}){_TIME_FIRST_END})({_TERM}){_MARK}*"
    rf"(?:([^:\n]+):(?: |(?=\n)|\Z))?({_MARK}*)"
    rf"([^\n]*)((?:\n(?!{HEADER})[^\n]*)*)"
)
LINE_HEADER = re.compile(HEADER)

_STRIP = str.maketrans("", "", MARKS)
_DATE_PARTS = re.compile(rf"(\d{{1,4}})([./-])(\d{{1,4}})([./-])(\d{{1,4}}|[{''.join(_ERAS)}]\d{{1,2}})({_SP}BE)?")
_TIME_PARTS = re.compile(
    rf"(\d{{1,2}})([:.])(\d{{2}})(?:([:.])(\d{{2}}))?(?:{_SP}*(?:([AaPp])\.?{_SP}?[Mm]\.?|([{_ARABIC_AM}{_ARABIC_PM}])))?\.?"
)
_DATE_SEPS = ("/", ".", "-")
_TIME_SEPS = (":", ".")
_JOINERS = (", ", " ", " klo ", "\u060c ")
_SHELLS = ("[]", " - ", ": ")
_CALENDARS = ("", "BE", "era")  # Gregorian, Buddhist era (year - 543), Japanese era name and year
_BUDDHIST_OFFSET = 543
# A four-digit year from here on cannot be a Gregorian year of a chat export
# (we read 1970-2200), so it is a Buddhist-era year even without "BE" (Thai locale).
_FIRST_BUDDHIST_YEAR = 1970 + _BUDDHIST_OFFSET

ORDERS = ("dmy", "mdy", "ymd", "ydm", "myd", "dym")
FIRST_WHATSAPP_YEAR = 2009
_NS_PER_S = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_S
_NO_TIME = np.iinfo(np.int64).min


@dataclass
class Blocks:
    """Every header-led block of a chat text, in file order."""

    leading: list[tuple[int, str]]  # non-blank lines before the first header: (line, text)
    frame: pd.DataFrame  # open, date, join, time, term, author, marks, body (object); time_first (bool); line (int)


@dataclass(frozen=True)
class Layout:
    shell: str  # "[]", " - " or ": "
    date_sep: str
    joiner: str
    time_sep: str
    seconds: bool
    twelve_hour: bool
    time_first: bool = False
    calendar: str = ""  # one of `_CALENDARS`
    order: str = "dmy"

    def describe(self) -> str:
        date = self.date_sep.join(self.order)
        if self.calendar == "BE":
            date += " BE"
        elif self.calendar == "era":
            date = date.replace("y", "Gy")  # era letter and year, as in 3/18/R4
        clock = "I" if self.twelve_hour else "H"
        time = self.time_sep.join([clock, "M", "S"] if self.seconds else [clock, "M"])
        if self.twelve_hour:
            time += " p"
        stamp = f"{time}{self.joiner}{date}" if self.time_first else f"{date}{self.joiner}{time}"
        hours = "12h" if self.twelve_hour else "24h"
        if self.shell not in _SHELLS:
            return f"{stamp} with an unmatched bracket, {hours}"
        kind = {"[]": "bracketed", " - ": "dash", ": ": "colon"}[self.shell]
        shown = f"[{stamp}]" if self.shell == "[]" else f"{stamp}{self.shell.rstrip()}"
        return f"{shown} {kind}, {hours}"


@dataclass
class LayoutUse:
    """One layout found in a file: how many headers have it and where the first is."""

    layout: Layout
    headers: int
    first_line: int


@dataclass
class Parsed:
    """The file's layouts (most used first) and the naive wall time of each block (NaT where unreadable)."""

    layouts: list[LayoutUse]
    naive: pd.Series  # datetime64[ns], aligned with the blocks
    problem: pd.Series  # reason a block has no time, else ""
    order_notes: list[str]  # why a date order was chosen when the caller's was overruled


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
    # Time-first headers fill the second date-time triple; most files have none.
    time_first = table[:, 1] == ""
    if time_first.any():
        table[time_first, 1:4] = table[time_first][:, [6, 5, 4]]
    names = ("open", "date", "join", "time")
    frame = pd.DataFrame({name: table[:, i] for i, name in enumerate(names)})
    for i, name in enumerate(("term", "author", "marks", "body"), start=7):
        frame[name] = table[:, i]
    frame["time_first"] = time_first
    # Only messages with continuation lines need their line breaks counted and joined.
    rest = table[:, 11]
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
    """Find each block's layout, pick each layout's date order, and read every block's wall time."""
    date_codes, date_uniques = pd.factorize(frame["date"])
    time_codes, time_uniques = pd.factorize(frame["time"])
    dates = _date_fields(date_uniques)
    times = _time_fields(time_uniques)
    join_codes, join_uniques = pd.factorize(frame["join"])
    open_codes, open_uniques = pd.factorize(frame["open"])
    term_codes, term_uniques = pd.factorize(frame["term"])
    join_kind = np.array([_joiner(j) for j in join_uniques], dtype=np.int64)
    shell_kind = np.array([[_shell(o + t) for t in term_uniques] for o in open_uniques], dtype=np.int64)
    time_first = frame["time_first"].to_numpy(dtype=bool)

    key = ((((dates["sep"][date_codes] * 24 + times["shape"][time_codes]) * len(_JOINERS)
             + join_kind[join_codes]) * (len(_SHELLS) + 1) + shell_kind[open_codes, term_codes]) * 2
           + time_first) * len(_CALENDARS) + dates["calendar"][date_codes]
    keys, first_at, counts = np.unique(key, return_index=True, return_counts=True)
    # Most headers first; among equals, the one that appears first.
    ranked = sorted(range(len(keys)), key=lambda i: (-counts[i], first_at[i]))

    by_order = {order: _day_ns(dates, order) for order in ORDERS}
    wanted = re.sub(r"[^dmy]", "", date_order.lower()) if date_order else None
    lines = frame["line"].to_numpy()
    groups = [np.flatnonzero(key == keys[i]) for i in ranked]
    evidence = [_evidence(dates, by_order, date_codes[rows]) for rows in groups]
    # Layouts that write dates alike (separator, calendar) usually share a date order (a phone
    # switched to a 12-hour clock keeps its dates): their pooled evidence breaks a layout's ties.
    shapes = [(layout.date_sep, layout.calendar) for layout in (_layout_of(int(keys[i])) for i in ranked)]
    pooled = [{order: sum(evidence[h][order][0] for h in range(len(groups)) if shapes[h] == shapes[g])
               for order in ORDERS} for g in range(len(groups))]
    # Layouts whose own headers leave one order with the least evidence are read first; their
    # days then break the ties of the others (if none is decided, the main layout's days do).
    decided = [g for g in range(len(groups)) if _decided(evidence[g])] or [0]
    orders: list[str] = [""] * len(groups)
    notes: dict[int, str] = {}
    anchor = np.full(len(frame), np.nan)
    prior: dict[tuple[str, str], str] = {}  # per date shape, the order of the first layout read
    for g in [*decided, *(g for g in range(len(groups)) if g not in decided)]:
        rows, codes = groups[g], date_codes[groups[g]]
        around = None if g in decided else _around(by_order, codes, rows, anchor)
        orders[g], note = _pick(evidence[g], around, pooled[g], prior.get(shapes[g]), wanted)
        prior.setdefault(shapes[g], orders[g])
        if note:
            notes[g] = note if len(groups) == 1 else f"{note} (headers like line {lines[rows[0]]})"
        if g in decided:
            ns, ok = by_order[orders[g]]
            valid = ok[codes]
            anchor[rows[valid]] = ns[codes][valid] // _NS_PER_DAY

    day_ns = np.zeros(len(frame), dtype=np.int64)
    date_ok = np.zeros(len(frame), dtype=bool)
    order_of = np.empty(len(frame), dtype=object)
    uses: list[LayoutUse] = []
    for g, rows in enumerate(groups):
        codes = date_codes[rows]
        ns, ok = by_order[orders[g]]
        day_ns[rows], date_ok[rows], order_of[rows] = ns[codes], ok[codes], "/".join(orders[g])
        layout = replace(_layout_of(int(keys[ranked[g]])), order=orders[g])
        uses.append(LayoutUse(layout=layout, headers=len(rows), first_line=int(lines[rows[0]])))

    secs = times["seconds"][time_codes]
    readable = date_ok & (secs >= 0)
    naive_ns = np.where(readable, day_ns + secs * _NS_PER_S, _NO_TIME)
    naive = pd.Series(naive_ns.view("datetime64[ns]"), index=frame.index)

    problem = np.full(len(frame), "", dtype=object)
    bad_date = ~date_ok
    bad_time = date_ok & (secs < 0)
    if bad_date.any():
        shown = np.array([d.translate(_STRIP) for d in date_uniques], dtype=object)
        problem[bad_date] = ("impossible date " + shown[date_codes[bad_date]] + " (read as "
                             + order_of[bad_date] + ")")
    problem[bad_time] = "impossible time " + frame["time"].to_numpy()[bad_time]
    return Parsed(layouts=uses, naive=naive, problem=pd.Series(problem, index=frame.index),
                  order_notes=[notes[g] for g in sorted(notes)])


def _date_fields(uniques: pd.Index) -> dict[str, np.ndarray]:
    """Numbers, digit counts, separator id and calendar of each distinct date string.

    A Japanese era field (R4) is stored as its Gregorian year with width 4, its
    position in `era_at` (-1 if none) and the era's first and last day in ns.
    """
    n = len(uniques)
    fields = np.zeros((n, 3), dtype=np.int64)
    widths = np.zeros((n, 3), dtype=np.int64)
    sep = np.full(n, len(_DATE_SEPS), dtype=np.int64)  # inconsistent separators get their own id
    calendar = np.zeros(n, dtype=np.int64)
    era_at = np.full(n, -1, dtype=np.int64)
    era_from = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    era_until = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    for i, text in enumerate(uniques):
        m = _DATE_PARTS.fullmatch(text.translate(_STRIP))
        if m is None:
            continue
        for j, part in enumerate((m.group(1), m.group(3), m.group(5))):
            if part[0] in _ERAS:
                if era_at[i] >= 0:
                    sep[i] = len(_DATE_SEPS)  # two era years in one date: no layout
                era_at[i] = j
                fields[i, j], widths[i, j] = _ERAS[part[0]][0] + int(part[1:]), 4
                era_from[i], era_until[i] = _era_span(part[0])
            else:
                fields[i, j], widths[i, j] = int(part), len(part)
        if m.group(2) == m.group(4):
            sep[i] = _DATE_SEPS.index(m.group(2))
        buddhist = m.group(6) or any(w == 4 and f >= _FIRST_BUDDHIST_YEAR for f, w in zip(fields[i], widths[i]))
        calendar[i] = 2 if era_at[i] >= 0 else 1 if buddhist else 0
    return {"fields": fields, "widths": widths, "sep": sep, "calendar": calendar,
            "era_at": era_at, "era_from": era_from, "era_until": era_until}


def _era_span(letter: str) -> tuple[int, int]:
    """First and last day (ns since the epoch) of a Japanese era; the current era has no end."""
    letters = list(_ERAS)
    start = pd.Timestamp(_ERAS[letter][1]).value
    at = letters.index(letter)
    until = (pd.Timestamp(_ERAS[letters[at + 1]][1]).value - _NS_PER_DAY if at + 1 < len(letters)
             else np.iinfo(np.int64).max)
    return start, until


def _time_fields(uniques: pd.Index) -> dict[str, np.ndarray]:
    """Seconds after midnight (-1 if impossible) and a shape id (separator, seconds, 12h)."""
    n = len(uniques)
    seconds = np.full(n, -1, dtype=np.int64)
    shape = np.full(n, 23, dtype=np.int64)
    for i, text in enumerate(uniques):
        m = _TIME_PARTS.fullmatch(text.translate(_STRIP))
        if m is None:
            continue
        hour, sep, minute, sep2, second, latin, arabic = m.groups()
        if sep2 is not None and sep2 != sep:
            continue
        h, mi, s = int(hour), int(minute), int(second or 0)
        marker = latin or arabic
        twelve = marker is not None
        shape[i] = (_TIME_SEPS.index(sep) * 2 + (second is not None)) * 2 + twelve
        if twelve and h <= 12:
            # 12 AM is midnight; some exports write 13:37 p.m., which is already 24-hour.
            h = h % 12 + (12 if marker in ("P", "p", _ARABIC_PM) else 0)
        if h <= 23 and mi <= 59 and s <= 59:
            seconds[i] = (h * 60 + mi) * 60 + s
    return {"seconds": seconds, "shape": shape}


def _joiner(text: str) -> int:
    if "klo" in text:
        return 2
    if text.startswith("\u060c"):
        return 3
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
    key, calendar = divmod(key, len(_CALENDARS))
    key, time_first = divmod(key, 2)
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
        time_first=bool(time_first),
        calendar=_CALENDARS[calendar],
    )


def _ymd(dates: dict[str, np.ndarray], order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fields, widths = dates["fields"], dates["widths"]
    y_at, m_at, d_at = order.index("y"), order.index("m"), order.index("d")
    year = np.where(widths[:, y_at] <= 2, 2000 + fields[:, y_at], fields[:, y_at])
    year = np.where(dates["calendar"] == 1, year - _BUDDHIST_OFFSET, year)
    # An era year read as a day or a month makes the date impossible in that order.
    year = np.where((dates["era_at"] >= 0) & (dates["era_at"] != y_at), 0, year)
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
    # R1/4/30 is not a date: Heisei still ran that day.
    ok &= (values >= dates["era_from"]) & (values <= dates["era_until"])
    return values, ok


def _evidence(dates: dict[str, np.ndarray], by_order: dict[str, tuple[np.ndarray, np.ndarray]],
              codes: np.ndarray) -> dict[str, tuple[int, int, int]]:
    """Per order, for one layout's headers (`codes` into the distinct dates): evidence against it,
    impossible dates, and the number of distinct years."""
    out: dict[str, tuple[int, int, int]] = {}
    for order in ORDERS:
        all_ns, all_ok = by_order[order]
        day_ns, valid = all_ns[codes], all_ok[codes]
        year = _ymd(dates, order)[0][codes]
        impossible = int((~valid).sum())
        early = int((valid & (year < FIRST_WHATSAPP_YEAR)).sum())
        steps_back = int((np.diff(day_ns[valid]) < 0).sum())
        out[order] = (impossible + early + steps_back, impossible, len(np.unique(year[valid])))
    return out


def _decided(evidence: dict[str, tuple[int, int, int]]) -> bool:
    against = [evidence[order][0] for order in ORDERS]
    return against.count(min(against)) == 1


def _around(by_order: dict[str, tuple[np.ndarray, np.ndarray]], codes: np.ndarray, rows: np.ndarray,
            anchor: np.ndarray) -> dict[str, int]:
    """Per order, how many of a layout's headers fall before the decided message above them or after
    the one below (`anchor`: days of the decided layouts' headers, NaN elsewhere)."""
    days = pd.Series(anchor)
    before, after = days.ffill().to_numpy()[rows], days.bfill().to_numpy()[rows]
    out: dict[str, int] = {}
    for order in ORDERS:
        all_ns, all_ok = by_order[order]
        day, valid = all_ns[codes] // _NS_PER_DAY, all_ok[codes]
        out[order] = int((valid & (day < before)).sum() + (valid & (day > after)).sum())
    return out


def _pick(evidence: dict[str, tuple[int, int, int]], around: dict[str, int] | None, pooled: dict[str, int],
          prior: str | None, wanted: str | None) -> tuple[str, str]:
    """Least evidence; then, as tie-breaks, fewest headers out of step with the decided messages
    around them (a pasted line sits among its neighbours); least evidence pooled over the layouts
    that write dates alike; fewer years; the order of the first layout read that writes dates
    alike; the first of `ORDERS`."""
    def score(rank_order: tuple[int, str]) -> tuple[int, int, int, int, bool, int]:
        rank, order = rank_order
        return (evidence[order][0], around[order] if around else 0, pooled[order], evidence[order][2],
                order != prior, rank)

    best = min(enumerate(ORDERS), key=score)[1]
    if wanted is None:
        return best, ""
    if wanted in evidence and evidence[wanted][1] <= evidence[best][1]:
        return wanted, ""
    return best, (f"date order {wanted!r} was asked for but the file's dates rule it out; "
                  f"read as {'/'.join(best)}")
