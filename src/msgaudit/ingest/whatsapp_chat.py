"""WhatsApp chat exports (.txt, or the .zip the app shares) → `messages`.

A *row* is one message, however many lines it spans; its source and id are the
file line of its header. Lines before the first header are rows too, rejected.
Layouts, date order and wall times are worked out in `chat_layouts`; this
module reads the file, classifies each message and decides its direction.

Kinds. Android system lines carry no `Name:`, iOS ones carry the chat title as
author and a U+200E before the body; both become kind="system", inbound, no
author. Media placeholders become "media", deleted-message notices "deleted";
the `<This message was edited>` suffix is cut and the message stays "text".
The phrases are the tables `SYSTEM_PHRASES` and `PLACEHOLDERS` below (EN and
IT seen in real exports; ES, DE and FR from the apps' wording, less certain).
Bodies keep their text as written (no NFKC); only the leading marks iOS puts
before system and media bodies, and trailing blank lines, are removed.

Direction is the business's point of view: authors named in
`ctx.business_names` or whose name is one of `ctx.business_phones` speak for
it (outbound); everyone else is inbound. A chat is a group when it has more
than one other author or a group notice (created group, added, left...). In a
one-to-one chat the one other person is the counterpart of every row,
including the business's messages and the system lines (a "You blocked this
contact" line concerns them); in a group, the business's messages have none.

Mixed layouts. A file may hold headers of more than one layout (two exports
pasted together, a line pasted from another phone). Each header is read in its
own layout, with the date order decided over all headers of that layout (see
`chat_layouts`); none is glued to the message above it, which is how other
parsers lose a STOP. The main layout is noted first, each other one with its
number of headers and its first line, so the auditor can see the mix.

Times carry no zone; they are read in `ctx.timezone` (DST repeats and gaps as
`timeparse.localize` resolves them) and stored as UTC.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest import archive, chat_layouts
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.ingest.decoding import decode, detect_encoding
from msgaudit.ingest.timeparse import localize
from msgaudit.phones import normalise, parse_phone
from msgaudit.tables import MESSAGES, conform

NAME = "whatsapp-chat"
_NO_HEADER_HINT = ("export the chat from WhatsApp (chat › ⋮ › More › Export chat) "
                   "and give the .txt or the .zip exactly as the app wrote it")
_SNIFF_BYTES = 16_384
_LAYOUTS_NOTED = 5  # a file of many layouts is hostile or garbled; the rest are summed in one note


class Phrase(NamedTuple):
    lang: str
    kind: str  # "notice": a sentence no one types; "event": short, needs the export's marks to trust
    pattern: str  # regex at the start of a body (after invisible marks); {a} stands for the actor's name
    group: bool = False  # only a group chat shows this line
    named: bool = False  # the line quotes user text (a subject, a name) that may hold ": "


SYSTEM_PHRASES: tuple[Phrase, ...] = (
    Phrase("en", "notice", r"Messages and calls are end-to-end encrypted"),
    Phrase("en", "notice", r"Messages to this group are now secured with end-to-end encryption", group=True),
    Phrase("en", "notice", r"This business uses a secure service from Meta"),
    Phrase("en", "notice", r"This chat is with (?:a|the official) business account"),
    Phrase("en", "notice", r"This business is now using a secure service"),
    Phrase("en", "notice", r"Your security code with .+ changed"),
    Phrase("en", "event", r"{a}(?:created|created this) group", group=True, named=True),
    Phrase("en", "event", r"{a}added ", group=True),
    Phrase("en", "event", r"{a}removed ", group=True),
    Phrase("en", "event", r"{a}left$", group=True),
    Phrase("en", "event", r"{a}(?:were|was) added", group=True),
    Phrase("en", "event", r"{a}joined using this group's invite link", group=True),
    Phrase("en", "event", r"{a}changed the subject", group=True, named=True),
    Phrase("en", "event", r"{a}changed the group (?:name|description)", group=True, named=True),
    Phrase("en", "event", r"{a}(?:changed|deleted) this group's (?:icon|settings)", group=True),
    Phrase("en", "event", r"{a}changed (?:their|your) phone number", named=True),
    Phrase("en", "event", r"{a}changed to \+?\d"),
    Phrase("en", "event", r"{a}'s security code changed"),
    Phrase("en", "event", r"{a}(?:blocked|unblocked) this contact"),
    Phrase("en", "event", r"{a}turned (?:on|off) disappearing messages"),
    Phrase("en", "event", r"{a}(?:are|is|'re) now an admin", group=True),
    Phrase("en", "event", r"{a}pinned a message"),
    Phrase("it", "notice", r"I messaggi e le chiamate sono crittografati"),
    Phrase("it", "notice", r"I messaggi inviati a questo gruppo sono ora protetti", group=True),
    Phrase("it", "notice", r"Questa azienda (?:usa|utilizza) un servizio sicuro di Meta"),
    Phrase("it", "notice", r"Questa chat è con un account business"),
    Phrase("it", "notice", r"Il (?:tuo )?codice di sicurezza (?:con|di) .+ è cambiato"),
    Phrase("it", "event", r"{a}ha(?:i)? creato (?:il|questo) gruppo", group=True, named=True),
    Phrase("it", "event", r"Hai creato (?:il|questo) gruppo", group=True, named=True),
    Phrase("it", "event", r"{a}ha aggiunto ", group=True),
    Phrase("it", "event", r"Hai aggiunto ", group=True),
    Phrase("it", "event", r"{a}ha rimosso ", group=True),
    Phrase("it", "event", r"Hai rimosso ", group=True),
    Phrase("it", "event", r"{a}è uscit[oa]$", group=True),
    Phrase("it", "event", r"Sei uscit[oa]$", group=True),
    Phrase("it", "event", r"{a}(?:si )?è (?:unit[oa]|entrat[oa]) (?:tramite|usando|con) il link", group=True),
    Phrase("it", "event", r"Sei stat[oa] aggiunt[oa]", group=True),
    Phrase("it", "event", r"{a}ti ha aggiunto", group=True),
    Phrase("it", "event", r"{a}ha cambiato l'oggetto", group=True, named=True),
    Phrase("it", "event", r"Hai cambiato l'oggetto", group=True, named=True),
    Phrase("it", "event", r"{a}ha (?:cambiato|modificato|eliminato) (?:l'immagine|l'icona|la descrizione|le impostazioni) del gruppo",
           group=True, named=True),
    Phrase("it", "event", r"Hai (?:cambiato|modificato|eliminato) (?:l'immagine|l'icona|la descrizione|le impostazioni) del gruppo",
           group=True, named=True),
    Phrase("it", "event", r"{a}ha cambiato (?:il suo )?numero", named=True),
    Phrase("it", "event", r"Hai (?:bloccato|sbloccato) questo contatto"),
    Phrase("it", "event", r"{a}ha (?:attivato|disattivato) i messaggi effimeri"),
    Phrase("it", "event", r"Ora sei amministratore", group=True),
    Phrase("es", "notice", r"Los mensajes y las llamadas están cifrados de extremo a extremo"),
    Phrase("es", "notice", r"Esta empresa (?:usa|utiliza) un servicio seguro de Meta"),
    Phrase("es", "notice", r"Este chat es con una cuenta (?:de empresa|comercial)"),
    Phrase("es", "notice", r"Tu código de seguridad con .+ cambió"),
    Phrase("es", "event", r"{a}creó (?:el|este) grupo", group=True, named=True),
    Phrase("es", "event", r"{a}añadió a ", group=True),
    Phrase("es", "event", r"{a}eliminó a ", group=True),
    Phrase("es", "event", r"{a}salió del grupo|{a}salió$", group=True),
    Phrase("es", "event", r"{a}se unió usando el enlace de invitación", group=True),
    Phrase("es", "event", r"{a}cambió el asunto", group=True, named=True),
    Phrase("es", "event", r"{a}cambió (?:el ícono|la imagen|la descripción) (?:de este|del) grupo", group=True, named=True),
    Phrase("es", "event", r"(?:Bloqueaste|Desbloqueaste) a este contacto"),
    Phrase("de", "notice", r"Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt"),
    Phrase("de", "notice", r"Dieses Unternehmen (?:nutzt|verwendet) einen sicheren Service von Meta"),
    Phrase("de", "notice", r"Dieser Chat ist mit einem Business-Account"),
    Phrase("de", "notice", r"Deine Sicherheitsnummer für .+ hat sich geändert"),
    Phrase("de", "event", r"{a}hat (?:die|diese) Gruppe .*erstellt", group=True, named=True),
    Phrase("de", "event", r"{a}hat .+ hinzugefügt", group=True),
    Phrase("de", "event", r"{a}hat .+ entfernt", group=True),
    Phrase("de", "event", r"{a}hat die Gruppe verlassen", group=True),
    Phrase("de", "event", r"{a}ist über den Einladungslink dieser Gruppe beigetreten", group=True),
    Phrase("de", "event", r"{a}hat den Betreff .*geändert", group=True, named=True),
    Phrase("de", "event", r"{a}hat (?:das Gruppenbild|die Gruppenbeschreibung) geändert", group=True, named=True),
    Phrase("de", "event", r"Du hast diesen Kontakt (?:blockiert|freigegeben)"),
    Phrase("fr", "notice", r"Les messages et les appels sont chiffrés de bout en bout"),
    Phrase("fr", "notice", r"Cette entreprise utilise un service sécurisé de Meta"),
    Phrase("fr", "notice", r"Cette discussion est avec un compte (?:Business|professionnel)"),
    Phrase("fr", "notice", r"Votre code de sécurité avec .+ a changé"),
    Phrase("fr", "event", r"{a}a créé (?:le|ce) groupe", group=True, named=True),
    Phrase("fr", "event", r"{a}a ajouté ", group=True),
    Phrase("fr", "event", r"{a}a retiré ", group=True),
    Phrase("fr", "event", r"{a}est parti(?:e)?$", group=True),
    Phrase("fr", "event", r"{a}a rejoint ce groupe (?:via|avec) le lien d'invitation", group=True),
    Phrase("fr", "event", r"{a}a (?:modifié|changé) le sujet", group=True, named=True),
    Phrase("fr", "event", r"{a}a (?:modifié|changé) (?:l'icône|la description) (?:de ce|du) groupe", group=True, named=True),
    Phrase("fr", "event", r"Vous avez (?:bloqué|débloqué) ce contact"),
)
_ACTOR = r"[^\n]{1,120}? "


class Placeholder(NamedTuple):
    lang: str
    kind: str  # see `_PLACEHOLDER_SHAPES`
    pattern: str  # regex


# How each placeholder kind sits in a body's first line (after invisible marks).
# Each kind is gathered into one alternative, so a body is scanned once for it
# whatever the number of languages.
_PLACEHOLDER_SHAPES = {
    "media": "{}",  # the whole first line
    "media-tail": "{}",  # iOS: "‎image omitted", or after a file name (see `_MEDIA_NAMED`)
    "attached": r"[^\n]+\.\w{{2,5}} \((?:{})\)",  # Android: "IMG-20240312-WA0001.jpg (file attached)"
    "deleted": "{}",
    "edited": "{}",  # cut from the end of the body
}

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("en", "media", r"<Media omitted>"),
    Placeholder("en", "media", r"<attached: [^>\n]+>"),
    Placeholder("en", "media-tail", r"(?:image|video|audio|sticker|GIF|document|Contact card) omitted"),
    Placeholder("en", "attached", r"file attached"),
    Placeholder("it", "media", r"<Media omessi>"),
    Placeholder("it", "media", r"<allegato: [^>\n]+>"),
    Placeholder("it", "media-tail", r"(?:immagine|video|audio|sticker|GIF|documento|scheda contatto) omess[oa]"),
    Placeholder("it", "attached", r"file allegato"),
    Placeholder("es", "media", r"<Multimedia omitido>"),
    Placeholder("es", "media", r"<adjunto: [^>\n]+>"),
    Placeholder("es", "media-tail", r"(?:imagen|video|audio|sticker|GIF|documento) omitid[oa]"),
    Placeholder("es", "attached", r"archivo adjunto"),
    Placeholder("de", "media", r"<Medien ausgeschlossen>"),
    Placeholder("de", "media", r"<Anhang: [^>\n]+>"),
    Placeholder("de", "media-tail", r"(?:Bild|Video|Audio|Sticker|GIF|Dokument) weggelassen"),
    Placeholder("de", "attached", r"Datei angehängt"),
    Placeholder("fr", "media", r"<Médias omis>"),
    Placeholder("fr", "media", r"<pièce jointe ?: [^>\n]+>"),
    Placeholder("fr", "media-tail", r"(?:image|vidéo|audio|sticker|GIF|document) omise?"),
    Placeholder("fr", "attached", r"fichier joint"),
    Placeholder("en", "deleted", r"(?:This message was deleted|You deleted this message)\.?"),
    Placeholder("it", "deleted", r"(?:Questo messaggio è stato eliminato|Hai eliminato questo messaggio)\.?"),
    Placeholder("es", "deleted", r"(?:Se eliminó este mensaje|Eliminaste este mensaje)\.?"),
    Placeholder("de", "deleted", r"(?:Diese Nachricht wurde gelöscht|Du hast diese Nachricht gelöscht)\.?"),
    Placeholder("fr", "deleted", r"(?:Ce message a été supprimé|Vous avez supprimé ce message)\.?"),
    Placeholder("en", "edited", r"<This message was edited>"),
    Placeholder("it", "edited", r"<Questo messaggio è stato modificato>"),
    Placeholder("es", "edited", r"<Se editó este mensaje\.?>"),
    Placeholder("de", "edited", r"<Diese Nachricht wurde bearbeitet>"),
    Placeholder("fr", "edited", r"<Ce message a été modifié>"),
)

# Chat titles in the file names the app gives: "WhatsApp Chat with Luca.txt".
_TITLE = re.compile(
    r"^(?:WhatsApp Chat with|WhatsApp Chat -|Chat WhatsApp con|Chat de WhatsApp con|"
    r"WhatsApp-Chat mit|Discussion WhatsApp avec)\s+(.+)$", re.IGNORECASE)
_MARKS_RX = f"[{re.escape(chat_layouts.MARKS)}]"
_END = r"(?=\n|\Z)"


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _phrases(phrases: list[Phrase]) -> str:
    return rf"^{_MARKS_RX}*(?:{_alternation([p.pattern.format(a=_ACTOR) for p in phrases])})"


def _phrases_rx(phrases: list[Phrase]) -> re.Pattern[str]:
    return re.compile(_phrases(phrases))


# Notices are whole sentences; their case varies between app versions.
_NOTICE_PATTERN = f"(?i:{_phrases([p for p in SYSTEM_PHRASES if p.kind == 'notice'])})"
_NOTICE = re.compile(_NOTICE_PATTERN)
_EVENT = _phrases_rx([p for p in SYSTEM_PHRASES if p.kind == "event"])
_GROUP_SYSTEM = _phrases_rx([p for p in SYSTEM_PHRASES if p.group])
# An Android line such as `Anna ha cambiato l'oggetto in "Cena: sabato"` is cut
# at its first ": " like a message; its "author" then holds the phrase.
_NAMED_IN_AUTHOR = re.compile(_alternation([p.pattern.format(a="") for p in SYSTEM_PHRASES if p.named]))


def _placeholders(*kinds: str) -> str:
    return _alternation([
        _PLACEHOLDER_SHAPES[kind].format(_alternation([p.pattern for p in PLACEHOLDERS if p.kind == kind]))
        for kind in kinds])


_MEDIA = re.compile(rf"^{_MARKS_RX}*(?:{_placeholders('media', 'media-tail', 'attached')}){_END}")
_DELETED = re.compile(rf"^{_MARKS_RX}*(?:{_placeholders('deleted')}){_END}")
# iOS documents: "‎Programma.pdf • 3 pagine ‎documento omesso". iOS marks these
# bodies with U+200E, so only marked bodies pay for scanning past the file name.
_MEDIA_NAMED = re.compile(rf"^[^\n]*[ \u200e](?:{_placeholders('media-tail')}){_END}")
# One pass over every body finds the few that need a closer look.
_ANY_MARKER = re.compile(f"{_MEDIA.pattern}|{_DELETED.pattern}|{_NOTICE_PATTERN}")
_EDITED = re.compile(rf"[ \t]*{_MARKS_RX}*(?:{_placeholders('edited')})\s*\Z")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-\u00a0]{6,}$")


@dataclass
class ChatText:
    text: str
    encoding: str
    member: str | None  # the chat file inside a .zip
    media: list[str]  # other files in the .zip, not read


class WhatsAppChatAdapter:
    name: ClassVar[str] = NAME

    def sniff(self, source: Source, head: str) -> float:
        if source.suffix == ".zip" or source.data[:4] == b"PK\x03\x04":
            try:
                with archive.open_zip(source.data, source.name) as zf:
                    member = _chat_member(zf.namelist())
                    if member is None:
                        return 0.0
                    if _is_chat_name(member):
                        return 0.95
                    # A lone .txt in an archive: only a chat if it reads like one.
                    head = archive.read_member(zf, member, source.name, limit=_SNIFF_BYTES)
            except InputError:
                return 0.0
            text = head.decode(detect_encoding(head), errors="replace")
            return 0.95 if chat_layouts.looks_like_chat(text) else 0.0
        if source.suffix == ".txt" and chat_layouts.looks_like_chat(head):
            return 0.9
        return 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        chat = load_text(source)
        ledger = Ledger(source, self.name, encoding=chat.encoding)
        if chat.member:
            ledger.note(f"read {chat.member} from the archive; lines are lines of that file")
        if chat.media:
            kinds = Counter(PurePosixPath(m).suffix.lower().lstrip(".") or "no extension" for m in chat.media)
            listed = ", ".join(f"{n} {ext}" for ext, n in sorted(kinds.items()))
            files = "file" if len(chat.media) == 1 else "files"
            ledger.note(f"{len(chat.media)} media {files} beside the chat not read ({listed})")

        blocks = chat_layouts.split_blocks(chat.text)
        if blocks.frame.empty:
            raise InputError(source.name, "no WhatsApp message header found", _NO_HEADER_HINT)
        for line, _ in blocks.leading:
            ledger.reject(line, "text before the first message header")

        parsed = chat_layouts.parse(blocks.frame, ctx.date_order)
        main, *others = parsed.layouts
        ledger.note(f"layout: {main.layout.describe()}")
        for use in others[:_LAYOUTS_NOTED]:
            ledger.note(f"also {_headers(use.headers)} in layout {use.layout.describe()}, read in it "
                        f"(first at line {use.first_line})")
        if len(others) > _LAYOUTS_NOTED:
            rest = others[_LAYOUTS_NOTED:]
            ledger.note(f"and {_headers(sum(u.headers for u in rest))} in {len(rest)} more layouts, each read in its own")
        for note in parsed.order_notes:
            ledger.note(note)

        frame = blocks.frame
        unreadable = (parsed.problem != "").to_numpy()
        if unreadable.any():
            ledger.reject_many(frame.loc[unreadable, "line"], parsed.problem[unreadable])

        keep = ~unreadable
        naive = parsed.naive[keep]
        if ctx.timezone_assumed:
            # A chat export writes the phone's local time with no zone: a wrong guess moves every
            # time-of-day finding, so the guess is said where the user reads the file.
            ledger.note(f"times carry no zone and were read as {ctx.timezone}, the default; if the phone was "
                        "elsewhere, pass --tz ZONE or set organisation.timezone in the inventory")
        shifted = _dst_changes(naive, ctx.timezone)
        if shifted:
            ledger.note(f"{shifted} times fell in a daylight-saving change in {ctx.timezone}: a repeated hour "
                        "is read as summer time, a missing one moved forward")
        messages = conform(build_messages(frame[keep], localize(naive, ctx.timezone), source, chat, ctx), MESSAGES)
        report = ledger.close(len(blocks.leading) + len(frame), messages["timestamp"])
        return Ingested(report=report, tables={"messages": messages})


def _headers(n: int) -> str:
    return "1 header" if n == 1 else f"{n} headers"


def _dst_changes(naive: pd.Series, tz: str) -> int:
    """How many wall times are repeated or skipped by a clock change, so cannot be placed for sure."""
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return int(strict.isna().sum() - naive.isna().sum())


def load_text(source: Source) -> ChatText:
    """The chat's text with `\\n` line breaks, from a .txt or from the chat file inside a .zip."""
    if source.suffix == ".zip" or source.data[:4] == b"PK\x03\x04":
        member, data, media = _unzip(source)
        text, encoding = decode(data, f"{source.name}!{member}")
    else:
        member, media = None, []
        text, encoding = decode(source.data, source.name)
    return ChatText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, member, media)


def _unzip(source: Source) -> tuple[str, bytes, list[str]]:
    hint = "share the chat again from WhatsApp (Export chat) and give the .zip as it arrived"
    with archive.open_zip(source.data, source.name, hint) as zf:
        names = zf.namelist()
        member = _chat_member(names)
        if member is None:
            raise InputError(source.name, "the archive holds no chat .txt file", hint)
        data = archive.read_member(zf, member, source.name, hint)
    media = [n for n in names if n != member and not n.endswith("/") and not _is_noise(n)]
    return member, data, media


def _is_noise(name: str) -> bool:
    path = PurePosixPath(name)
    return path.parts[0] == "__MACOSX" or path.name.startswith("._")


def _chat_member(names: list[str]) -> str | None:
    """The chat text among an archive's files: `_chat.txt`, else a titled chat, else a lone .txt."""
    texts = sorted(n for n in names if n.lower().endswith(".txt") and not _is_noise(n))
    named = sorted(texts, key=lambda n: PurePosixPath(n).name != "_chat.txt")
    for name in named:
        if _is_chat_name(name):
            return name
    return texts[0] if len(texts) == 1 else None


def _is_chat_name(name: str) -> bool:
    path = PurePosixPath(name)
    return path.name == "_chat.txt" or _TITLE.match(path.stem) is not None


def build_messages(frame: pd.DataFrame, utc: pd.Series, source: Source, chat: ChatText,
                   ctx: IngestContext) -> pd.DataFrame:
    """`messages` columns (not yet conformed) for the blocks of the file's layout with a readable time."""
    author_codes, raw_authors = pd.factorize(frame["author"])
    names = pd.Series([a.translate(_STRIP_MARKS).strip() for a in raw_authors], dtype=object)
    author = pd.Series(names.to_numpy()[author_codes], index=frame.index, dtype=object)
    glued_name = names.str.contains(_NAMED_IN_AUTHOR).to_numpy(dtype=bool)[author_codes]

    body = _clean_bodies(frame["body"])
    marked = frame["marks"].to_numpy() != ""
    kind = _kinds(body, author, marked, glued_name)
    system = (kind == "system").to_numpy()
    glued = system & glued_name
    body[glued] = author[glued] + ": " + body[glued]
    author[system] = ""

    e164_of, business_of = authors_table(names, ctx)
    e164 = pd.Series(e164_of[author_codes], index=frame.index, dtype=object)
    outbound = business_of[author_codes] & ~system
    inbound_person = ~outbound & ~system
    others = sorted(set(names.iloc[np.unique(author_codes[inbound_person])]))
    group = len(others) > 1 or bool(body[system].str.match(_GROUP_SYSTEM).any())

    counterpart = e164.where(inbound_person, None)
    counterpart_name = author.where(inbound_person, None)
    if not group:
        # One other person: every row of the chat concerns them.
        name = others[0] if others else _chat_title(source, chat)
        phone = parse_phone(name, ctx.default_region).e164 if name and _PHONE_LIKE.match(name) else None
        counterpart = counterpart.where(inbound_person, phone)
        counterpart_name = counterpart_name.where(inbound_person, name)

    member = f"!{chat.member}" if chat.member else ""
    lines = pd.Series(frame["line"].to_numpy().astype(str), index=frame.index, dtype=object)
    return pd.DataFrame({
        "message_id": f"{Path(source.name).name}{member}:" + lines,
        "timestamp": utc,
        "direction": np.where(outbound, "outbound", "inbound").astype(object),
        "channel": "whatsapp",
        "business_account": e164.fillna(author).where(outbound, None),
        "counterpart": counterpart,
        "counterpart_name": counterpart_name,
        "conversation_id": "chat:" + Path(source.name).stem,
        "conversation_type": "group" if group else "individual",
        "category": "unknown",
        "is_template": False,
        "kind": kind,
        "body": body,
        "source": f"{source.name}{member}:" + lines,
    }, index=frame.index)


_STRIP_MARKS = str.maketrans("", "", chat_layouts.MARKS)


def _clean_bodies(body: pd.Series) -> pd.Series:
    """Drop the "edited" suffix."""
    body = body.astype(object)
    edited = body.str.endswith(">").to_numpy(dtype=bool)
    if edited.any():
        body[edited] = body[edited].str.replace(_EDITED, "", regex=True)
    return body


def _kinds(body: pd.Series, author: pd.Series, marked: np.ndarray, glued_name: np.ndarray) -> pd.Series:
    """text, media, deleted or system for each message (see the module docstring)."""
    kind = np.full(len(body), "text", dtype=object)
    hit = body.str.match(_ANY_MARKER).to_numpy(dtype=bool)
    notice = np.zeros(len(body), dtype=bool)
    if hit.any():
        candidates = body[hit]
        media = candidates.str.match(_MEDIA).to_numpy(dtype=bool)
        deleted = ~media & candidates.str.match(_DELETED).to_numpy(dtype=bool)
        kind[np.flatnonzero(hit)[media]] = "media"
        kind[np.flatnonzero(hit)[deleted]] = "deleted"
        notice[hit] = ~media & ~deleted & candidates.str.match(_NOTICE).to_numpy(dtype=bool)
    # Without the iOS mark an event phrase is only a message ("Luca left" typed by a member).
    event = (kind == "text") & marked
    if event.any():
        named_media = body[event].str.match(_MEDIA_NAMED).to_numpy(dtype=bool)
        kind[np.flatnonzero(event)[named_media]] = "media"
        event[event] = ~named_media & body[event].str.match(_EVENT).to_numpy(dtype=bool)
    no_author = (author == "").to_numpy()
    kind[no_author | glued_name | notice | event] = "system"
    return pd.Series(kind, index=body.index)


def authors_table(names: pd.Series, ctx: IngestContext) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct author: E.164 when the name is a phone number, and whether it speaks for the business."""
    business_names = {_fold(n) for n in ctx.business_names}
    business_phones = {parse_phone(p, ctx.default_region).e164 for p in ctx.business_phones} - {None}
    phone_like = names.str.match(_PHONE_LIKE).to_numpy(dtype=bool)
    e164 = np.full(len(names), None, dtype=object)
    if phone_like.any():
        parsed = normalise(names[phone_like], ctx.default_region)
        e164[phone_like] = parsed["e164"].where(parsed["error"].isna(), None).to_numpy()
    business = names.map(_fold).isin(business_names).to_numpy() | pd.Series(e164).isin(business_phones).to_numpy()
    return e164, business


def _fold(name: str) -> str:
    return " ".join(name.translate(_STRIP_MARKS).split()).casefold()


def _chat_title(source: Source, chat: ChatText) -> str | None:
    for name in (chat.member, source.name):
        if name:
            m = _TITLE.match(PurePosixPath(name).stem)
            if m:
                return m.group(1).strip(" -")
    return None
