"""Which transfer safeguards the law allowed, and on which days.

Pure functions over the loaded reference data; `Reference` exposes them as
methods. A mechanism's validity is a list of `Interval`s (law, not claims: the
engine intersects them with what the auditee declared).
"""

from __future__ import annotations

from datetime import date

from msgaudit.law.intervals import Interval
from msgaudit.law.models import AdequacyFile, EeaFile, Mechanism


def adequacy_validity(adequacy: AdequacyFile, country: str, certified: bool | None) -> list[Interval]:
    """Periods in which `country` had an adequacy decision (or bridge) covering this importer.

    A decision limited to certified importers (US: DPF List) covers the importer
    only when `certified` is True; unknown certification is not coverage.
    """
    code = country.strip().upper()
    return [
        Interval(e.valid_from, e.valid_to, f"{e.name}: {e.decision}", e.source, e.verified, e.note)
        for e in sorted(adequacy.countries, key=lambda e: e.valid_from)
        if e.country == code and (e.requires != "dpf-certified" or certified is True)
    ]


def eea_validity(eea: EeaFile, country: str) -> list[Interval]:
    code = country.strip().upper()
    return [
        Interval(m.member_from, m.member_to, f"{m.name}: {m.union} member", m.source, m.verified, m.note)
        for m in eea.members
        if m.country == code
    ]


def mechanism_validity(
    name: str,
    mechanism: Mechanism,
    adequacy: AdequacyFile,
    *,
    country: str,
    certified: bool | None,
    contract_signed: date | None,
) -> list[Interval]:
    """Periods in which the law allowed relying on `mechanism` for this transfer.

    `contract_signed` None means the signature day is unknown: only the days are
    checked, since the contract may predate a cut-off for new contracts.
    """
    if mechanism.basis == "none":
        return []
    if mechanism.basis == "adequacy":
        return adequacy_validity(adequacy, country, certified)
    code = country.strip().upper()
    if mechanism.countries is not None and code not in mechanism.countries:
        return []
    if mechanism.requires_certified and certified is not True:
        return []
    cutoff = mechanism.new_contracts_until
    if cutoff is not None and contract_signed is not None and contract_signed > cutoff:
        return []
    label = f"{mechanism.title} ({name})"
    return [Interval(mechanism.valid_from, mechanism.valid_to, label, mechanism.source, mechanism.verified,
                     mechanism.note)]
