"""Which adapters exist, and how a file finds its adapter.

Detection asks every adapter how sure it is from the file's name and first
few kilobytes of text; the most confident wins. `--format NAME` skips detection.
"""

from __future__ import annotations

import importlib
from functools import cache

from msgaudit.errors import UnknownFormat
from msgaudit.ingest.base import Adapter, Source

# name -> "module:Class"; imported lazily so `msgaudit --help` stays fast.
ADAPTERS: dict[str, str] = {
    "whatsapp-chat": "msgaudit.ingest.whatsapp_chat:WhatsAppChatAdapter",
    "whatsapp-webhook": "msgaudit.ingest.webhook:WebhookAdapter",
    "twilio-csv": "msgaudit.ingest.twilio:TwilioCsvAdapter",
    "google-contacts": "msgaudit.ingest.contacts_csv:GoogleContactsAdapter",
    "outlook-contacts": "msgaudit.ingest.contacts_csv:OutlookContactsAdapter",
    "vcard": "msgaudit.ingest.vcard:VCardAdapter",
    "contacts-table": "msgaudit.ingest.contacts_table:ContactsTableAdapter",
    "consent-ledger": "msgaudit.ingest.ledgers:ConsentLedgerAdapter",
    "optout-list": "msgaudit.ingest.ledgers:OptOutListAdapter",
    "inventory": "msgaudit.ingest.inventory_adapter:InventoryAdapter",
}


@cache
def adapter(name: str) -> Adapter:
    module, cls = ADAPTERS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def available() -> list[str]:
    return list(ADAPTERS)


def detect(source: Source, head: str) -> Adapter:
    scores = []
    for name in ADAPTERS:
        ad = adapter(name)
        score = ad.sniff(source, head)
        if score > 0:
            scores.append((score, name, ad))
    if not scores:
        raise UnknownFormat(source.name, "format not recognised",
                            f"use --format with one of: {', '.join(ADAPTERS)}")
    scores.sort(key=lambda t: (-t[0], t[1]))
    return scores[0][2]
