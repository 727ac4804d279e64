"""The reader's language: translated words, dates and numbers.

The English text in the code and templates is the message id; Italian lives in
`locales/it/LC_MESSAGES/msgaudit.po`, read at run time with Babel (no compile
step, so the .po file in the repository is what ships). A `Lang` remembers
every id it could not translate, so a test can demand that none are missing.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime, timezone, tzinfo
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("en", "it")
DOMAIN = "msgaudit"


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files("msgaudit.report").joinpath("locales", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Lang:
    """Translations and locale formats for one report."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported report language {lang!r}; use one of: {', '.join(LANGUAGES)}")
        self.code = lang
        self.locale = Locale.parse(lang)
        self._t = _catalog(lang)
        self.missing: set[str] = set()

    def gettext(self, message: str) -> str:
        out = self._t.gettext(message)
        # Missing means absent from the catalogue: Italian "no" is spelled like the English.
        if self.code != "en" and out == message and message not in getattr(self._t, "_catalog", {}):
            self.missing.add(message)
        return out

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        out = self._t.ngettext(singular, plural, n)
        if self.code != "en" and out in (singular, plural):
            self.missing.add(singular)
        return out

    def date(self, value: date | datetime | None, fmt: str = "long") -> str:
        if value is None:
            return self.gettext("unknown")
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format=fmt, locale=self.locale)

    def date_time(self, value: datetime | None, zone: tzinfo) -> str:
        """A moment as a reader in `zone` sees it: "16 ott 2021, 09:00 CEST". Naive times are UTC, as in the tables."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        local = value.astimezone(zone)
        day = format_date(local, format="medium", locale=self.locale)
        clock = format_time(local, format="short", tzinfo=zone, locale=self.locale)
        # CLDR's pattern for joining a date and a time: "{1}, {0}" in both languages, but not in every locale.
        joined = str(self.locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)
        return f"{joined} {local.tzname()}"

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        """A share in the reader's form: "100%" / "100 %"; one decimal only when it is not whole."""
        return format_percent(value, "#,##0.#%", locale=self.locale)

    def country(self, code: str) -> str:
        """An ISO 3166 code as the country's name in the reader's language; unknown codes stay as they are."""
        return str(self.locale.territories.get(code.upper(), code))

    def weekdays(self) -> list[str]:
        """Monday first, abbreviated, in the reader's language."""
        names = self.locale.days["format"]["abbreviated"]
        return [names[i] for i in range(7)]
