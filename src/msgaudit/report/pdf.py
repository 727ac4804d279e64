"""The PDF report: weasyprint over the same HTML, with a URL fetcher that reaches nothing outside the package.

weasyprint is imported here only, so importing msgaudit (and `--help`) stays fast.
"""

from __future__ import annotations

import logging

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(Exception):
    """The report tried to load something from outside the package."""


class PackageOnlyFetcher(URLFetcher):
    """Serves `data:` URLs and files in the report's static folder; refuses and records everything else.

    `fail_on_errors` makes a refusal stop the render instead of becoming a
    warning and a missing image, so a hostile input cannot go unnoticed.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)
        self.static = Path(str(resources.files("msgaudit.report").joinpath("static"))).resolve()
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if path.is_relative_to(self.static) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes())
        self.refused.append(url)
        raise RefusedURL(f"the report may not load {url!r}: only data: URLs and files of the report package")


@contextlib.contextmanager
def _source_date(as_of: date) -> Iterator[None]:
    """Font subsets carry a 'modified' time: pin it (reproducible-builds SOURCE_DATE_EPOCH) to the as-of date.

    An epoch the caller already set wins, as the reproducible-builds spec asks.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


def render_pdf(html: str, as_of: date, fetcher: PackageOnlyFetcher | None = None) -> bytes:
    """The same bytes for the same HTML and as-of date: fixed identifier, font timestamps and metadata dates."""
    fetcher = fetcher or PackageOnlyFetcher()
    static = Path(str(resources.files("msgaudit.report").joinpath("static")))
    # The phone-width rules are screen-only; WeasyPrint renders print and warns about every media
    # feature it skips, which would bury real problems in the audit's output.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=static.as_uri() + "/", url_fetcher=fetcher)
    with _source_date(as_of):
        # PDF/UA-1: tagged structure, document language and title, so screen readers can read the signed copy.
        return document.write_pdf(pdf_identifier=b"msgaudit-report", pdf_variant="pdf/ua-1")
