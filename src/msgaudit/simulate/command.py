"""`msgaudit simulate`: the click command over `simulate_config` (the lead adds it to the CLI group)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from msgaudit.simulate import EXPORTS, simulate_config
from msgaudit.simulate.config import SimConfig, load_rates


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2025-09-01") from None


@click.command("simulate")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into: exports/ (the files to audit), ground_truth.csv, world.json.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same bytes.")
@click.option("--contacts", default=200, show_default=True, type=click.IntRange(min=20))
@click.option("--messages", default=2000, show_default=True, type=click.IntRange(min=50))
@click.option("--days", default=60, show_default=True, type=click.IntRange(min=7))
@click.option("--violation-rate", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Scales every rule's rate; 0 writes a world with no violation.")
@click.option("--start", callback=_date, default=None, help="First simulated day (YYYY-MM-DD); default 2025-09-01.")
@click.option("--report", "report", is_flag=True,
              help="Then audit the exports and write the report (HTML, PDF, JSON, CSV) into OUT/report/.")
@click.option("--lang", type=click.Choice(["en", "it"]), default="en", show_default=True,
              help="Language of the report written with --report.")
@click.option("--no-mask", is_flag=True, help="With --report: show phone numbers and names in full.")
@click.option("--rates", "rates_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML {rule id: rate} overriding the default rate of each rule.")
def simulate_command(out: Path, seed: int, contacts: int, messages: int, days: int, violation_rate: float,
                     start: date | None, report: bool, lang: str, no_mask: bool, rates_file: Path | None) -> None:
    """Simulate a business-messaging world and write it as real exports with its exact ground truth."""
    try:
        rates = load_rates(rates_file) if rates_file else {}
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rates") from None
    cfg = SimConfig(seed=seed, contacts=contacts, messages=messages, days=days, violation_rate=violation_rate,
                    rates=rates, **({"start": start} if start else {}))
    summary = simulate_config(out, cfg)
    click.echo(f"Simulated {summary.messages} messages, {summary.contacts} contacts, {summary.days} days "
               f"from {summary.start} (seed {summary.seed}) into {out}")
    for name, n in summary.files.items():
        click.echo(f"  {name}: {n}")
    click.echo(f"Ground truth: {sum(summary.by_rule.values())} violations of {len(summary.by_rule)} rules; "
               f"audit them with: msgaudit audit {out / EXPORTS}")
    if report:
        _report(out, lang, mask=not no_mask)


REPORT = "report"


def _report(out: Path, lang: str, mask: bool) -> None:
    """Audit OUT/exports with the bundled rules and write every format into OUT/report/; the simulator's
    own world and ground truth beside the exports become the report's simulated-model section."""
    from msgaudit.api import AuditOptions, audit
    from msgaudit.errors import MsgauditError
    from msgaudit.report import FORMATS, write_reports

    try:
        result = audit([out / EXPORTS], AuditOptions(mask=mask))
        written = write_reports(result, out / REPORT, set(FORMATS), lang=lang, mask=mask)
    except MsgauditError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Audited {out / EXPORTS}: {result.summary.total} findings; report written to {out / REPORT}")
    for fmt, path in written.items():
        click.echo(f"  {fmt}: {path}")
