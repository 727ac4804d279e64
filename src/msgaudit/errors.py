"""Errors a user can see.

    MsgauditError            one clean line, exit code 2
    ├── InputError           an input file cannot be read or understood
    │   └── NotAnExport      empty, binary, unreadable or our own report: skipped inside a folder
    │       └── UnknownFormat    no adapter recognises the file
    ├── ConfigError          inventory, mapping or waiver files are invalid
    └── RuleError            a rule pack is invalid (carries file:line:col problems)

Every message names the file (and line where known) and says what to do.
"""

from __future__ import annotations

from pathlib import Path


class MsgauditError(Exception):
    """Base of every error shown to the user as one line."""

    exit_code = 2


class InputError(MsgauditError):
    def __init__(self, path: str | Path, problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        text = f"{self.path}: {problem}"
        if hint:
            text += f" — {hint}"
        super().__init__(text)


class NotAnExport(InputError):
    """A file holding no export msgaudit reads (`kind` says why): skipped inside a folder, an error when named."""

    def __init__(self, path: str | Path, kind: str, problem: str, hint: str = "") -> None:
        self.kind = kind
        super().__init__(path, problem, hint)


class UnknownFormat(NotAnExport):
    def __init__(self, path: str | Path, problem: str, hint: str = "") -> None:
        super().__init__(path, "unknown", problem, hint)


class ConfigError(MsgauditError):
    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


class RuleError(MsgauditError):
    """A rule pack failed validation; `problems` holds every `file:line:col: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems in rule files")
