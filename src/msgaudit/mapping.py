"""The optional mapping YAML: unusual source headers → canonical field names.

    columns:
      "Num. cellulare socio": phone
      "Ok promo": consent:marketing:whatsapp
      "Data firma modulo": consent_date
      "Note interne": ignore

The fields are listed in the README ("Column mapping"); an unknown one is an error naming it.
"""

from __future__ import annotations

from pathlib import Path

from msgaudit import yamlsafe
from msgaudit.errors import ConfigError


def load_mapping(path: str | Path) -> dict[str, str]:
    data, positions = yamlsafe.load_file(path)
    if not isinstance(data, dict) or set(data) != {"columns"} or not isinstance(data["columns"], dict):
        raise ConfigError(path, 1, "a mapping file has one key, 'columns', mapping each source header to a field name")
    out: dict[str, str] = {}
    for header, target in data["columns"].items():
        if not isinstance(target, str) or not target.strip():
            line, _ = positions.at(("columns", header))
            raise ConfigError(path, line, f"header {header!r} must map to a field name")
        out[str(header)] = target.strip()
    return out
