"""The HTML report: one self-contained file (inline CSS and SVG) rendered from the view-model."""

from __future__ import annotations

from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from msgaudit.report.i18n import Lang
from msgaudit.report.textcap import finalizer
from msgaudit.report.viewmodel import ReportView


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("msgaudit.report", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> str:
    return resources.files("msgaudit.report").joinpath("static", "report.css").read_text(encoding="utf-8")


def render_html(view: ReportView) -> str:
    lang = Lang(view.lang)
    # A fresh overlay per render: translations are per report, the parsed templates are shared.
    env = _environment().overlay(finalize=finalizer(lang))
    env.install_gettext_callables(lang.gettext, lang.ngettext, newstyle=True)  # type: ignore[attr-defined]
    template = env.get_template("report.html")
    return template.render(v=view, css=stylesheet())
