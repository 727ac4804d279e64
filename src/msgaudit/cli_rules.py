"""`msgaudit rules …`: list, show, validate, test and the JSON Schema of rule files."""

from __future__ import annotations

import json
import textwrap

import click

from msgaudit.errors import RuleError


def _packs(paths: tuple[str, ...]):
    from msgaudit.api import default_rules_dir
    from msgaudit.rules.loader import load_packs

    return load_packs(list(paths) or [default_rules_dir()])


@click.group("rules")
def rules_group() -> None:
    """Inspect, validate and test rule packs."""


@rules_group.command("list")
@click.option("--rules", "paths", multiple=True, type=click.Path(), help="Rule file or folder (default: bundled packs).")
def list_rules(paths) -> None:
    """One line per rule: id, severity, pack, title."""
    for lp in _packs(paths):
        for rule in lp.pack.rules:
            flag = "" if rule.enabled else "  (disabled)"
            click.echo(f"{rule.id:<13} {rule.severity:<8} {lp.pack.pack:<20} {rule.title}{flag}")


@rules_group.command("show")
@click.argument("rule_id")
@click.option("--rules", "paths", multiple=True, type=click.Path())
def show_rule(rule_id, paths) -> None:
    """Everything about one rule: what it checks, why, and what to do."""
    from msgaudit.rules.checks import load_checks

    for lp in _packs(paths):
        for i, rule in enumerate(lp.pack.rules):
            if rule.id.upper() == rule_id.upper():
                check = load_checks()[rule.check_name]
                click.echo(f"{rule.id} — {rule.title}")
                click.echo(f"  pack        {lp.pack.pack} ({lp.where('rules', i, 'id')})")
                click.echo(f"  severity    {rule.severity}")
                click.echo(f"  basis       {rule.basis}")
                click.echo(f"  applies to  {rule.applies_to}")
                click.echo(f"  where       {rule.where or '(every row)'}")
                click.echo(f"  check       {rule.check_name} {json.dumps(rule.check_params, default=str)}")
                if rule.description:
                    click.echo("  description " + textwrap.fill(rule.description, 88, subsequent_indent=" " * 14).lstrip())
                for law in rule.law:
                    click.echo(f"  law         {law.ref}" + (f" <{law.url}>" if law.url else ""))
                click.echo("  remediation " + textwrap.fill(rule.remediation, 88, subsequent_indent=" " * 14).lstrip())
                click.echo(f"  tests       {len(rule.tests)} inline case(s)")
                click.echo(f"  check doc   {check.doc.splitlines()[0] if check.doc else ''}")
                return
    raise click.ClickException(f"no rule {rule_id!r}; see 'msgaudit rules list'")


@rules_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths) -> None:
    """Check rule files; print every problem as file:line:col: message."""
    try:
        packs = _packs(paths)
    except RuleError as exc:
        for problem in exc.problems:
            click.echo(problem)
        click.echo(f"{len(exc.problems)} problem(s)", err=True)
        raise SystemExit(2) from None
    n = sum(len(lp.pack.rules) for lp in packs)
    click.echo(f"{len(packs)} pack(s), {n} rule(s): valid")


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
def test_rules(paths) -> None:
    """Run every rule's inline test cases."""
    from msgaudit.law import load_reference
    from msgaudit.rules.testing import missing_cases, run_pack_tests

    packs = _packs(paths)
    results = run_pack_tests(packs, load_reference())
    failed = [r for r in results if not r.ok]
    for r in failed:
        click.echo(f"{r.where}: {r.rule_id} [{r.case}] FAILED: {r.detail}")
    for m in missing_cases(packs):
        click.echo(f"{m}")
    click.echo(f"rules: {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(1)


@rules_group.command("schema")
def schema() -> None:
    """Print the JSON Schema of a rule pack file (for editor completion)."""
    from msgaudit.rules.spec import Pack

    click.echo(json.dumps(Pack.model_json_schema(), indent=2))


@rules_group.command("checks")
def checks() -> None:
    """The check vocabulary: each check's parameters and documentation."""
    from msgaudit.rules.checks import load_checks

    for name, cdef in sorted(load_checks().items()):
        params = ", ".join(f"{k}={v.default!r}" for k, v in cdef.params.model_fields.items())
        click.echo(f"{name}({params})  applies to: {', '.join(cdef.applies_to)}")
        for line in cdef.doc.splitlines():
            click.echo(f"    {line}")
        click.echo("")
