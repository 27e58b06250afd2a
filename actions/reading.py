"""Reading a message in the light of the conversation: which follow-up
question it asks, who the matter is for, whether it corrects the bot.

Pure functions of the text and the NLU result, so that they can be tested
without a tracker. The NLU gives the question type (entity `question`) and
the matters the words name (entities `subject`, nlu_components/followups.py);
the cues here (and borgerguide/questions.py) read what changes a message's
meaning in context ("jeg har ikke MitID" after a card is a question about
doing it without MitID; "nej, jeg mente ..." corrects the course).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from borgerguide.cues import cue, has
from borgerguide.questions import NO_DIGITAL_CUES, QUESTION_CUES, cues, fold, question_in  # noqa: F401
from borgerguide.questions import no_digital as danish_no_digital

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
          r"barnebarn|boernebarn|hustru|gemal|"
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


def booking(text: str, lang: Optional[str] = None) -> bool:
    return bool(BOOKING_CUES.search(fold(text))) or has(lang, "booking", text)


def names_fuldmagt(text: str) -> bool:
    return bool(FULDMAGT_WORDS.search(fold(text)))


def asks_contact_details(text: str, lang: Optional[str] = None) -> bool:
    return bool(CONTACT_DETAILS.search(fold(text))) or has(lang, "contact_details", text)


def moving(text: str) -> bool:
    return bool(MOVING_WORDS.search(fold(text)))


def names_kommune(text: str, lang: Optional[str] = None) -> bool:
    return bool(KOMMUNE_WORDS.search(fold(text))) or has(lang, "names_kommune", text)


def correction(text: str, lang: Optional[str] = None) -> bool:
    """"nej, jeg mente ..." (more than a bare "nej")."""
    folded = fold(text)
    return ((bool(CORRECTION_CUES.search(folded)) or has(lang, "correction", text))
            and len(re.findall(r"\w+", folded)) >= 2)


def person_in(text: str, entities: Iterable[Mapping[str, Any]] = (), lang: Optional[str] = None) -> Optional[str]:
    """Who the matter is for, as the message says: child, adult (someone
    else) or self; None when it does not say."""
    in_language = cue(lang, "person", text)
    if in_language:
        return in_language
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


def no_digital(text: str, lang: Optional[str] = None) -> bool:
    """Without MitID, computer or smartphone, in the message's words."""
    return danish_no_digital(text) or has(lang, "no_digital", text)
