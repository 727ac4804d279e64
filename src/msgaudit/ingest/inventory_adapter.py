"""An inventory.yaml met among the inputs: it becomes the `systems` table."""

from __future__ import annotations

import re
from typing import ClassVar

from msgaudit import yamlsafe
from msgaudit.errors import ConfigError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.inventory import impossible_date, parse_inventory, systems_table

_TOP_KEYS = re.compile(r"^(organisation|systems)\s*:", re.MULTILINE)


class InventoryAdapter:
    name: ClassVar[str] = "inventory"

    def sniff(self, source: Source, head: str) -> float:
        if source.suffix not in {".yaml", ".yml"}:
            return 0.0
        return 0.95 if _TOP_KEYS.search(head) else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        try:
            text = source.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(source.name, None, "not UTF-8 text; save the inventory as UTF-8") from None
        try:
            data, positions = yamlsafe.load(text, source.name)
        except (ValueError, OverflowError) as exc:
            raise impossible_date(source.name, text, exc) from None
        inv = parse_inventory(data, positions)
        systems = systems_table(inv, positions)
        ledger = Ledger(source, self.name, encoding="utf-8")
        report = ledger.close(rows_read=len(inv.systems))
        return Ingested(report=report, tables={"systems": systems})
