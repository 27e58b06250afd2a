"""Which solution fits the citizen, or which question to ask first.

Pure functions of the NLU result (intent, entities, text), so that the rules
of each area can be tested without a tracker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence

from actions.reading import fold
from borgerguide.cues import cue, numbers
from borgerguide.catalogue import load_catalogue
from borgerguide.content import content_dir, read_yaml


def _single_solutions() -> Dict[str, str]:
    """Service intent -> its solution, for the intents the catalogue gives
    exactly one solution (content/solutions.yml)."""
    by_intent: Dict[str, List[str]] = {}
    for solution in load_catalogue().solutions.values():
        by_intent.setdefault(solution.intent, []).append(solution.id)
    return {intent: ids[0] for intent, ids in by_intent.items() if len(ids) == 1}


# The service areas (content/areas.yml), and those with one solution.
SERVICE_INTENTS: FrozenSet[str] = frozenset(str(a) for a in read_yaml(content_dir() / "areas.yml")["areas"])
SINGLE_SOLUTION = _single_solutions()

DENMARK = {"danmark", "dk", "denmark", "danmarks"}
ORIGIN_WORDS = ("fra", "from")
DESTINATION_WORDS = ("til", "i", "to", "mod", "ned", "op", "over")

ABROAD_CUES = re.compile(r"\b(udland\w*|udrejse\w*|udrejse|emigrer\w*|abroad)\b")
TO_DENMARK_CUES = re.compile(
    r"\b(til|hjem til|tilbage til|to) (danmark|dk|denmark)\b|\bindrejse\w*|\bfra udlandet\b|"
    r"\b(herned|hertil|herop|herover)\b|\bflytte\w* hjem\b|\bhjem igen\b"
)
# a move within Denmark, said in words ("inden for danmark", "indenlands", "her i landet")
DOMESTIC_CUES = re.compile(
    r"\b(inden ?for|indenfor|rundt i|her i|internt i|bare i|kun i) (danmark|dk|landet)\b|"
    r"\bindenlands\w*|\bsamme (kommune|by)\b|\bher i (danmark|dk|landet)\b|\b(ind til|ud af|i) byen\b|"
    r"\b(fra|ud af) (lejligheden|huset|boligen|vaerelset)\b.{0,40}\b(til|ud i|ind i|ind til)\b|"
    r"\bandre ende af (byen|kommunen)\b|\b(ny|anden) (lejlighed|bolig|adresse) (i|paa)\b"
)
EXEMPTION_CUES = re.compile(
    r"fritag|fritaget|papir|brev(e|ene)? (med|i|paa) posten|slippe for|"
    r"afmeld|vil ikke have digital|kan ikke bruge digital"
)
MISSING_LETTER_CUES = re.compile(
    r"mangler|kan ikke finde|forsvund|ikke faaet|ikke modtaget|hvor er (mit|brevet)|kommet et brev|"
    r"ikke (er )?kommet|savner|skulle (have faaet|vaere kommet|komme)"
)
EMPLOYMENT_CUES = [
    ("selvstændig", re.compile(r"selvst(ae|e)ndig|eget firma|egen \w*virksomhed|egen forretning|cvr|freelance|"
                                r"enkeltmands\w*|\b(min|mit) (\w+)?(firma|virksomhed)\b")),
    ("ledig", re.compile(r"ledig|arbejdsl(oe|o)s|a-?kass|jobcenter|kontanthjaelp|uden arbejde|paa dagpenge|unemployed|"
                         r"\bfyret\b|\bintet arbejde\b|\bikke noget arbejde\b|\bikke (i|noget) job\b|\bdagpenge\b|"
                         r"\bmistet (mit|mit job|mit arbejde)|\bsoeger (arbejde|job)\b")),
    ("lønmodtager", re.compile(r"\bansat|arbejdsgiver|min chef|mit job|mit arbejde|loenmodtager|fastansat|timeloen|"
                               r"\barbejder (i|hos|paa|som|for|paa en|i en|fuld|deltid)\b|\bfuldtid\w*|\bdeltid\w*|"
                               r"\bvikar\w*|\blaerling\w*|\belev\b|\bhar (et|en) (job|arbejde|fast)|\bjeg arbejder\b|"
                               r"\bemployed\b|\bi arbejde\b|\bloen\b")),
]
DAYCARE_NEED_CUES = [
    ("opsig", re.compile(r"opsig|udmeld|sige (pladsen )?op|\bstoppe\b|\bstopper\b|afmeld|sidste dag")),
    ("skift", re.compile(r"skift|anden (vuggestue|boernehave|dagpleje|institution)|flytte (ham|hende|barnet|min \w+) til")),
    ("ny", re.compile(r"skrive? \w* ?op|opskriv|skrives op|ny plads|en plads|venteliste|pasningsgaranti|plads til|optag|indskriv")),
]
UNDER_3_CUES = re.compile(r"vuggestue|dagpleje|dagplejer|baby|spaed|\bmdr\b|maaned")
OVER_3_CUES = re.compile(r"boernehave|bornehave|bhv")
MITID_NEED_CUES = [
    # NemID is gone: a citizen who only had NemID needs a first MitID
    ("ny", re.compile(r"\bnemid\b|\bfoerste gang\b|\baldrig haft\b")),
    ("spaerret", re.compile(r"spaer|blokeret|laast|last ude|mistet|stjaalet|stjalet|tabt|virker ikke laengere|udloebet")),
    ("ny_telefon", re.compile(r"ny (telefon|mobil|iphone|smartphone)|nye (telefon|mobil)|skift\w* (telefon|mobil)|"
                              r"anden telefon|skiftet (til )?(en )?(\w+ )?(telefon|mobil|samsung|iphone|android)|"
                              r"\b(ny|nye|en) (samsung|iphone|android|huawei|motorola|nokia|oneplus)\b")),
    ("ingen_smartphone", re.compile(r"(ingen|ikke( en)?|uden) smart ?phone|gammel (telefon|mobil)|kodevis|kode vis|kodeopl|kodelaeser|kode laeser|chip")),
    ("ny", re.compile(r"(faa|have|oprette|bestille|lave|nyt) mitid|har ikke (noget )?mitid|ingen mitid|uden mitid|"
                      r"hvordan faar|oprette|aktivere|aldrig haft|har ikke faaet")),
]
POA_VARIANT_CUES = [
    ("tilbagekald", re.compile(r"tilbagekald|traek\w* .{0,25}tilbage|fjerne|slette|annuller|stoppe (en |min )?fuldmagt")),
    ("digital_post", re.compile(r"digital post|posten|breve|mit\.?dk|e-?boks")),
    ("papir", re.compile(r"papir|har ikke mitid|ingen mitid|uden mitid|ikke har mitid|kan ikke bruge mitid")),
]
# Danger or nowhere to sleep: acute help comes first, whatever else the message is about.
ACUTE_CUES = re.compile(
    r"\b(slaar|slar|slog|sparker|sparkede|truer|truede|taesker|tasker|taeskede|kvaeler|kvalte|"
    r"mishandler|mishandlede|overfaldt|overfalder) "
    r"(mig|os|min|mine|hende|ham|boernene|bornene|barnet|vores)\b|"
    r"\btruer med at\b|\b(bliver|blir|blev|bli) (slaaet|slaet|slaat|banket|tævet|taevet)\b|og slaar\b|"
    r"\bhvor (kan|skal|ka) jeg (sove|bo|overnatte)\b.{0,20}\b(i nat|i aften)|krise ?center|natcafe\w*|"
    r"\b(socialvagt\w*|doegnvagt\w*|akut\w* socialraadgiv\w*)\b|"
    r"hits me|beats me|nowhere to sleep|homeless|"
    r"\b(vold|voldelig\w*|voldtaeg\w*|\w*krisecent\w*|kvindehjem\w*|herberg\w*|forsorgshjem\w*|"
    r"hjemloes\w*|hjemlos\w*|hjemlose\w*)\b|"
    r"(ingen steder|intet sted|ikke noget sted|ingen sted|ikke et sted|ikke nogen steder) "
    r"(at |hvor jeg kan )?(sove|bo|vaere|gaa hen|ga hen|overnatte)|"
    r"(sove|sover|sovet|overnatte\w*) (paa|pa|i) (gaden|gade|en baenk|trappeopgang\w*|bilen|min bil)|"
    r"sove ude|sover ude|"
    r"smidt (mig |os )?ud|smed (mig|os) ud|kastet (mig |os )?ud|sat paa gaden|sat pa gaden|"
    r"(toer|tor|tør) ikke (at )?(tage|gaa|ga|komme|vaere|tage) hjem|"
    r"bange for (min|hans|hendes|mine) (mand|kone|kaereste|karaste|kareste|far|mor|eks|samlever)|"
    r"tage livet af mig|vil ikke leve mere|selvmord"
)
# "kommunen svarer aldrig på min mail"
NO_ANSWER_CUES = re.compile(
    r"svare[rt]? (aldrig|ikke|ik)|(intet|ingen|ikke faaet|ikke fået|aldrig faaet|aldrig fået)( noget)? svar|"
    r"hoerer (aldrig|ikke) fra|hører (aldrig|ikke) fra|ingen (reaktion|respons)"
)
READING_CUES = re.compile(
    r"\b(laes\w*|las|finde|finder|mangler|brev\w*|mit\.?dk|e-?boks|app\w*|indbakke|"
    r"besked\w*|notifikation\w*|post fra)\b|\bse (dem|brevene|posten|min post)\b|\bkomme\w* ind\b|"
    r"\blogge\w* ind\b|\baabne\w*\b"
)


@dataclass(frozen=True)
class Route:
    """Either a solution (and its variant) to show, or a question to ask."""

    solution_id: Optional[str] = None
    variant: Optional[str] = None
    ask: Optional[str] = None


def first_value(entities: Iterable[Mapping[str, Any]], name: str) -> Optional[str]:
    for entity in entities:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def first_cue(text: str, cues) -> Optional[str]:
    folded = fold(text)
    for value, pattern in cues:
        if pattern.search(folded):
            return value
    return None


def acute(text: str) -> bool:
    """Danger at home, nowhere to sleep tonight, thoughts of suicide."""
    return bool(ACUTE_CUES.search(fold(text)))


def no_answer(text: str) -> bool:
    """The citizen never gets an answer from the kommune."""
    return bool(NO_ANSWER_CUES.search(fold(text)))


def _marker_before(text: str, entity: Mapping[str, Any]) -> Optional[str]:
    start = entity.get("start")
    if not isinstance(start, int):
        return None
    words = fold(text[:start]).split()
    if not words:
        return None
    if words[-1] in ORIGIN_WORDS:
        return "origin"
    if words[-1] in DESTINATION_WORDS:
        return "destination"
    return None


@lru_cache(maxsize=1)
def _names(filename: str) -> FrozenSet[str]:
    path = Path(__file__).resolve().parent.parent / "borgerguide" / "data" / filename
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


def named_in(text: str, filename: str) -> bool:
    """Does the text name one of the places of borgerguide/data/<filename>
    (places.txt: kommuner and towns; countries.txt: other countries)?"""
    words = re.findall(r"[^\W\d_]+", fold(text))
    names = _names(filename)
    return any(w in names for w in words) or any(f"{a} {b}" in names for a, b in zip(words, words[1:], strict=False))


def move_solution(
    text: str, entities: Sequence[Mapping[str, Any]], context: Optional[Mapping[str, Any]] = None
) -> Optional[str]:
    """flytning / udrejse / indrejse from what the citizen said, or None."""
    direction = first_value(entities, "flytte_retning")
    if direction == "udrejse":
        return "udrejse"
    if direction == "indrejse":
        return "indrejse"
    if direction == "indenlands":
        return "flytning"
    folded = fold(text)
    if TO_DENMARK_CUES.search(folded):
        return "indrejse"
    lands = [
        e for e in entities
        if e.get("entity") == "land" and fold(str(e.get("value", ""))) not in DENMARK
    ]
    if lands:
        markers = {_marker_before(text, e) for e in lands}
        if markers == {"origin"}:
            return "indrejse"
        return "udrejse"
    if ABROAD_CUES.search(folded):
        return "udrejse"
    # a free-text answer naming a country or a Danish town ("til norge", "til vejle")
    if named_in(text, "countries.txt"):
        return "indrejse" if re.search(r"\bfra\b", folded) and not re.search(r"\btil\b", folded) else "udrejse"
    if DOMESTIC_CUES.search(folded):
        return "flytning"
    if first_value(entities, "kommune") or first_value(entities, PLACE_ENTITY) or named_in(text, "places.txt"):
        return "flytning"
    answered = (context or {}).get("flytte_retning")
    return {"udrejse": "udrejse", "indrejse": "indrejse", "indenlands": "flytning"}.get(str(answered))


def digital_post_route(text: str, entities: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> Route:
    need = first_value(entities, "post_behov") or (
        None if EXEMPTION_CUES.search(fold(text)) or MISSING_LETTER_CUES.search(fold(text))
        else context.get("post_behov")
    )
    folded = fold(text)
    if need == "fritagelse" or (need is None and EXEMPTION_CUES.search(folded)):
        return Route(solution_id="fritagelse_digital_post")
    if need == "mangler" or (need is None and MISSING_LETTER_CUES.search(folded)):
        return Route(solution_id="digital_post", variant="mangler")
    if need == "laese" or READING_CUES.search(folded):
        return Route(solution_id="digital_post")
    return Route(ask="utter_ask_post_need")


def sickness_route(text: str, entities: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> Route:
    employment = (first_value(entities, "beskaeftigelse") or first_cue(text, EMPLOYMENT_CUES)
                  or context.get("beskaeftigelse"))
    if employment in ("lønmodtager", "ledig", "selvstændig"):
        return Route(solution_id="sygedagpenge", variant=employment)
    return Route(ask="utter_ask_employment")


NUMBER_WORDS = {"nul": 0, "en": 1, "et": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7,
                "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "atten": 18, "fjorten": 14, "femten": 15,
                "seksten": 16}


def child_months(age: Optional[str]) -> Optional[float]:
    """Months from what the citizen wrote: '2 år', '8 mdr', 'halvandet år',
    'to år', 'et halvt år', '3'."""
    if not age:
        return None
    folded = fold(age.replace("½", ",5"))
    if "halvandet" in folded or re.search(r"\b1\s*(1/2|½|,5|\.5)", folded):
        return 18
    if re.search(r"\bet halvt aar\b|\bhalvt aar\b", folded):
        return 6
    if re.search(r"\bnyfoedt\b|\bnyfodt\b|\bspaed\w*", folded):
        return 1
    if folded.strip() == "under 3":
        return 12
    if folded.strip() in ("3-6", "over 3"):
        return 48
    number = re.search(r"(\d+(?:[.,]\d+)?)", folded)
    if number:
        value = float(number.group(1).replace(",", "."))
    else:
        word = next((NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", folded) if w in NUMBER_WORDS), None)
        if word is None or not re.search(r"aar|md|maaned|mnd|uge", folded):
            return None
        value = float(word)
    if re.search(r"md|maaned|mnd|uge", folded):
        return value / 4.3 if "uge" in folded else value
    return value * 12


AGE_IN_TEXT = re.compile(
    r"\b(fylder|bliver|er blevet|er lige blevet|er nu) (\d{1,2}|en|et|to|tre|fire|fem|seks|syv)\b|"
    r"\b(\d+(?:[.,]\d+)?|en|et|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|halvandet|et halvt)\s*"
    r"(aar|år|ar|mdr|md|mnd|maaneder|måneder|maaned|måned|uger|uge)\b|\bhalvandet\b|\bnyf(oe|ø|o)dt\b|\bspæd\w*"
)


def age_in(text: str) -> Optional[str]:
    """A child's age as the citizen wrote it ("han er to år", "18 mdr"), if any."""
    match = AGE_IN_TEXT.search(text.lower())
    return match.group(0) if match else None


def daycare_route(text: str, entities: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> Route:
    folded = fold(text)
    need = (first_value(entities, "dagtilbud_behov") or first_cue(text, DAYCARE_NEED_CUES)
            or context.get("dagtilbud_behov"))
    months = child_months(first_value(entities, "barn_alder") or age_in(text) or context.get("barn_alder"))
    if need is None and (UNDER_3_CUES.search(folded) or OVER_3_CUES.search(folded) or months is not None):
        need = "ny"
    if need in ("skift", "opsig"):
        return Route(solution_id="opskrivning_dagtilbud", variant=need)
    if need != "ny":
        return Route(ask="utter_ask_daycare_need")
    if months is None:
        if UNDER_3_CUES.search(folded):
            months = 12
        elif OVER_3_CUES.search(folded):
            months = 40
        elif context.get("dagtilbud_behov") == "ny":
            # the answer to "Hvor gammel er barnet?": a bare number is years ("hun er 2")
            bare = re.search(r"\b(\d{1,2})\b", folded) or re.search(
                r"\b(" + "|".join(w for w in NUMBER_WORDS if w not in ("en", "et", "ét")) + r")\b", folded)
            if bare:
                value = bare.group(1)
                months = 12 * float(NUMBER_WORDS.get(value, value) if not value.isdigit() else value)
    if months is None:
        return Route(ask="utter_ask_child_age")
    return Route(solution_id="opskrivning_dagtilbud", variant="ny_under_3" if months < 34 else "ny_3_til_6")


def mitid_route(text: str, entities: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> Route:
    need = (first_value(entities, "mitid_behov") or first_cue(text, MITID_NEED_CUES)
            or context.get("mitid_behov"))
    if need in ("ny", "spaerret", "ny_telefon", "ingen_smartphone"):
        return Route(solution_id="mitid", variant=need)
    return Route(ask="utter_ask_mitid_need")


def power_of_attorney_route(text: str, entities: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> Route:
    return Route(solution_id="fuldmagt", variant=first_cue(text, POA_VARIANT_CUES))


ROUTES = {
    "digital_post": digital_post_route,
    "sickness_benefit": sickness_route,
    "daycare_enrolment": daycare_route,
    "mitid": mitid_route,
    "power_of_attorney": power_of_attorney_route,
}


# Slots that answer the questions; passed as `context` while a question is open.
ANSWER_SLOTS = ("flytte_retning", "post_behov", "beskaeftigelse", "dagtilbud_behov", "barn_alder", "mitid_behov")


# a language's cues (content/lang/<code>/cues.yml) -> the entity the routing reads
PLACE_ENTITY = "sted"  # a town or district in Denmark, named in another language (cues.yml `places`)
CUE_ENTITIES = {"move_direction": "flytte_retning", "employment": "beskaeftigelse",
                "daycare_need": "dagtilbud_behov", "post_need": "post_behov", "mitid_need": "mitid_behov"}
AGE_WORDS = re.compile(r"\b(years?|yrs?|old|months?|weeks?|рок\w*|рік|років|міс\w*|тижн\w*)\b")
SHORT_ANSWER = 4  # words
AGE_UNITS = re.compile(r"\b(month|months|mo|mnd|міс\w*|місяц\w*)\b|\b(week|weeks|тижн\w*)\b")


def language_entities(text: str, lang: Optional[str]) -> List[Dict[str, Any]]:
    """What a message in another language than Danish answers, as the entities
    the routing reads (flytte_retning, beskaeftigelse, ..., barn_alder, and a
    Danish town or district as the language writes it: `places`)."""
    found: List[Dict[str, Any]] = []
    for kind, entity in CUE_ENTITIES.items():
        value = cue(lang, kind, text)
        if value:
            found.append({"entity": entity, "value": value})
    place = cue(lang, "places", text)
    if place:
        found.append({"entity": PLACE_ENTITY, "value": place})
    words = numbers(lang)
    # a number word is an age in a short answer ("two") or beside an age word
    # ("two years old"), not in "our little one"
    spelled = len(text.split()) <= SHORT_ANSWER or AGE_WORDS.search(fold(text))
    number = re.search(r"\b(\d{1,2})\b", text) or next(
        (m for m in re.finditer(r"[^\W\d_]+", fold(text)) if m.group(0) in words and spelled), None)
    if words and number:
        value = number.group(1) if number.lastindex else str(words[number.group(0)])
        unit = AGE_UNITS.search(fold(text))
        found.append({"entity": "barn_alder",
                      "value": f"{value} " + ("uger" if unit and unit.group(2) else "mdr" if unit else "år")})
    return found


def route(
    intent: str, text: str, entities: Sequence[Mapping[str, Any]], context: Optional[Mapping[str, Any]] = None,
    lang: Optional[str] = None,
) -> Route:
    """The route for a service intent (see SERVICE_INTENTS).

    `context` holds earlier answers (ANSWER_SLOTS) while a question about this
    intent is open; what the latest message says wins over them. In another
    language than Danish its cues (content/lang/<code>/cues.yml) answer too.
    """
    text = text or ""
    context = context or {}
    entities = [*entities, *language_entities(text, lang)]
    if intent == "report_move":
        solution = move_solution(text, entities, context)
        return Route(solution_id=solution) if solution else Route(ask="utter_ask_move_direction")
    if intent in ROUTES:
        return ROUTES[intent](text, entities, context)
    if intent in SINGLE_SOLUTION:
        return Route(solution_id=SINGLE_SOLUTION[intent])
    raise ValueError(f"not a service intent: {intent}")
