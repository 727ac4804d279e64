"""Where the bundled folders (`rules/`, `sample_exports/`) are.

They live at the top of the repository, where users read and edit them; an
environment variable can point elsewhere (MSGAUDIT_RULES, MSGAUDIT_SAMPLES).
A built wheel carries them as package data through the links in msgaudit/data/.
"""

from __future__ import annotations

import os
from pathlib import Path

from msgaudit.errors import ConfigError

_ENV = {"rules": "MSGAUDIT_RULES", "sample_exports": "MSGAUDIT_SAMPLES"}


def bundled_dir(name: str) -> Path:
    env = os.environ.get(_ENV.get(name, ""), "")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / name, Path(__file__).parent / "data" / name, Path.cwd() / name]
    for c in candidates:
        if c.is_dir():
            # Relative to the working directory when inside it, so reports and messages
            # say "rules/optout.yaml:17" rather than a path on the machine that ran them.
            resolved = c.resolve()
            return Path(os.path.relpath(resolved)) if resolved.is_relative_to(Path.cwd().resolve()) else resolved
    raise ConfigError(name, None, f"bundled folder not found; run from the msgaudit checkout or set {_ENV.get(name, name)}")
