"""The msgaudit command line: thin commands over plain functions.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 bad usage or unreadable input (one line naming the file).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from msgaudit import __version__
from msgaudit.errors import MsgauditError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _common_input_options(f):
    f = click.option("--format", "fmt", metavar="NAME", help="Skip detection and read every PATH as this format.")(f)
    f = click.option("--tz", metavar="ZONE", help="Zone of times without one (chat exports); default from the inventory or Europe/Rome.")(f)
    f = click.option("--default-region", metavar="CC", help="Region for numbers written without +; default from the inventory or IT.")(f)
    f = click.option("--business", multiple=True, metavar="NAME|PHONE", help="An author or number that speaks for the business (repeatable).")(f)
    f = click.option("--inventory", type=click.Path(dir_okay=False), help="The inventory YAML (systems, storage, transfers).")(f)
    f = click.option("--mapping", type=click.Path(dir_okay=False), help="YAML mapping of unusual column headers to canonical fields.")(f)
    return f


def _load(paths, fmt, tz, default_region, business, inventory, mapping):
    from msgaudit.loading import load
    from msgaudit.mapping import load_mapping

    return load(list(paths), inventory=inventory, fmt=fmt, tz=tz, default_region=default_region,
                business=tuple(business), mapping=load_mapping(mapping) if mapping else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="msgaudit")
def cli() -> None:
    """Audit business messaging exports for privacy compliance."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per input file.")
@_common_input_options
def inspect(paths, as_json, fmt, tz, default_region, business, inventory, mapping) -> None:
    """Show how each input file is read: format, encoding, rows, rejections, period."""
    from msgaudit.inspection import render_inspect, reports_as_json

    loaded = _load(paths, fmt, tz, default_region, business, inventory, mapping)
    if as_json:
        click.echo(json.dumps(reports_as_json(loaded.inputs), indent=2, ensure_ascii=False))
    else:
        click.echo(render_inspect(loaded.inputs))


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), default="reports/demo", show_default=True)
def demo(out) -> None:
    """Inspect the bundled sample exports (the full audit joins as it lands)."""
    from msgaudit.inspection import render_inspect
    from msgaudit.loading import load
    from msgaudit.paths import bundled_dir

    loaded = load([bundled_dir("sample_exports")])
    click.echo(render_inspect(loaded.inputs))


def main() -> None:
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
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if os.environ.get("MSGAUDIT_DEBUG"):
            raise
        click.echo(f"msgaudit: internal error: {type(exc).__name__}: {exc} (set MSGAUDIT_DEBUG=1 for details)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(rc if isinstance(rc, int) else EXIT_OK)
