"""YAML through the safe loader, keeping where every value came from.

`load(text, path)` returns plain Python data plus a `Positions` map from a key
path (("rules", 3, "severity")) to (line, column), both 1-based, so validation
errors can say `file:line:col`. Duplicate keys are refused: YAML would keep
the last one silently, and a rule file with two `severity:` keys is a mistake.

Every YAML msgaudit reads from a user (rule packs, inventory, waivers, column
mapping) comes through here, so this is where hostile YAML is stopped. Aliases
share one node, so a few hundred bytes of nested aliases stand for billions of
values once expanded (the "billion laughs"): the composer counts aliases and
the values they stand for, and refuses past `MAX_ALIASES` or
`MAX_ALIAS_VALUES` before anything is expanded. Nesting deeper than
`MAX_DEPTH` is refused too: the composer and `_build` recurse once per level.
An alias inside the node it names would be an endless structure: refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from msgaudit.errors import ConfigError

KeyPath = tuple[str | int, ...]

# The bundled packs nest 8 levels and use no alias; these leave room for any hand-written file.
MAX_DEPTH = 64
MAX_ALIASES = 1_000
MAX_ALIAS_VALUES = 100_000


@dataclass
class Positions:
    path: str
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    # Where a scalar value itself starts, and whether it is quoted, so a column
    # inside the value (a condition's parse error) can be placed exactly.
    scalars: dict[KeyPath, tuple[int, int, bool]] = field(default_factory=dict)

    def at(self, loc: KeyPath) -> tuple[int, int]:
        """Position of `loc`, or of its nearest ancestor that has one."""
        probe = tuple(loc)
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), (1, 1))

    def where(self, loc: KeyPath) -> str:
        line, col = self.at(loc)
        return f"{self.path}:{line}:{col}"


def load(text: str, path: str | Path) -> tuple[Any, Positions]:
    positions = Positions(path=str(path))
    try:
        node = yaml.compose(text, Loader=_BoundedLoader)
    except _Refused as exc:
        raise ConfigError(path, exc.line, exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, line, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, None, f"not valid YAML: {exc}") from None
    if node is None:
        return None, positions
    return _build(node, (), positions, str(path)), positions


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark, problem: str) -> None:
        self.line = mark.line + 1
        self.problem = problem


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader's composer with limits on depth and on what aliases stand for."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._alias_values = 0
        self._size: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._aliases += 1
            size = self._size.get(id(node))
            if size is None:  # still being composed: the alias is inside its own anchor
                raise _Refused(event.start_mark, f"alias *{event.anchor} refers to a value that contains it")
            self._alias_values += size
            if self._aliases > MAX_ALIASES:
                raise _Refused(event.start_mark, f"more than {MAX_ALIASES} aliases (*name); write the values out")
            if self._alias_values > MAX_ALIAS_VALUES:
                raise _Refused(event.start_mark, f"aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; "
                                                 "write the values out")
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        self._size[id(node)] = 1 + sum(self._size[id(c)] for c in children)
        return node


def load_file(path: str | Path) -> tuple[Any, Positions]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(p, None, "no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(p, None, "not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(p, None, f"cannot be read ({exc.strerror})") from None
    return load(text, p)


_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _build(node: yaml.Node, loc: KeyPath, pos: Positions, path: str) -> Any:
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
        raise ConfigError(path, node.start_mark.line + 1, f"unsupported YAML tag {node.tag!r}; rule and inventory files hold plain data")
    pos.marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, path)
            if not isinstance(key, (str, int)):
                raise ConfigError(path, key_node.start_mark.line + 1, f"key {key!r} must be text")
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise ConfigError(path, key_node.start_mark.line + 1, f"duplicate key {key!r}; keep only one")
            child = loc + (key,)
            out[key] = _build(value_node, child, pos, path)
            pos.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loc + (i,), pos, path) for i, item in enumerate(node.value)]
    pos.scalars[loc] = (node.start_mark.line + 1, node.start_mark.column + 1, node.style in ("'", '"'))
    return _scalar(node, path)


def _scalar(node: yaml.Node, path: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(path, node.start_mark.line + 1, "a key must be a plain value")
    try:
        return yaml.SafeLoader(" ").construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise ConfigError(path, node.start_mark.line + 1, f"unsupported YAML tag: {exc.problem}") from None
    except ValueError as exc:  # a date that does not exist, such as 2020-02-30
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise ConfigError(path, node.start_mark.line + 1,
                              f"{node.value} is not a date (no such day); write it as 2023-09-01 or 01/09/2023") from None
        raise ConfigError(path, node.start_mark.line + 1, f"{node.value!r} cannot be read: {exc}") from None
