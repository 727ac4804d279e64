"""Behaviour over simulated days: clean traffic, then the violations, injected at the configured rates.

Clean traffic respects every rule by construction: marketing goes only to
people with a marketing opt-in, never to +1 numbers, at most once every nine
days (so never five in 30 days), inside 09:00–19:30 in every zone of the
recipient (Mon–Fri 10–12:30/14–19:30 outside French holidays for France);
free-form replies follow an inbound message within minutes; everyone messaged
has a WhatsApp opt-in naming the business with evidence, is in the contact
list and has a valid mobile number; a STOP is confirmed once and then nothing
more is sent.

Each incident takes people nobody else touched, changes their state (a
withdrawal, a STOP, a do-not-contact entry...) and removes the clean traffic
a well-run business would have suppressed after that change, so the only
violations are the injected ones. `truth.label` then names, for every rule,
exactly what the world violates.

All per-message work is vectorised: a million messages are a few dozen
frame operations, never a Python loop per message.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from dateutil.easter import easter

from msgaudit.simulate import texts
from msgaudit.simulate.config import CONTACT_RULES, GROUP_RULES, WORLD_RULES, SimConfig
from msgaudit.simulate.hours import CLEAN, DAY, FR_HOURS
from msgaudit.simulate.incidents import inject
from msgaudit.simulate.model import (BusinessAccount, Organisation, System, Template, TransferClaim, World)
from msgaudit.simulate.people import DECLARED, REGIONS, draw_numbers, unique_names

INCIDENT_SHARE = 0.01  # at most this share of the contacts take part in incidents of one rule
MARKETING_SPACING = 9  # days between two marketing sends to one person: at most 4 in any 30 days
ORG = "Associazione Culturale Esempio APS"
PRESIDENT = "Mario Rossi"


def french_holidays(first: date, last: date) -> set[date]:
    out: set[date] = set()
    for year in range(first.year, last.year + 1):
        e = easter(year)
        out |= {date(year, 1, 1), date(year, 5, 1), date(year, 5, 8), date(year, 7, 14), date(year, 8, 15),
                date(year, 11, 1), date(year, 11, 11), date(year, 12, 25),
                e + timedelta(days=1), e + timedelta(days=39), e + timedelta(days=50)}
    return out


class Sim:
    """One simulation run: the random generator, the people, and the frames being built."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        self.start = pd.Timestamp(cfg.start)
        self.days = cfg.days
        self.fr_holidays = french_holidays(cfg.start, cfg.start + timedelta(days=cfg.days + 60))
        self.messages: list[pd.DataFrame] = []
        self.consents: list[pd.DataFrame] = []
        self.optouts: list[pd.DataFrame] = []
        self.prefs: list[pd.DataFrame] = []
        self.drops: list[pd.DataFrame] = []  # pid, after: clean traffic of pid after this instant is suppressed
        self.incidents: dict[str, int] = {}
        # The president's extra lines in the group (local, body, category, art9), posted by incidents.
        self.group_posts: list[pd.DataFrame] = []

    # --- how many incidents -------------------------------------------------------------

    def count(self, rule: str, per: int) -> int:
        rate = self.cfg.rate(rule)
        if rate <= 0:
            return 0
        if rule in WORLD_RULES:
            return int(self.rng.random() < min(1.0, rate))
        # Each incident takes fresh people: cap them so most of the world keeps its ordinary traffic.
        cap = max(1, int(self.cfg.contacts * INCIDENT_SHARE))
        return min(cap, max(1, int(self.rng.binomial(per, min(1.0, rate)))))

    # --- time ------------------------------------------------------------------------------

    def local_seconds(self, n: int, windows: tuple[tuple[int, int], ...]) -> np.ndarray:
        lengths = np.array([b - a for a, b in windows], dtype=float)
        which = self.rng.choice(len(windows), n, p=lengths / lengths.sum())
        starts = np.array([a for a, _ in windows])[which]
        return starts + (self.rng.random(n) * lengths[which]).astype(np.int64)

    def at_local(self, pids: np.ndarray, day: np.ndarray, sec: np.ndarray) -> pd.Series:
        """UTC instants of local wall-clock times (start + day, sec) in each person's primary zone."""
        zone = self.people["primary_zone"].to_numpy()[pids]
        naive = pd.Series(self.start + pd.to_timedelta(day * DAY + sec, unit="s"))
        out = pd.Series(pd.NaT, index=naive.index, dtype="datetime64[ns, UTC]")
        for z in np.unique(zone):
            sel = zone == z
            out[sel] = naive[sel].dt.tz_localize(z, nonexistent="shift_forward", ambiguous=True).dt.tz_convert("UTC")
        return out

    def fr_safe_day(self, pids: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Move French recipients' days forward to the next weekday that is not a French holiday."""
        day = day.copy()
        french = self.people["region"].to_numpy()[pids] == "FR"
        for _ in range(5):
            d = pd.to_datetime(self.start + pd.to_timedelta(day, unit="D"))
            bad = french & ((d.day_of_week >= 5) | pd.Index(d.date).isin(self.fr_holidays))
            if not bad.any():
                break
            day[bad] += 1
        return day

    # --- frames -----------------------------------------------------------------------------

    def add(self, t: pd.Series, pid: np.ndarray, direction: str, category: str | None, *, template: bool = False,
            kind: str | None = None, body: np.ndarray | None = None, optout: bool = False, looks_like: bool = False,
            tag: str = "clean", source: str = "webhook") -> None:
        n = len(pid)
        if n == 0:
            return
        self.messages.append(pd.DataFrame({
            "t": pd.DatetimeIndex(t).tz_convert("UTC").floor("s"), "direction": direction, "channel": "whatsapp",
            "source": source, "pid": pid.astype(np.int64), "category": category, "is_template": template,
            "kind": kind or ("template" if template else ("other" if direction == "outbound" else "text")),
            "body": body if body is not None else None, "optout": optout, "looks_like": looks_like, "tag": tag,
        }))

    def consent(self, pids: np.ndarray, purpose: str | np.ndarray, channel: str | np.ndarray, status: str,
                t: pd.Series, *, evidence: object = "form", method: str | np.ndarray = "form",
                business: object = ORG) -> None:
        if len(pids) == 0:
            return
        phone = self.people["phone"].to_numpy()[pids]
        if isinstance(evidence, str) and evidence == "form":
            years = pd.DatetimeIndex(t).tz_convert("UTC").year.astype(str)
            evidence = "Modulo " + years + " n. " + pd.Series(pids).astype(str).str.zfill(4).to_numpy()
        self.consents.append(pd.DataFrame({
            "phone": phone, "purpose": purpose, "channel": channel, "status": status,
            "t": pd.DatetimeIndex(t).tz_convert("UTC").floor("s"), "evidence": evidence, "method": method,
            "business_name": business,
        }))

    def drop_after(self, pids: np.ndarray, after: pd.Series | pd.Timestamp) -> None:
        when = after.to_numpy() if isinstance(after, pd.Series) else [after] * len(pids)
        self.drops.append(pd.DataFrame({"pid": pids.astype(np.int64), "after": pd.to_datetime(when, utc=True)}))

    def take(self, mask: np.ndarray, k: int) -> np.ndarray:
        """k people among `mask` that no incident or special flow has touched yet; they are marked as used."""
        free = np.flatnonzero(mask & ~self.used)
        chosen = np.sort(self.rng.choice(free, min(k, len(free)), replace=False)) if len(free) else free
        self.used[chosen] = True
        return chosen

    # --- the world ----------------------------------------------------------------------------

    def organisation(self) -> Organisation:
        forced = self.cfg.art9
        if forced is None:
            u = self.rng.random()
            p1, p2 = min(1.0, self.cfg.rate("SPECIAL-001")), min(1.0, self.cfg.rate("SPECIAL-002"))
            forced = "undeclared" if u < p1 else ("9.2.d" if u < min(1.0, p1 + p2) else "cultural")
        self.art9 = forced
        if forced == "undeclared":
            self.incidents["SPECIAL-001"] = 1
            return Organisation(ORG, "association", "political", None, president=PRESIDENT,
                                contact="privacy@associazione-esempio.it")
        if forced == "9.2.d":
            return Organisation(ORG, "association", "trade-union", "9.2.d", president=PRESIDENT,
                                contact="privacy@associazione-esempio.it")
        return Organisation(ORG, "association", "cultural", None, president=PRESIDENT,
                            contact="privacy@associazione-esempio.it")

    def make_people(self, extra: dict[str, int], group_size: int) -> None:
        cfg, rng = self.cfg, self.rng
        n_special = sum(extra.values())
        n_regular = max(cfg.contacts - n_special - group_size, 20)
        regions = np.array(list(REGIONS))
        weights = np.array([w for w, _ in REGIONS.values()])
        kinds = np.concatenate([rng.choice(regions, n_regular, p=weights / weights.sum()),
                                np.repeat("IT", group_size),
                                np.repeat("invalid", extra["invalid"]), np.repeat("fixed", extra["fixed"]),
                                np.repeat("IT", extra["outside"] + extra["unconsented"] + extra["prospect"])])
        n = len(kinds)
        numbers = draw_numbers(rng, kinds, set())
        first, last = unique_names(rng, n, {PRESIDENT.casefold()})
        role = np.array(["webhook"] * n_regular + ["group"] * group_size + ["webhook"] * (extra["invalid"] + extra["fixed"])
                        + ["webhook"] * extra["outside"] + ["listed"] * extra["unconsented"] + ["webhook"] * extra["prospect"],
                        dtype=object)
        lang = np.array([REGIONS.get(k, (0, "it"))[1] for k in kinds], dtype=object)
        if self.art9 == "9.2.d":
            rel = rng.choice(["member", "former-member", "regular-contact"], n, p=[0.7, 0.1, 0.2]).astype(object)
        else:
            rel = rng.choice(["member", "customer", "prospect"], n, p=[0.4, 0.4, 0.2]).astype(object)
        rel[role == "group"] = "member"
        declared = np.where((rng.random(n) < 0.05) & (kinds == "IT") & (role == "webhook"),
                            rng.choice(DECLARED, n), None).astype(object)
        in_contacts = np.ones(n, dtype=bool)
        s = n_regular + group_size + extra["invalid"] + extra["fixed"]
        in_contacts[s:s + extra["outside"]] = False
        rel[s:s + extra["outside"]] = None
        rel[n - extra["prospect"]:] = "prospect"
        # Listed-only people are in the contact list but never written to; a share of regular people too.
        quiet = (role == "webhook") & (rng.random(n) < 0.05)
        quiet[n_regular:] = False
        role[quiet] = "listed"
        zones = numbers["zones"].to_numpy()
        primary = np.where(pd.notna(declared), declared,
                           np.where(zones != "", pd.Series(zones).str.split("|").str[0].to_numpy(), "Europe/Rome"))
        self.people = pd.DataFrame({
            "pid": np.arange(n), "first_name": first, "last_name": last, "name": first + " " + last,
            "phone": numbers["phone"], "pretty": numbers["pretty"], "region": numbers["region"], "zones": zones, "declared_tz": declared,
            "primary_zone": primary, "number_type": numbers["number_type"], "valid": numbers["valid"], "lang": lang,
            "relationship": rel, "saved_business": rng.random(n) < 0.8, "in_contacts": in_contacts, "role": role,
            "marketing": False,
        })
        self.n_regular = n_regular
        self.used = np.zeros(n, dtype=bool)
        self.used[role != "webhook"] = True
        self.used[n_regular:] = True  # built for one incident each: taken by name, not from the pool
        self.special = {
            "invalid": np.arange(n_regular + group_size, n_regular + group_size + extra["invalid"]),
            "fixed": np.arange(n_regular + group_size + extra["invalid"], s),
            "outside": np.arange(s, s + extra["outside"]),
            "unconsented": np.arange(s + extra["outside"], s + extra["outside"] + extra["unconsented"]),
            "prospect": np.arange(n - extra["prospect"], n),
        }

    def base_consent(self) -> None:
        """Everyone but the unconsented gets a WhatsApp opt-in before the period; most webhook people marketing too."""
        p, rng = self.people, self.rng
        has = np.ones(len(p), dtype=bool)
        has[self.special["unconsented"]] = False
        pids = np.flatnonzero(has)
        rel = p["relationship"].to_numpy()[pids]
        membership = np.isin(rel, ["member", "former-member", "regular-contact"])
        purpose = np.where(membership, "membership", "service")
        channel = np.where(membership & (rng.random(len(pids)) < 0.5), "any", "whatsapp")
        t = self.before_start(len(pids))
        method = rng.choice(["form", "paper", "checkbox"], len(pids))
        self.consent(pids, purpose, channel, "granted", t, method=method)
        marketing = (p["role"].to_numpy() == "webhook") & (rng.random(len(p)) < 0.6) & has
        marketing[self.special["invalid"]] = marketing[self.special["fixed"]] = False
        marketing[self.special["outside"]] = marketing[self.special["prospect"]] = False
        mp = np.flatnonzero(marketing)
        self.marketing_channel = pd.Series(rng.choice(["whatsapp", "any"], len(mp), p=[0.7, 0.3]), index=mp)
        self.consent(mp, "marketing", self.marketing_channel.to_numpy(), "granted", self.before_start(len(mp)),
                     method=rng.choice(["form", "checkbox"], len(mp)))
        self.people["marketing"] = marketing

    def before_start(self, n: int) -> pd.Series:
        days = self.rng.integers(30, 700, n)
        sec = self.rng.integers(9 * 3600, 18 * 3600, n)
        return pd.Series(pd.Timestamp(self.cfg.start, tz="Europe/Rome") - pd.to_timedelta(days, unit="D")
                         + pd.to_timedelta(sec, unit="s")).dt.tz_convert("UTC")

    # --- clean traffic -------------------------------------------------------------------------

    def clean_traffic(self, budget: int) -> None:
        cfg, rng, p = self.cfg, self.rng, self.people
        webhook = np.flatnonzero(self.regular())
        if len(webhook) == 0 or budget <= 0:
            return
        eligible = np.flatnonzero(self.regular() & p["marketing"].to_numpy() & (p["region"].to_numpy() != "US"))
        offsets = rng.integers(0, MARKETING_SPACING, len(eligible))
        per = np.maximum((self.days - 1 - offsets) // MARKETING_SPACING + 1, 0)
        slot_pid = np.repeat(eligible, per)
        slot_day = np.repeat(offsets, per) + (np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)) * MARKETING_SPACING
        n_mkt = min(int(budget * cfg.share_marketing), len(slot_pid))
        pick = np.sort(rng.choice(len(slot_pid), n_mkt, replace=False)) if n_mkt else np.array([], dtype=int)
        mpid, mday = slot_pid[pick], self.fr_safe_day(slot_pid[pick], slot_day[pick])
        french = p["region"].to_numpy()[mpid] == "FR"
        sec = self.local_seconds(len(mpid), CLEAN)
        sec[french] = self.local_seconds(int(french.sum()), FR_HOURS)
        self.add(self.at_local(mpid, mday, sec), mpid, "outbound", "marketing", template=True)
        for category, share in (("utility", cfg.share_utility), ("authentication", cfg.share_authentication)):
            n = int(budget * share)
            pid = rng.choice(webhook, n)
            self.add(self.at_local(pid, rng.integers(0, self.days, n), self.local_seconds(n, CLEAN)), pid,
                     "outbound", category, template=True)
        units = max(int((budget - n_mkt - int(budget * cfg.share_utility) - int(budget * cfg.share_authentication)) / 2.8), 0)
        pid = rng.choice(webhook, units)
        t0 = self.at_local(pid, rng.integers(0, self.days, units), self.local_seconds(units, ((9 * 3600, 18 * 3600),)))
        self.conversation(pid, t0, tag="clean")

    def regular(self) -> np.ndarray:
        """People who receive clean traffic: webhook people not built for one incident."""
        return (self.people["role"].to_numpy() == "webhook") & (self.people["pid"].to_numpy() < self.n_regular)

    def conversation(self, pid: np.ndarray, t0: pd.Series, *, tag: str, second: bool = True) -> None:
        """An inbound question answered free-form within minutes; some ask again and get a second answer."""
        rng = self.rng
        n = len(pid)
        self.add(t0, pid, "inbound", None, body=self.pick(texts.QUESTIONS, pid), tag=tag)
        r1 = t0 + pd.to_timedelta(rng.integers(60, 1200, n), unit="s")
        self.add(r1, pid, "outbound", "service", tag=tag)
        if second:
            again = rng.random(n) < 0.4
            q2 = r1[again] + pd.to_timedelta(rng.integers(60, 600, int(again.sum())), unit="s")
            self.add(q2, pid[again], "inbound", None, body=self.pick(texts.QUESTIONS, pid[again]), tag=tag)
            self.add(q2 + pd.to_timedelta(rng.integers(60, 600, int(again.sum())), unit="s"), pid[again],
                     "outbound", "service", tag=tag)

    def pick(self, table: dict[str, tuple[str, ...]], pid: np.ndarray) -> np.ndarray:
        """One text per person from the table, in the person's language (Italian when the table lacks it)."""
        lang = self.people["lang"].to_numpy()[pid]
        out = np.empty(len(pid), dtype=object)
        for code in np.unique(lang):
            sel = lang == code
            options = np.array(table.get(code, table["it"]), dtype=object)
            out[sel] = options[self.rng.integers(0, len(options), int(sel.sum()))]
        return out

    def last_clean(self) -> pd.Series:
        """Each person's last clean message time (after the drops so far)."""
        frame = pd.concat(self.messages, ignore_index=True) if self.messages else pd.DataFrame(columns=["pid", "t"])
        return frame.groupby("pid")["t"].max()

    def day_after(self, pids: np.ndarray, when: pd.Series, lo: int = 1, hi: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """A local day some days after `when` (or a random day for people never messaged), and clean seconds."""
        base = ((when - pd.Timestamp(self.cfg.start, tz="UTC")).dt.total_seconds() // DAY).fillna(-1).to_numpy()
        fresh = base < 0
        base = np.where(fresh, self.rng.integers(0, max(self.days - 3, 1), len(pids)), base + self.rng.integers(lo, hi + 1, len(pids)))
        return base.astype(np.int64), self.local_seconds(len(pids), CLEAN)

    def clean_stops(self) -> None:
        """A few people send STOP after their last message, get one confirmation, and hear nothing more."""
        p, rng = self.people, self.rng
        webhook = self.regular()
        k = max(1, int(webhook.sum() * 0.01))
        last = self.last_clean()
        stop = self.take(webhook, k)
        day, sec = self.day_after(stop, last.reindex(stop).reset_index(drop=True))
        s = self.at_local(stop, day, sec)
        self.add(s, stop, "inbound", None, body=self.pick(texts.OPTOUT_KEYWORDS, stop), optout=True)
        self.add(s + pd.to_timedelta(rng.integers(30, 240, len(stop)), unit="s"), stop, "outbound", "service")
        mk = p["marketing"].to_numpy()[stop]
        self.consent(stop[mk], "marketing", self.marketing_channel.reindex(stop[mk]).to_numpy(), "withdrawn", s[mk],
                     evidence="STOP via WhatsApp", method="keyword")
        # Withdrawals, marketing stops and do-not-contact requests after the last marketing message.
        mkt = p["marketing"].to_numpy() & webhook
        for what in ("withdrawal", "preference", "dnc"):
            who = self.take(mkt, max(1, int(mkt.sum() * 0.01)))
            day, sec = self.day_after(who, last.reindex(who).reset_index(drop=True))
            when = self.at_local(who, day, sec)
            if what == "withdrawal":
                self.consent(who, "marketing", self.marketing_channel.reindex(who).to_numpy(), "withdrawn", when,
                             evidence="Richiesta e-mail", method="form")
            elif what == "preference":
                self.prefs.append(pd.DataFrame({"pid": who, "t": when.dt.floor("s").to_numpy(), "value": "stop"}))
            else:
                self.optouts.append(pd.DataFrame({"pid": who, "kind": "do-not-contact", "since": when.dt.floor("s").to_numpy()}))

    def top_up(self, target: int) -> None:
        """More ordinary conversations for untouched people until the world holds about `target` messages."""
        have = len(suppress(self, _concat(self.messages, [])))
        units = int((target - have) / 2.8)
        pool = np.flatnonzero(self.regular() & ~self.used)
        if units <= 0 or len(pool) == 0:
            return
        pid = self.rng.choice(pool, units)
        t0 = self.at_local(pid, self.rng.integers(0, self.days, units), self.local_seconds(units, ((9 * 3600, 18 * 3600),)))
        self.conversation(pid, t0, tag="clean")

    # --- incidents -----------------------------------------------------------------------------

    def incident_day(self, n: int, lo: int = 3) -> np.ndarray:
        return self.rng.integers(min(lo, self.days - 2), self.days - 1, n)

    def send_marketing(self, who: np.ndarray, tag: str, *, day0: np.ndarray | None = None,
                       windows: tuple[tuple[int, int], ...] = CLEAN, fr_safe: bool = True) -> pd.Series:
        day = self.incident_day(len(who)) if day0 is None else np.asarray(day0)
        if fr_safe:
            day = self.fr_safe_day(who, day)
        sec = self.local_seconds(len(who), windows)
        if fr_safe and windows == CLEAN:
            french = self.people["region"].to_numpy()[who] == "FR"
            sec[french] = self.local_seconds(int(french.sum()), FR_HOURS)
        t = self.at_local(who, day, sec)
        self.add(t, who, "outbound", "marketing", template=True, tag=tag)
        return t

    def forget_consent(self, who: np.ndarray) -> None:
        phones = set(self.people["phone"].to_numpy()[who])
        self.consents = [c[~c["phone"].isin(phones)] for c in self.consents]
        self.people.loc[who, "marketing"] = False

    # --- the association's group -----------------------------------------------------------------

    def group(self, n_nicknames: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The president's personal group: notices to every member, replies, and the export's system lines."""
        p, rng = self.people, self.rng
        members = np.flatnonzero(p["role"].to_numpy() == "group")
        if len(members) == 0:
            return pd.DataFrame(), pd.DataFrame()
        names = list(p["name"].to_numpy()[members]) + list(texts.NICKNAMES[:n_nicknames])
        pids = list(members) + [-1] * n_nicknames
        roster = pd.DataFrame({"pid": pids, "author": names})
        roster["contact"] = np.where(roster["pid"] >= 0, p["phone"].to_numpy()[np.maximum(roster["pid"], 0)],
                                     "name:" + roster["author"])
        created = self.start + pd.Timedelta(hours=9)
        rows = [(created, "", "system", "I messaggi e le chiamate sono crittografati end-to-end. Nessuno al di fuori "
                 "di questa chat, nemmeno WhatsApp, può leggerli o ascoltarli. Tocca per saperne di più."),
                (created, "", "system", f'{PRESIDENT} ha creato il gruppo "{self.group_name}"'),
                (created + pd.Timedelta(minutes=1), "", "system",
                 f"{PRESIDENT} ha aggiunto " + ", ".join(names[:-1]) + " e " + names[-1])]
        lines = pd.DataFrame(rows, columns=["local", "author", "kind", "body"])
        greet = pd.DataFrame({"local": created + pd.to_timedelta(rng.integers(2, 180, len(names)), unit="min"),
                              "author": names, "kind": "text",
                              "body": rng.choice(np.array(texts.GREETINGS, dtype=object), len(names))})
        n = int(np.clip(round(self.cfg.messages * 0.02), 3, self.cfg.max_group_notices))
        local = (self.start + pd.to_timedelta(rng.integers(1, self.days, n), unit="D")
                 + pd.to_timedelta(rng.integers(9 * 60, 20 * 60, n), unit="min"))
        notices = pd.DataFrame({"local": local, "author": PRESIDENT, "kind": "text",
                                "body": rng.choice(np.array(texts.NOTICES, dtype=object), n)})
        k = rng.integers(0, 3, n)
        reply_local = np.repeat(local, k) + pd.to_timedelta(rng.integers(1, 40, int(k.sum())), unit="min")
        replies = pd.DataFrame({"local": reply_local, "author": rng.choice(np.array(names, dtype=object), int(k.sum())),
                                "body": rng.choice(np.array(texts.REPLIES, dtype=object), int(k.sum()))})
        replies["kind"] = np.where(replies["body"].str.startswith("<Media"), "media", "text")
        return _numbered(pd.concat([lines, greet, notices, replies], ignore_index=True)), roster

    def with_group_posts(self, chat: pd.DataFrame) -> pd.DataFrame:
        """The chat with the incidents' posts in time order, lines numbered again as the export numbers them."""
        posts = [p.assign(author=PRESIDENT, kind="text") for p in self.group_posts if len(p)]
        if not posts:
            return chat
        return _numbered(pd.concat([chat.drop(columns=["line", "t"]), *posts], ignore_index=True))

    # --- systems ---------------------------------------------------------------------------------------

    def systems(self) -> list[System]:
        out = [
            System("WhatsApp Business Platform", "Meta Platforms, Inc.", "processor", "US", ("whatsapp",),
                   ("phone numbers", "messages"), ("member communications", "customer care"),
                   (TransferClaim("privacy-shield", date(2018, 5, 25), date(2020, 7, 15)),
                    TransferClaim("none", date(2020, 7, 16), date(2023, 7, 9), note="nobody re-checked after Schrems II"),
                    TransferClaim("dpf", date(2023, 7, 10), certified=True))),
            System("Registro soci (foglio di calcolo)", ORG, "controller", "IT", (),
                   ("names", "phone numbers", "membership fees"), ("membership management",)),
        ]
        flawed = {
            "TRANSFER-001": System("Archivio chat (server in India)", "Example Backup Pvt Ltd", "processor", "IN",
                                   ("whatsapp",), ("messages",), ("backup",), (), "TRANSFER-001"),
            "TRANSFER-002": System("Analytics (USA)", "Example Analytics Inc.", "processor", "US", ("whatsapp",),
                                   ("phone numbers",), ("statistics",),
                                   (TransferClaim("privacy-shield", date(2019, 3, 1)),), "TRANSFER-002"),
            "TRANSFER-003": System("Newsletter provider", "Example Mailer Inc.", "processor", "US", ("whatsapp",),
                                   ("phone numbers", "names"), ("newsletter",),
                                   (TransferClaim("scc-2010", date(2019, 9, 1), signed=date(2019, 8, 20)),), "TRANSFER-003"),
            "TRANSFER-004": System("Cloud CRM", "Example CRM Inc.", "processor", "US", ("whatsapp",),
                                   ("phone numbers", "names"), ("customer care",),
                                   (TransferClaim("dpf", date(2023, 9, 1), certified=False),), "TRANSFER-004"),
            "TRANSFER-005": System("Hosting Brasil", "Exemplo Hospedagem Ltda", "processor", "BR", ("whatsapp",),
                                   ("messages",), ("hosting",),
                                   (TransferClaim("adequacy", date(2024, 1, 1)),), "TRANSFER-005"),
            "TRANSFER-006": System("Helpdesk (India)", "Example Support Pvt Ltd", "processor", "IN", ("whatsapp",),
                                   ("phone numbers", "messages"), ("customer care",),
                                   (TransferClaim("scc-2021", date(2022, 3, 1), signed=date(2022, 2, 20),
                                                  note="clauses signed, the destination's law never assessed"),),
                                   "TRANSFER-006"),
            "TRANSFER-007": System("Archivio foto eventi (USA)", "Example Photos Inc.", "processor", "US", ("whatsapp",),
                                   ("messages",), ("event photos",),
                                   (TransferClaim("derogation", date(2022, 1, 1), note="members' consent at sign-up"),),
                                   "TRANSFER-007"),
        }
        for rule, system in flawed.items():
            if self.count(rule, 1):
                out.append(system)
                self.incidents[rule] = 1
        if self.art9 == "9.2.d":
            # The union's confederation keeps its own register of members: a disclosure outside the body.
            out.append(System("Tesseramento confederale", "Confederazione Sindacale Esempio", "controller", "IT", (),
                              ("names", "phone numbers"), ("membership registration",)))
            self.incidents["SPECIAL-003"] = 1
        return out


def build_world(cfg: SimConfig) -> World:
    sim = Sim(cfg)
    org = sim.organisation()
    sim.group_name = "Soci " + ORG.split(" APS")[0].replace("Associazione Culturale ", "ASD ")
    with_group = cfg.rate("SPECIAL-004") > 0
    group_size = min(cfg.group_members, max(cfg.contacts // 8, 3)) if with_group else 0
    per_msg = {r: sim.count(r, cfg.messages) for r in ("QUALITY-001", "QUALITY-002", "QUALITY-004")}
    extra = {"invalid": per_msg["QUALITY-001"], "fixed": per_msg["QUALITY-002"], "outside": per_msg["QUALITY-004"],
             "unconsented": sim.count("QUALITY-003", cfg.contacts),
             "prospect": sim.count("SPECIAL-002", cfg.messages) if sim.art9 == "9.2.d" else 0}
    sim.make_people(extra, group_size)
    sim.base_consent()
    n_nick = min(sim.count("TIMING-004", cfg.messages), len(texts.NICKNAMES)) if with_group else 0
    chat, roster = sim.group(n_nick) if with_group else (pd.DataFrame(), pd.DataFrame())
    budget = cfg.messages - len(chat)
    sim.clean_traffic(int(budget * 0.9))
    sim.clean_stops()
    order = ("CONSENT-001", "CONSENT-002", "CONSENT-003", "CONSENT-008", "CONSENT-006", "TEMPLATE-003", "TEMPLATE-002",
             "TIMING-001", "TIMING-002", "TIMING-003", "TIMING-005", "OPTOUT-001", "OPTOUT-002",
             "OPTOUT-003", "OPTOUT-004", "OPTOUT-005", "WINDOW-001", "TIMING-006", "TIMING-007", "CONSENT-011",
             "OPTOUT-006", "OPTOUT-007")
    for rule in order:
        inject(sim, rule, sim.count(rule, cfg.messages))
    for rule, key in (("QUALITY-001", "invalid"), ("QUALITY-002", "fixed"), ("QUALITY-004", "outside"),
                      ("SPECIAL-002", "prospect")):
        inject(sim, rule, len(sim.special[key]))
    for rule in sorted(CONTACT_RULES - {"QUALITY-003"}):
        inject(sim, rule, sim.count(rule, cfg.contacts))
    if extra["unconsented"]:
        sim.incidents["QUALITY-003"] = extra["unconsented"]
    if n_nick:
        sim.incidents["TIMING-004"] = n_nick
    sim.top_up(cfg.messages - len(chat))
    systems = sim.systems()
    if with_group and len(chat):
        for rule in GROUP_RULES:
            inject(sim, rule, sim.count(rule, cfg.messages))
        chat = sim.with_group_posts(chat)
    messages = assemble(sim, chat)
    if with_group and len(chat):
        sim.incidents["SPECIAL-004"] = 1  # one group
    return World(
        organisation=org,
        accounts=[BusinessAccount(ORG, "+390255501000", True, "Non-profit organisation"),
                  BusinessAccount(PRESIDENT, "+393331000001", False, "personal", kind="personal-phone")],
        templates=[Template("promo_evento", "marketing", "it", "Ciao {{1}}, sabato c'è la festa sociale: ti aspettiamo!"),
                   Template("promemoria_quota", "utility", "it", "Ciao {{1}}, la tua quota scade il {{2}}."),
                   Template("codice_accesso", "authentication", "it", "{{1}} è il tuo codice di verifica.")],
        systems=systems,
        people=sim.people,
        consents=_concat(sim.consents, ["phone", "purpose", "channel", "status", "t", "evidence", "method", "business_name"]),
        optouts=_with_phone(sim, _concat(sim.optouts, ["pid", "kind", "since"])),
        preferences=_with_phone(sim, _concat(sim.prefs, ["pid", "t", "value"])),
        messages=messages,
        group_members=roster,
        group_name=sim.group_name,
        incidents=sim.incidents,
    )


def _numbered(chat: pd.DataFrame) -> pd.DataFrame:
    chat = chat.sort_values("local", kind="stable").reset_index(drop=True)
    chat["line"] = np.arange(1, len(chat) + 1)
    chat["t"] = chat["local"].dt.tz_localize("Europe/Rome", nonexistent="shift_forward", ambiguous=True).dt.tz_convert("UTC")
    return chat


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _with_phone(sim: Sim, df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(phone=sim.people["phone"].to_numpy()[df["pid"].to_numpy(dtype=np.int64)]) if len(df) else df.assign(phone=None)


def suppress(sim: Sim, msgs: pd.DataFrame) -> pd.DataFrame:
    """Clean traffic a well-run business would not have sent after an incident changed the person's state."""
    drops = _concat(sim.drops, ["pid", "after"])
    if not len(drops) or not len(msgs):
        return msgs
    after = drops.groupby("pid")["after"].min()
    limit = msgs["pid"].map(after)
    return msgs[~((msgs["tag"] == "clean") & limit.notna() & (msgs["t"] > limit))]


def assemble(sim: Sim, chat: pd.DataFrame) -> pd.DataFrame:
    """All messages in time order with their export ids; clean traffic suppressed where a drop says so."""
    msgs = suppress(sim, _concat(sim.messages, []))
    msgs = msgs.sort_values(["t", "pid", "direction"], kind="stable").reset_index(drop=True)
    idx = pd.Series(np.arange(len(msgs))).astype(str).str.zfill(9)
    noise = pd.Series(sim.rng.integers(0, 10**9, len(msgs))).astype(str).str.zfill(9)
    msgs["mid"] = ("wamid.HBgM" + idx + "FQIAERgS" + noise).to_numpy()
    msgs["conversation"] = "individual"
    msgs["art9"] = False
    if len(chat):
        fname = f"Chat WhatsApp con {sim.group_name}.txt"
        is_pres = chat["author"] == PRESIDENT
        author_pid = chat["author"].map(dict(zip(sim.people["name"], sim.people["pid"]))).fillna(-1).astype(np.int64)
        grp = pd.DataFrame({
            "t": chat["t"], "direction": np.where(is_pres, "outbound", "inbound"), "channel": "whatsapp",
            "source": "chat", "pid": np.where(is_pres, -1, author_pid),
            "category": chat["category"].fillna("unknown") if "category" in chat else "unknown", "is_template": False,
            "kind": chat["kind"], "body": chat["body"], "optout": False, "looks_like": False, "tag": "group",
            "mid": fname + ":" + chat["line"].astype(str), "conversation": "group", "author": chat["author"],
            "local": chat["local"], "art9": chat["art9"].fillna(False).astype(bool) if "art9" in chat else False,
        })
        msgs = pd.concat([msgs, grp], ignore_index=True)
    return msgs
