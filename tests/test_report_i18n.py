"""Every user-visible word goes through the catalogue, and Italian has all of them."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from msgaudit.law.models import MECHANISM_NAMES
from msgaudit.report.i18n import Lang
from msgaudit.report.viewmodel import _Builder, missing_translations

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

REPORT = Path(str(resources.files("msgaudit.report")))


def _extracted() -> set[str | tuple[str, str]]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    return {msg for _f, _l, msg, _c, _x in extract_from_dir(str(REPORT), method_map, keywords=keywords)}


def test_every_message_in_code_and_templates_has_an_italian_translation() -> None:
    with (REPORT / "locales/it/LC_MESSAGES/msgaudit.po").open("rb") as fh:
        catalog = read_po(fh, locale="it")
    translated = {m.id: m.string for m in catalog if m.id}
    ids = _extracted()
    assert len(ids) > 150
    missing = [i for i in ids if i not in translated]
    assert missing == []
    empty = [k for k, v in translated.items() if not v or (isinstance(v, tuple) and not all(v))]
    assert empty == []
    stale = [k for k in translated if k not in ids]
    assert stale == []


def test_building_the_italian_view_needs_no_missing_message() -> None:
    assert missing_translations(build.build(), "it") == set()


def test_every_transfer_mechanism_has_a_label_in_each_language() -> None:
    result = build.build()
    for lang in ("en", "it"):
        builder = _Builder(result, lang, True)
        for mechanism in MECHANISM_NAMES:
            label, short = builder.mechanism_label(mechanism), builder.mechanism_short(mechanism)
            assert label != mechanism and short != mechanism, (lang, mechanism)
        assert not builder.t.missing, lang
    it = _Builder(result, "it", True)
    assert it.mechanism_label("scc-2004") == "Clausole contrattuali tipo (2004)"
    assert it.mechanism_short("scc-2001") == "Clausole tipo 2001"


def test_locale_formats() -> None:
    it, en = Lang("it"), Lang("en")
    assert it.date(date(2026, 11, 25)) == "25 novembre 2026"
    assert en.date(date(2026, 11, 25)) == "November 25, 2026"
    assert it.number(1234) == "1.234" and en.number(1234) == "1,234"
    assert it.ngettext("%(num)s finding", "%(num)s findings", 1) % {"num": "1"} == "1 rilievo"
    assert it.ngettext("%(num)s finding", "%(num)s findings", 3) % {"num": "3"} == "3 rilievi"
    assert it.weekdays()[0] == "lun" and en.weekdays()[6] == "Sun"
    rome, moment = ZoneInfo("Europe/Rome"), datetime(2021, 10, 16, 7, 0, tzinfo=UTC)
    assert it.date_time(moment, rome) == "16 ott 2021, 09:00 CEST"
    assert en.date_time(moment, rome) == "Oct 16, 2021, 9:00\u202fAM CEST"
    assert it.date_time(datetime(2021, 12, 1, 7, 0), rome) == "1 dic 2021, 08:00 CET"  # naive times are UTC
    assert it.date_time(None, rome) == ""


def test_unknown_language_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="fr"):
        Lang("fr")
