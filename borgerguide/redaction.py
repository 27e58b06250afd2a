"""Redaction of personal data in citizens' text, before anything is stored,
logged, shown to staff or counted by analysts (docs/privacy.md).

What is replaced, each by a marker that says what was there:
- `[CPR]` CPR numbers: `DDMMYY-XXXX`, `DDMMYYXXXX`, `DDMMYY XXXX`,
  `DD.MM.YY-XXXX`, `DD MM YY XXXX`, also with `/` or an en dash; only where
  the first six digits form a possible date (other ten-digit numbers stay);
- `[TELEFON]` phone numbers: Danish 8-digit numbers together or in groups,
  with or without +45/0045, and international numbers starting with +;
- `[EMAIL]` e-mail addresses;
- `[KONTO]` bank details: reg. and account numbers ("reg 1234 konto
  0012345678", "1234-1234567890") and IBAN;
- `[DOKUMENT]` passport, driving-licence and ID-card numbers (the number
  after the word);
- `[ADRESSE]` a street and house number with floor and side ("Vestervang 14,
  2. th"), a postcode and town ("8000 Aarhus C"), "c/o" and the name after it.
  A town or kommune alone stays: the guide needs the kommune;
- `[HELBRED]` diagnoses and conditions in everyday Danish (sclerose, kræft,
  demens, diabetes, ADHD, depression, ...) and treatments that tell them
  (kemo, stråling, dialyse). The topic stays readable: "sygedagpenge",
  "hjælpemidler", "kørestol" are not health details;
- `[NAVN]` persons' names: from a name list (borgerguide/data/names.txt:
  Danish names and the names of people with other origins who live in
  Denmark), helped by context ("jeg hedder", "mit navn er", "min mor ...",
  "mvh ..."). A name that is also a Danish word ("Per", "Bo", "Mark") is only
  taken where the context says it is a name. Places, authorities and products
  (Aarhus, Borgerservice, Udbetaling Danmark, MitID, iPhone) are never names.

Before anything is matched the text is read as a normalised copy
(`matching_copy`): Unicode NFKC (full-width and other compatibility forms
become plain ones), every dash (hyphen, non-breaking hyphen, en and em dash,
minus sign, underscore ...) a "-", every space (no-break, narrow, thin,
ideographic ...) a " ", every decimal digit of any script (Arabic-Indic,
full-width ...) its ASCII digit, invisible characters (zero-width space,
soft hyphen, word joiner) nothing. What is found in the copy is replaced in
the citizen's own text, which is otherwise kept exactly as written.

Measured limits (recall per kind, lost words in clean text, cost per
message): benchmarks/README.md, `python benchmarks/redaction.py`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple, Union

CPR_MARK = "[CPR]"
PHONE_MARK = "[TELEFON]"
EMAIL_MARK = "[EMAIL]"
ACCOUNT_MARK = "[KONTO]"
DOCUMENT_MARK = "[DOKUMENT]"
ADDRESS_MARK = "[ADRESSE]"
HEALTH_MARK = "[HELBRED]"
NAME_MARK = "[NAVN]"
MARKS = (CPR_MARK, PHONE_MARK, EMAIL_MARK, ACCOUNT_MARK, DOCUMENT_MARK, ADDRESS_MARK, HEALTH_MARK, NAME_MARK)
MARKER = re.compile("|".join(re.escape(mark) for mark in MARKS))
DATA = Path(__file__).resolve().parent / "data"

_SEP = r"[ .\-/]?"
CPR = re.compile(
    r"(?<![\d])"
    r"(0[1-9]|[12]\d|3[01])" + _SEP + r"(0[1-9]|1[0-2])" + _SEP + r"(\d{2})"
    r"\s?[-/ .]?\s?(\d{4})"
    r"(?![\d])"
)
# "@" also as people write it to fool robots: "(at)", "[at]", "(snabel-a)"
_AT = r"(?:\s?@\s?|\s?[(\[{<]\s?(?i:at|snabel-?a)\s?[)\]}>]\s?)"
EMAIL = re.compile(r"[\w.%+\-]+" + _AT + r"[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
PHONE = re.compile(
    r"(?<![\w+(])"
    r"(?:(?:\(\s?(?:\+\s?|00)45\s?\)|(?:\+\s?|00)45)[ \-.]?)?"
    r"(?:\d{2}(?P<gap>(?: ?- ?| )?)\d{2}(?P=gap)\d{2}(?P=gap)\d{2}|\d{2}\.\d{2}\.\d{2}\.\d{2}|\d{4}(?: ?- ?| )\d{4})"
    r"(?![\d])"
    r"|(?<![\w])\+\d{1,3}[ \-]?\d{2,4}(?:[ \-]?\d{2,4}){2,4}(?![\d])"
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# "reg. nr. 1234 konto 0012345678", "kontonr 1234-1234567890": the cue stays, the numbers go
ACCOUNT_CUED = re.compile(
    r"(?i)(\b(?:reg|regnr|reg\.nr|registreringsnummer|kontonummer|kontonummeret|kontonr|konto|kto|account)"
    r"\.?(?:[ ]?(?:nr\.?|nummer|number|no\.?))?[.:]?(?:[ ]?(?:er|is|:))?[ ]?)"
    r"(\d{4}(?:[ ,.\-/]{1,3}(?:(?:og |and )?(?:konto(?:nummer|nr)?|kontonummeret|kto)\.?[ ]?(?:nr\.?)?[.:]?"
    r"(?:[ ]?(?:er|is))?[ ]?)?\d{6,10})?|\d{2,4}(?:[ ]\d{3,4}){1,3}|\d{6,14})(?![\d])"
)
ACCOUNT_BARE = re.compile(r"(?<![\d\-])\d{4}[ \-]\d{10}(?![\d])|(?<![\d\-+])(?!0045)\d{4}-\d{6,9}(?![\d\-])")
DOCUMENT = re.compile(
    r"(?i)(\b(?:pas|pasnr|pasnummer|pasnummeret|passet|passport|passnummer|kørekort\w*|koerekort\w*|korekort\w*|"
    r"driving licen[cs]e|id-?kort\w*|opholdskort\w*)"
    r"(?:[ ]?(?:nr\.?|nummer|number|no\.?|er|is|har|med|:|-|,)){0,4}[ ]?)"
    r"([A-Z]{0,2}\d{6,10}|\d{3}[ ]\d{3}[ ]\d{3})(?![\d])"
)
_STREET_SUFFIX = (
    r"vej|vejen|gade|gaden|allé|alle|alléen|vænget|vaenget|parken|park|torv|torvet|stræde|straede|plads|pladsen|"
    r"boulevard|bakke|bakken|have|haven|toften|toft|marken|mark|engen|enge|vang|vangen|stien|sti|løkke|lokke|"
    r"skov|skoven|lund|lunden|høj|hoej|højen|bjerg|bjerget|dal|dalen|holm|gården|gaarden|gård|kvarteret|kaj|"
    r"kajen|bro|broen|bygade|hegn|hegnet|krog|krogen|lyst|minde|sletten|strand|stranden|ager|agre|agrene|tofte|"
    r"kær|kaer|kæret|mose|mosen|eng|bækken|bakkevej|park allé|passage|promenade|ringen|ring|slettevej|skrænt|"
    r"stien|tværvej|twærvej|tvaervej|vænge|vaenge|diget|digevej|dige"
)
# floor and side: "2. th", "st. tv", "4. mf", "1.sal", "2 tv", "st."
_FLOOR = (r"(?:,?[ ]?(?:(?:st|kl|kld|\d{1,2})\.?[ ]?(?:sal|th|tv|mf|t\.h|t\.v)\b\.?"
          r"(?:[ ]?(?:th|tv|mf)\b\.?)?|st\.(?!\w)|\d{1,2}\.(?![\w\d])))?")
# a street (its last word ends like a Danish street name; earlier words are capitalised) and a number
STREET = re.compile(
    r"\b(?:[A-ZÆØÅ][\wæøåÆØÅéü.'-]*[ ]){0,3}[\wæøåÆØÅéü.'-]*(?i:" + _STREET_SUFFIX + r")"
    r"[ ]\d{1,4}[ ]?[a-zA-Z]?\b" + _FLOOR
)
# A street whose last word is written in lower case, without an address word before it ("kan I sende
# det til nørregade 14"), must end like a street name does; other endings are ordinary words there:
# "ring 2 gange", "have 2 pas", "børnehave 1. maj", "sygedagpenge 1. maj".
STRONG_STREET_ENDING = re.compile(r"(?:vej|vejen|gade|gaden|allé|alléen|stræde|straede|boulevard|vænget|vaenget|"
                                  r"torv|torvet|passage|promenade)$")
ADDRESS_CUE_BEFORE = re.compile(r"(?i)(?:bor på|bor paa|bor i|adresse(?:n)?(?: er)?:?|flytter til|flyttet til|"
                                r"flytte til|bopæl(?: er)?:?|adr\.?:?)\s*$")
# "bor på Nørrebrogade 5", "adressen er Strøget 12": a street name after these words, with a number
STREET_CUED = re.compile(
    r"(?i:(\b(?:bor på|bor paa|adresse(?:n)?(?: er)?:?|flytter til|flyttet til|flytte til|ny adresse(?: er)?:?|"
    r"bopæl(?: er)?:?|adr\.?:?) ))"
    r"((?:[A-ZÆØÅ][\wæøåÆØÅéü.'-]*[ ]){1,3}\d{1,4}[ ]?[a-zA-Z]?\b" + _FLOOR + ")"
)
CARE_OF = re.compile(r"(?i)\bc/o[ ]+[\wæøåÆØÅéü.'-]+(?:[ ][A-ZÆØÅ][\wæøåÆØÅéü.'-]+)?")
POSTCODE_TOWN = re.compile(r"\b([1-9]\d{3})[ ]+([A-ZÆØÅa-zæøå][\wæøåÆØÅé-]+(?:[ ][A-ZÆØÅ][\wæøåÆØÅé-]+)?"
                           r"(?:[ ][CNSVØKcnsvøk]\b)?)")
HEALTH_TERMS = (
    "sclerose", "sklerose", "dissemineret sclerose", "multipel sklerose", "multipel sclerose", "kræft", "kraeft",
    "cancer", "brystkræft", "brystkraeft", "tarmkræft", "tarmkraeft", "lungekræft", "lungekraeft",
    "prostatakræft", "prostatakraeft", "hudkræft", "blodkræft", "leukæmi", "leukaemi", "leukemi", "lymfekræft",
    "hjernesvulst", "svulst", "tumor", "knuder i brystet", "demens", "demenssyg", "dement", "alzheimer",
    "alzheimers", "diabetes", "diabetiker", "sukkersyge", "sukkersyg", "type 1 diabetes", "type 2 diabetes",
    "autisme", "autist", "autistisk", "asperger", "adhd", "depression", "depressiv", "deprimeret",
    "angst", "angstanfald", "angstlidelse", "panikangst", "ptsd", "ocd", "bipolar", "bipolær", "maniodepressiv",
    "skizofreni", "skizofren", "psykose", "psykotisk", "personlighedsforstyrrelse", "borderline",
    "spiseforstyrrelse", "anoreksi", "bulimi", "kol", "astma", "gigt", "leddegigt", "slidgigt", "artrose",
    "fibromyalgi", "epilepsi", "epileptiker", "krampeanfald", "parkinson", "parkinsons", "blodprop",
    "hjerneblodprop", "blodprop i hjernen", "hjerneblødning", "hjerneblodning", "apopleksi", "stroke",
    "hjertesvigt", "hjerteanfald", "hjertestop", "hjertekarsygdom", "muskelsvind", "als", "cerebral parese",
    "spastisk lammet", "spastiker", "downs syndrom", "down syndrom", "udviklingshæmmet", "udviklingshaemmet",
    "hiv", "aids", "hepatitis", "migræne", "migraene", "whiplash", "diskusprolaps", "prolaps", "misbrug",
    "alkoholiker", "alkoholisme", "alkoholmisbrug", "narkoman", "stofmisbrug", "stofmisbruger", "ludomani",
    "nyresvigt", "dialyse", "kemo", "kemoterapi", "kemobehandling", "strålebehandling", "straalebehandling",
    "stråling", "amputeret", "amputation", "lammet", "lammelse", "hjerneskade", "hjernerystelse",
    "stress", "stresset", "udbrændt", "udbraendt", "sygemeldt med stress", "selvmordstanker", "selvskade",
    "blind", "svagsynet", "døv", "doev", "hørehæmmet", "cystisk fibrose", "crohns", "colitis",
    "psoriasis", "eksem", "cøliaki", "coeliaki", "infertil", "ufrugtbar", "abort", "graviditetsforgiftning",
    "fødselsdepression", "gravid med tvillinger", "tinnitus", "sukkersyge type 2", "kronisk smerte",
    "kroniske smerter", "smertepatient", "knogleskørhed", "osteoporose", "brystoperation", "blodtryk",
    "forhøjet blodtryk", "hjerteproblemer", "lungebetændelse", "kræftsyg", "uhelbredelig", "ptsd", "ocd", "hiv",
    # senses, learning, memory
    "høretab", "hoeretab", "hørenedsættelse", "døvhed", "svagtseende", "svagsynethed", "synshandicap",
    "synsnedsættelse", "grå stær", "graa staer", "grøn stær", "ordblind", "ordblindhed", "dysleksi", "talblind",
    "hukommelsestab", "hukommelsesproblemer", "glemsom", "kognitiv svækkelse", "hjerneskadet", "spastisk",
    "udviklingshæmning", "mental retardering", "tourette", "tourettes", "ad(h)d",
    # heart, lungs, blood, metabolism
    "hjertefejl", "hjerterytmeforstyrrelse", "atrieflimren", "forhøjet kolesterol", "blodmangel", "anæmi",
    "pacemaker", "bypassoperation", "blodfortyndende", "insulin", "insulinpumpe", "iltapparat", "lungefibrose",
    "emfysem", "blodpropper", "slagtilfælde", "hjerneinfarkt", "hjertekrampe", "nyresten", "leversvigt",
    "skrumpelever", "cirrose", "stofskiftesygdom", "lavt stofskifte", "højt stofskifte", "overvægt", "fedme",
    # bones, joints, operations
    "ny hofte", "nyt knæ", "nyt hofteled", "hofteprotese", "knæprotese", "hofteoperation", "knæoperation",
    "rygoperation", "hjerteoperation", "slidt hofte", "slidte knæ", "brækket hoften", "lårbensbrud",
    "knogleskørhed", "rygmarvsskade", "piskesmæld", "inkontinens", "inkontinent", "kateter",
    # mind and addiction
    "psykisk syg", "psykisk sygdom", "psykiatrisk patient", "tvangstanker", "angsttilstand", "social fobi",
    "selvmordsforsøg", "misbruger", "afhængighed", "hashmisbrug", "spiseforstyrret",
    # immune, gut, skin, other chronic
    "gluten-allergi", "nøddeallergi", "laktoseintolerans", "kronisk træthed", "me/cfs", "long covid",
    "senfølger efter covid", "lupus", "sarkoidose", "kronisk sygdom", "kronisk syg", "handicappet",
)
# compounds that name a condition: "blindtarmsbetændelse", "hjertesygdom", "madforgiftning"
HEALTH_COMPOUND = re.compile(
    r"(?i)(?<![\wæøå])[a-zæøå]{2,}(?:betændelse|betaendelse|kræft|kraeft|sygdom|sygdomme|lidelse|gigt|"
    r"forgiftning|allergi|syndrom|svigt|sklerose|sclerose|blødning|bloedning|diabetes)"
    r"(?:en|et|s|er|ne|rne)?(?![\wæøå])")
# what follows a condition and tells more of it: "[HELBRED] i hjertet", "[HELBRED] type 2"
HEALTH_TAIL = re.compile(
    r"\[HELBRED\](?:[ ](?:lidelse|sygdom|i (?:hjertet|hjernen|lungerne|lungen|leveren|tarmen|tarmene|brystet|"
    r"ryggen|knæet|hoften|nyrerne|nyren|maven|halsen|øjnene|blodet|bugspytkirtlen|skjoldbruskkirtlen)|"
    r"type [12]))+")
# acronyms that are also words: only in capitals
HEALTH_ACRONYMS = re.compile(r"(?<![\wæøå])(?:ADD|MS|ALS|AIDS|KOL)(?![\wæøå])")
# "i behandling for X", "får medicin mod X": X is a health detail
HEALTH_CONTEXT = re.compile(
    r"(?i)(\b(?:i behandling for|behandlet for|behandles for|medicin mod|medicin for|diagnosen|diagnose:|"
    r"diagnosticeret med|fået konstateret|faaet konstateret|lider af|syg med|ramt af|indlagt med|"
    r"opereret for|behandling mod|kræft i|problemer med (?:hjertet|lungerne|nyrerne|leveren)) )"
    r"(?!\[)([a-zæøåA-ZÆØÅ][\wæøåÆØÅ-]*)"
)
# Never a person's name here: places, authorities, products, months, days.
KEEP_WORDS = frozenset("""
danmark dk kommune kommunen kommunes borgerservice borger borgere udbetaling udk skat skattestyrelsen
familieretshuset siri nyidanmark politiet politi jobcenter jobcentret jobnet a-kasse akasse ældre sagen
sundhedsstyrelsen region regionen hovedstaden sjælland syddanmark midtjylland nordjylland mitid nemid nemkonto
e-boks eboks mit.dk digital post borger.dk skat.dk iphone ipad android samsung huawei google apple microsoft
windows facebook messenger sms mail gmail hotmail outlook adobe reader word pdf chrome safari firefox
netto føtex foetex bilka rema irma lidl aldi coop superbrugsen postnord dao gls dsb rejsekort mobilepay
mandag tirsdag onsdag torsdag fredag lørdag loerdag søndag soendag januar februar marts april maj juni juli
august september oktober november december jul påske paaske pinse nytår nytaar
tyskland sverige norge polen tyrkiet syrien irak iran afghanistan somalia eritrea pakistan indien kina
ukraine rusland rumænien rumaenien bulgarien litauen letland estland spanien italien frankrig england
storbritannien usa amerika holland holland belgien grækenland graekenland bosnien kroatien serbien vietnam
thailand filippinerne sri lanka libanon palæstina palaestina jordan egypten marokko tunesien etiopien island
grønland groenland færøerne faeroeerne europa eu asien afrika
hej hejsa tak mvh godmorgen goddag farvel ok okay kr kroner dkk euro
""".split())


def _fold(word: str) -> str:
    return word.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


@lru_cache(maxsize=1)
def _names() -> Tuple[Dict[str, str], FrozenSet[str]]:
    """name -> kinds ("first", "last", "first,last"), and the names that are also Danish words."""
    kinds: Dict[str, str] = {}
    words = set()
    for line in (DATA / "names.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        kinds[parts[0]] = parts[1]
        if len(parts) > 2 and parts[2] == "word":
            words.add(parts[0])
    return kinds, frozenset(words)


@lru_cache(maxsize=1)
def _places() -> FrozenSet[str]:
    """Kommuner, towns and their spellings (borgerguide/data/places.txt)."""
    path = DATA / "places.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _deletions(word: str) -> List[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


@lru_cache(maxsize=2)
def _near_index(words: FrozenSet[str]) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """The words, and every word with one letter removed (for one-typo matching)."""
    return words, frozenset(d for w in words for d in _deletions(w))


def near(token: str, words: FrozenSet[str]) -> bool:
    """Is `token` one typo (a letter added, missing or wrong) from one of `words`?"""
    exact, deleted = _near_index(words)
    if token in exact or token in deleted:
        return True
    return any(d in exact or d in deleted for d in _deletions(token))


@lru_cache(maxsize=1)
def _typo_words() -> FrozenSet[str]:
    """Danish words that are one typo from a name or a condition (never taken for one)."""
    path = DATA / "typo_words.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _typo_health() -> FrozenSet[str]:
    """Single-word conditions long enough to be matched with a typo."""
    return frozenset(term for term in HEALTH_TERMS if " " not in term and len(term) >= 7)


@lru_cache(maxsize=1)
def _typo_names() -> FrozenSet[str]:
    kinds, words = _names()
    return frozenset(name for name, kind in kinds.items() if len(name) >= 5 and name not in words and "first" in kind)


def _place(word: str) -> bool:
    key = word.lower()
    return key in _places() or _fold(key) in _places()


def _keep(word: str) -> bool:
    """Never a person's name: a place, an authority, a product, a month ..."""
    return word.lower() in KEEP_WORDS or _place(word)


@lru_cache(maxsize=1)
def _health() -> re.Pattern:
    terms = sorted(HEALTH_TERMS, key=len, reverse=True)
    alternatives = "|".join(re.escape(term) for term in terms)
    return re.compile(r"(?i)(?<![\wæøå])(?:" + alternatives + r")(?:en|et|s|er|ne)?(?![\wæøå])")


RELATIONS = (
    r"mor|far|mand|manden|kone|konen|søn|soen|datter|bror|broder|søster|soester|svigermor|svigerfar|svigersøn|"
    r"svigerdatter|farmor|mormor|farfar|morfar|bedstemor|bedstefar|oldemor|oldefar|onkel|tante|nabo|naboen|ven|"
    r"veninde|kæreste|kaereste|samlever|partner|eks|ekskone|eksmand|barn|dreng|pige|fætter|faetter|kusine|nevø|"
    r"niece|barnebarn|plejebarn|plejesøn|plejedatter|ægtefælle|aegtefaelle|stedfar|stedmor|papfar|papmor|lejer|"
    r"udlejer|værge|vaerge|kollega|chef|sagsbehandler|læge|laege|søstre|brødre|forældre|foraeldre|børn|boern"
)
# A name follows: "jeg hedder ...", "mit navn er ...", "mvh ..."
STRONG_CUE = re.compile(
    r"(?i)(?:\b(?:hedder|heder|hed|kaldes|kaldet|navn(?:et)? (?:er|var|på|paa)|navn:|mvh\.?|m\.v\.h\.?|vh\.?|"
    r"hilsen|hilsner|kh\.?|knus|underskrevet|my name is|name:|i am|jeg er)|^\s*(?:fra|from):)[\s,:]*$"
)
# A name may follow: "min mor ...", "vores søn ...", "min mands"
RELATION_CUE = re.compile(
    r"(?i)(?:\b(?:min|mit|mine|vores|hans|hendes|deres|afdøde|afdoede|my)\s+(?:" + RELATIONS + r")s?"
    r"(?:\s+(?:der hedder|som hedder|hedder|ved navn))?|\b(?:mor|far|forælder|forældre|værge|vaerge) til)"
    r"[\s,:]*$"
)
# "... er min søn": a name before it
RELATION_AFTER = re.compile(r"(?i)^[\s,]+(?:er|is)\s+(?:min|mit|mine|vores|my)\s+(?:" + RELATIONS + r")\b")
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
# proper names made of words that are not persons: "Sankt Hans", "Kristi Himmelfartsdag"
KEEP_PHRASES = re.compile(
    r"(?i)\b(?:sankt hans|sankthans|kristi himmelfart\w*|store bededag|røde kors|roede kors|ældre sagen|"
    r"aeldre sagen|red barnet|dansk flygtningehjælp|kræftens bekæmpelse|lev uden vold|mødrehjælpen|"
    r"udbetaling danmark|digital post|ny i danmark)\b")
SURNAME_ENDINGS = ("sen", "søn", "soen", "gaard", "gård", "strup", "rup", "holm", "lund", "borg", "bjerg")
SENTENCE_START = re.compile(r"(?:^|[.!?\n:;]\s*|\"\s*)$")
# Words that follow "min mor ..." far more often than a name does
FUNCTION_WORDS = frozenset("""
og eller men at i på paa til fra med for om af er var har havde skal skulle vil ville kan kunne må maa
ikke jeg du han hun den det vi de dem mig dig sig os jer hans hendes deres min mit mine din dit dine
sin sit sine vores jeres en et som der her hvor hvad hvem hvornår hvorfor hvordan så saa også ogsaa bare
lige nu da når naar hvis fordi selv meget lidt mere mest alle alt nogen noget ingen hele godt dårlig
altid aldrig igen snart gerne ja nej hej tak bliver blev være vaere været gå gaa få faa fik
ser så går gik kommer kom tager tog giver gav siger sagde står bor boede gør gjorde kender ved vidste
synes tror troede mener hedder hed bruger brugte skriver skrev ringer ringede søger soeger søgte
mangler fylder flytter flyttede døde doede er blevet bliver og så fået faaet haft lever levede
sidder ligger kører bad beder hjælper hjælpe trænger prøver prøvede er også ikke nok snart stadig
altså jo vel nemlig sikkert måske maaske kun næsten lige straks allerede endnu
""".split())


def _name_spans(text: str) -> List[Tuple[int, int]]:
    kinds, words = _names()
    kept = [(m.start(), m.end()) for m in KEEP_PHRASES.finditer(text)] + \
        [(m.start(), m.end()) for m in MARKER.finditer(text)]
    tokens = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)
              if not any(s <= m.start() < e for s, e in kept)]
    spans: List[Tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        start, end, word = tokens[index]
        key = word.lower()
        capital = word[:1].isupper()
        if capital and key not in kinds and key.endswith("s") and key[:-1] in kinds:
            key = key[:-1]  # "Karens ansøgning"
        known = key in kinds
        typo = (capital and not known and len(key) >= 5 and key not in words and key not in _typo_words()
                and near(key, _typo_names()))
        if not (known or capital) or key in FUNCTION_WORDS or _keep(word):
            index += 1
            continue
        common = key in words  # also a Danish word: a name only where the context says so
        before = text[max(0, start - 40):start]
        strong = bool(STRONG_CUE.search(before))
        relation = not strong and bool(RELATION_CUE.search(before))
        followed = bool(RELATION_AFTER.match(text[end:end + 40]))
        mid_sentence = capital and not SENTENCE_START.search(before)
        surnamish = capital and len(key) > 4 and key.endswith(SURNAME_ENDINGS)
        is_name = (
            strong
            or (relation and (capital or known))
            or (followed and (capital or known))
            or (known and not common)
            or (known and common and mid_sentence)
            or (mid_sentence and surnamish)
            or typo
        )
        if not is_name:
            index += 1
            continue
        first = index
        while first > 0:  # a first name the list lacks, before a known one: "Tharshini Sivakumar"
            previous_start, previous_end, previous = tokens[first - 1]
            previous_key = previous.lower()
            if text[previous_end:tokens[first][0]] != " " or _keep(previous) or previous_key in FUNCTION_WORDS:
                break
            if (previous[:1].isupper() and previous_key not in words) or (previous_key in kinds and not capital):
                first -= 1
            else:
                break
        last = index
        while last + 1 < len(tokens):  # the rest of the name: "Mette Kjærgaard", "Ali Hassan Omar"
            next_start, _, following = tokens[last + 1]
            if text[tokens[last][1]:next_start] not in (" ", "-") or _keep(following):
                break
            follow_key = following.lower()
            if follow_key in FUNCTION_WORDS:
                break
            capitalised_name = following[:1].isupper() and (
                follow_key in kinds or follow_key.endswith(SURNAME_ENDINGS) or follow_key not in words)
            if capitalised_name or (follow_key in kinds and (follow_key not in words or not capital)):
                last += 1
            else:
                break
        spans.append((tokens[first][0], tokens[last][1]))
        index = last + 1
    return spans


def _replace_spans(text: str, spans: List[Tuple[int, int]], mark: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + mark + text[end:]
    return text


def _street(match: "re.Match[str]") -> str:
    name = re.split(r"[ ]\d", match.group(0), maxsplit=1)[0]  # the street's name, before its number
    last = name.split(" ")[-1]
    if _keep(last):  # "Udbetaling Danmark 1. maj"
        return match.group(0)
    if last == last.lower() and not STRONG_STREET_ENDING.search(last) and \
            not ADDRESS_CUE_BEFORE.search(match.string[:match.start()]):
        return match.group(0)
    return ADDRESS_MARK


def _postcode_town(match: re.Match) -> str:
    number, town = match.group(1), match.group(2)
    first = town.split()[0]
    if _place(first):
        return ADDRESS_MARK
    if 1900 <= int(number) <= 2099 or not first[:1].isupper() or first.lower() in KEEP_WORDS:
        return match.group(0)  # a year, an amount ("3500 kr"), ...
    return ADDRESS_MARK


def _health_typo(match: re.Match) -> str:
    word = match.group(0)
    key = word.lower()
    if len(key) < 7 or word.isupper() or _keep(word) or key in _names()[1] or key in _typo_words():
        return word
    return HEALTH_MARK if near(key, _typo_health()) else word


# --- the normalised copy the patterns read -------------------------------------------------------------
DASH_LIKE = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u02d7\u2796\ufe58\ufe63\uff0d_")
SLASH_LIKE = frozenset("\u2044\u2215\u29f8\uff0f")
INVISIBLE = frozenset("\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064"
                      "\ufeff")
# text the patterns can read as it is: ASCII without "_" and tabs, and the Danish letters
_PLAIN = re.compile(r"[\x20-\x5e\x60-\x7e\næøåÆØÅéÉüÜöÖäÄ]*")


def _fold_char(char: str) -> str:
    if char in DASH_LIKE:
        return "-"
    if char in SLASH_LIKE:
        return "/"
    if char in INVISIBLE:
        return ""
    if char == "\t" or unicodedata.category(char) == "Zs":
        return " "
    if char.isdecimal():
        return str(unicodedata.decimal(char, 0))
    return char


def matching_copy(text: str) -> Optional[Tuple[str, List[int], List[int]]]:
    """The text as the patterns read it (see the module's docstring), and for
    each of its characters the start and end, in `text`, of the characters
    it came from; None when the text reads as it is (the common case)."""
    if _PLAIN.fullmatch(text):
        return None
    copy: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    index, length = 0, len(text)
    while index < length:
        end = index + 1  # a character and the combining marks after it are normalised together
        while end < length and unicodedata.combining(text[end]):
            end += 1
        for char in unicodedata.normalize("NFKC", text[index:end]):
            for folded in _fold_char(char):
                copy.append(folded)
                starts.append(index)
                ends.append(end)
        index = end
    folded_text = "".join(copy)
    return None if folded_text == text else (folded_text, starts, ends)


class _Tracked:
    """The redaction's working text when it differs from the citizen's own:
    for each character where it came from (`starts`, `ends`; -1 for the
    characters of a marker), so the markers can be put into the original."""

    def __init__(self, original: str, copy: str, starts: List[int], ends: List[int]) -> None:
        self.original, self.text, self.starts, self.ends = original, copy, starts, ends

    def replace(self, start: int, end: int, new: str) -> None:
        """`text[start:end]` becomes `new`: its part equal to the start of the
        old text keeps its origin, the rest (a marker) has none."""
        old = self.text[start:end]
        kept = 0
        while kept < min(len(old), len(new)) and old[kept] == new[kept]:
            kept += 1
        added = len(new) - kept
        self.text = self.text[:start] + new + self.text[end:]
        self.starts[start + kept:end] = [-1] * added
        self.ends[start + kept:end] = [-1] * added

    def result(self) -> str:
        """The original text with the markers in place of what they replaced."""
        if -1 not in self.starts:
            return self.original
        out: List[str] = []
        index, length = 0, len(self.text)
        while index < length:
            marker = self.starts[index] == -1
            end = index
            while end < length and (self.starts[end] == -1) == marker:
                end += 1
            if marker:
                out.append(self.text[index:end])
            else:  # the original characters, with what was folded away between them (and at either end)
                first = 0 if index == 0 else self.starts[index]
                last = len(self.original) if end == length else self.ends[end - 1]
                out.append(self.original[first:last])
            index = end
        return "".join(out)


Replacement = Union[str, Callable[["re.Match[str]"], str]]
Working = Union[str, _Tracked]


def _sub(working: Working, pattern: "re.Pattern[str]", replacement: Replacement) -> Working:
    if isinstance(working, str):
        return pattern.sub(replacement, working)
    for match in reversed(list(pattern.finditer(working.text))):
        new = replacement(match) if callable(replacement) else replacement
        if new != match.group(0):
            working.replace(match.start(), match.end(), new)
    return working


def _redact_names(working: Working) -> Working:
    if isinstance(working, str):
        return _replace_spans(working, _name_spans(working), NAME_MARK)
    for start, end in sorted(_name_spans(working.text), reverse=True):
        working.replace(start, end, NAME_MARK)
    return working


def _account_cued(match: "re.Match[str]") -> str:
    return match.group(1) + ACCOUNT_MARK


def _cued(mark: str) -> Callable[["re.Match[str]"], str]:
    return lambda match: match.group(1) + mark


def _health_context(match: "re.Match[str]") -> str:
    return match.group(0) if match.group(2).lower() in FUNCTION_WORDS else match.group(1) + HEALTH_MARK


def _steps() -> List[Tuple["re.Pattern[str]", Replacement]]:
    """Every pattern and its replacement, in order: numbers first (CPR before
    phone, so a CPR number is never read as a phone number), then addresses,
    health; names come last (`_names`)."""
    return [
        (EMAIL, EMAIL_MARK),
        (IBAN, ACCOUNT_MARK), (ACCOUNT_CUED, _account_cued), (ACCOUNT_BARE, ACCOUNT_MARK),
        (CPR, CPR_MARK),
        (DOCUMENT, _cued(DOCUMENT_MARK)),
        (PHONE, PHONE_MARK),
        (CARE_OF, ADDRESS_MARK), (STREET, _street), (STREET_CUED, _cued(ADDRESS_MARK)),
        (POSTCODE_TOWN, _postcode_town),
        (_health(), HEALTH_MARK), (HEALTH_COMPOUND, HEALTH_MARK), (HEALTH_ACRONYMS, HEALTH_MARK),
        (WORD, _health_typo), (HEALTH_TAIL, HEALTH_MARK), (HEALTH_CONTEXT, _health_context),
    ]


def redact(text: str) -> str:
    """All of the above, on the normalised copy; the citizen's own text with
    markers where personal data was."""
    if not text:
        return text
    folded = matching_copy(text)
    working: Working = text if folded is None else _Tracked(text, *folded)
    for pattern, replacement in _steps():
        working = _sub(working, pattern, replacement)
    working = _redact_names(working)
    return working if isinstance(working, str) else working.result()
