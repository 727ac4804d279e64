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


CHUNK = 200_000  # lines built and written at a time, so a million messages never sit in memory as text


def write_webhooks(world: World, path: Path, rng: np.random.Generator) -> int:
    """Sort every line to be written by (time, kind) first, then build and write the text chunk by chunk."""
    m = world.messages
    m = m[m["source"] == "webhook"].reset_index(drop=True)
    out = np.flatnonzero(m["direction"].to_numpy() == "outbound")
    inbound = np.flatnonzero(m["direction"].to_numpy() == "inbound")
    sent = _unix(m["t"]).to_numpy()
    delivered = sent[out] + rng.integers(1, 20, len(out))
    prefs = world.preferences
    pref_ts = _unix(pd.Series(pd.DatetimeIndex(prefs["t"]))).to_numpy() if len(prefs) else np.array([], dtype=np.int64)
    # One row per line: its time, its order within a second, which kind of line, and the row it comes from.
    plan = pd.DataFrame({
        "ts": np.concatenate([sent[inbound], sent[out], delivered, pref_ts]),
        "order": np.concatenate([np.zeros(len(inbound)), np.ones(len(out)), np.full(len(out), 2),
                                 np.zeros(len(pref_ts))]).astype(np.int8),
        "what": np.concatenate([np.zeros(len(inbound)), np.ones(len(out)), np.full(len(out), 2),
                                np.full(len(pref_ts), 3)]).astype(np.int8),
        "row": np.concatenate([inbound, out, out, np.arange(len(pref_ts))]),
    }).sort_values(["ts", "order"], kind="stable")
    phones = world.people["phone"].to_numpy()
    first_names = world.people["first_name"].to_numpy()
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for begin in range(0, len(plan), CHUNK):
            part = plan.iloc[begin:begin + CHUNK]
            lines = pd.Series("", index=part.index, dtype=object)
            for what, render in ((0, _inbound_lines), (1, _status_lines("sent")), (2, _status_lines("delivered")),
                                 (3, _preference_lines)):
                sel = part["what"].to_numpy() == what
                if sel.any():
                    rows = part.loc[sel, "row"].to_numpy()
                    source = prefs.iloc[rows] if what == 3 else m.iloc[rows]
                    lines[sel] = render(source, part.loc[sel, "ts"], phones, first_names).to_numpy()
            fh.write("\n".join(lines) + "\n")
    return len(plan)


def _status_lines(status: str):
    def render(rows: pd.DataFrame, ts: pd.Series, phones: np.ndarray, _names: np.ndarray) -> pd.Series:
        wa = pd.Series(phones[rows["pid"].to_numpy()], index=ts.index).str.lstrip("+")
        kind = np.where(rows["is_template"].to_numpy(dtype=bool), "regular", "free_customer_service")
        body = ('"statuses":[{"id":"' + pd.Series(rows["mid"].to_numpy(), index=ts.index) + '","status":"' + status
                + '","timestamp":"' + ts.astype(str) + '","recipient_id":"' + wa
                + '","pricing":{"billable":true,"pricing_model":"PMP","type":"' + kind + '","category":"'
                + pd.Series(rows["category"].to_numpy(), index=ts.index) + '"}}]')
        return _envelope(body)
    return render


def _inbound_lines(rows: pd.DataFrame, ts: pd.Series, phones: np.ndarray, names: np.ndarray) -> pd.Series:
    pid = rows["pid"].to_numpy()
    wa = pd.Series(phones[pid], index=ts.index).str.lstrip("+")
    name = _json_str(pd.Series(names[pid], index=ts.index))
    text = _json_str(pd.Series(rows["body"].to_numpy(), index=ts.index))
    body = ('"contacts":[{"profile":{"name":' + name + '},"wa_id":"' + wa + '"}],"messages":[{"from":"' + wa
            + '","id":"' + pd.Series(rows["mid"].to_numpy(), index=ts.index) + '","timestamp":"' + ts.astype(str)
            + '","type":"text","text":{"body":' + text + "}}]")
    return _envelope(body)


def _preference_lines(rows: pd.DataFrame, ts: pd.Series, _phones: np.ndarray, _names: np.ndarray) -> pd.Series:
    wa = pd.Series(rows["phone"].to_numpy(), index=ts.index).str.lstrip("+")
    body = ('"user_preferences":[{"wa_id":"' + wa + '","detail":"User requested to stop marketing messages",'
            '"category":"marketing_messages","value":"stop","timestamp":' + ts.astype(str) + "}]")
    return _envelope(body, "user_preferences")


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


def _ascii(s: pd.Series) -> pd.Series:
    return (s.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
            .str.lower().str.replace(r"[^a-z]+", "", regex=True))


def write_contacts(world: World, path: Path) -> int:
    p = world.people[world.people["in_contacts"]]
    frame = pd.DataFrame({
        "Codice": "C" + p["pid"].astype(str).str.zfill(5),
        "Nome": p["first_name"], "Cognome": p["last_name"], "Cellulare": p["pretty"],
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
        "business_names": [org.president], "rights_contact": org.contact,
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
            if c.tia:
                t["tia"] = c.tia
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
