"""The check vocabulary: small registered, vectorised functions a rule names in `check:`.

A check receives the rows its rule's `where` selected (a DataFrame from the
prepared view named by `applies_to`), the whole prepared context, and its
validated parameters. It returns the violating rows:

- indexed by the input rows' index (a subset of `rows.index`), in which case
  the engine takes `contact`, `message_id`, `timestamp`, `source` from the
  input rows; or a new frame that carries those columns itself (for checks that
  aggregate, such as transfer periods per system);
- `ev_<name>` columns become the finding's evidence `{name: value}`;
- any other column can be named in the rule's `message` template.

Each check's docstring is its user documentation (`msgaudit rules checks`).
Custom checks are added from other packages through the `msgaudit.checks`
entry point group: an entry point that names a module, imported for its
`@check` registrations.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable, Generic, TypeVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from msgaudit.rules.context import CheckContext


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=Params)
CheckFunc = Callable[[CheckContext, pd.DataFrame, P], pd.DataFrame]


@dataclass(frozen=True)
class CheckDef(Generic[P]):
    name: str
    func: CheckFunc
    params: type[P]
    applies_to: tuple[str, ...]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


CHECKS: dict[str, CheckDef] = {}

_BUILTIN_MODULES = ("match", "consent", "optout", "timing", "window", "template", "transfer", "quality", "special",
                    "content")


def check(name: str, params: type[P], applies_to: tuple[str, ...]) -> Callable[[CheckFunc], CheckFunc]:
    def register(func: CheckFunc) -> CheckFunc:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = CheckDef(name=name, func=func, params=params, applies_to=applies_to)
        return func

    return register


def load_checks() -> dict[str, CheckDef]:
    """Import the built-in check modules and any registered by plugins; idempotent."""
    for mod in _BUILTIN_MODULES:
        importlib.import_module(f"msgaudit.rules.checks.{mod}")
    for ep in entry_points(group="msgaudit.checks"):
        importlib.import_module(ep.value.split(":")[0])
    return CHECKS
