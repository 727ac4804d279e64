"""Finding, reading and checking the reference files.

Where the files come from, first match wins:
1. the `root` argument (the reference folder itself);
2. `$MSGAUDIT_RULES/reference` (the variable names the rules folder);
3. `rules/reference` at the repository root, for a source checkout or an
   editable install: this is the copy a lawyer edits;
4. `msgaudit/data/rules/reference` inside the installed package.

YAML is read with `yaml.safe_load` only, so a tag such as `!!python/object`
is an error, never code. Every problem becomes one `ConfigError` naming the
file, the line and the key (`mechanisms.dpf.valid_from`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from msgaudit import yamlsafe
from msgaudit.errors import ConfigError
from msgaudit.law.models import (
    AdequacyFile, Cited, EeaFile, KeywordGroup, MechanismsFile, OptoutFile, PhraseGroup, PlatformFile,
    QuietFile, Settings, SourceKey, SourceRef,
)
from msgaudit.law.reference import Reference
from msgaudit.law.text import normalise_all

ENV_VAR = "MSGAUDIT_RULES"
Loc = tuple[str | int, ...]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_SOURCES: TypeAdapter[dict[str, SourceRef]] = TypeAdapter(dict[SourceKey, SourceRef])


class _File:
    """One parsed file: its data and its node tree, kept to point errors at lines."""

    def __init__(self, location: Traversable, name: str) -> None:
        self.path = str(location / name)
        item = location / name
        if not item.is_file():
            raise ConfigError(self.path, None, "reference file missing; restore it from the msgaudit repository")
        text = item.read_text(encoding="utf-8")
        try:
            self.data: Any = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(self.path, _mark_line(exc), _yaml_problem(exc)) from None
        self.node = yaml.compose(text, Loader=yaml.SafeLoader)
        self._reject_duplicate_keys(self.node)

    def fail(self, loc: Loc, problem: str) -> ConfigError:
        where = _key_path(loc)
        return ConfigError(self.path, self.line(loc), f"{where}: {problem}" if where else problem)

    def validate(self, adapter: TypeAdapter[T]) -> T:
        try:
            return adapter.validate_python(self.data)
        except ValidationError as exc:
            errors = _root_causes(exc.errors())
            first = errors[0]
            problem = _pydantic_problem(first)
            if len(errors) > 1:
                problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in this file)"
            raise self.fail(tuple(first["loc"]), problem) from None

    def line(self, loc: Loc) -> int | None:
        node = self.node
        if node is None:
            return None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)),
                             None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                found = node.value[part]
            else:
                found = None
            if found is None:
                break
            node = found
        return node.start_mark.line + 1

    def _reject_duplicate_keys(self, node: yaml.Node | None) -> None:
        # safe_load keeps the last of two equal keys; for legal data that would hide an edit.
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise ConfigError(self.path, key.start_mark.line + 1,
                                          f"key {key.value!r} appears twice in the same mapping")
                    seen.add(key.value)
                self._reject_duplicate_keys(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._reject_duplicate_keys(item)


def locate(root: Path | Traversable | None = None) -> Traversable:
    """The reference folder to read, by the order in the module docstring."""
    if root is not None:
        return Path(root) if isinstance(root, (str, os.PathLike)) else root
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env) / "reference"
    checkout = Path(__file__).resolve().parents[3] / "rules" / "reference"
    if (checkout / "mechanisms.yaml").is_file():
        return checkout
    packaged = resources.files("msgaudit") / "data" / "rules" / "reference"
    if packaged.is_dir():
        return packaged
    raise ConfigError("rules/reference", None,
                      f"legal reference data not found; pass --rules or set {ENV_VAR} to the rules folder")


def read_term_file(path: str | Path, model: type[M], what: str) -> M:
    """A term list beside the reference data (marketing, message classes, Art. 9), read through the safe YAML
    loader (alias and depth limits, file:line errors) and validated; a problem is one ConfigError line."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(p, None, f"{what} file missing; restore it from the msgaudit repository")
    data, _ = yamlsafe.load_file(p)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(p, None, f"invalid {what}: {str(exc).splitlines()[0]}") from None


def load_reference(root: Path | Traversable | None = None) -> Reference:
    """Read and check every reference file; raise ConfigError naming file, line and key."""
    location = locate(root)
    files = {name: _File(location, f"{name}.yaml") for name in
             ("settings", "sources", "mechanisms", "adequacy", "eea", "optout_keywords", "quiet_hours", "platform")}
    settings = files["settings"].validate(TypeAdapter(Settings))
    sources = files["sources"].validate(_SOURCES)
    mechanisms = files["mechanisms"].validate(TypeAdapter(MechanismsFile))
    adequacy = files["adequacy"].validate(TypeAdapter(AdequacyFile))
    eea = files["eea"].validate(TypeAdapter(EeaFile))
    optout = files["optout_keywords"].validate(TypeAdapter(OptoutFile))
    quiet = files["quiet_hours"].validate(TypeAdapter(QuietFile))
    platform = files["platform"].validate(TypeAdapter(PlatformFile))

    checked: dict[str, BaseModel] = {
        "mechanisms": mechanisms, "adequacy": adequacy, "eea": eea, "optout_keywords": optout,
        "quiet_hours": quiet, "platform": platform,
    }
    for name, model in checked.items():
        for loc, entry in _walk(model, ()):
            if isinstance(entry, Cited):
                _check_citation(files[name], loc, entry, sources)
            if isinstance(entry, (KeywordGroup, PhraseGroup)):
                _check_matchable(files[name], loc, entry)

    return Reference(root=str(location), settings=settings, sources=sources, mechanisms=mechanisms.mechanisms,
                     adequacy=adequacy, eea=eea, optout=optout, quiet=quiet, platform=platform)


def _check_citation(file: _File, loc: Loc, entry: Cited, sources: dict[str, SourceRef]) -> None:
    unknown = [k for k in entry.source if k not in sources]
    if unknown:
        raise file.fail(loc + ("source",), f"unknown source key {unknown[0]!r}; define it in sources.yaml")
    if entry.verified and not any(sources[k].kind in ("law-md", "policy") for k in entry.source):
        raise file.fail(loc, "a verified entry must cite a LAW.md (or policy) source; cite one, "
                             "or set verified: false with a note saying what is unverified")


def _check_matchable(file: _File, loc: Loc, group: KeywordGroup | PhraseGroup) -> None:
    field = "keywords" if isinstance(group, KeywordGroup) else "phrases"
    values = getattr(group, field)
    for index, normalised in enumerate(normalise_all(values)):
        if not normalised:
            raise file.fail(loc + (field, index), f"{values[index]!r} has no letter or digit, so it can never match")


def _walk(value: object, loc: Loc) -> Iterator[tuple[Loc, object]]:
    """Every model inside `value`, with its location in the YAML document."""
    if isinstance(value, BaseModel):
        yield loc, value
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), loc + (name,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, loc + (key,))
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _walk(item, loc + (index,))


def _key_path(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _root_causes(errors: list[Any]) -> list[Any]:
    """Drop the echo of a failed item on its container (an empty tuple after the item failed)."""
    locs = [tuple(e["loc"]) for e in errors]
    return [e for e, loc in zip(errors, locs)
            if not any(other[: len(loc)] == loc and len(other) > len(loc) for other in locs)]


def _pydantic_problem(error: Any) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}; check its spelling"
    if error["type"] == "missing":
        return f"missing key {loc[-1]!r}"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def _mark_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError):
        return (f"not plain YAML data ({problem}); reference files are read with the safe loader, "
                "so remove tags such as !!python/object")
    return f"invalid YAML: {problem}"
