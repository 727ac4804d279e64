"""What a message's text says: special-category data, and what every marketing message must carry."""

from __future__ import annotations

import re

import pandas as pd
from pydantic import Field

from msgaudit.law.art9 import TERMS_FILE as ART9_FILE
from msgaudit.law.art9 import load_art9
from msgaudit.law.classify import load_classifier
from msgaudit.law.text import normalise, normalise_all
from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext

# The category a not-for-profit body's own aim is about: under Art. 9(2)(d) speaking of it is
# the body's legitimate activity, so it is not flagged for that body.
AIM_CATEGORY = {"religious": "religion", "philosophical": "religion", "political": "politics",
                "trade-union": "trade_union"}
# Legal-form words that are not part of how an SMS names its sender ("Ottica Rossi", not "Ottica Rossi S.r.l.").
LEGAL_FORMS = ("srl", "s r l", "srls", "spa", "s p a", "snc", "sas", "aps", "asd", "ssd", "odv", "ets", "onlus",
               "ltd", "limited", "inc", "llc", "plc", "gmbh", "ag", "sarl", "sas", "sa", "sl", "slu")


class Art9ContentParams(Params):
    categories: list[str] | None = Field(None, description="Categories of art9_terms.yaml to look for; null for all")
    terms_file: str = Field(ART9_FILE, min_length=1, description="Terms file, relative to the reference folder")
    own_aim_exempt: bool = Field(True, description="Leave out the category of the body's own aim under Art. 9(2)(d)")


@check("art9_content", Art9ContentParams, applies_to=("messages", "deliveries"))
def art9_content(ctx: CheckContext, rows: pd.DataFrame, p: Art9ContentParams) -> pd.DataFrame:
    """Flag messages whose text reveals a special category of data (GDPR Art. 9(1)).

    The body is normalised (case, accents, punctuation and emoji ignored) and
    searched for the terms of `art9_terms.yaml` as whole words: "certificato
    medico", "è stata operata", "sindacato"; "operazione" alone is not surgery.
    A message with no body passes.

    Parameters:
      categories: which categories to look for (health, religion, politics,
        trade_union, sex_life); null (default) for every one in the file.
      terms_file: the terms file, relative to the reference folder.
      own_aim_exempt (default true): when the organisation declares
        art9_condition 9.2.d, the category of its own aim (religion for a
        religious or philosophical body, politics, trade_union) is its
        legitimate activity and is not looked for.

    Evidence: art9_category (e.g. "data concerning health"), matched_term
    (the normalised term, never the message), group (the conversation, without
    its "chat:" prefix).
    """
    matcher = load_art9(ctx.reference.root, p.terms_file)
    wanted = tuple(p.categories) if p.categories is not None else tuple(matcher.labels)
    org = ctx.organisation
    if p.own_aim_exempt and org is not None and org.art9_condition == "9.2.d" and org.aim in AIM_CATEGORY:
        wanted = tuple(c for c in wanted if c != AIM_CATEGORY[org.aim])
    found = matcher.match(rows["body"], wanted)
    hit = found["art9_category"].notna().to_numpy(dtype=bool)
    sel = found[hit]
    return pd.DataFrame({
        "ev_art9_category": sel["art9_category"].map(matcher.labels),
        "ev_matched_term": sel["term"],
        "ev_group": rows.loc[sel.index, "conversation_id"].fillna("").str.removeprefix("chat:"),
    }, index=sel.index)


class MarketingDisclosureParams(Params):
    identity_channels: list[str] = Field(["sms"], description="Channels on which the sender's name must be in the text")


@check("marketing_disclosure", MarketingDisclosureParams, applies_to=("messages", "deliveries"))
def marketing_disclosure(ctx: CheckContext, rows: pd.DataFrame, p: MarketingDisclosureParams) -> pd.DataFrame:
    """Flag marketing messages that give no way to opt out, or that do not say who sends them.

    Opt-out route: the body must tell the reader how to stop the messages
    (the `optout_route` phrases of message_classes.yaml: "Rispondi STOP",
    "per non ricevere più", "unsubscribe", "désinscrire"...). A message with
    no body passes: there is nothing to judge.

    Sender identity, judged only where it can be: a one-to-one message on
    one of `identity_channels` (default sms) sent from a phone number (an
    alphanumeric sender id already shows a name), when the inventory names the
    organisation. The body must contain the organisation's name, legal-form
    words (S.r.l., APS, Ltd...) left out: "Ottica Rossi" names "Ottica Rossi
    S.r.l.".

    Evidence: missing ("opt-out route", "sender identity", or both),
    category_source and category_cue of the message where its category was
    read from the text.
    """
    bodies = rows["body"]
    no_route = bodies.notna() & ~load_classifier(ctx.reference.root).offers_optout(bodies)
    no_name = _unnamed(ctx, rows, p) & bodies.notna()
    missing = pd.Series("", index=rows.index, dtype=object)
    missing[no_route] = "opt-out route"
    missing[no_name & no_route] = "opt-out route; sender identity"
    missing[no_name & ~no_route] = "sender identity"
    hit = missing.ne("")
    return pd.DataFrame({"ev_missing": missing[hit]}, index=rows.index[hit.to_numpy(dtype=bool)])


def _unnamed(ctx: CheckContext, rows: pd.DataFrame, p: MarketingDisclosureParams) -> pd.Series:
    """One-to-one messages from a phone number on the identity channels whose body lacks the organisation's name."""
    org = ctx.organisation
    name = _distinctive(org.name) if org is not None else ""
    if not name:
        return pd.Series(False, index=rows.index)
    judged = (rows["channel"].isin(p.identity_channels) & rows["conversation_type"].fillna("individual").eq("individual")
              & rows["business_account"].fillna("").str.startswith("+"))
    named = normalise(rows["body"]).fillna("").str.contains(rf"(?:^| ){re.escape(name)}(?: |$)", regex=True)
    return judged & ~named.astype(bool)


def _distinctive(name: str) -> str:
    """The normalised name without legal-form words ("Ottica Rossi S.r.l." -> "ottica rossi")."""
    text = normalise_all([name])[0] or ""
    forms = sorted(normalise_all(list(LEGAL_FORMS)), key=len, reverse=True)
    for form in forms:
        text = re.sub(rf"(?:^| ){re.escape(form)}(?= |$)", " ", text)
    return " ".join(text.split())
