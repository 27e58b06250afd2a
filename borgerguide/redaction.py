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
- `[DOKUMENT]` passport, driving-licence, residence-card and ID-card numbers
  (the number after the word: "pas", "passport", "паспорт", "посвідка");
- `[ADRESSE]` a street and house number with floor and side ("Vestervang 14,
  2. th"), a postcode and town ("8000 Aarhus C"), "c/o" and the name after it;
  an English street ("42 Elm Road") and British postcode, a Ukrainian street,
  house and flat ("вул. Сумська, 45, кв. 12"). A town or kommune alone stays:
  the guide needs the kommune;
- `[HELBRED]` diagnoses and conditions in everyday Danish (sclerose, kræft,
  demens, diabetes, ADHD, depression, ...), English (dementia, epilepsy,
  breast cancer, ...) and Ukrainian in any case ("діабет", "з діабетом",
  "після інсульту"), and treatments that tell them (kemo, chemotherapy,
  хіміотерапія, dialyse). The topic stays readable: "sygedagpenge",
  "hjælpemidler", "kørestol", "walking aids" are not health details;
- `[NAVN]` persons' names: from a name list (borgerguide/data/names.txt:
  Danish names and the names of people with other origins who live in
  Denmark; Ukrainian and Russian names in Cyrillic with their patronymics,
  and in Latin letters as their documents spell them: Olena, Mykola,
  Shevchenko, Yuliia/Yulia), helped by context in Danish, English and
  Ukrainian ("jeg hedder", "min mor ...", "mvh ...", "my name is", "I am",
  "my mother ...", "call me", "... here", "мене звати", "моє ім'я", "я —",
  "моя мама ...", "з чоловіком ...", "з повагою, ..."). A Ukrainian name is
  found in the case the sentence puts it in ("Тараса", "Оленою", "Андрієм").
  A name that is also a word ("Per", "Mark", "Grace", "Надія") is only taken
  where the context says it is a name or, written with a capital letter, in
  the middle of a sentence; a name in Cyrillic only with a capital letter or
  context. Places, authorities and products (Aarhus, Borgerservice,
  Udbetaling Danmark, MitID, iPhone, Spain, Київ, Орхусі) and acronyms in
  capitals (LOKK) are never names.

Before anything is matched the text is read as a normalised copy
(`matching_copy`): Unicode NFKC (full-width and other compatibility forms
become plain ones), every dash (hyphen, non-breaking hyphen, en and em dash,
minus sign, underscore ...) a "-", every space (no-break, narrow, thin,
ideographic ...) a " ", every decimal digit of any script (Arabic-Indic,
full-width ...) its ASCII digit, invisible characters (zero-width space,
soft hyphen, word joiner) nothing. What is found in the copy is replaced in
the citizen's own text, which is otherwise kept exactly as written.

One redaction serves every language of the conversation (docs/languages.md):
it is not told the language; the cues and word lists of Danish, English and
Ukrainian are used on every message, and each language's ordinary text is
checked to come through unchanged (tests/test_redaction.py, the benchmark's
clean messages).

Measured limits (recall per kind and language, lost words in clean text,
cost per message): docs/privacy.md, benchmarks/README.md,
`python benchmarks/redaction.py`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Collection, Dict, FrozenSet, List, Optional, Tuple, Union

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
CYRILLIC = re.compile("[\u0400-\u04ff]")

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
    r"(?i)(\b(?:reg|regnr|reg\.nr|registreringsnummer|kontonummer|kontonummeret|kontonr|konto|kto|account|"
    r"sort code|номер рахунку|рахунок|рахунку|реєстраційний номер|рег\.? номер)"
    r"\.?(?:[ ]?(?:nr\.?|nummer|number|no\.?|№))?[.:]?(?:[ ]?(?:er|is|:|-))?[ ]?)"
    r"(\d{4}(?:[ ,.\-/]{1,3}(?:(?:og |and )?(?:konto(?:nummer|nr)?|kontonummeret|kto)\.?[ ]?(?:nr\.?)?[.:]?"
    r"(?:[ ]?(?:er|is))?[ ]?)?\d{6,10})?|\d{2,4}(?:[ ]\d{3,4}){1,3}|\d{6,14})(?![\d])"
)
ACCOUNT_BARE = re.compile(r"(?<![\d\-])\d{4}[ \-]\d{10}(?![\d])|(?<![\d\-+])(?!0045)\d{4}-\d{6,9}(?![\d\-])")
DOCUMENT = re.compile(
    r"(?i)(\b(?:pas|pasnr|pasnummer|pasnummeret|passet|passport|passnummer|kørekort\w*|koerekort\w*|korekort\w*|"
    r"driving licen[cs]e|id-?kort\w*|opholdskort\w*|residence (?:card|permit)|id card|identity card|"
    r"паспорт\w*|посвідк\w*(?: на проживання)?|посвідчення(?: водія)?|id-картк\w*)"
    r"(?:[ ]?(?:nr\.?|nummer|number|no\.?|№|номер|er|is|har|med|:|-|,)){0,4}[ ]?)"
    r"([A-Z]{1,2}[ ]?\d{6,10}|\d{6,10}|\d{3}[ ]\d{3}[ ]\d{3})(?![\d])"
)
_STREET_SUFFIX = (
    r"vej|vejen|gade|gaden|allé|alle|alléen|vænget|vaenget|parken|park|torv|torvet|stræde|straede|plads|pladsen|"
    r"boulevard|boulevarden|bakke|bakken|have|haven|toften|toft|marken|mark|engen|enge|vang|vangen|stien|sti|løkke|lokke|"
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
# the same in English and Ukrainian: "I live at", "my address is", "живу на", "за адресою"
_ADDRESS_CUE_OTHER = (r"live at|lives at|living at|live on|address is|address:|moved to|moving to|move to|"
                      r"за адресою|адреса:|адреса|адресу|живу на|живемо на|живе на|живуть на|переїхали на|"
                      r"переїхала на|переїхав на|переїжджаємо на|переїжджаю на")
ADDRESS_CUE_BEFORE = re.compile(r"(?i)(?:bor på|bor paa|bor i|adresse(?:n)?(?: er)?:?|flytter til|flyttet til|"
                                r"flytte til|bopæl(?: er)?:?|adr\.?:?|" + _ADDRESS_CUE_OTHER + r")\s*$")
# "bor på Nørrebrogade 5", "adressen er Strøget 12": a street name after these words, with a number
STREET_CUED = re.compile(
    r"(?i:(\b(?:bor på|bor paa|adresse(?:n)?(?: er)?:?|flytter til|flyttet til|flytte til|ny adresse(?: er)?:?|"
    r"bopæl(?: er)?:?|adr\.?:?|" + _ADDRESS_CUE_OTHER + r") ))"
    r"((?:[A-ZÆØÅ][\wæøåÆØÅéü.'-]*[ ]){1,3}\d{1,4}[ ]?[a-zA-Z]?\b" + _FLOOR + ")"
)
# an English street: "42 Elm Road", "7 St John's Close"; a British postcode with its town: "Leeds LS6 2AB"
ENGLISH_STREET = re.compile(
    r"\b\d{1,4}[a-zA-Z]?,?[ ](?:[A-Z][\w'.-]*[ ]){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|"
    r"Way|Court|Ct|Crescent|Gardens|Place|Pl|Square|Terrace|Grove|Hill|Row|Mews|Walk)\b\.?")
BRITISH_POSTCODE = re.compile(r"\b(?:[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?,?[ ])?[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}\b")
# a Ukrainian street, house and flat: "вул. Сумська, 45, кв. 12", "вулиця Шевченка 18"
UKRAINIAN_STREET = re.compile(
    r"(?i:\b(?:вул|вулиц[яіюе]|вулицею|просп|проспект\w*|пров|провул\w*|бульв|бульвар\w*|пл|площ[аіу]|"
    r"майдан\w*|шосе)(?!\w)\.?)[ ]*[^\W\d_][\w'’.-]*(?:[ ][^\W\d_][\w'’.-]*){0,2}(?:,[ ]?|[ ])"
    r"(?i:(?:буд(?:инок)?\.?[ ]?)?\d{1,4}[^\W\d_]?(?:(?:,[ ]?|[ ])(?:кв(?:артира)?|корп(?:ус)?|буд)\.?[ ]?\d{1,4})*)")
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
    "hiv", "hepatitis", "migræne", "migraene", "whiplash", "diskusprolaps", "prolaps", "misbrug",
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
    # English
    "autism", "autistic", "dementia", "epilepsy", "epileptic", "seizures", "asthma", "asthmatic", "arthritis",
    "osteoarthritis", "rheumatoid arthritis", "anxiety", "anxiety disorder", "panic attacks", "depressed",
    "postnatal depression", "bipolar disorder", "schizophrenia", "schizophrenic", "psychosis", "eating disorder",
    "anorexia", "bulimia", "copd", "emphysema", "dialysis", "kidney failure", "heart failure", "liver failure",
    "chemotherapy", "chemo", "radiotherapy", "radiation therapy", "breast cancer", "lung cancer", "bowel cancer",
    "prostate cancer", "skin cancer", "blood cancer", "leukaemia", "lymphoma", "brain tumour", "tumour",
    "heart attack", "heart disease", "heart condition", "cardiac arrest", "brain haemorrhage", "brain injury",
    "brain damage", "concussion", "multiple sclerosis", "motor neurone disease", "muscular dystrophy",
    "cerebral palsy", "down syndrome", "down's syndrome", "learning disability", "dyslexia", "dyslexic",
    "hearing loss", "hard of hearing", "deaf", "deafness", "visually impaired", "sight loss", "glaucoma",
    "cataracts", "alcoholism", "alcoholic", "drug addiction", "addiction", "addict", "miscarriage",
    "tuberculosis", "cirrhosis", "incontinence", "incontinent", "paralysed", "paralyzed",
    "chronic pain", "chronic fatigue", "high blood pressure", "hypertension", "diabetic", "stoma",
    "colostomy", "suicidal", "self-harm", "self harm", "dementia", "memory loss", "crohn's", "coeliac",
    "celiac", "hiv positive", "hepatitis c", "long covid", "migraines", "obesity", "spinal injury",
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
    r"type [12]|\d(?:-?го)? типу))+")
# acronyms that are also words: only in capitals
HEALTH_ACRONYMS = re.compile(r"(?<![\wæøå])(?:ADD|MS|ALS|AIDS|KOL|COPD|ПТСР|ДЦП|ВІЛ|СНІД|ВИЧ|РС)(?![\wæøå])")
# Ukrainian (and Russian) conditions, in any case the sentence puts them: "діабет", "з діабетом", "депресію"
_CYR_END = r"[а-яіїєґь'’ʼ]*"
UKRAINIAN_HEALTH = re.compile(
    r"(?i)(?<!\w)(?:"
    r"цукров" + _CYR_END + r" діабет" + _CYR_END + r"(?: \d(?:-?го)? типу)?|"
    r"діабет" + _CYR_END + r"(?: \d(?:-?го)? типу)?|"
    r"(?:рак|раку|раком|онкологі" + _CYR_END + r")(?: (?:груд|легень|легенів|шлунк|кров|печінк|кишечник|"
    r"кишк|простат|шкір|мозку|яєчник|матки|нир)" + _CYR_END + r")?|"
    r"хвороб" + _CYR_END + r" (?:альцгеймер|паркінсон|крона|бехтерев)" + _CYR_END + r"|"
    r"розсіян" + _CYR_END + r" склероз" + _CYR_END + r"|"
    r"(?:нирков|серцев|печінков|дихальн)" + _CYR_END + r" недостатн" + _CYR_END + r"|"
    r"(?:тривожн|біполярн|психічн|харчов|панічн)" + _CYR_END + r" (?:розлад|атак)" + _CYR_END + r"|"
    r"синдром" + _CYR_END + r" даун" + _CYR_END + r"|"
    r"операці" + _CYR_END + r" на (?:серці|мозку|хребті|нирках|нирці|печінці)|"
    r"(?:променев|хіміо)" + _CYR_END + r" терапі" + _CYR_END + r"|"
    r"(?:інсульт|інфаркт|епілепс|аутизм|аутист|деменці|альцгеймер|паркінсон|депресі|шизофрені|астм|"
    r"гіпертоні|гіпертензі|артрит|артроз|туберкульоз|гепатит|склероз|діаліз|онкохвор|хіміотерап|"
    r"радіотерап|цироз|лейкемі|лейкоз|пухлин|глухот|сліпот|паралі|ампут|мігрен|алкоголізм|наркозалежн|"
    r"остеопороз|безпліддя|викидн|викидень|постковід|аутоімун|інсулінозалежн|"
    r"диабет|инсульт|инфаркт|эпилепс|деменци|депресси|шизофрени|астм|онкологи|химиотерап)" + _CYR_END +
    r")(?!\w)")
# "i behandling for X", "får medicin mod X": X is a health detail
HEALTH_CONTEXT = re.compile(
    r"(?i)(\b(?:i behandling for|behandlet for|behandles for|medicin mod|medicin for|diagnosen|diagnose:|"
    r"diagnosticeret med|fået konstateret|faaet konstateret|lider af|syg med|ramt af|indlagt med|"
    r"opereret for|behandling mod|kræft i|problemer med (?:hjertet|lungerne|nyrerne|leveren)|"
    r"diagnosed with|suffers from|suffer from|suffering from|treated for|being treated for|"
    r"hospitali[sz]ed with|operated on for|"
    r"хворію на|хворіє на|хворіють на|хворий на|хвора на|хворів на|хворіла на|з діагнозом|діагноз:?|"
    r"діагностували|лікуюся від|лікується від|лікування від|страждаю на|страждає на|страждаю від|"
    r"страждає від|болеет|болею) )"
    r"(?!\[)([^\W\d_][\w-]*)"
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
hej hejsa tak mvh godmorgen goddag farvel ok okay kr kroner dkk euro borgerguide borgerguiden
denmark danish english ukrainian british polish swedish german russian american european norwegian romanian
syrian turkish international citizen service services agency tax library royal university college hospital
municipality council copenhagen jutland zealand funen bornholm sweden germany poland norway brexit christmas
nordic scandinavian french spanish italian dutch greek finnish icelandic irish scottish welsh indian
pakistani arabic arab somali afghan iraqi iranian eritrean vietnamese chinese thai filipino lithuanian latvian
estonian bulgarian hungarian czech slovak croatian serbian bosnian albanian portuguese brazilian belarusian
moldovan georgian family law court muslim catholic jewish hindu buddhist orthodox protestant
easter eve monday tuesday wednesday thursday friday saturday sunday january february march june july
october may hello hi dear thanks thank sorry please regards yes
""".split())
# Towns abroad that citizens name (moving, holidays, where they come from), as English writes them
PLACES_ABROAD = frozenset("""
london paris berlin hamburg oslo stockholm malmö malmo gothenburg helsinki amsterdam brussels warsaw krakow
vilnius riga tallinn bucharest sofia madrid barcelona rome milan lisbon vienna prague budapest athens istanbul
ankara kyiv kiev kharkiv kharkov lviv odesa odessa dnipro zaporizhzhia mykolaiv kherson mariupol poltava
chernihiv zhytomyr vinnytsia lutsk ternopil uzhhorod chernivtsi khmelnytskyi kropyvnytskyi cherkasy irpin
bucha bakhmut donetsk luhansk crimea moscow damascus aleppo baghdad kabul tehran mogadishu asmara karachi
lahore delhi mumbai beijing manila sydney melbourne canberra york toronto chicago boston dubai
""".split())
# Never a name in Cyrillic: the start of a place's or an authority's name in any of its cases ("Данії",
# "Києві", "Копенгагені", "Орхусі").
CYRILLIC_KEEP = re.compile(
    r"(?:україн|данськ|київ|києв|харків|харков|львів|львов|одес|дніпр|запоріж|маріупол|полтав|черніг|житомир|вінниц|"
    r"луцьк|тернопол|тернопіл|ужгород|чернівц|хмельниц|кропивниц|ірпін|бахмут|краматорськ|донецьк|луганськ|"
    r"крим|севастопол|ізмаїл|херсон|копенгаген|орхус|оденс|ольборг|ольборґ|есб'єрг|есбʼєрг|есб’єрг|есбьєрг|"
    r"вайле|вейле|колдінг|хорсенс|рандерс|роскілле|сількеборг|хернінг|гернінг|фредерісі|фредеріксберг|"
    r"фредеріксхавн|нюборг|свендборг|віборг|нествед|гельсінгер|слагельсе|хіллерод|гіллерод|ікаст|хольстебро|"
    r"сківе|тістед|гадерслев|обенро|сеннерборг|сондерборг|варде|ютланд|зеланд|фюн|борнхольм|"
    r"польщ|німеччин|швеці|норвегі|європ|росі|румуні|угорщин|словаччин|чехі|латві|естоні|фінлянді|англі|"
    r"британі|америк|франці|іспані|італі|туреччин|грузі|білорус|берлін|ростов|фейсбук|вайбер|телеграм|гугл|"
    r"айфон|самсунг|ютуб|інстаграм|ватсап|приватбанк|монобанк|великдень|різдв|пасх)[а-яіїєґ'’ʼ-]{0,4}|"
    r"данія|данії|данію|данією|литва|литви|литві|литву|литвою|миколаїв|миколаєва|миколаєві|миколаєвом|"
    r"черкаси|черкас|черкасах|черкасам|молдова|молдови|молдові|молдову|бог|бога|богу|богом|боже|господь|"
    r"господи|слава")


def _fold(word: str) -> str:
    return word.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def typo_name(key: str, kinds: Collection[str], flags: Collection[str]) -> bool:
    """Is a name of the list (its kinds and flags) matched with one typo? A
    first name of five letters or more in Latin letters, not a word, not only a
    transliteration (scripts/build_name_list.py builds the list of words one
    typo from these from the same rule)."""
    return (len(key) >= 5 and "first" in kinds and "word" not in flags and "translit" not in flags
            and not CYRILLIC.search(key))


@lru_cache(maxsize=1)
def _names() -> Tuple[Dict[str, str], FrozenSet[str], FrozenSet[str], FrozenSet[str]]:
    """name -> kinds ("first", "last", "middle", "first,last"), the names that
    are also words (Danish, English; Ukrainian or Russian for names in
    Cyrillic), the names matched with one typo, and the names that are an
    English word when written in lower case ("walker")."""
    kinds: Dict[str, str] = {}
    words = set()
    typo = set()
    lower = set()
    for line in (DATA / "names.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        kinds[parts[0]] = parts[1]
        flags = parts[2:]
        if "word" in flags:
            words.add(parts[0])
        if "lower" in flags:
            lower.add(parts[0])
        if typo_name(parts[0], parts[1].split(","), flags):
            typo.add(parts[0])
    return kinds, frozenset(words), frozenset(typo), frozenset(lower)


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


def _typo_names() -> FrozenSet[str]:
    return _names()[2]


@lru_cache(maxsize=1)
def _countries() -> FrozenSet[str]:
    """Countries in Danish and English (borgerguide/data/countries.txt), and the places abroad citizens
    write of: never a person's name."""
    path = DATA / "countries.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#")) \
        | PLACES_ABROAD


def _place(word: str) -> bool:
    key = word.lower()
    return key in _places() or _fold(key) in _places() or key in _countries() or key.endswith("styrelsen")


def _keep(word: str) -> bool:
    """Never a person's name: a place, an authority, a product, a month ..."""
    key = word.lower()
    if CYRILLIC.match(key):
        return key in KEEP_WORDS or bool(CYRILLIC_KEEP.fullmatch(key))
    return key in KEEP_WORDS or _place(word)


def _trie(terms: Collection[str]) -> str:
    """A pattern that matches any of `terms` (as an alternation of them, longest first, would), written as a
    tree of their letters: the regular expression engine then tries a few letters at each place in the
    text instead of every term."""
    tree: Dict[str, dict] = {}
    for term in terms:
        node = tree
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: Dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:  # the term may end here, or go on (tried first: the longest term wins)
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return pattern(tree)


@lru_cache(maxsize=1)
def _health() -> re.Pattern:
    return re.compile(r"(?i)(?<![\wæøå])(?:" + _trie({term.lower() for term in HEALTH_TERMS}) +
                      r")(?:en|et|s|er|ne)?(?![\wæøå])")


RELATIONS = (
    r"mor|far|mand|manden|kone|konen|søn|soen|datter|bror|broder|søster|soester|svigermor|svigerfar|svigersøn|"
    r"svigerdatter|farmor|mormor|farfar|morfar|bedstemor|bedstefar|oldemor|oldefar|onkel|tante|nabo|naboen|ven|"
    r"veninde|kæreste|kaereste|samlever|partner|eks|ekskone|eksmand|barn|dreng|pige|fætter|faetter|kusine|nevø|"
    r"niece|barnebarn|plejebarn|plejesøn|plejedatter|ægtefælle|aegtefaelle|stedfar|stedmor|papfar|papmor|lejer|"
    r"udlejer|værge|vaerge|kollega|chef|sagsbehandler|læge|laege|søstre|brødre|forældre|foraeldre|børn|boern|"
    # English
    r"mother|mum|mom|mummy|father|dad|daddy|husband|wife|son|daughter|brother|sister|partner|boyfriend|"
    r"girlfriend|fianc[ée]e?|grandmother|grandma|granny|nan|nana|grandfather|grandpa|grandson|granddaughter|"
    r"grandchild|neighbour|neighbor|friend|child|kid|baby|boy|girl|little boy|little girl|aunt|auntie|uncle|"
    r"cousin|nephew|niece|caseworker|case worker|social worker|doctor|gp|landlord|landlady|colleague|boss|"
    r"stepson|stepdaughter|stepfather|stepmother|stepdad|stepmum|mother-in-law|father-in-law|son-in-law|"
    r"daughter-in-law|sister-in-law|brother-in-law|ex-wife|ex-husband|carer|guardian|twins|parents|children|"
    r"sons|daughters|teacher|flatmate|roommate"
)
# Ukrainian (and Russian) relations, in every case: "моя мама", "мого сина", "з чоловіком", "бабусею"
_UK_RELATIONS = (
    r"(?:мам|мамочк|матус|бабус|бабц|бабуш|дідус|дідуш|дедушк|онук|онуч|донь|доньк|дочк|дочц|дочер|дружин|"
    r"чолов|сестр|сестричк|братик|братов|свекр|тещ|тітк|тьотк|дядьк|сусід|подруг|племін|пасин|падчер|вітчим|"
    r"мачух|опікун|наречен|партнер|кузин|синоч|сино|внук|внучк)[а-яіїєґь'’ʼ]*|"
    r"мати|матір|матері|тато|тата|татові|татом|тату|татусь|татуся|батько|батька|батькові|батьком|батьки|"
    r"батьків|син|сина|синові|сину|сином|сини|синів|брат|брата|братові|братом|брату|брати|братів|"
    r"дитина|дитини|дитину|дитині|дитиною|діти|дітей|дітям|друг|друга|другові|другом|друзі|"
    r"лікар|лікаря|лікарю|лікарем|лікарка|лікарки|лікарці|лікарку|куратор|куратора|кураторка|кураторки|"
    r"соцпрацівник|соцпрацівника|соцпрацівниця|соцпрацівниці|"
    r"муж|мужа|мужу|мужем|жена|жены|жену|женой|сын|сына|сыну|сыном|дочь|папа|папу|папы|отец|отца"
)
_UK_POSSESSIVE = (r"мій|моя|моє|мої|мого|моєї|моєму|моїй|моїм|моєю|моїх|наш|наша|наше|наші|нашого|нашої|"
                  r"нашому|нашій|нашим|нашою|наших|його|її|їхній|їхня|мой|моего|моей|моему|моим")
# A name follows: "jeg hedder ...", "mit navn er ...", "mvh ..."
STRONG_CUE = re.compile(
    r"(?i)(?:\b(?:hedder|heder|hed|kaldes|kaldet|navn(?:et)? (?:er|var|på|paa)|navn:|mvh\.?|m\.v\.h\.?|vh\.?|"
    r"hilsen|hilsner|kh\.?|knus|underskrevet|my name is|name is|name:|jeg er|"
    r"call me|named|first name:?|surname:?|last name:?|full name is|full name:|regards|best wishes|"
    r"sincerely|yours|cheers|signed|"
    r"звати|звуть|зовуть|ім['’ʼ]я:?|на ім['’ʼ]я|прізвище:?|по батькові:?|з повагою|з найкращими побажаннями|"
    r"меня зовут|имя:?|фамилия:?|с уважением)|^\s*(?:fra|from|від):)[\s,:]*$"
)
# A name follows if it is written with a capital letter: "I am Olena", "this is Priya", "Я — Олег", "Це Ірина"
CAPITAL_CUE = re.compile(r"(?i)(?:\b(?:i am|i'm|i’m|this is|it's|it’s|it is|mr\.?|mrs\.?|ms\.?|miss|dr\.?|"
                         r"fru|hr\.?|пан|пані|пана|панові|г-н|г-жа)|(?<!\w)(?:я|це|это)(?:\s*-)?)\s*$")
# A name may follow: "min mor ...", "vores søn ...", "min mands"
RELATION_CUE = re.compile(
    r"(?i)(?:\b(?:min|mit|mine|vores|hans|hendes|deres|afdøde|afdoede|my|our|his|her|their|late)\s+"
    r"(?:(?:little|eldest|oldest|youngest|older|younger|big|baby)\s+)?(?:" + RELATIONS + r")s?"
    r"(?:\s+(?:der hedder|som hedder|hedder|ved navn|called|named|whose name is))?|"
    r"\b(?:mor|far|forælder|forældre|værge|vaerge) til|\b(?:mother|father|parent|guardian) (?:of|to)|"
    r"(?<!\w)(?:(?:" + _UK_POSSESSIVE + r")\s+)?(?:(?:старш|молодш|менш|маленьк)[а-яіїєґ]*\s+)?"
    r"(?:" + _UK_RELATIONS + r")(?:\s+на ім['’ʼ]я)?(?!\w))[\s,:]*$"
)
# "... er min søn", "... is my husband", "... — мій брат": a name before it; "... here", "... speaking"
RELATION_AFTER = re.compile(r"(?i)^(?:[\s,]+(?:er|is)\s+(?:min|mit|mine|vores|my|our)\s+(?:" + RELATIONS + r")\b|"
                            r"[\s,]*(?:-\s*)?(?:це\s+)?(?:" + _UK_POSSESSIVE + r")\s+(?:" + _UK_RELATIONS +
                            r")(?!\w))")
HERE_AFTER = re.compile(r"(?i)^[ ](?:here|speaking|her|тут)\b")
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
# proper names made of words that are not persons: "Sankt Hans", "Kristi Himmelfartsdag"
KEEP_PHRASES = re.compile(
    r"(?i)\b(?:sankt hans|sankthans|kristi himmelfart\w*|store bededag|røde kors|roede kors|ældre sagen|"
    r"aeldre sagen|red barnet|dansk flygtningehjælp|kræftens bekæmpelse|lev uden vold|mødrehjælpen|"
    r"udbetaling danmark|digital post|ny i danmark|citizen service|red cross|international house|new york|"
    r"червоний хрест|червоного хреста|"
    r"слава україні|героям слава)\b")
# small words inside a name, before a capitalised one: "de Vries", "van Dijk", "al Hassan", "bin Laden"
NAME_PARTICLES = frozenset("de van von der den al el bin ibn da di du la le ter ten dos das del della".split())
SURNAME_ENDINGS = ("sen", "søn", "soen", "gaard", "gård", "strup", "rup", "holm", "lund", "borg", "bjerg")
# Ukrainian and Russian surnames and patronymics, in any case: "Гнатюка", "Ковальського", "Петрівною"
CYRILLIC_SURNAME = re.compile(
    r"(?:енк[оауі]|енком|[чщ]ук|[чщ]ук(?:а|у|ом|ові)|юк|юк(?:а|у|ом|ові)|[сц]ьк(?:ий|ого|ому|им|ім|а|ої|ій|у|ою)|"
    r"ович|ович(?:а|у|ем|еві)|евич|евич(?:а|у|ем)|[іїо]вн(?:а|и|і|у|ою)|евн(?:а|ы|е|у|ой)|ишин(?:а|и|у|ою)?)$")
# how a Ukrainian or Russian name changes with its case, and what it ends with in the list: "Тараса" is
# "Тарас", "Оленою" "Олена", "Андрієм" "Андрій", "Миколі" "Микола", "Наталі" "Наталя", "Дмитра" "Дмитро"
# (the ending of a case, and the endings the name may have in the list instead), longest endings first
CYRILLIC_CASES = (
    ("ові", ("", "о")), ("еві", ("ь", "")), ("єві", ("й",)), ("ого", ("ий", "ій")), ("ому", ("ий", "ій")),
    ("ою", ("а",)), ("ею", ("я", "а")), ("єю", ("я",)), ("ой", ("а",)), ("ей", ("я", "ь")), ("ої", ("а",)),
    ("ій", ("а",)), ("ім", ("ий", "ій")), ("им", ("ий", "")), ("ом", ("", "о")), ("ем", ("ь", "")),
    ("єм", ("й",)), ("у", ("", "о", "а")), ("ю", ("ь", "й", "я", "")), ("і", ("а", "я", "", "о", "ь")),
    ("ї", ("я", "й")), ("и", ("а",)), ("ы", ("а",)), ("а", ("", "о")), ("я", ("ь", "й", "")),
    ("е", ("", "о", "а")), ("є", ("й", "я")), ("о", ("а",)),
)
SENTENCE_START = re.compile(r"(?:^|[.!?\n:;(]\s*|[\"«“„]\s*)$")
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
a an the and or but if so is are was were be been being am has have had do does did will would can could
may might must shall should not no yes to of in on at for with from by about as into after before it its
he she they we you i me him her them us my your his their our this that these those who whom whose which
what when where why how there here also just only now then too very still again please thanks thank
needs need wants want lives lived living got gets get works worked says said moved moving died passed went
goes came comes fell broke lost takes took called call calls needs helps help tried tries started starts
isn't doesn't can't won't didn't hasn't cant dont wont didnt doesnt isnt im ive i'm i’m i've i’ve i'd i'll
it's it’s that's he's she's we're they're you're
які який яка яке якого якої якому якій яким якою котрий котра котре котрі хто кого кому кім чий чия чиє
і й та а але або чи що як де коли не ні так я ти він вона воно ми ви вони мене мені мною його її їх їй йому
нам вам їм нас вас цей ця це ці той те ті в у на з із зі до від для про за по при без через після між під
над перед біля також теж вже ще тільки лише дуже може можна треба потрібно є був була було були буде
будуть має мають живе живуть працює хворіє хоче хочу просить помер померла отримав отримала отримати
не немає зараз тут там теж скоро вчора сьогодні завтра тому тоді якщо щоб також адже бо тобто отже проте
однак навіть ось цього цьому цим цієї тим того тих всі все весь вся кожен кожна інший інша інші свій своя свої
свого своєї своїм себе собі
меня мне мной мой моя моё мое мои моего моей моему моим ты он она оно мы они его ее её их им нам вам
это этот эта эти что как где когда или но из к о об для по не нет да уже ещё еще только очень
""".split())


def _cyrillic_base(key: str, kinds: Dict[str, str]) -> Optional[str]:
    """The name in the list that a Ukrainian or Russian word is a case of ("миколою": "микола")."""
    for ending, restores in CYRILLIC_CASES:
        if key.endswith(ending) and len(key) - len(ending) >= 2:
            stem = key[:-len(ending)]
            for restore in restores:
                if stem + restore in kinds:
                    return stem + restore
            if len(stem) > 3 and stem[-2] in "оеє":  # "Федора": "Федір", "Якова": "Яків"
                changed = stem[:-2] + "і" + stem[-1]
                if changed in kinds:
                    return changed
    return None


def _lookup(word: str, kinds: Dict[str, str]) -> Tuple[str, bool]:
    """The list's key for a word and whether the list has it: itself, without a genitive -s or 's
    ("Karens", "Anna's"), or in Cyrillic the name of which it is a case ("Тараса")."""
    key = word.lower().replace("’", "'").replace("ʼ", "'")
    if key in kinds:
        return key, True
    if key.endswith("'s") and key[:-2] in kinds:
        return key[:-2], True
    if word[:1].isupper() and key.endswith("s") and key[:-1] in kinds:
        return key[:-1], True  # "Karens ansøgning"
    if CYRILLIC.match(key):
        base = _cyrillic_base(key, kinds)
        if base:
            return base, True
    return key, False


def _inflected(word: str, key: str) -> bool:
    return bool(CYRILLIC.match(key)) and word.lower().replace("’", "'").replace("ʼ", "'") != key


def _name_spans(text: str) -> List[Tuple[int, int]]:
    kinds, words, _, lower = _names()
    kept = [(m.start(), m.end()) for m in KEEP_PHRASES.finditer(text)] + \
        [(m.start(), m.end()) for m in MARKER.finditer(text)]
    tokens = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)
              if not any(s <= m.start() < e for s, e in kept)]
    spans: List[Tuple[int, int]] = []
    letters = [char for char in MARKER.sub("", text) if char.isalpha()]
    shouted = sum(1 for char in letters if char.isupper()) > 0.6 * len(letters)
    index = 0
    while index < len(tokens):
        start, end, word = tokens[index]
        capital = word[:1].isupper()
        cyrillic = bool(CYRILLIC.match(word))
        key, known = _lookup(word, kinds)
        typo = (capital and not known and not cyrillic and len(key) >= 5 and key not in words
                and key not in _typo_words() and near(key, _typo_names()))
        if not (known or capital) or key in FUNCTION_WORDS or word.lower() in FUNCTION_WORDS or _keep(word):
            index += 1
            continue
        before = text[max(0, start - 40):start]
        if len(word) > 1 and word.isupper() and not shouted and not (
                STRONG_CUE.search(before) or RELATION_CUE.search(before)):
            index += 1  # an acronym ("LOKK", "SIRI"), unless the whole text is written in capitals or a name follows
            continue
        common = key in words  # also an everyday word: a name only where the context says so
        strong = bool(STRONG_CUE.search(before)) or (capital and bool(CAPITAL_CUE.search(before)))
        relation = not strong and bool(RELATION_CUE.search(before))
        after = text[end:end + 40]
        followed = bool(RELATION_AFTER.match(after))
        mid_sentence = capital and not SENTENCE_START.search(before)
        # a name in Cyrillic is written with a capital letter; in lower case it is a word but for the context
        listed = known and (capital or not (cyrillic or key in lower))
        surnamish = capital and len(key) > 4 and (
            CYRILLIC_SURNAME.search(word.lower()) is not None if cyrillic else key.endswith(SURNAME_ENDINGS))
        is_name = (
            strong
            or (relation and (capital or (known and not (cyrillic and (common or _inflected(word, key))))))
            or (followed and (capital or known))
            or (listed and not common)
            or (known and common and mid_sentence)
            or (mid_sentence and surnamish)
            or (capital and known and bool(HERE_AFTER.match(after)))
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
            previous_cased = previous[:1].isupper() and CYRILLIC.match(previous) and _lookup(previous, kinds)[1]
            if (previous[:1].isupper() and previous_key not in words) or (previous_key in kinds and not capital) \
                    or previous_cased:  # "Коваленко Надія Петрівна"
                first -= 1
            else:
                break
        last = index
        while last + 1 < len(tokens):  # the rest of the name: "Mette Kjærgaard", "Ali Hassan Omar"
            next_start, _, following = tokens[last + 1]
            if text[tokens[last][1]:next_start] not in (" ", "-") or _keep(following):
                break
            follow_key, follow_known = _lookup(following, kinds)
            if follow_key in NAME_PARTICLES and last + 2 < len(tokens) and tokens[last + 2][2][:1].isupper() \
                    and text[tokens[last + 1][1]:tokens[last + 2][0]] == " " and not _keep(tokens[last + 2][2]):
                last += 2  # "Femke de Vries"
                continue
            if follow_key in FUNCTION_WORDS or following.lower() in FUNCTION_WORDS:
                break
            capitalised_name = following[:1].isupper() and (
                follow_known or follow_key.endswith(SURNAME_ENDINGS) or follow_key not in words)
            if capitalised_name or (follow_known and not CYRILLIC.match(follow_key)
                                    and (follow_key not in words or not capital)):
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
_PLAIN = re.compile("[\x20-\x5e\x60-\x7e\næøåÆØÅéÉüÜöÖäÄ\u0400-\u0482\u048a-\u04ff\u2018\u2019\u02bc«»“”„]*")


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
        (ENGLISH_STREET, ADDRESS_MARK), (BRITISH_POSTCODE, ADDRESS_MARK), (UKRAINIAN_STREET, ADDRESS_MARK),
        (POSTCODE_TOWN, _postcode_town),
        (_health(), HEALTH_MARK), (UKRAINIAN_HEALTH, HEALTH_MARK), (HEALTH_COMPOUND, HEALTH_MARK),
        (HEALTH_ACRONYMS, HEALTH_MARK),
        (WORD, _health_typo), (HEALTH_TAIL, HEALTH_MARK), (HEALTH_CONTEXT, _health_context),
    ]


# what finds nothing in a text without a digit (most messages have none)
_NEEDS_DIGIT = (IBAN, ACCOUNT_CUED, ACCOUNT_BARE, CPR, DOCUMENT, PHONE, STREET, STREET_CUED, ENGLISH_STREET,
                BRITISH_POSTCODE, UKRAINIAN_STREET, POSTCODE_TOWN)
_DIGIT = re.compile(r"\d")


def redact(text: str) -> str:
    """All of the above, on the normalised copy; the citizen's own text with
    markers where personal data was."""
    if not text:
        return text
    folded = matching_copy(text)
    working: Working = text if folded is None else _Tracked(text, *folded)
    digits = bool(_DIGIT.search(text if folded is None else folded[0]))
    for pattern, replacement in _steps():
        if digits or not any(pattern is needs for needs in _NEEDS_DIGIT):
            working = _sub(working, pattern, replacement)
    working = _redact_names(working)
    return working if isinstance(working, str) else working.result()
