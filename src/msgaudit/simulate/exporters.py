"""One writer per real export format, each building its text with vectorised string operations and writing once.

- webhooks.jsonl: WhatsApp Cloud API POST bodies, one per line: a `sent` and a
  `delivered` status per outbound message (per-message pricing: category and
  `regular` for templates, `free_customer_service` for free-form replies),
  inbound text messages, and `user_preferences` marketing stops.
- Chat WhatsApp con <group>.txt: the president's group as Android exports it in Italian.
- rubrica_contatti.csv: the contact list as Excel writes "CSV UTF-8" on it-IT (BOM, ';').
- registro_consensi.csv: the consent ledger; optout_lista.csv: the do-not-contact list.
- inventory.yaml, ground_truth.csv, world.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import yaml

from msgaudit.simulate.model import World

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
RELATIONSHIP_WORDS = {"member": "Socio", "former-member": "Ex socio", "regular-contact": "Simpatizzante",
                      "customer": "Cliente", "prospect": "Potenziale"}


def _json_str(values: pd.Series) -> pd.Series:
    """JSON string literals, computed once per distinct value."""
    codes, uniques = pd.factorize(values.astype(object))
    encoded = np.array([json.dumps(str(u), ensure_ascii=False) for u in uniques], dtype=object)
    return pd.Series(encoded[codes] if len(uniques) else np.array([], dtype=object), index=values.index, dtype=object)


def _unix(t: pd.Series) -> pd.Series:
    return pd.Series((pd.to_datetime(t, utc=True).astype("int64") // 10**9).to_numpy(), index=t.index)


def _envelope(value: pd.Series, field: str = "messages") -> pd.Series:
    head = ('{"object":"whatsapp_business_account","entry":[{"id":"' + WABA_ID + '","changes":[{"value":'
            '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"390255501000",'
            '"phone_number_id":"' + PHONE_NUMBER_ID + '"},')
    return head + value + '},"field":"' + field + '"}]}]}'


def write_webhooks(world: World, path: Path, rng: np.random.Generator) -> int:
    m = world.messages
    m = m[m["source"] == "webhook"]
    phones = world.people["phone"].to_numpy()
    out = m[m["direction"] == "outbound"]
    wa = pd.Series(phones[out["pid"].to_numpy()], index=out.index).str.lstrip("+")
    template = out["is_template"].to_numpy(dtype=bool)
    pricing = ('"pricing":{"billable":true,"pricing_model":"PMP","type":"'
               + pd.Series(np.where(template, "regular", "free_customer_service"), index=out.index)
               + '","category":"' + out["category"] + '"}')
    sent = _unix(out["t"])
    delivered = sent + rng.integers(1, 20, len(out))
    frames = []
    for status, ts, order in (("sent", sent, 1), ("delivered", delivered, 2)):
        body = ('"statuses":[{"id":"' + out["mid"] + '","status":"' + status + '","timestamp":"' + ts.astype(str)
                + '","recipient_id":"' + wa + '",' + pricing + "}]")
        frames.append(pd.DataFrame({"ts": ts, "order": order, "line": _envelope(body)}))
    inbound = m[m["direction"] == "inbound"]
    wa_in = pd.Series(phones[inbound["pid"].to_numpy()], index=inbound.index).str.lstrip("+")
    names = _json_str(pd.Series(world.people["first_name"].to_numpy()[inbound["pid"].to_numpy()], index=inbound.index))
    ts_in = _unix(inbound["t"])
    body = ('"contacts":[{"profile":{"name":' + names + '},"wa_id":"' + wa_in + '"}],"messages":[{"from":"' + wa_in
            + '","id":"' + inbound["mid"] + '","timestamp":"' + ts_in.astype(str) + '","type":"text","text":{"body":'
            + _json_str(inbound["body"]) + "}}]")
    frames.append(pd.DataFrame({"ts": ts_in, "order": 0, "line": _envelope(body)}))
    prefs = world.preferences
    if len(prefs):
        ts_p = _unix(pd.Series(prefs["t"].to_numpy()))
        wa_p = pd.Series(prefs["phone"].to_numpy()).str.lstrip("+")
        body = ('"user_preferences":[{"wa_id":"' + wa_p + '","detail":"User requested to stop marketing messages",'
                '"category":"marketing_messages","value":"stop","timestamp":' + ts_p.astype(str) + "}]")
        frames.append(pd.DataFrame({"ts": ts_p, "order": 0, "line": _envelope(body, "user_preferences")}))
    lines = pd.concat(frames, ignore_index=True).sort_values(["ts", "order"], kind="stable")
    path.write_text("\n".join(lines["line"]) + "\n", encoding="utf-8")
    return len(lines)


def chat_filename(world: World) -> str:
    return f"Chat WhatsApp con {world.group_name}.txt"


def write_chat(world: World, path: Path) -> int:
    m = world.messages
    chat = m[m["source"] == "chat"]
    stamp = chat["local"].dt.strftime("%d/%m/%y, %H:%M - ")
    system = chat["kind"].eq("system")
    text = stamp + np.where(system, "", chat["author"] + ": ") + chat["body"]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return len(chat)


def _pretty(phones: pd.Series) -> pd.Series:
    """Numbers as people type them in a spreadsheet (+39 333 123 4567); invalid ones as they are."""
    def fmt(e164: str) -> str:
        num = phonenumbers.parse(e164, None)
        if not phonenumbers.is_valid_number(num):
            return e164
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phones.map(fmt)


def _ascii(s: pd.Series) -> pd.Series:
    return (s.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
            .str.lower().str.replace(r"[^a-z]+", "", regex=True))


def write_contacts(world: World, path: Path) -> int:
    p = world.people[world.people["in_contacts"]]
    frame = pd.DataFrame({
        "Codice": "C" + p["pid"].astype(str).str.zfill(5),
        "Nome": p["first_name"], "Cognome": p["last_name"], "Cellulare": _pretty(p["phone"]),
        "Email": _ascii(p["first_name"]) + "." + _ascii(p["last_name"]) + "@example.it",
        "Tipo": p["relationship"].map(RELATIONSHIP_WORDS).fillna(""),
        "Fuso orario": p["declared_tz"].fillna(""),
        "In rubrica": np.where(p["saved_business"], "sì", "no"),
    })
    path.write_text(frame.to_csv(sep=";", index=False, lineterminator="\r\n"), encoding="utf-8-sig")
    return len(frame)


def write_consents(world: World, path: Path) -> int:
    c = world.consents.sort_values(["t", "phone"], kind="stable")
    frame = pd.DataFrame({
        "Telefono": c["phone"], "Finalità": c["purpose"], "Canale": c["channel"], "Stato": c["status"],
        "Data": pd.to_datetime(c["t"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Evidenza": c["evidence"].fillna(""), "Modalità": c["method"].fillna(""),
        "Titolare": c["business_name"].fillna(""),
    })
    path.write_text(frame.to_csv(sep=";", index=False, lineterminator="\r\n"), encoding="utf-8-sig")
    return len(frame)


def write_optouts(world: World, path: Path) -> int:
    o = world.optouts.sort_values(["since", "phone"], kind="stable")
    frame = pd.DataFrame({"Telefono": o["phone"], "Tipo": o["kind"],
                          "Dal": pd.to_datetime(o["since"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")})
    path.write_text(frame.to_csv(sep=";", index=False, lineterminator="\r\n"), encoding="utf-8-sig")
    return len(frame)


def inventory_data(world: World) -> dict:
    org = world.organisation
    organisation = {
        "name": org.name, "country": org.country, "timezone": org.timezone, "kind": org.kind, "aim": org.aim,
        "business_phones": [a.phone for a in world.accounts],
        "business_names": [org.president], "contact": org.contact,
    }
    if org.art9_condition:
        organisation["art9_condition"] = org.art9_condition
    systems = []
    for s in world.systems:
        entry: dict = {"name": s.name, "operator": s.operator, "role": s.role, "country": s.country,
                       "channels": list(s.channels), "data": list(s.data), "purposes": list(s.purposes)}
        transfers = []
        for c in s.claims:
            t: dict = {"mechanism": c.mechanism, "from": c.start}
            if c.end:
                t["to"] = c.end
            if c.certified is not None:
                t["certified"] = c.certified
            if c.signed:
                t["signed"] = c.signed
            if c.note:
                t["note"] = c.note
            transfers.append(t)
        if transfers:
            entry["transfers"] = transfers
        systems.append(entry)
    return {"organisation": organisation, "systems": systems}


def write_inventory(world: World, path: Path) -> int:
    header = ("# Inventory of a simulated association (msgaudit simulate): who it is, where its data lives,\n"
              "# and which transfer safeguard each system relied on, and when.\n")
    path.write_text(header + yaml.safe_dump(inventory_data(world), sort_keys=False, allow_unicode=True, width=120),
                    encoding="utf-8")
    return len(world.systems)


def write_truth(truth: pd.DataFrame, path: Path) -> int:
    path.write_text(truth.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    return len(truth)


def write_world(world: World, path: Path) -> None:
    path.write_text(json.dumps(world.describe(), ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
