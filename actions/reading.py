"""Reading a message in the light of the conversation: which follow-up
question it asks, who the matter is for, whether it corrects the bot.

Pure functions of the text and the NLU result, so that they can be tested
without a tracker. The classifier knows the subjectless follow-up questions
(intents `ask_<type>`, data/nlu/followups.yml); these cues find the question
type in a message that also names its matter ("hvad koster et pas?") and the
words that change the reading of the other intents in context ("jeg har ikke
MitID" after a card is a question about doing it without MitID).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping, Optional

# DIET's intents for a follow-up question without a subject: ask_<question type>
ASK_PREFIX = "ask_"

# Question types found in the words (folded: lower case, æ/ø/å as ae/oe/aa).
# The order matters: the first that matches wins.


def cues(*alternatives: str) -> "re.Pattern[str]":
    """One pattern of many alternatives (on folded text)."""
    return re.compile("|".join(alternatives))


QUESTION_CUES = [
    ("complaint", cues(r"\bklag\w*", r"\buenig\w*", r"\bafslag\w*", r"\banke\w*", r"\bfortryd\w* afgoer")),
    ("status", cues(r"\b(min|mit|vores) (sag|ansoegning|ansogning)\b.{0,30}\b(hvor|status|langt|behandl)",
                    r"\bhvor langt\b.{0,30}\b(sag|ansoegning|ansogning)\b", r"\bnaaet med\b", r"\bstatus\b",
                    r"\bikke hoert (noget|noget endnu|fra)", r"ikke hort noget", r"\bhvad (der er sket|sker der) med\b",
                    r"\bhvor er (min|mit) (sag|ansoegning|kort|pas)\b", r"\bsagsbehandl\w*")),
    ("cost", cues(r"\bkost(er|e|ede|ar)\b", r"\bpris\w*", r"\bgebyr\w*", r"\bgratis\b",
                  r"\b(skal|maa) (jeg|man|vi)( selv)? betale\b", r"\bbetale (noget|for|selv)\b", r"\bselv betale\b",
                  r"hvad skal jeg give", r"\bhvor meget\b.{0,20}\b(det|den|koste|betale)", r"\brabat\b",
                  r"\begenbetaling\w*", r"\bdyrt\b")),
    ("deadline", cues(r"\bfrist\w*", r"\bsenest\b", r"\bfor sent\b", r"\bhvor tidligt\b", r"\bdeadline\b",
                      r"\bsidste (dag|dato|chance)\b", r"hvornaar skal (jeg|man|det|vi)", r"hvornar skal (jeg|man|det)",
                      r"\binden hvornaar\b", r"\bhvor (lang tid|mange dage|mange uger) har (jeg|man|vi)\b",
                      r"\b(inden|foer|for) .{0,30}\bskal (jeg|man|vi|det|den|ansoegningen)\b",
                      r"\bskal .{0,25}\b(vaere|være) (sendt|meldt|gjort|inde|klar)\b", r"\bfoerste dag\b")),
    ("duration", cues(r"\bhvor lang tid\b", r"\bhvor laenge\b", r"\bhvor lang\b", r"\bvarer det\b", r"\btager det\b",
                      r"\bhvor hurtigt\b", r"\bhvornaar (kommer|faar|far|faer)\b", r"\bventetid\w*",
                      r"\bhvor mange (dage|uger|maaneder)\b", r"\bbehandlingstid\w*",
                      r"\bhvornaar (er|bliver) (det|den|han|hun) (klar|faerdig)")),
    ("prepare", cues(r"\bhave klar\b", r"\bskal jeg bruge\b", r"\bmedbring\w*", r"\btage med\b", r"\bhave med\b",
                     r"\bhvilke (papirer|dokumenter|oplysninger)\b", r"\bdokumentation\b", r"\bhvad kraever\b",
                     r"\bhvad skal jeg have\b", r"\bsende med\b", r"\bvedlaeg\w*", r"\bvedhaeft\w*",
                     r"\blaegeerklaering\w*")),
    ("in_person", cues(r"\bmoede\w* op\b", r"\bmode\w* op\b", r"\bmoedes\b", r"\bpersonligt\b", r"\bonline\b",
                       r"\bpaa nettet\b", r"\bhjemmefra\b", r"\bbook\w*\b", r"\bbestil\w* (en )?tid\b", r"\btid hos\b",
                       r"\bskranke\w*", r"\bkomme (forbi|ned|ind)\b", r"\bkommer (forbi|ned)\b",
                       r"\bfra (min|en) (telefon|mobil|computer)\b",
                       r"\bned (paa|til) (raadhuset|kommunen|borgerservice)")),
    ("children", cues(r"\bhvad med (boernene|bornene|boern|mit barn|min soen|min datter|ungerne)\b",
                      r"\b(boernene|bornene|ungerne)\b", r"\bforaeldremyndighed\b",
                      r"\bfor (vores|mine) (\w+ )?boern\b", r"\bfaelles (boern|born)\b")),
]
# "jeg har ikke MitID / computer / smartphone": doing it without the digital
_DIGITAL = r"(mitid|mit id|nemid|computer\w*|pc|smartphone|smart phone|internet|iphone|tablet|ipad|e-?mail)"
NO_DIGITAL_CUES = cues(
    r"\b(har|ha|haft)\b.{0,15}\b(ikke|ik|ikk|ingen|aldrig)\b.{0,20}\b" + _DIGITAL,
    r"\b(uden|ingen) (\w+ ){0,2}" + _DIGITAL,
    r"\bkan (ikke|ik|ikk) (finde ud af|bruge|klare|finde rundt i)\b.{0,20}"
    r"\b(digital\w*|nettet|computer\w*|internet\w*|mitid|det paa nettet|det digitale|teknik\w*)",
    r"\bikke god til (det digitale|computer\w*|nettet|teknik\w*|det der)\b",
    r"\bikke (paa|pa) nettet\b", r"\bpaa papir\b", r"\bpapirblanket\w*", r"\bblanket paa papir\b", r"\bmed posten\b",
    r"\b(dont|don't|do not|doesnt|doesn't) have\b.{0,20}\b" + _DIGITAL,
    r"\bno (mitid|computer|smartphone|internet)\b", r"\bon paper\b",
)
# "nej, jeg mente kørekortet": the citizen corrects the course
CORRECTION_CUES = re.compile(
    r"^\W*(nej|nae|naa nej|nope|forkert|ikke det|ikke den)\b|\bjeg mente\b|\bmente jeg\b|\bjeg mener\b|"
    r"\bdet var ikke (det|den)\b|\bikke det jeg (mente|spurgte|skrev)\b|\bdet er ikke (det|den)\b"
)
# the kommune's phone, address, hours or e-mail asked for
CONTACT_DETAILS = cues(r"\bnummer\w*", r"\btelefon\w*", r"\btlf\b", r"\bringe\b", r"\badresse\w*",
                       r"\bhvor ligger\b", r"\baaben\w*", r"\baabningstid\w*", r"\blukke\w*", r"\bmail\w*",
                       r"\bkontakt\w*", r"\bphone\b", r"\baddress\b", r"\bopen\b")
MOVING_WORDS = cues(r"\bflyt\w*", r"\badresse\w*")
FULDMAGT_WORDS = re.compile(r"fuldmagt|fuld magt|fuldmat|vaergemaal")
BOOKING_CUES = re.compile(r"\bbook\w*|\bbestil\w* (en )?tid\b|\btid (hos|i|til)\b|\baftale\b")
# the kommune's own Borgerservice named ("jeres nummer", "borgerservice", "kommunen")
KOMMUNE_WORDS = re.compile(r"\bborgerservice\b|\bkommune\w*|\bjeres?\b|\braadhus\w*|\bi (har|holder)\b")

_CHILD = r"(soen|son|datter|barn|boern|born|dreng|pige|baby|lille|teenager|knaegt|unge)"
_ADULT = (r"(mor|far|mand|kone|nabo|mormor|farmor|morfar|farfar|bedste\w*|foraeldre|forældre|svigermor|svigerfar|"
          r"aegtefaelle|ægtefælle|kaereste|samlever|bror|soester|søster|ven|veninde|moster|faster|onkel|tante)")
CHILD_CUES = re.compile(
    r"\b(min|mit|mine|vores|til|for) (lille |yngste |aeldste |store )?" + _CHILD + r"\w*\b|"
    r"\b(han|hun|den lille) er (\d+|en|et|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tretten|fjorten|femten|"
    r"seksten|sytten|halvandet) (aar|mdr|maaneder|maaned|uger)\b"
)
ADULT_CUES = re.compile(
    r"\b(min|mit|mine|vores|til|for|hjaelpe|hjaelper) (gamle )?" + _ADULT + r"\b|"
    r"\bpaa (hans|hendes|deres) vegne\b|\bpaa vegne af\b|\bfor (hende|ham)\b|\b(hun|han) kan ikke selv\b|"
    r"\bhjaelpe (hende|ham)\b|\b(hun|han) har bedt mig\b"
)
# someone else does it for the citizen ("kan min søn gøre det for mig"): an adult helper, fuldmagt
HELPER_CUES = re.compile(r"\bfor mig\b|\bpaa mine vegne\b|\bhjaelpe mig\b|\bhjaelper mig\b|\bbedt mig\b")
SELF_CUES = re.compile(r"\b(til|for) mig selv\b|\bdet er mig selv\b|\bdet er til mig\b|\bdet er mig\b")
# relation entity values (docs/training-data.md) -> person
CHILD_RELATIONS = frozenset({"barn"})


def fold(text: str) -> str:
    """Lower case, æ/ø/å as ae/oe/aa, accents removed: for keyword cues."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def asked_question(intent: Optional[str]) -> Optional[str]:
    """`ask_cost` -> cost: the question type of a subjectless follow-up intent."""
    if intent and intent.startswith(ASK_PREFIX):
        return intent[len(ASK_PREFIX):]
    return None


def question_in(text: str) -> Optional[str]:
    """The question type the words ask, if any (cost, duration, ...)."""
    folded = fold(text)
    if NO_DIGITAL_CUES.search(folded):
        return "no_digital"
    for key, pattern in QUESTION_CUES:
        if pattern.search(folded):
            return key
    return None


def no_digital(text: str) -> bool:
    return bool(NO_DIGITAL_CUES.search(fold(text)))


def booking(text: str) -> bool:
    return bool(BOOKING_CUES.search(fold(text)))


def names_fuldmagt(text: str) -> bool:
    return bool(FULDMAGT_WORDS.search(fold(text)))


def asks_contact_details(text: str) -> bool:
    return bool(CONTACT_DETAILS.search(fold(text)))


def moving(text: str) -> bool:
    return bool(MOVING_WORDS.search(fold(text)))


def names_kommune(text: str) -> bool:
    return bool(KOMMUNE_WORDS.search(fold(text)))


def correction(text: str) -> bool:
    """"nej, jeg mente ..." (more than a bare "nej")."""
    folded = fold(text)
    return bool(CORRECTION_CUES.search(folded)) and len(re.findall(r"\w+", folded)) >= 2


def person_in(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> Optional[str]:
    """Who the matter is for, as the message says: child, adult (someone
    else) or self; None when it does not say."""
    folded = fold(text)
    if SELF_CUES.search(folded):
        return "self"
    for entity in entities:
        if entity.get("entity") == "relation" and entity.get("value"):
            return "child" if fold(str(entity["value"])) in CHILD_RELATIONS else "adult"
    if HELPER_CUES.search(folded):
        return "adult"
    if CHILD_CUES.search(folded):
        return "child"
    if ADULT_CUES.search(folded):
        return "adult"
    return None


WORD = re.compile(r"[a-zæøå]+")


def gibberish(text: str, vocabulary: Optional[Iterable[str]] = None) -> bool:
    """Keyboard mash ("asdfg jklø"): no word the bot knows, nothing to read."""
    words = WORD.findall(text.lower())
    if not words:
        return not re.search(r"\d", text)
    known = set(vocabulary or ())
    if known and any(fold(word) in known for word in words if len(word) >= 2):
        return False
    vowels = sum(1 for word in words for ch in word if ch in "aeiouyæøå")
    letters = sum(len(word) for word in words)
    return bool(known) or vowels / max(letters, 1) < 0.2
