"""People of a simulated world: names, numbers phonenumbers accepts, zones, relationships, consent.

Work per person (phone parsing) is done once per person, never per message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import timezone as pn_timezone

FIRST = ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo", "Martina", "Lorenzo",
         "Elena", "Davide", "Anna", "Simone", "Valentina", "Andrea", "Federica", "Niccolò", "Ilaria", "Tommaso",
         "Beatrice", "Riccardo", "Alessia", "Gabriele", "Noemi", "Emanuele", "Greta", "Stefano", "Aurora", "Paolo",
         "Lucía", "José", "Zoé", "Hélène", "Jürgen", "Søren", "Caterina", "Raffaele", "Rosaria", "Gennaro",
         "Concetta", "Salvatore", "Agnese", "Vittorio", "Ludovica", "Pietro", "Benedetta", "Filippo", "Irene", "Carlo")
LAST = ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
        "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
        "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
        "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti",
        "Parisi", "Villa", "Conte", "Ferraro", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "Messina",
        "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo",
        "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Dell'Acqua", "Pellegrino", "Carbone", "Giuliani", "Benedetti")

# Regions with the weight of their people, the language they write in and how their mobile numbers look.
REGIONS = {
    "IT": (0.80, "it"), "FR": (0.05, "fr"), "DE": (0.04, "de"), "ES": (0.03, "es"), "GB": (0.03, "en"), "US": (0.05, "en"),
}
_IT_MOBILE = ("320", "324", "327", "328", "329", "331", "333", "334", "335", "338", "339", "340", "342", "345",
              "346", "347", "348", "349", "350", "366", "380", "388", "389", "391", "392", "393")
_US_AREAS = ("212", "646", "312", "415", "303", "617", "305", "206")
_DE_MOBILE = ("151", "152", "160", "170", "171", "172", "175", "176", "177", "179")
_GB_MOBILE = ("7400", "7500", "7700", "7800", "7900", "7507", "7412")
# The area codes of rules/reference/quiet_hours.yaml profile us-fl (305 is among the numbers drawn above).
FLORIDA_AREA_CODES = ("239", "305", "321", "324", "352", "386", "407", "448", "561", "645", "656", "689", "727",
                      "728", "754", "772", "786", "813", "850", "863", "904", "941", "954")
# Zones a few Italians abroad declare in the contact list (the declared zone wins over the number's).
DECLARED = ("Europe/London", "America/New_York", "Europe/Berlin", "Europe/Lisbon")

# Numbers built to break QUALITY-001 (invalid: the 300 range is unassigned) and QUALITY-002 (a Milan landline).
INVALID_PREFIX, FIXED_PREFIX = "+39300", "+3902"


@dataclass(frozen=True)
class PhoneFacts:
    e164: str
    valid: bool
    region: str | None
    number_type: str
    zones: str
    pretty: str  # as people type it in a spreadsheet: +39 333 123 4567 (invalid numbers as they are)


def phone_facts(e164: str) -> PhoneFacts:
    num = phonenumbers.parse(e164, None)
    valid = phonenumbers.is_valid_number(num)
    names = {phonenumbers.PhoneNumberType.MOBILE: "mobile", phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
             phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile"}
    ntype = names.get(phonenumbers.number_type(num), "other") if valid else "invalid"
    zones = sorted(z for z in pn_timezone.time_zones_for_number(num) if z != "Etc/Unknown")
    pretty = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if valid else e164
    return PhoneFacts(e164, valid, phonenumbers.region_code_for_number(num) if valid else None, ntype, "|".join(zones),
                      pretty)


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10 ** width, size=n).astype(str), width)


def _candidates(rng: np.random.Generator, region: str, n: int) -> np.ndarray:
    if region == "IT":
        return "+39" + rng.choice(_IT_MOBILE, n) + _digits(rng, n, 7)
    if region == "US":
        return "+1" + rng.choice(_US_AREAS, n) + rng.choice(("555", "201", "318", "457", "682"), n) + _digits(rng, n, 4)
    if region == "FR":
        return "+33" + rng.choice(("6", "7"), n) + _digits(rng, n, 8)
    if region == "DE":
        return "+49" + rng.choice(_DE_MOBILE, n) + _digits(rng, n, 7)
    if region == "ES":
        return "+346" + _digits(rng, n, 8)
    if region == "GB":
        return "+44" + rng.choice(_GB_MOBILE, n) + _digits(rng, n, 6)
    if region == "invalid":
        return INVALID_PREFIX + _digits(rng, n, 7)
    if region == "fixed":
        return FIXED_PREFIX + _digits(rng, n, 8)
    raise ValueError(region)


def draw_numbers(rng: np.random.Generator, kinds: np.ndarray, taken: set[str]) -> pd.DataFrame:
    """One number per requested kind (a region, 'invalid' or 'fixed'), unique, with its phonenumbers facts.

    Kept only when phonenumbers agrees with the kind asked for, and for regional
    mobiles only when every zone of the number has the same offset as the first
    (Italy's Rome/Vatican, the UK and its islands) or the region is Spain, whose
    Canary Islands are one hour behind: the behaviour keeps a margin for that.
    """
    out = pd.Series(None, index=np.arange(len(kinds)), dtype=object)
    facts: dict[int, PhoneFacts] = {}
    for kind in sorted(set(kinds)):
        slots = np.flatnonzero(kinds == kind)
        filled = 0
        while filled < len(slots):
            for raw in _candidates(rng, kind, 2 * (len(slots) - filled) + 4):
                if filled == len(slots):
                    break
                if raw in taken:
                    continue
                f = phone_facts(str(raw))
                if kind == "invalid":
                    ok = not f.valid and f.zones == ""
                elif kind == "fixed":
                    ok = f.valid and f.number_type == "fixed_line"
                else:
                    # UK mobiles may come back as GG, JE or IM: same zone offset, so any is fine.
                    ok = (f.valid and f.number_type != "fixed_line" and f.zones != ""
                          and (kind == "GB" or f.region == kind) and (kind != "US" or "|" not in f.zones))
                if ok:
                    taken.add(f.e164)
                    facts[int(slots[filled])] = f
                    out[slots[filled]] = f.e164
                    filled += 1
    rows = [facts[i] for i in range(len(kinds))]
    return pd.DataFrame({"phone": [f.e164 for f in rows], "valid": [f.valid for f in rows],
                         "region": [f.region for f in rows], "number_type": [f.number_type for f in rows],
                         "zones": [f.zones for f in rows], "pretty": [f.pretty for f in rows]})


def unique_names(rng: np.random.Generator, n: int, avoid: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """n distinct (first, last) pairs; a second family name is added once the simple pairs run short."""
    firsts, lasts, seen = [], [], set(avoid)
    while len(firsts) < n:
        m = 2 * (n - len(firsts)) + 8
        f = rng.choice(FIRST, m)
        last = rng.choice(LAST, m)
        double = rng.random(m) < min(0.9, n / (len(FIRST) * len(LAST)))
        last = np.where(double, last + " " + rng.choice(LAST, m), last)
        for a, b in zip(f, last):
            key = f"{a} {b}".casefold()
            if key not in seen and len(firsts) < n:
                seen.add(key)
                firsts.append(str(a))
                lasts.append(str(b))
    return np.array(firsts, dtype=object), np.array(lasts, dtype=object)
