"""The words contact lists and ledgers use, in English and Italian, as data.

Headers and values are compared after `header_key` folding (case, accents,
spaces and punctuation removed), so "Data consenso", "DATA_CONSENSO" and
"data consenso " are one key. Adding a synonym means adding a string to a
table here, not a branch in an adapter.

A user's mapping (`--mapping FILE`, {source header: field}) is applied before
these aliases; its fields are the keys of the alias table in use, plus
`ignore` and, for contact tables, `consent[:PURPOSE[:CHANNEL]]`.
"""

from __future__ import annotations

import re

import pandas as pd

from msgaudit.errors import ConfigError
from msgaudit.ingest.csvtable import header_key

Aliases = dict[str, tuple[str, ...]]

# Age of consent (Codice Privacy art. 2-quinquies): a birth date or an age, in a contact list or a ledger.
BIRTH_DATE_HEADERS = ("datadinascita", "datanascita", "nascita", "natoil", "natail", "birthdate", "dateofbirth",
                      "dob", "birthday")
AGE_HEADERS = ("eta", "age", "anni")

CONTACT_ALIASES: Aliases = {
    "contact_id": ("tessera", "ntessera", "numerotessera", "nrtessera", "tesseran", "idcontatto", "contactid",
                   "id", "uid", "codicesocio", "matricola", "codice"),
    "display_name": ("nomeecognome", "nominativo", "nomecognome", "cognomeenome", "cognomenome", "nomecompleto",
                     "name", "fullname", "displayname", "contatto", "contact",
                     # Thunderbird's display name in Italian, German and French
                     "nomevisualizzato", "anzeigename", "nomaafficher"),
    "first_name": ("nome", "firstname", "givenname", "vorname", "prenom"),
    "last_name": ("cognome", "lastname", "surname", "familyname", "nachname", "nomdefamille", "nom"),
    # Thunderbird and Roundcube name their number columns Mobile Number, Work Phone, Home Phone, and in
    # Italian, German and French Numero cellulare, Telefono lavoro, Mobil-Tel.-Nr., Tel. dienstlich, Portable...
    "phone": ("cellulare", "cell", "telefonocellulare", "numerocellulare", "mobile", "mobilephone", "whatsapp",
              "numerowhatsapp", "telefono", "tel", "telefono1", "telefono2", "numero", "numeroditelefono",
              "numerotelefono", "phone", "phonenumber", "telephone", "recapitotelefonico",
              "mobilenumber", "workphone", "homephone", "telefonomobile", "telefonolavoro", "telefonodicasa",
              "telefonoabitazione", "telefonoufficio", "mobiltelnr", "mobiltelefon", "teldienstlich", "telprivat",
              "portable", "telprofessionnel", "telpersonnel", "telmobile",
              # localized Outlook exports (headers as Roundcube's csv2vcard maps list them)
              "telefonouff", "telefonoab", "telefonodilavoro", "telefonomobile2", "telefongeschaftlich",
              "telefonprivat", "telephonebureau", "telephonedomicile",
              # how Italian secretaries label the landline column by hand
              "telefonocasa", "telcasa", "telefonofisso", "telfisso", "fisso", "numerofisso", "cellulare2"),
    # Every column is read and the first filled one wins: a contact whose primary address is empty is
    # still reached through the secondary one.
    "email": ("email", "posta", "postaelettronica", "indirizzoemail", "mail", "emailaddress", "email1",
              "primaryemail", "secondaryemail", "emailprincipale", "emailsecondaria", "primareemailadresse",
              "sekundareemailadresse", "adresseelectroniqueprincipale", "adresseelectroniquesecondaire", "email2",
              "emailaddress2", "indirizzoemail2", "indirizzopostaelettronica", "indirizzopostaelettronica2",
              "emailadresse", "email2adresse", "adressedemessagerie"),
    "relationship": ("relazione", "relationship", "socio", "tipo", "tiposocio", "tipocontatto", "categoria",
                     "category", "qualifica", "type", "contacttype"),
    "tags": ("tag", "tags", "gruppi", "gruppo", "etichette", "etichetta", "labels", "groups", "groupmembership",
             "categories", "categorie", "kategorien"),
    "time_zone": ("fusoorario", "fuso", "timezone", "tz"),
    "saved_business": ("savedbusiness", "salvato", "numerosalvato", "harubrica", "inrubrica"),
    "consent_evidence": ("fonteconsenso", "modulo", "evidenza", "prova", "provaconsenso", "evidence",
                         "consentevidence", "consentsource", "riferimentomodulo"),
    "consent_method": ("modalitaconsenso", "metodoconsenso", "consentmethod", "modalitaraccolta"),
    "birth_date": BIRTH_DATE_HEADERS,
    "age": AGE_HEADERS,
    "withdrawal_date": ("revoca", "datarevoca", "revocaconsenso", "datarevocaconsenso", "revocatoil",
                        "withdrawn", "withdrawal", "withdrawaldate", "consentwithdrawn"),
}

CONSENT_ALIASES: Aliases = {
    "phone": ("phone", "telefono", "tel", "cellulare", "numero", "mobile", "waid", "msisdn", "phonenumber",
              "numeroditelefono", "recipient"),
    "purpose": ("purpose", "finalita", "scopo", "finalitadeltrattamento", "ambito"),
    "channel": ("channel", "canale", "mezzo"),
    "status": ("status", "stato", "consent", "consenso", "esito"),
    "timestamp": ("timestamp", "dataeora", "dataora", "data", "date", "datetime", "time", "quando", "at",
                  "datetimeutc", "registratoil"),
    "evidence": ("evidence", "prova", "evidenza", "fonte", "source", "riferimento", "documento"),
    "method": ("method", "modalita", "metodo", "modo", "raccolta"),
    "business_name": ("businessname", "business", "azienda", "titolare", "nomeazienda", "titolaredeltrattamento",
                      "sender", "mittente"),
    "birth_date": BIRTH_DATE_HEADERS,
    "age": AGE_HEADERS,
}

OPTOUT_ALIASES: Aliases = {
    "phone": CONSENT_ALIASES["phone"],
    "kind": ("kind", "tipo", "type", "motivo", "reason", "lista", "list"),
    "since": ("since", "dal", "dalla", "data", "date", "dataopposizione", "datainserimento", "from", "added",
              "addedon", "timestamp", "iscrittodal", "inseritoil"),
    "scope": ("scope", "ambito", "portata", "perimetro"),
    "origin": ("source", "fonte", "origine", "origin", "canale"),
}

# Mapping fields of a contact table beyond its aliases: a mobile number, a consent mark
# (`consent`, `consent:PURPOSE`, `consent:PURPOSE:CHANNEL`) and the date of every mark.
CONTACT_EXTRA_TARGETS = ("mobile", "consent", "consent_date")
KNOWN_TARGETS = tuple(dict.fromkeys([*CONTACT_ALIASES, *CONTACT_EXTRA_TARGETS, *CONSENT_ALIASES, *OPTOUT_ALIASES,
                                     "ignore"]))

# Header words that mark an opt-out list (substrings of the folded header).
OPTOUT_HEADER_MARKS = ("optout", "donotcontact", "dnc", "blacklist", "noncontattare", "opposizion", "bloccat")
OPTOUT_FILE_MARKS = ("optout", "opt-out", "opt_out", "dnc", "blacklist", "opposizioni", "donotcontact",
                     "do-not-contact", "non-contattare", "noncontattare")

YES = frozenset({"si", "yes", "y", "s", "x", "true", "vero", "1", "ok", "granted", "concesso", "concessa",
                 "accordato", "accordata", "firmato", "firmata", "accettato", "accettata", "dato", "optin"})
NO = frozenset({"no", "n", "false", "falso", "0", "negato", "rifiutato", "nonconcesso", "optout"})

RELATIONSHIPS: dict[str, str] = {
    **dict.fromkeys(("socio", "socia", "soci", "socie", "member", "members", "membro", "associato", "associata",
                     "associati", "iscritto", "iscritta", "iscritti", "tesserato", "tesserata", "tesserati",
                     "sociordinario", "socioordinario", "sociofondatore", "socioonorario"), "member"),
    **dict.fromkeys(("exsocio", "exsocia", "exsoci", "exmember", "formermember", "exiscritto", "exiscritta",
                     "extesserato", "extesserata", "decaduto", "dimesso", "dimessa"), "former-member"),
    **dict.fromkeys(("cliente", "clienti", "customer", "customers", "client", "clients"), "customer"),
    **dict.fromkeys(("potenziale", "potenziali", "potenzialecliente", "prospect", "prospects", "lead", "leads"),
                    "prospect"),
    **dict.fromkeys(("simpatizzante", "simpatizzanti", "contatto", "contatti", "contattoregolare",
                     "regularcontact", "volontario", "volontaria", "sostenitore", "sostenitrice"),
                    "regular-contact"),
    **dict.fromkeys(("altro", "altri", "other", "fornitore", "fornitori", "supplier", "suppliers"), "other"),
}
# Headers under which a yes/no answer means "is a member".
MEMBER_FLAG_HEADERS = frozenset({"socio", "member", "iscritto", "tesserato", "associato"})

# A phone label containing one of these (folded) names a mobile number.
MOBILE_MARKS = ("mobil", "cell", "whatsapp", "handy", "movil", "portable", "iphone")
# Labels of numbers no one can message.
NOT_MESSAGEABLE_MARKS = ("fax", "pager", "telex", "cercapersone")

# Words in a consent header (after "Consenso"/"Consent"/"Privacy") or a ledger value, in priority order.
PURPOSE_WORDS: tuple[tuple[str, str], ...] = (
    ("marketing", "marketing"), ("promo", "marketing"), ("commercial", "marketing"), ("pubblicit", "marketing"),
    ("offert", "marketing"), ("newsletter", "newsletter"), ("servizio", "service"), ("service", "service"),
    ("assistenza", "service"), ("associativ", "membership"), ("soci", "membership"), ("membership", "membership"),
    ("privacy", "membership"), ("trattamento", "membership"), ("comunicazion", "membership"),
    ("communication", "membership"), ("profilazion", "profiling"), ("profiling", "profiling"),
)
CHANNEL_WORDS: tuple[tuple[str, str], ...] = (
    ("whatsapp", "whatsapp"), ("sms", "sms"), ("postaelettronica", "email"), ("email", "email"),
    ("mail", "email"), ("telefon", "phone"), ("phone", "phone"), ("chiamat", "phone"), ("call", "phone"),
)
# Whole values meaning "every channel" (matched exactly: "all" is a substring of too many words).
ANY_CHANNEL = frozenset({"any", "all", "tutti", "tutte", "qualsiasi", "ognicanale", "anychannel", "allchannels"})
CONSENT_HEADER_PREFIXES = ("consenso", "consent", "privacy", "optin", "autorizzazione")
DATE_WORDS = ("datadel", "data", "date")
# Headers of the day a person joined or signed the form (substrings of the folded header): a consent mark
# with no date of its own is dated by one of these on the same row. Never a birth date.
SIGNUP_DATE_WORDS = ("iscrizione", "iscrittodal", "iscrittoil", "adesione", "tesseramento", "registrazione",
                     "sociodal", "membrodal", "firma", "compilazione", "membersince", "joined", "signup",
                     "registered", "registration", "enrolment", "enrollment", "subscribed")

CONSENT_STATUS: dict[str, str] = {
    **dict.fromkeys(("granted", "given", "concesso", "concessa", "accordato", "accordata", "prestato", "dato",
                     "si", "yes", "optin", "accettato", "accettata", "true", "1", "attivo", "subscribed"), "granted"),
    **dict.fromkeys(("withdrawn", "revoked", "revocato", "revocata", "ritirato", "ritirata", "no", "optout",
                     "negato", "rifiutato", "denied", "refused", "false", "0", "unsubscribed", "disiscritto"),
                    "withdrawn"),
}
CONSENT_METHODS: dict[str, str] = {
    **dict.fromkeys(("form", "modulo", "moduloonline", "webform", "online"), "form"),
    **dict.fromkeys(("paper", "carta", "cartaceo", "modulocartaceo", "firma"), "paper"),
    **dict.fromkeys(("checkbox", "casella", "spunta"), "checkbox"),
    **dict.fromkeys(("prechecked", "preselezionata", "preselezionato", "prespuntata", "prespuntato", "precompilata",
                     "precompilato", "casellaprecompilata", "casellapreselezionata", "casellaprespuntata",
                     "caselladefault", "preticked"), "prechecked"),
    **dict.fromkeys(("implied", "implicito", "implicita", "tacito", "default"), "implied"),
    **dict.fromkeys(("verbal", "verbale", "orale", "telefonico"), "verbal"),
    **dict.fromkeys(("keyword", "parolachiave", "sms", "reply"), "keyword"),
}
OPTOUT_KINDS: dict[str, str] = {
    **dict.fromkeys(("donotcontact", "dnc", "noncontattare", "optout", "stop", "cancellazione", "opposizione"),
                    "do-not-contact"),
    **dict.fromkeys(("block", "blocked", "blocco", "bloccato", "bloccata"), "block"),
    **dict.fromkeys(("nationalregistry", "rpo", "registroopposizioni", "registropubblicodelleopposizioni",
                     "registry", "tps"), "national-registry"),
    **dict.fromkeys(("marketingstop", "stopmarketing", "stoppromozioni", "nomarketing", "stoppromotions"),
                    "marketing-stop"),
}
OPTOUT_SCOPES: dict[str, str] = {
    **dict.fromkeys(("marketing", "promozionale", "promozioni", "commerciale", "pubblicita"), "marketing"),
    **dict.fromkeys(("all", "tutto", "tutti", "tutte", "qualsiasi", "ogni", "any"), "all"),
}
# File-name words that say which opt-out list a file without a kind column is.
OPTOUT_KIND_BY_FILE: tuple[tuple[str, str], ...] = (
    ("opposizioni", "national-registry"), ("rpo", "national-registry"), ("block", "block"), ("blocc", "block"),
    ("marketing", "marketing-stop"),
)


def fold(values: pd.Series) -> pd.Series:
    """Vectorised `header_key` for cell values."""
    return (values.fillna("").astype(str).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
            .str.lower().str.replace(r"[^a-z0-9]", "", regex=True))


def resolve(columns: list[str], aliases: Aliases, mapping: dict[str, str], *,
            multi: frozenset[str] = frozenset(), extra_targets: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Field → the file's columns for it: the user's mapping first, then aliases.

    Fields in `multi` collect every matching column in file order; the others take the first.
    One mapping serves every input of an audit, so a field another table uses is passed over
    here, and only a field no table knows is an error. Columns mapped to `ignore` are listed
    under "ignore", so nothing else claims them.
    """
    by_key: dict[str, list[str]] = {}
    for c in columns:
        by_key.setdefault(header_key(c), []).append(c)
    taken: set[str] = set()
    out: dict[str, list[str]] = {}
    for header, target in mapping.items():
        field = str(target).strip()
        base = field.split(":", 1)[0]
        if base not in KNOWN_TARGETS:
            raise ConfigError("--mapping", None,
                              f"{header!r}: unknown field {field!r}; use one of: {', '.join(KNOWN_TARGETS)}")
        if base not in aliases and base not in extra_targets and field != "ignore":
            continue
        for col in by_key.get(header_key(str(header)), []):
            taken.add(col)
            out.setdefault(field, []).append(col)
    for field, keys in aliases.items():
        if field in out and field not in multi:
            continue
        found = [c for c in columns if c not in taken and header_key(c) in keys]
        if field not in multi:
            found = sorted(found, key=lambda c: keys.index(header_key(c)))[:1]
        if found:
            out.setdefault(field, []).extend(found)
            taken.update(found)
    return out


def cells(frame: pd.DataFrame, cols: dict[str, list[str]], field: str) -> pd.Series:
    """The stripped text of a resolved single field ("" where absent)."""
    if field not in cols:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[cols[field][0]].fillna("").astype(str).str.strip()


def yes_no(values: pd.Series) -> pd.Series:
    """True / False / <NA> (empty or not a yes-no word)."""
    key = fold(values)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[key.isin(YES)] = True
    out[key.isin(NO)] = False
    return out


def relationship(values: pd.Series, header: str = "") -> tuple[pd.Series, pd.Series]:
    """Canonical relationship words and a mask of values that were given but not recognised."""
    key = fold(values)
    mapped = key.map(RELATIONSHIPS).astype(object)
    if header_key(header) in MEMBER_FLAG_HEADERS:
        flag = yes_no(values)
        mapped = mapped.where(mapped.notna() | flag.isna(), flag.map({True: "member", False: "other"}))
    unknown = mapped.isna() & key.ne("")
    return mapped.where(mapped.notna(), None).where(~unknown, "other"), unknown


def split_multi(values: pd.Series, separators: str) -> pd.Series:
    """Cells holding several values → lists of stripped, non-empty parts."""
    parts = values.fillna("").astype(str).str.split(separators, regex=True)
    return parts.map(lambda xs: [x.strip() for x in xs if x.strip()])


def join_tags(lists: pd.Series) -> pd.Series:
    """Lists of labels → '|'-joined tags, Google's `* ` system-label prefix stripped, duplicates dropped."""
    cleaned = lists.map(lambda xs: list(dict.fromkeys(re.sub(r"^\*\s*", "", x).strip() for x in xs if x.strip())))
    return cleaned.map(lambda xs: "|".join(x for x in xs if x) or None)


def relationship_from_tags(tags: pd.Series) -> pd.Series:
    """The first tag that names a relationship ("Soci" → member), for sources with no relationship column."""
    exploded = tags.fillna("").str.split("|").explode()
    mapped = fold(exploded).map(RELATIONSHIPS).dropna()
    first = mapped[~mapped.index.duplicated(keep="first")]
    return first.reindex(tags.index)


def first_word(key: str, words: tuple[tuple[str, str], ...]) -> str | None:
    return next((value for word, value in words if word in key), None)


def map_words(values: pd.Series, table: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Values → canonical words via `table`; also the mask of non-empty values not in it."""
    key = fold(values)
    mapped = key.map(table)
    return mapped, mapped.isna() & key.ne("")


def join_words(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Cells of several columns joined by single spaces ("Niccolò", "", "Bertolò" → "Niccolò Bertolò")."""
    if not columns:
        return pd.Series("", index=frame.index, dtype=object)
    joined = frame[columns[0]].fillna("").astype(str)
    for c in columns[1:]:
        joined = joined + " " + frame[c].fillna("").astype(str)
    return joined.str.split().str.join(" ")


def none_if_empty(values: pd.Series) -> pd.Series:
    text = values.astype(object).fillna("").astype(str).str.strip()
    return text.where(text.ne(""), None)


def head_has(columns: list[str], aliases: Aliases, fields: tuple[str, ...]) -> bool:
    """Whether a header names any of `fields` (for sniffing)."""
    keys = {header_key(c) for c in columns}
    return any(keys & set(aliases.get(f, ())) for f in fields)
