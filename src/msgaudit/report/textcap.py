"""Long text cut before it reaches a template: the PDF's layout time grows with the square of an unbroken run.

A hostile or broken export can carry a 100,000-character system name or message
id; WeasyPrint then takes minutes (20,000 characters: 46 s). Every string a
template prints passes through `cap_text` (the environment's `finalize`), so no
field can be forgotten; the full value stays in findings.json and findings.csv.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

from msgaudit.report.i18n import Lang

# The longest unbroken word in the bundled packs is a 116-character law URL; ids and file names are shorter.
MAX_RUN = 160
# The longest text in the bundled packs is a rule description of under 1,000 characters.
MAX_TEXT = 2000
_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN + 1))


def cap_text(value: str, t: Lang) -> str:
    """`value` with every unbroken run over MAX_RUN and the whole over MAX_TEXT cut, saying how long it was."""
    if len(value) <= MAX_RUN:
        return value

    def cut(text: str, keep: int) -> str:
        return text[:keep] + t.gettext("…(%(num)s characters)") % {"num": t.number(len(text))}

    capped = _LONG_RUN.sub(lambda m: cut(m.group(), MAX_RUN), value)
    return cut(capped, MAX_TEXT) if len(capped) > MAX_TEXT else capped


def finalizer(t: Lang) -> Callable[[object], object]:
    """Jinja's `finalize`: plain strings are capped; markup the report built itself (SVG charts) is left alone."""
    def finalize(value: object) -> object:
        if isinstance(value, str) and not isinstance(value, Markup):
            return cap_text(value, t)
        return value

    return finalize
