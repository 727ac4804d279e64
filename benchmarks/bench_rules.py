"""Benchmark: every default rule pack over 1,000,000 messages, 100,000 contacts, 200,000 consent events.

    .venv/bin/python benchmarks/bench_rules.py [--messages N] [--contacts N] [--consent N]
                                               [--seed N] [--profile FILE] [--no-duckdb]

The canonical tables are built in memory (vectorised numpy): a year of
WhatsApp and SMS traffic of an Italian shop, mostly Italian mobiles with US and
French numbers, ~30% inbound, templates by category, a few % STOP replies,
WhatsApp groups, a consent ledger with withdrawals, opt-out lists and a few
systems. They pass through `msgaudit.tables.conform` like ingested tables.

Timed: `prepare()`; each rule (its `where`, its check, and the conversion
of its violations into findings, apart); the final sort; the total. Then the
same consent-as-of, opt-out-after-keyword, quiet-hours, frequency-cap and
service-window checks as SQL (benchmarks/reference_checks.sql) in DuckDB over
the same tables, with the number of rows each side flags (they should agree)
and the ratio engine / DuckDB. Wall and CPU time (process_time: every thread,
so DuckDB's parallel work counts in full) are both printed; the machine may be
shared, and CPU time is the steadier of the two.

Target (issue 3): the engine within 3 x DuckDB for those checks, under 4 GB
peak memory (the process's ru_maxrss, taken before DuckDB runs). Exits 1 when
either is missed. `--profile FILE` writes a cProfile of prepare + evaluate.
"""

from __future__ import annotations

import argparse
import cProfile
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from msgaudit.inventory import Organisation
from msgaudit.law import load_reference
from msgaudit.law.calendar import holiday_dates
from msgaudit.phones import normalise, parse_phone
from msgaudit.rules import evaluate as evaluate_module
from msgaudit.rules.context import CheckContext
from msgaudit.rules.evaluate import evaluate
from msgaudit.rules.loader import load_packs
from msgaudit.rules.prepare import prepare
from msgaudit.tables import CONSENT_EVENTS, CONTACTS, MESSAGES, OPTOUTS, SYSTEMS, Tables, conform

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "rules"
SQL = HERE / "reference_checks.sql"
START = pd.Timestamp("2024-07-01", tz="UTC")
DAYS = 365
AS_OF = pd.Timestamp("2025-07-01", tz="UTC")

# Engine rules and the reference SQL that checks the same thing (reference_checks.sql sections).
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "consent as-of": (("CONSENT-001", "CONSENT-002", "CONSENT-003"), ("consent_asof",)),
    "opt-out after keyword": (("OPTOUT-001",), ("optout_keyword",)),
    "quiet hours": (("TIMING-001", "TIMING-002", "TIMING-003"), ("quiet_us", "quiet_fr", "quiet_org")),
    "frequency cap": (("TIMING-005",), ("frequency",)),
    "service window": (("WINDOW-001",), ("service_window",)),
}
# Which SQL result (and, for consent, which outcome) holds the rows each engine rule flags.
AGREEMENT = {
    "CONSENT-001": ("consent_asof", "outcome = 'missing'"), "CONSENT-002": ("consent_asof", "outcome = 'not_yet'"),
    "CONSENT-003": ("consent_asof", "outcome = 'withdrawn'"), "OPTOUT-001": ("optout_keyword", None),
    "TIMING-001": ("quiet_us", None), "TIMING-002": ("quiet_fr", None), "TIMING-003": ("quiet_org", None),
    "TIMING-005": ("frequency", None), "WINDOW-001": ("service_window", None),
}

FIRST_NAMES = np.array(["Mario", "Giulia", "Luca", "Francesca", "Niccolò", "Chiara", "Giuseppe", "Martina", "Alessandro",
                        "Sofia", "Matteo", "Aurora", "Lorenzo", "Beatrice", "Andrea", "Ginevra", "Pietro", "Noemi",
                        "Jean", "Amélie", "John", "Emily", "Zoë", "Raffaella", "Domenico", "Carmela"], dtype=object)
LAST_NAMES = np.array(["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
                       "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Lombardi",
                       "Dubois", "Lefèvre", "Smith", "Johnson", "D'Angelo", "Caruso", "Fabbri", "Nicolò"], dtype=object)
US_AREAS = np.array([212, 646, 415, 310, 305, 312, 713, 617, 206, 404, 702, 602, 808, 907], dtype=np.int64)
MARKETING = np.array([
    "Ciao {n}! Saldi estivi: sconto del 30% su tutta la collezione, solo questo weekend",
    "{n}, offerta esclusiva per te: spedizione gratuita fino a domenica",
    "Nuovi arrivi in negozio, passa a trovarci {n}! Promo 2x1 sugli accessori",
    "Black Friday anticipato: -40% con il codice BF40, {n}",
    "{n}, summer sale! 20% off everything this week",
    "Bonjour {n}, profitez de nos soldes : -25% sur tout le magasin",
], dtype=object)
UTILITY = np.array([
    "Il tuo ordine n. {k} è stato spedito. Tracking: BRT{k}",
    "Promemoria: appuntamento confermato per domani, pratica {k}",
    "Ordine {k} consegnato. Approfitta dello sconto del 10% sul prossimo acquisto!",
    "Your order {k} has shipped",
    "Fattura {k} disponibile nell'area clienti",
], dtype=object)
SERVICE = np.array([
    "Certo {n}, il negozio è aperto fino alle 19:30", "Grazie per averci scritto, ti rispondiamo subito",
    "Sì, la taglia M è disponibile (rif. {k})", "Abbiamo ricevuto la tua richiesta n. {k}", "Of course, see you tomorrow!",
], dtype=object)
AUTH = np.array(["Il tuo codice di verifica è {k}. Non condividerlo con nessuno.", "Your verification code is {k}"],
                dtype=object)
INBOUND = np.array([
    "Grazie!", "Ok", "Va bene, ci sarò", "A che ora chiudete oggi?", "Perfetto 👍", "Buongiorno, vorrei informazioni sull'ordine {k}",
    "Avete la taglia M?", "Thanks!", "Merci beaucoup", "Quanto costa la spedizione in Sardegna?", "Ciao, è arrivato il pacco {k}",
    "Posso passare a ritirare domani?", "👍", "Sì", "No grazie",
], dtype=object)
STOP_REPLIES = np.array(["STOP", "Stop", "stop.", "BASTA", "Cancellami", "ARRÊT", "Unsubscribe", "STOP 🛑", "Revoca"],
                        dtype=object)
LOOKS_LIKE = np.array(["Per favore non scrivetemi più", "please stop sending these messages",
                       "Toglietemi dalla lista, grazie", "Ne m'envoyez plus de promos"], dtype=object)
RESUME = np.array(["START", "Iscrivimi", "Riattiva"], dtype=object)


# --- the tables -----------------------------------------------------------------------------------

def _digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    return pd.Series(rng.integers(0, 10 ** width, size=n)).astype(str).str.zfill(width)


def phones(rng: np.random.Generator, n: int) -> pd.Series:
    """E.164 numbers: 84% Italian mobiles, 2% Italian landlines, 8% US, 5% French mobiles, 1% invalid."""
    kind = rng.choice(5, size=n, p=[0.84, 0.02, 0.08, 0.05, 0.01])
    it_prefix = pd.Series(rng.choice([320, 324, 327, 328, 329, 330, 333, 335, 338, 339, 340, 342, 345, 347, 348,
                                      349, 366, 368, 380, 388, 389, 391, 392, 393], size=n)).astype(str)
    it_mobile = "+39" + it_prefix + _digits(rng, n, 7)
    it_land = "+39" + pd.Series(rng.choice(["02", "06", "011", "055", "081"], size=n)) + _digits(rng, n, 6)
    exchange = pd.Series(rng.integers(201, 999, size=n))
    exchange = exchange.where(exchange != 555, 556).astype(str)
    us = "+1" + pd.Series(rng.choice(US_AREAS, size=n)).astype(str) + exchange + _digits(rng, n, 4)
    fr = "+336" + _digits(rng, n, 8)
    bad = "+39333" + _digits(rng, n, 3)
    out = np.select([kind == 0, kind == 1, kind == 2, kind == 3], [it_mobile, it_land, us, fr], bad)
    # Random digits collide now and then; a contact list has one row per number.
    return pd.Series(out, dtype=object)


def _seconds(ns: np.ndarray) -> pd.DatetimeIndex:
    """UTC instants to the second, as exports carry them."""
    return pd.to_datetime(ns // 10 ** 9 * 10 ** 9, utc=True)


def _fill(templates: np.ndarray, pick: np.ndarray, names: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Texts from `templates[pick]` with {n} a first name and {k} an order number: distinct, as real ones are."""
    out = np.empty(len(pick), dtype=object)
    serials = numbers.astype(str).astype(object)
    for i, text in enumerate(templates):
        mine = pick == i
        s = np.full(int(mine.sum()), "", dtype=object)
        for piece in re.split(r"(\{[nk]\})", text):
            s = s + (names[mine] if piece == "{n}" else serials[mine] if piece == "{k}" else piece)
        out[mine] = s
    return out


def _time_of_day(rng: np.random.Generator, n: int, us: np.ndarray) -> np.ndarray:
    """Seconds after UTC midnight: business hours in Rome (US numbers: in the US), 4% at any hour."""
    day = rng.integers(7 * 3600, 18 * 3600 + 1800, size=n) + np.where(us, 7 * 3600, 0)
    return np.where(rng.random(n) < 0.96, day, rng.integers(0, 86400, size=n)) % 86400


def _messages(rng: np.random.Generator, n: int, contact_phones: pd.Series, strangers: pd.Series, names: pd.Series,
              first: np.ndarray, numbers: pd.DataFrame) -> pd.DataFrame:
    """A year of traffic: heavy-tailed per person, 2% to numbers in no contact list, 0.5% in 40 groups,
    service messages as replies to inbound ones, and opt-outs mostly honoured."""
    n_contacts = len(contact_phones)
    m = int(n * 1.1)
    weights = rng.pareto(2.0, size=n_contacts) + 0.3
    person = rng.choice(n_contacts, size=m, p=weights / weights.sum())
    to_stranger = rng.random(m) < 0.02
    counterpart = np.where(to_stranger, strangers.to_numpy()[rng.integers(0, len(strangers), size=m)],
                           contact_phones.to_numpy()[person])
    cp_name = np.where(to_stranger, None, names.to_numpy()[person])
    first_name = np.where(to_stranger, "cliente", first[person])
    region = pd.Series(counterpart).map(numbers.set_index("phone")["region"]).to_numpy()
    day = rng.integers(0, DAYS, size=m).astype(np.int64)
    stamps = START.value + (day * 86400 + _time_of_day(rng, m, region == "US")) * 1_000_000_000
    inbound = rng.random(m) < 0.3
    in_group = rng.random(m) < 0.005
    category = np.where(inbound, None, rng.choice(np.array(["marketing", "utility", "service", "authentication"], dtype=object),
                                                  size=m, p=[0.3, 0.3, 0.33, 0.07]))
    # A service message answers an inbound one: same person, minutes later (3% a day or more later).
    service = (category == "service") & ~in_group
    asked = np.flatnonzero(inbound & ~in_group)
    answer = asked[rng.integers(0, len(asked), size=int(service.sum()))]
    delay = np.where(rng.random(len(answer)) < 0.97, rng.exponential(900, size=len(answer)),
                     rng.uniform(86400, 3 * 86400, size=len(answer))).astype(np.int64)
    counterpart[service] = counterpart[answer]
    cp_name[service] = cp_name[answer]
    first_name[service] = first_name[answer]
    stamps[service] = stamps[answer] + (delay + 1) * 1_000_000_000
    channel = np.where(rng.random(m) < 0.9, "whatsapp", "sms").astype(object)
    channel[service] = channel[answer]
    is_template = np.where(np.isin(category, ["marketing", "utility", "authentication"]), rng.random(m) < 0.97,
                           np.where(inbound, None, False))
    serial = rng.integers(10_000, 999_999, size=m)
    body = np.empty(m, dtype=object)
    for cat, pool, p in (("marketing", MARKETING, None), ("utility", UTILITY, [0.35, 0.25, 0.04, 0.16, 0.2]),
                         ("service", SERVICE, None), ("authentication", AUTH, None)):
        mine = category == cat
        body[mine] = _fill(pool, rng.choice(len(pool), size=int(mine.sum()), p=p), first_name[mine], serial[mine])
    roll = rng.random(m)
    reply = np.where(roll < 0.02, 1, np.where(roll < 0.024, 2, np.where(roll < 0.026, 3, 0)))
    plain = inbound & (reply == 0)
    body[plain] = _fill(INBOUND, rng.integers(0, len(INBOUND), size=int(plain.sum())), first_name[plain], serial[plain])
    for code, pool in ((1, STOP_REPLIES), (2, LOOKS_LIKE), (3, RESUME)):
        mine = inbound & (reply == code)
        body[mine] = rng.choice(pool, size=int(mine.sum()))
    kind = np.where(rng.random(m) < 0.005, "system", np.where(is_template == True, "template", "text")).astype(object)  # noqa: E712
    body = np.where(kind == "system", "I messaggi sono crittografati end-to-end", body)
    group = rng.integers(0, 40, size=m)
    member = rng.choice(n_contacts, size=(40, 60))[group, rng.integers(0, 60, size=m)]
    conversation = np.where(in_group, "grp-" + pd.Series(group).astype(str).str.zfill(2),
                            "wa:" + pd.Series(counterpart, dtype=object))
    counterpart = np.where(in_group & inbound, contact_phones.to_numpy()[member], np.where(in_group, None, counterpart))
    cp_name = np.where(in_group & inbound, names.to_numpy()[member], np.where(in_group, None, cp_name))
    # The business mostly honours opt-outs: 97% of later one-to-one sends (bar authentication) never happen.
    said_stop = pd.Series(np.where(inbound & ~in_group & np.isin(reply, [1, 2]), stamps, np.iinfo(np.int64).max))
    stop_at = said_stop.groupby(pd.Series(counterpart, dtype=object)).transform("min").to_numpy()
    dropped = (~inbound & ~in_group & (stamps > stop_at) & (category != "authentication") & (rng.random(m) < 0.97))
    # Down to n rows by leaving out campaign sends at random: nothing refers to them.
    spare = np.flatnonzero(~dropped & ~inbound & ~service & ~in_group)
    excess = min(max(int((~dropped).sum()) - n, 0), len(spare))
    dropped[rng.choice(spare, size=excess, replace=False)] = True
    keep = np.flatnonzero(~dropped)
    status = np.where(inbound, "received", rng.choice(np.array(["sent", "delivered", "read", "failed"], dtype=object),
                                                       size=m, p=[0.1, 0.3, 0.57, 0.03]))
    frame = pd.DataFrame({
        "message_id": "wamid." + pd.Series(np.arange(m)).astype(str).str.zfill(8),
        "timestamp": pd.to_datetime(stamps, utc=True),
        "direction": np.where(inbound, "inbound", "outbound"),
        "channel": channel,
        "business_account": np.where(rng.random(m) < 0.8, "+390212345678", "+390687654321"),
        "counterpart": counterpart, "counterpart_name": cp_name,
        "conversation_id": conversation, "conversation_type": np.where(in_group, "group", "individual"),
        "category": category,
        "template_name": np.where(is_template == True, "tpl_" + pd.Series(category, dtype=object).fillna(""), None),  # noqa: E712
        "is_template": pd.array(is_template, dtype="boolean"),
        "kind": kind, "body": body, "status": status,
        "source": "bench/webhook.jsonl:" + pd.Series(np.arange(1, m + 1)).astype(str),
    }).iloc[keep]
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


def _consent(rng: np.random.Generator, m: int, contact_phones: pd.Series) -> pd.DataFrame:
    """A marketing grant for 92% of contacts (a few after the first marketing), then a year of other
    purposes, re-grants and withdrawals."""
    n_contacts = len(contact_phones)
    base = rng.permutation(n_contacts)[: min(int(n_contacts * 0.92), m)]
    rest = m - len(base)
    early, late = pd.Timestamp("2023-07-01", tz="UTC").value, pd.Timestamp("2024-09-01", tz="UTC").value
    who = np.concatenate([base, rng.integers(0, n_contacts, size=rest)])
    first = np.arange(m) < len(base)
    return pd.DataFrame({
        "phone": contact_phones.to_numpy()[who],
        "purpose": np.where(first, "marketing", rng.choice(np.array(["marketing", "service", "newsletter", "any", "membership"],
                                                                    dtype=object), size=m, p=[0.4, 0.25, 0.15, 0.05, 0.15])),
        "channel": np.where(first, np.where(rng.random(m) < 0.8, "whatsapp", "any"),
                            rng.choice(np.array(["whatsapp", "any", "sms", "email"], dtype=object), size=m, p=[0.6, 0.1, 0.2, 0.1])),
        "status": np.where(~first & (rng.random(m) < 0.25), "withdrawn", "granted"),
        "timestamp": _seconds(np.where(first, rng.integers(early, late, size=m), rng.integers(START.value, AS_OF.value, size=m))),
        "evidence": np.where(rng.random(m) < 0.95, "form:" + pd.Series(rng.integers(1, 10 ** 6, size=m)).astype(str), None),
        "method": rng.choice(np.array(["form", "checkbox", "paper", "keyword", "prechecked", "implied"], dtype=object),
                             size=m, p=[0.5, 0.25, 0.1, 0.12, 0.02, 0.01]),
        "business_name": np.where(rng.random(m) < 0.95, "Bottega Rossi Srl", None),
        "source": "bench/consent.csv:" + pd.Series(np.arange(2, m + 2)).astype(str),
    })


@dataclass
class World:
    tables: Tables
    numbers: pd.DataFrame  # phone facts per distinct number, for the SQL side (DuckDB has no phonenumbers)
    counts: dict[str, int] = field(default_factory=dict)


def build(n_messages: int, n_contacts: int, n_consent: int, seed: int) -> World:
    rng = np.random.default_rng(seed)
    contact_phones = pd.Series(pd.unique(phones(rng, int(n_contacts * 1.02))), dtype=object)[:n_contacts]
    n_contacts = len(contact_phones)
    strangers = pd.Series(pd.unique(phones(rng, max(n_contacts // 20, 1))), dtype=object)
    strangers = strangers[~strangers.isin(contact_phones)].reset_index(drop=True)
    first = rng.choice(FIRST_NAMES, size=n_contacts)
    last = rng.choice(LAST_NAMES, size=n_contacts)
    names = pd.Series(first, dtype=object) + " " + pd.Series(last, dtype=object)
    every = pd.concat([contact_phones, strangers], ignore_index=True)
    facts = normalise(every, "IT")
    numbers = pd.DataFrame({"phone": every, "valid": facts["valid"].to_numpy(), "region": facts["region"].to_numpy(),
                            "number_type": facts["number_type"].to_numpy(), "time_zones": facts["time_zones"].to_numpy()})
    cf = numbers.iloc[:n_contacts]
    declared = np.where(rng.random(n_contacts) < 0.02,
                        rng.choice(np.array(["Europe/Rome", "America/New_York", "Europe/Paris", "Europe/Roma"], dtype=object),
                                   size=n_contacts), None)
    contacts = pd.DataFrame({
        "contact_id": "c" + pd.Series(np.arange(n_contacts)).astype(str).str.zfill(6),
        "display_name": names, "phone": contact_phones, "phone_raw": contact_phones,
        "phone_valid": cf["valid"].to_numpy(), "phone_region": cf["region"].to_numpy(),
        "number_type": cf["number_type"].to_numpy(), "time_zones": cf["time_zones"].to_numpy(),
        "time_zone": declared,
        "relationship": rng.choice(np.array(["customer", "prospect", "member", None], dtype=object), size=n_contacts),
        "tags": np.where(rng.random(n_contacts) < 0.3, "vip|newsletter", None),
        "saved_business": rng.random(n_contacts) < 0.7,
        "source": "bench/contacts.csv:" + pd.Series(np.arange(2, n_contacts + 2)).astype(str),
    })

    messages = _messages(rng, n_messages, contact_phones, strangers, names, first, numbers)
    consent = _consent(rng, n_consent, contact_phones)

    k = max(n_contacts // 30, 1)
    optouts = pd.DataFrame({
        "phone": contact_phones.to_numpy()[rng.integers(0, n_contacts, size=k)],
        "kind": rng.choice(np.array(["do-not-contact", "block", "national-registry", "marketing-stop"], dtype=object), size=k,
                           p=[0.3, 0.25, 0.3, 0.15]),
        "since": _seconds(rng.integers(START.value - 180 * 86400 * 10 ** 9, AS_OF.value, size=k)),
        "scope": "marketing",
        "source": "bench/optouts.csv:" + pd.Series(np.arange(2, k + 2)).astype(str),
    })

    day0 = pd.Timestamp
    systems = pd.DataFrame([
        {"system": "WhatsApp", "operator": "WhatsApp LLC", "role": "processor", "country": "US", "channels": "whatsapp",
         "data": "phone numbers|messages", "purposes": "customer care", "mechanism": "dpf",
         "claim_from": day0("2023-09-01", tz="UTC"), "claim_to": None, "certified": True, "signed": None},
        {"system": "SMS gateway", "operator": "Twilio Inc.", "role": "processor", "country": "US", "channels": "sms",
         "data": "phone numbers|messages", "purposes": "notifications", "mechanism": "scc-2010",
         "claim_from": day0("2019-01-01", tz="UTC"), "claim_to": None, "certified": None, "signed": day0("2019-01-01", tz="UTC")},
        {"system": "CRM", "operator": "Bottega Rossi Srl", "role": "controller", "country": "IT", "channels": None,
         "data": "contacts", "purposes": "sales", "mechanism": None, "claim_from": None, "claim_to": None,
         "certified": None, "signed": None},
        {"system": "Backup", "operator": "CloudSafe Pvt Ltd", "role": "processor", "country": "IN", "channels": None,
         "data": "contacts|messages", "purposes": "backup", "mechanism": "none", "claim_from": None, "claim_to": None,
         "certified": None, "signed": None},
    ])
    systems["source"] = ["bench/inventory.yaml:" + str(10 + 8 * i) for i in range(len(systems))]
    tables = Tables(contacts=conform(contacts, CONTACTS), consent_events=conform(consent, CONSENT_EVENTS),
                    messages=conform(messages, MESSAGES), optouts=conform(optouts, OPTOUTS), systems=conform(systems, SYSTEMS))
    return World(tables=tables, numbers=numbers)


# --- the engine -----------------------------------------------------------------------------------

@dataclass
class RuleTime:
    rule_id: str
    seconds: float
    findings_seconds: float
    findings: int
    cpu_seconds: float


@dataclass
class EngineRun:
    prepare_s: float
    prepare_cpu: float
    rules: list[RuleTime]
    sort_s: float
    sort_cpu: float
    findings: int


def clocks() -> tuple[float, float]:
    """Wall and CPU time (every thread of the process): on a shared machine the CPU time is the steadier."""
    return time.perf_counter(), time.process_time()


def run_engine(world: World, profile: str | None) -> EngineRun:
    packs = [lp.pack for lp in load_packs([RULES])]
    reference = load_reference()
    org = Organisation(name="Bottega Rossi Srl", country="IT", timezone="Europe/Rome", kind="company", aim="commercial")
    # The ingest parsed the raw numbers; prepare parses the E.164 forms afresh, as in a real audit.
    parse_phone.cache_clear()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    t0, c0 = clocks()
    prepared = prepare(world.tables, "IT")
    t1, c1 = clocks()
    ctx = CheckContext(tables=prepared, reference=reference, organisation=org, as_of=AS_OF)

    # One evaluate() over every pack, as an audit runs it (rules that share a selection share work),
    # with a clock per rule: a rule runs from its summary's creation to the next one's (the last, to
    # the first sort comparison), and `to_findings` is timed apart.
    marks: list[tuple[str, tuple[float, float]]] = []
    converting: dict[str, float] = {}
    ended: list[tuple[float, float]] = []
    real_summary, real_convert, real_key = evaluate_module.RuleSummary, evaluate_module.to_findings, evaluate_module.sort_key

    def summary(**kwargs):  # type: ignore[no-untyped-def]
        marks.append((kwargs["id"], clocks()))
        return real_summary(**kwargs)

    def convert(rule, *args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return real_convert(rule, *args, **kwargs)
        finally:
            converting[rule.id] = converting.get(rule.id, 0.0) + time.perf_counter() - t

    def first_sort_key(f):  # type: ignore[no-untyped-def]
        if not ended:
            ended.append(clocks())
        return real_key(f)

    evaluate_module.RuleSummary, evaluate_module.to_findings, evaluate_module.sort_key = summary, convert, first_sort_key
    try:
        findings, summaries = evaluate(packs, ctx, mask=True, org_source="inventory")
        done = clocks()
    finally:
        evaluate_module.RuleSummary, evaluate_module.to_findings, evaluate_module.sort_key = real_summary, real_convert, real_key
    last = ended[0] if ended else done
    bounds = [m[1] for m in marks] + [last]
    counts = {r.id: r.findings for r in summaries}
    times = [RuleTime(rule_id, bounds[i + 1][0] - start[0], converting.get(rule_id, 0.0), counts[rule_id],
                      bounds[i + 1][1] - start[1])
             for i, (rule_id, start) in enumerate(marks)]
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    return EngineRun(t1 - t0, c1 - c0, times, done[0] - last[0], done[1] - last[1], len(findings))


# --- DuckDB ---------------------------------------------------------------------------------------

def sql_sections(text: str) -> list[tuple[str, str]]:
    """The `-- name: X` sections of reference_checks.sql, in order."""
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)
    return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts), 2)]


def run_duckdb(world: World) -> tuple[float, dict[str, float], dict[str, float], dict[str, int]]:
    import duckdb

    reference = load_reference()
    matcher = reference.optout_matcher(None)
    fr = reference.quiet.holiday_calendars["fr"]
    t = world.tables
    con = duckdb.connect()
    frames = {
        "messages_df": t.messages, "contacts_df": t.contacts, "consent_df": t.consent_events, "optouts_df": t.optouts,
        "numbers_df": world.numbers,
        "optout_keywords_df": pd.DataFrame({"keyword": sorted(matcher.optout_keywords)}),
        "resume_keywords_df": pd.DataFrame({"keyword": sorted(matcher.resume_keywords)}),
        "fr_holidays_df": pd.DataFrame({"day": sorted(holiday_dates(fr, range(2023, 2027)))}),
    }
    t0 = time.perf_counter()
    for name, frame in frames.items():
        con.register(name, frame)
        con.execute(f"CREATE TABLE {name.removesuffix('_df')} AS SELECT * FROM {name}")
        con.unregister(name)
    load_s = time.perf_counter() - t0
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, statement in sql_sections(SQL.read_text(encoding="utf-8")):
        t1, c1 = clocks()
        con.execute(statement)
        t2, c2 = clocks()
        times[name], cpu[name] = t2 - t1, c2 - c1
        rows[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    for rule_id, (table, where) in AGREEMENT.items():
        rows[rule_id] = con.execute(f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")).fetchone()[0]
    con.close()
    return load_s, times, cpu, rows


# --- report ---------------------------------------------------------------------------------------

def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--consent", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--profile", help="write a cProfile of prepare + evaluate to this file")
    ap.add_argument("--no-duckdb", action="store_true", help="time the engine only")
    args = ap.parse_args()

    t = time.perf_counter()
    world = build(args.messages, args.contacts, args.consent, args.seed)
    tb = world.tables
    print(f"tables: {len(tb.messages):,} messages, {len(tb.contacts):,} contacts, {len(tb.consent_events):,} consent events, "
          f"{len(tb.optouts):,} opt-outs, {len(tb.systems)} systems; built in {time.perf_counter() - t:.1f} s "
          f"(not timed below); RSS {peak_mb():,.0f} MB")

    run = run_engine(world, args.profile)
    rule_times = run.rules
    rules_s = sum(r.seconds for r in rule_times)
    rules_cpu = sum(r.cpu_seconds for r in rule_times)
    convert_s = sum(r.findings_seconds for r in rule_times)
    total = run.prepare_s + rules_s + run.sort_s
    total_cpu = run.prepare_cpu + rules_cpu + run.sort_cpu
    peak = peak_mb()
    print(f"\nengine: prepare {run.prepare_s:.2f} s · rules {rules_s:.2f} s (of which findings conversion {convert_s:.2f} s) · "
          f"sort {run.sort_s:.2f} s · total {total:.2f} s · {run.findings:,} findings · peak RSS {peak:,.0f} MB")
    print(f"CPU time: prepare {run.prepare_cpu:.2f} s · rules {rules_cpu:.2f} s · sort {run.sort_cpu:.2f} s · "
          f"total {total_cpu:.2f} s")
    print(f"{'rule':<14}{'total s':>9}{'check s':>9}{'findings s':>12}{'CPU s':>8}{'findings':>10}")
    for r in rule_times:
        print(f"{r.rule_id:<14}{r.seconds:>9.3f}{r.seconds - r.findings_seconds:>9.3f}{r.findings_seconds:>12.3f}"
              f"{r.cpu_seconds:>8.3f}{r.findings:>10,}")

    ok = peak < 4096
    if not args.no_duckdb:
        load_s, sql_times, sql_cpu, sql_rows = run_duckdb(world)
        by_rule = {r.rule_id: r for r in rule_times}
        print(f"\nDuckDB: load {load_s:.2f} s (not counted); deliveries {sql_times['deliveries']:.2f} s "
              f"(CPU {sql_cpu['deliveries']:.2f} s, all threads)")
        print(f"{'check':<24}{'engine s':>10}{'DuckDB s':>10}{'ratio':>8}{'CPU ratio':>11}   rows flagged engine / DuckDB")
        engine_sum = sql_sum = engine_cpu = sql_cpu_sum = 0.0
        for family, (rule_ids, sections) in FAMILIES.items():
            e = sum(by_rule[i].seconds for i in rule_ids)
            d = sum(sql_times[s] for s in sections)
            ec = sum(by_rule[i].cpu_seconds for i in rule_ids)
            dc = sum(sql_cpu[s] for s in sections)
            engine_sum += e
            sql_sum += d
            engine_cpu += ec
            sql_cpu_sum += dc
            agree = ", ".join(f"{i} {by_rule[i].findings:,}/{sql_rows[i]:,}" for i in rule_ids)
            print(f"{family:<24}{e:>10.2f}{d:>10.2f}{e / d:>8.1f}{ec / dc:>11.1f}   {agree}")
        print(f"{'checks only':<24}{engine_sum:>10.2f}{sql_sum:>10.2f}{engine_sum / sql_sum:>8.1f}"
              f"{engine_cpu / sql_cpu_sum:>11.1f}")
        e_all = run.prepare_s + engine_sum
        d_all = sql_times["deliveries"] + sql_sum
        ec_all = run.prepare_cpu + engine_cpu
        dc_all = sql_cpu["deliveries"] + sql_cpu_sum
        ratio = e_all / d_all
        print(f"{'with prepare/deliveries':<24}{e_all:>10.2f}{d_all:>10.2f}{ratio:>8.1f}{ec_all / dc_all:>11.1f}"
              f"   (target: within 3x, wall time)")
        print(f"{'all packs vs those checks':<24}{total:>10.2f}{d_all:>10.2f}{total / d_all:>8.1f}{total_cpu / dc_all:>11.1f}")
        ok = ok and ratio <= 3
    print(f"\npeak RSS {peak:,.0f} MB (target under 4,096 MB) → {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
