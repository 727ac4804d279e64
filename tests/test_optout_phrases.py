"""Plain-words objections, review items and ordinary replies, as the shipped optout_keywords.yaml reads them.

An objection needs no formula (GDPR Art. 12(2), 21(2)-(3)): these sentences are opt-outs for
marketing. A review item is an objection narrowed to a time ("a quest'ora") or a genuinely
ambiguous phrase. Everything else is an ordinary reply.
"""

from __future__ import annotations

import pandas as pd
import pytest

from msgaudit.law import Reference, load_reference

OBJECTION, REVIEW, NONE, KEYWORD = "objection", "review", "none", "keyword"

CASES: list[tuple[str, str]] = [
    # Italian
    ("Non voglio più ricevere i vostri messaggi", OBJECTION),
    ("non voglio piu ricevere messaggi grazie", OBJECTION),
    ("Per favore NON SCRIVETEMI PIÙ!", OBJECTION),
    ("Non scrivetemi più per le offerte, grazie", OBJECTION),
    ("Toglietemi dal gruppo", OBJECTION),
    ("Smettetela di scrivermi", OBJECTION),
    ("non contattatemi", OBJECTION),
    ("Cancellatemi dalla lista per favore", OBJECTION),
    ("non scrivetemi più a quest'ora per favore", REVIEW),
    ("Non scrivetemi più di notte", REVIEW),
    ("Cancellatemi la prenotazione di sabato", REVIEW),
    ("troppi messaggi ultimamente", REVIEW),
    ("basta così, grazie", NONE),
    ("Grazie, ci vediamo sabato", NONE),
    ("Non vedo l'ora di ricevere i vostri messaggi!", NONE),
    ("Non ho più ricevuto il pacco", NONE),
    ("Basta", KEYWORD),
    # English
    ("please stop messaging me", OBJECTION),
    ("Stop texting me.", OBJECTION),
    ("Remove me from your list", OBJECTION),
    ("I don't want to receive your messages anymore", OBJECTION),
    ("Please stop messaging me at this hour", REVIEW),
    ("stop sending these at 7am", REVIEW),
    ("Can you stop by the shop tomorrow?", NONE),
    ("I'll stop at the store later", NONE),
    ("Stop", KEYWORD),
    # French
    ("Ne m'envoyez plus de messages", OBJECTION),
    ("ne m'écrivez plus svp", OBJECTION),
    ("Arrêtez de m'envoyer des pubs", OBJECTION),
    ("Ne m'envoyez plus rien à cette heure", REVIEW),
    ("Arrêt de bus Gare de Lyon", NONE),
    # German
    ("Bitte schreiben Sie mir nicht mehr", OBJECTION),
    ("Ich möchte keine Nachrichten mehr", OBJECTION),
    ("Keine Nachrichten mehr am Wochenende", REVIEW),
    ("Ich komme später", NONE),
    # Spanish
    ("No me envíen más mensajes, gracias", OBJECTION),
    ("dejen de escribirme", OBJECTION),
    ("No me escriban más a esta hora", REVIEW),
    ("La baja de precios es genial", NONE),
]


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def _said(matched: pd.DataFrame) -> list[str]:
    return [KEYWORD if k else OBJECTION if pd.notna(o) else REVIEW if r else NONE
            for k, o, r in zip(matched["is_keyword"], matched["objection"], matched["looks_like_optout"])]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_sentence_is_read_as_expected(ref: Reference, body: str, expected: str) -> None:
    assert _said(ref.optout_matcher().match(pd.Series([body]))) == [expected]


def test_the_whole_table_at_once_keeps_the_answers_and_never_copies_the_body(ref: Reference) -> None:
    bodies = pd.Series([c[0] for c in CASES] * 2)
    matched = ref.optout_matcher().match(bodies)
    assert _said(matched) == [c[1] for c in CASES] * 2
    matcher = ref.optout_matcher()
    # The evidence is a phrase of the lists, never the message.
    assert set(matched["objection"].dropna()) <= set(matcher.objections)
    assert set(matched["phrase"].dropna()) <= set(matcher.objections) | set(matcher.phrases)


def test_each_kind_has_both_positive_and_negative_sentences() -> None:
    kinds = {c[1] for c in CASES}
    assert kinds == {OBJECTION, REVIEW, NONE, KEYWORD}
