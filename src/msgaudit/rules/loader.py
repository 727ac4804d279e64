"""Rule packs from YAML files, validated, with every problem as `file:line:col: message`.

Validation collects all problems of all files before failing, so a rule author
fixes a file in one pass: unknown keys (with a "did you mean"), missing or
empty fields, unknown checks and their parameters, `where` conditions that do
not parse or name unknown columns, and rule ids used twice.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from msgaudit import yamlsafe
from msgaudit.errors import ConfigError, RuleError
from msgaudit.rules.checks import load_checks
from msgaudit.rules.conditions import ConditionError, compile_condition
from msgaudit.rules.spec import Pack, Rule, RuleTest



@dataclass
class LoadedPack:
    pack: Pack
    path: Path
    positions: yamlsafe.Positions

    def where(self, *loc: str | int) -> str:
        return self.positions.where(loc)


def pack_files(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(f for f in p.glob("*.y*ml") if f.suffix in {".yaml", ".yml"})
        elif p.is_file():
            files.append(p)
        else:
            raise RuleError([f"{p}: no such rule file or folder"])
    return files


def load_packs(paths: list[str | Path]) -> list[LoadedPack]:
    """Load and validate every pack; raise RuleError listing all problems if any."""
    problems: list[str] = []
    loaded: list[LoadedPack] = []
    for path in pack_files(paths):
        try:
            data, pos = yamlsafe.load_file(path)
        except ConfigError as exc:
            problems.append(f"{exc.path}:{exc.line or 1}:1: {exc.problem}")
            continue
        pack, errs = _validate_pack(data, pos)
        problems += sorted(errs, key=_line_col)
        if pack is not None:
            loaded.append(LoadedPack(pack=pack, path=path, positions=pos))
    problems += _duplicate_ids(loaded)
    if problems:
        raise RuleError(problems)
    return loaded


def _line_col(problem: str) -> tuple[int, int]:
    parts = problem.split(":")
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


def _validate_pack(data: Any, pos: yamlsafe.Positions) -> tuple[Pack | None, list[str]]:
    if not isinstance(data, dict):
        return None, [f"{pos.where(())}: a rule pack is a mapping with 'pack', 'title' and 'rules'"]
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        return None, [_problem(err, pos) for err in exc.errors()]
    return pack, _semantic_problems(pack, pos)


def _problem(err: dict, pos: yamlsafe.Positions) -> str:
    loc = tuple(err["loc"])
    where = pos.where(loc)
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(known)}"
        return f"{where}: unknown key {key!r}{hint}"
    name = _field_name(loc)
    if err["type"] == "missing":
        return f"{where}: {name} is required"
    if err["type"] in {"string_too_short", "too_short"}:
        least = (err.get("ctx") or {}).get("min_length", 1)
        unit = "characters" if err["type"] == "string_too_short" else "items"
        return f"{where}: {name} must not be empty" if least == 1 else f"{where}: {name} needs at least {least} {unit}"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error" and isinstance(err.get("input"), str):
        allowed = re.findall(r"'([^']*)'", (err.get("ctx") or {}).get("expected", ""))
        close = difflib.get_close_matches(err["input"], allowed, n=1, cutoff=0.6)
        if close:
            msg += f"; did you mean {close[0]!r}?"
    return f"{where}: {name}: {msg}"


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return parts[-1] if parts else "pack"


def _known_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Pack
    names = [p for p in loc if isinstance(p, str)]
    for n in names:
        model = {"rules": Rule, "tests": RuleTest}.get(n, model)
    return list(model.model_fields)


def _semantic_problems(pack: Pack, pos: yamlsafe.Positions) -> list[str]:
    from msgaudit.rules.evaluate import column_kinds
    from msgaudit.rules.views import empty_views

    checks = load_checks()
    views = empty_views()
    problems = []
    for i, rule in enumerate(pack.rules):
        loc = ("rules", i)
        if rule.check_name not in checks:
            close = difflib.get_close_matches(rule.check_name, list(checks), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known checks: {', '.join(sorted(checks))}"
            problems.append(f"{pos.where(loc + ('check', rule.check_name))}: unknown check {rule.check_name!r}{hint}")
        else:
            cdef = checks[rule.check_name]
            if rule.applies_to not in cdef.applies_to:
                problems.append(f"{pos.where(loc + ('applies_to',))}: check {rule.check_name!r} works on "
                                f"{', '.join(cdef.applies_to)}, not {rule.applies_to}")
            try:
                cdef.params.model_validate(rule.check_params)
            except ValidationError as exc:
                for err in exc.errors():
                    ploc = loc + ("check", rule.check_name, *err["loc"])
                    if err["type"] == "extra_forbidden":
                        known = list(cdef.params.model_fields)
                        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
                        hint = f"; did you mean {close[0]!r}?" if close else f"; parameters: {', '.join(known) or 'none'}"
                        problems.append(f"{pos.where(ploc)}: unknown parameter {err['loc'][-1]!r}{hint}")
                    else:
                        problems.append(f"{pos.where(ploc)}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
        if rule.where.strip():
            try:
                compile_condition(rule.where, column_kinds(views[rule.applies_to]))
            except ConditionError as exc:
                problems.append(f"{_inside_scalar(pos, loc + ('where',), rule.where, exc.position)}: where: {exc.message}")
    return problems


def _inside_scalar(pos: yamlsafe.Positions, loc: tuple, text: str, offset: int) -> str:
    """file:line:col of a character inside a one-line scalar; the value's start for block scalars."""
    if loc not in pos.scalars:
        return pos.where(loc)
    line, col, quoted = pos.scalars[loc]
    if "\n" in text:
        return f"{pos.path}:{line}:{col}"
    return f"{pos.path}:{line}:{col + offset + (1 if quoted else 0)}"


def _duplicate_ids(loaded: list[LoadedPack]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for lp in loaded:
        for i, rule in enumerate(lp.pack.rules):
            where = lp.where("rules", i, "id")
            if rule.id in seen:
                problems.append(f"{where}: rule id {rule.id} is already used at {seen[rule.id]}")
            else:
                seen[rule.id] = where
    return problems
