"""From paths on the command line to canonical tables and their accounting.

The inventory is read first (from `--inventory` or found among the inputs),
because it says who the business is and in which zone naive times were written,
and every other adapter needs that to read direction and time correctly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from msgaudit.errors import ConfigError, InputError, NotAnExport
from msgaudit.ingest import IngestContext, InputReport, Skipped, expand, read_file, skipped_for
from msgaudit.ingest.base import Source
from msgaudit.ingest.inventory_adapter import InventoryAdapter
from msgaudit.inventory import Inventory, load_inventory
from msgaudit.simulation import Simulation, find_simulation
from msgaudit.tables import Tables


@dataclass
class Loaded:
    tables: Tables
    inputs: list[InputReport]
    inventory: Inventory | None
    inventory_path: Path | None
    context: IngestContext
    skipped: list[Skipped] = field(default_factory=list)
    supplied: frozenset[str] = frozenset()  # canonical tables some input provided, even with no row accepted
    simulation: Simulation | None = None  # the world the exports were simulated from, if they were


def find_inventory(files: list[Path]) -> Path | None:
    sniffer = InventoryAdapter()
    found = [f for f in files if f.suffix.lower() in {".yaml", ".yml"}
             and sniffer.sniff(Source(path=f, data=b"", name=str(f)), _head(f)) > 0]
    if len(found) > 1:
        raise ConfigError(found[1], None, f"a second inventory among the inputs (first: {found[0]}); pass one with --inventory")
    return found[0] if found else None


def _head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(16384).decode("utf-8", errors="replace")
    except OSError:
        return ""  # read_file reports it


def build_context(inv: Inventory | None, *, tz: str | None = None, default_region: str | None = None,
                  business: tuple[str, ...] = (), mapping: dict[str, str] | None = None,
                  date_order: str | None = None) -> IngestContext:
    from msgaudit.phones import parse_phone

    region = (default_region or (inv.region if inv else "IT")).upper()
    names = list(inv.organisation.business_names) if inv else []
    phones = list(inv.business_phones_e164()) if inv else []
    for item in business:
        parsed = parse_phone(item, region)
        if any(ch.isdigit() for ch in item) and parsed.e164:
            phones.append(parsed.e164)
        else:
            names.append(item)
    return IngestContext(
        default_region=region,
        timezone=tz or (inv.organisation.timezone if inv else "Europe/Rome"),
        timezone_assumed=not tz and (inv is None or "timezone" not in inv.organisation.model_fields_set),
        business_names=tuple(dict.fromkeys(names)),
        business_phones=tuple(dict.fromkeys(phones)),
        mapping=mapping or {},
        date_order=date_order,
    )


def load(paths: list[str | Path], *, inventory: str | Path | None = None, fmt: str | None = None,
         tz: str | None = None, default_region: str | None = None, business: tuple[str, ...] = (),
         mapping: dict[str, str] | None = None, date_order: str | None = None, exclude: tuple[str, ...] = (),
         strict: bool = False) -> Loaded:
    """Read every input. Inside folders, files that hold no export are skipped and listed (`--strict`: an error)."""
    expanded = expand(paths, exclude)
    files = [c.path for c in expanded.files]
    inv_path = Path(inventory) if inventory else find_inventory(files)
    inv = load_inventory(inv_path)[0] if inv_path else None
    ctx = build_context(inv, tz=tz, default_region=default_region, business=business, mapping=mapping,
                        date_order=date_order)
    in_folder = {c.path for c in expanded.files if c.in_folder}
    if inv_path and inv_path not in files:
        files = [inv_path, *files]
    skipped = list(expanded.skipped)
    parts = []
    for f in files:
        try:
            parts.append(read_file(f, ctx, None if f == inv_path else fmt))
        except NotAnExport as exc:
            if f not in in_folder:
                raise
            skipped.append(skipped_for(exc))
    refused = [s for s in skipped if s.refused_by_strict]
    if strict and refused:
        more = f"; {len(refused) - 1} more skipped" if len(refused) > 1 else ""
        raise InputError(refused[0].path, f"skipped: {refused[0].reason}{more}",
                         "--strict refuses skipped files: remove them, leave them out with --exclude GLOB, "
                         "or drop --strict")
    return Loaded(
        tables=Tables.from_parts([p.tables for p in parts]),
        inputs=[p.report for p in parts],
        inventory=inv,
        inventory_path=inv_path,
        context=ctx,
        skipped=sorted(skipped, key=lambda s: s.path),
        supplied=frozenset(name for p in parts for name in p.tables),
        simulation=find_simulation(paths),
    )
