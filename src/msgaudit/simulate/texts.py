"""What people and the business write, by language: ordinary texts, opt-out keywords, opt-out-like phrases.

Ordinary texts are chosen so that none is an opt-out keyword, a resume keyword
(START, YES...) or contains an opt-out-like phrase, and the association's
notices carry no promotional words: clean traffic must stay clean.
"""

from __future__ import annotations

QUESTIONS: dict[str, tuple[str, ...]] = {
    "it": ("Buongiorno, a che ora aprite sabato?", "Grazie mille!", "Posso passare domani pomeriggio?",
           "Il pacco è arrivato, tutto ok 👍", "Avete ancora la taglia M?", "Perfetto, ci vediamo giovedì",
           "Quanto costa la spedizione in Sardegna?", "Ho pagato con bonifico ieri sera", "Va bene, grazie. A presto!",
           "Scusate, il link per il rinnovo non si apre"),
    "en": ("Hi, are you open on Saturday?", "Thanks a lot!", "Can I come by tomorrow afternoon?",
           "Got it, see you on Thursday", "Is the medium size still available?"),
    "fr": ("Bonjour, vous êtes ouverts samedi ?", "Merci beaucoup !", "Je passe demain après-midi",
           "C'est noté, à jeudi"),
    "de": ("Hallo, haben Sie am Samstag geöffnet?", "Vielen Dank!", "Ich komme morgen Nachmittag vorbei"),
    "es": ("Hola, ¿abrís el sábado?", "¡Muchas gracias!", "Paso mañana por la tarde"),
}
# Whole-message opt-out keywords of rules/reference/optout_keywords.yaml, written as people type them.
OPTOUT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "it": ("STOP", "Basta!", "CANCELLAMI", "stop"), "en": ("STOP", "Unsubscribe", "stop."),
    "fr": ("ARRÊT", "Stop"), "de": ("STOPP", "Abmelden"), "es": ("STOP",),
}
# Objections in plain words, not keywords: opt-outs for marketing (OPTOUT-004).
OBJECTIONS: dict[str, tuple[str, ...]] = {
    "it": ("Per favore non scrivetemi più con queste offerte", "Non voglio più ricevere questi messaggi"),
    "en": ("Please stop sending me these offers",),
    "fr": ("S'il vous plaît, ne me contactez plus",),
}
# Replies that may be an objection, for review (OPTOUT-007): narrowed to a time, or ambiguous.
REVIEW: dict[str, tuple[str, ...]] = {
    "it": ("Non scrivetemi più a quest'ora, per favore", "Cancellatemi"),
    "en": ("Please stop messaging me at night",),
    "fr": ("Ne m'envoyez plus rien à cette heure",),
}
NOTICES = ("Ricordo a tutti l'assemblea di giovedì alle 21 in sede.",
           "La palestra resta chiusa lunedì per manutenzione.",
           "Rinnovo quota: si può pagare anche in sede il martedì sera.",
           "Gita sociale domenica: ritrovo alle 8:30 davanti alla sede.",
           "Le prove del coro sono spostate a mercoledì.",
           "Grazie a tutti per la bella serata di ieri!",
           "Nuovi orari della segreteria: lunedì e giovedì dalle 17 alle 19.",
           "Il verbale dell'ultima assemblea è disponibile in segreteria.")
REPLIES = ("Ci sarò", "Grazie!", "👍", "Perfetto, grazie", "<Media omessi>", "Io porto le torte",
           "Posso portare un amico?", "Ricevuto")
GREETINGS = ("Grazie per avermi aggiunto!", "Ciao a tutti 👋", "Eccomi!")
# Group members saved by nickname only: the audit cannot know their number or zone.
NICKNAMES = ("Zia Concetta", "Nonna Carmela", "Gianni Palestra", "Tina del Coro", "Zio Pino", "Lella Segreteria",
             "Mimmo Bar Sport", "Rosy Danza", "Peppe Calcetto", "Nina Yoga")
# The president forwarding a shop's offer to the members' group: marketing read from the text
# (a discount), with no way to opt out and no consent of the members to marketing.
GROUP_PROMOS = ("Convenzione soci: da Sport Più SALDI con il 30% di sconto su tutto fino a domenica!",
                "Per i soci sconto del 20% alla Pizzeria Da Gino, mostrate la tessera alla cassa.",
                "Offerta speciale per il circolo: abbonamento in piscina a 25 € al mese, approfittatene!")
# Group notices that reveal a member's health to the whole group (GDPR Art. 9(1)).
ART9_NOTICES = ("Ricordo a chi non l'ha ancora fatto di consegnare il certificato medico entro venerdì.",
                "Lucia è stata operata ieri, tutto bene: mandiamole un abbraccio!",
                "Mario è in ospedale da lunedì, chi vuole può passare a trovarlo.")
