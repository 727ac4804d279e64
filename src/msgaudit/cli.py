"""The msgaudit command line: thin commands over plain functions.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 bad usage or unreadable input (one line naming the file), 3 incomplete: a rule
family could not be evaluated for lack of an input (no inventory, no message
sent by the business, no contact list), unless --allow-incomplete.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from msgaudit import __version__
from msgaudit.cli_rules import rules_group
from msgaudit.errors import InputError, MsgauditError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3


_DATE_ORDER = click.option(
    "--date-order", type=click.Choice(["dmy", "mdy", "ymd", "ydm", "myd", "dym"]),
    help="Order of day, month and year in dates that could be read either way (default: decided from the whole file).")


def _folder_options(f):
    f = click.option("--strict", is_flag=True,
                     help="Any file skipped in a folder (unknown, binary, unreadable, an earlier report) is an error.")(f)
    f = click.option("--exclude", multiple=True, metavar="GLOB",
                     help="Leave out files whose name or path inside the folder matches (repeatable), e.g. '*.jpg'.")(f)
    return f


def _common_input_options(f):
    f = click.option("--format", "fmt", metavar="NAME", help="Skip detection and read every PATH as this format.")(f)
    f = click.option("--tz", metavar="ZONE", help="Zone of times without one (chat exports); default from the inventory or Europe/Rome.")(f)
    f = click.option("--default-region", metavar="CC", help="Region for numbers written without +; default from the inventory or IT.")(f)
    f = click.option("--business", multiple=True, metavar="NAME|PHONE", help="An author or number that speaks for the business (repeatable).")(f)
    f = click.option("--inventory", type=click.Path(dir_okay=False), help="The inventory YAML (systems, storage, transfers).")(f)
    f = click.option("--mapping", type=click.Path(dir_okay=False), help='YAML of unusual column headers and the field each holds, e.g. columns: {"Num. cell.": phone, "Ok promo": consent:marketing:whatsapp, "Data firma": consent_date} (README: "Column mapping").')(f)
    f = _DATE_ORDER(f)
    return f


def _load(paths, fmt, tz, default_region, business, inventory, mapping, date_order, exclude, strict):
    from msgaudit.loading import load
    from msgaudit.mapping import load_mapping

    return load(list(paths), inventory=inventory, fmt=fmt, tz=tz, default_region=default_region,
                business=tuple(business), mapping=load_mapping(mapping) if mapping else None, date_order=date_order,
                exclude=tuple(exclude), strict=strict)


class _LazyGroup(click.Group):
    """Commands whose modules pull in numpy and pandas are imported only when run, so --help stays instant."""

    lazy = {"simulate": ("msgaudit.simulate.command", "simulate_command")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="msgaudit")
def cli() -> None:
    """Audit business messaging exports for privacy compliance."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per input file.")
@_common_input_options
@_folder_options
def inspect(paths, as_json, fmt, tz, default_region, business, inventory, mapping, date_order, exclude,
            strict) -> None:
    """Show how each input file is read: format, encoding, rows, rejections, period, a chat's top authors."""
    from msgaudit.inspection import render_inspect, reports_as_json

    loaded = _load(paths, fmt, tz, default_region, business, inventory, mapping, date_order, exclude, strict)
    if as_json:
        # \u escapes keep every name intact on a terminal or pipe that cannot show it.
        click.echo(json.dumps(reports_as_json(loaded), indent=2, ensure_ascii=not _utf8_stdout()))
    else:
        click.echo(render_inspect(loaded))


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), default="reports/demo", show_default=True)
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True)
@click.option("--as-of", default="2026-11-25", show_default=True, metavar="YYYY-MM-DD",
              help="Audit date; fixed so the demo's reports are reproducible.")
def demo(out, lang, as_of) -> None:
    """Audit the bundled sample exports (one audit per folder) and write every report format."""
    from msgaudit.paths import bundled_dir

    root = bundled_dir("sample_exports")
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        click.echo(f"== {folder.name}")
        _run_audit([str(folder)], str(Path(out) / folder.name), "html,pdf,json,csv", "none", as_of, lang, False, (),
                   None, fmt=None, tz=None, default_region=None, business=(), inventory=None, mapping=None,
                   date_order=None, exclude=(), strict=False, allow_incomplete=True)
        click.echo("")


def _parse_formats(value: str) -> set[str]:
    chosen = {v.strip().lower() for v in value.split(",") if v.strip()}
    unknown = chosen - {"html", "pdf", "json", "csv"}
    if unknown or not chosen:
        raise click.BadParameter(f"unknown format(s) {', '.join(sorted(unknown)) or '(none)'}; use html,pdf,json,csv")
    return chosen


def _pdf_problem() -> str | None:
    """Why the PDF cannot be rendered here (WeasyPrint cannot load Pango), or None."""
    import contextlib
    import io

    # WeasyPrint prints a banner of its own before raising; the user gets our one line instead.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import msgaudit.report.pdf  # noqa: F401  (weasyprint loads Pango's libraries on import)
    except (OSError, ImportError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


PANGO_HINT = ("install Pango (Debian/Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango; "
              "Windows: see the README), or leave pdf out of --format")


def _utf8_stdout() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") in {"utf8", "utf8sig"}


def _run_audit(paths, out, formats, fail_on, as_of, lang, no_mask, rules, waivers, **inputs) -> int:
    from datetime import date

    from msgaudit.api import AuditOptions, audit, exit_code
    from msgaudit.mapping import load_mapping
    from msgaudit.summary_text import render_summary

    try:
        as_of_date = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date; use YYYY-MM-DD", param_hint="--as-of") from None
    opts = AuditOptions(
        rules=list(rules), inventory=inputs["inventory"], as_of=as_of_date, fail_on=None if fail_on == "none" else fail_on,
        mask=not no_mask, waivers=waivers, tz=inputs["tz"], default_region=inputs["default_region"],
        business=tuple(inputs["business"]), fmt=inputs["fmt"],
        mapping=load_mapping(inputs["mapping"]) if inputs["mapping"] else None, date_order=inputs["date_order"],
        exclude=tuple(inputs["exclude"]), strict=inputs["strict"],
    )
    chosen = _parse_formats(formats)
    problem = _pdf_problem() if "pdf" in chosen else None
    if problem:
        chosen.discard("pdf")
    from msgaudit.report import claim_out, write_reports

    read = [*paths, *rules, *(p for p in (inputs["inventory"], inputs["mapping"], waivers) if p)]
    # Claimed before the audit, so a second run into the same folder stops at once, not after the work.
    with claim_out(Path(out), read) as folder:
        result = audit(list(paths), opts)
        written = write_reports(result, folder, chosen, lang=lang, mask=not no_mask) if chosen else {}
    click.echo(render_summary(result, written, allow_incomplete=inputs["allow_incomplete"]))
    if problem:
        click.echo(f"msgaudit: PDF skipped, WeasyPrint cannot load Pango ({problem}): {PANGO_HINT}", err=True)
    return exit_code(result, allow_incomplete=inputs["allow_incomplete"])


_SEVERITY_CHOICE = click.Choice(["info", "low", "medium", "high", "critical", "none"])


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--rules", multiple=True, type=click.Path(), help="Rule file or folder (repeatable; default: bundled packs).")
@click.option("--out", type=click.Path(file_okay=False), default="reports/audit", show_default=True)
@click.option("--format", "formats", default="html,pdf,json,csv", show_default=True, help="Comma-separated outputs.")
@click.option("--fail-on", type=_SEVERITY_CHOICE, default="high", show_default=True,
              help="Exit 1 when an active finding is at or above this severity.")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Audit date (default: today); makes output reproducible.")
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True)
@click.option("--no-mask", is_flag=True, help="Show phone numbers and names in full in the reports.")
@click.option("--waivers", type=click.Path(dir_okay=False), help="YAML file of accepted risks with expiry dates.")
@click.option("--input-format", "fmt", metavar="NAME", help="Skip detection and read every PATH as this format.")
@click.option("--tz", metavar="ZONE", help="Zone of times without one (chat exports).")
@click.option("--default-region", metavar="CC", help="Region for numbers written without +.")
@click.option("--business", multiple=True, metavar="NAME|PHONE", help="An author or number that speaks for the business.")
@click.option("--inventory", type=click.Path(dir_okay=False), help="The inventory YAML.")
@click.option("--mapping", type=click.Path(dir_okay=False), help='YAML of unusual column headers and the field each holds, e.g. columns: {"Num. cell.": phone, "Ok promo": consent:marketing:whatsapp, "Data firma": consent_date} (README: "Column mapping").')
@click.option("--allow-incomplete", is_flag=True,
              help="Exit 0 instead of 3 when a rule family could not be evaluated for lack of an input "
                   "(the verdict still says incomplete).")
@_DATE_ORDER
@_folder_options
@click.pass_context
def audit(ctx, paths, rules, out, formats, fail_on, as_of, lang, no_mask, waivers, fmt, tz, default_region,
          business, inventory, mapping, allow_incomplete, date_order, exclude, strict) -> None:
    """Audit exports against rule packs and write reports (HTML, PDF, JSON, CSV).

    \b
    Exit codes:
      0  nothing at or above --fail-on
      1  findings at or above --fail-on
      2  bad usage or unreadable input (one line naming the file)
      3  incomplete: a rule family could not be evaluated for lack of an input
         (an inventory, --business, a contact list); --allow-incomplete exits 0
    """
    try:
        code = _run_audit(paths, out, formats, fail_on, as_of, lang, no_mask, rules, waivers, fmt=fmt, tz=tz,
                          default_region=default_region, business=business, inventory=inventory, mapping=mapping,
                          date_order=date_order, exclude=exclude, strict=strict, allow_incomplete=allow_incomplete)
    except InputError as exc:
        # Ingest speaks of `--format`; for `audit` that option picks the report formats.
        raise InputError(exc.path, exc.problem.replace("--format", "--input-format"),
                         exc.hint.replace("--format", "--input-format")) from None
    ctx.exit(code)


cli.add_command(rules_group)


def _tolerant_streams() -> None:
    """A terminal or pipe in cp1252 (Windows) cannot show → or •: print a replacement instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def main() -> None:
    _tolerant_streams()
    try:
        rc = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("msgaudit: aborted", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except MsgauditError as exc:
        click.echo(f"msgaudit: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except MemoryError:  # reading a file says which one; this is the rest of the audit
        click.echo("msgaudit: error: out of memory; audit fewer or smaller inputs at a time", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug still reaches the user as one line; MSGAUDIT_DEBUG=1 shows the traceback
        if os.environ.get("MSGAUDIT_DEBUG"):
            raise
        click.echo(f"msgaudit: internal error: {type(exc).__name__}: {exc} (set MSGAUDIT_DEBUG=1 for details)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(rc if isinstance(rc, int) else EXIT_OK)
