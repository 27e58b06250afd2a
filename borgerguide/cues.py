"""Words that answer the bot's questions and change how a message is read, in
every language (docs/languages.md).

Danish has its cues as patterns in the code (actions/routing.py,
actions/reading.py, borgerguide/questions.py). Every other language lists its
own phrases in `content/lang/<code>/cues.yml`, by kind and value:

    move_direction:            # answers "Where are you moving?"
      udrejse: [abroad, to another country]
      indrejse: [to denmark]
    places:                    # towns and districts in Denmark as the language writes them
      denmark: [copenhagen, amager]

A phrase matches as whole words, case and accents aside; a word ending in `*`
matches any ending ("мам*": мама, мами, мамі — for languages that inflect);
`...` between two words lets up to three words stand between them ("my own
... company": "my own small cleaning company"); `^` before a phrase matches
it only at the start of the message ("^no": "no, the blue one"); the first
value with a matching phrase wins.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Tuple

from borgerguide.languages import DANISH, lang_file, mapping, text_dir
from borgerguide.questions import fold

KINDS = ("move_direction", "employment", "daycare_need", "post_need", "mitid_need", "person", "correction",
         "no_digital", "booking", "contact_details", "names_kommune", "numbers", "questions", "places")


GAP = "..."         # in a phrase: up to GAP_WORDS words ("my own ... company": my own small cleaning company)
GAP_WORDS = 3
START = "^"         # a phrase that begins with it matches only at the start of the message


def phrase_pattern(phrase: str) -> str:
    """A phrase as a pattern: its words literally, `*` at a word's end for any
    ending, `...` between two words for up to three words between them, `^`
    first for the start of the message."""
    pattern = ""
    if phrase.startswith(START):  # only at the start of the message ("^no": "no, the other one")
        pattern, phrase = r"^\W*", phrase[len(START):]
    words = fold(phrase).split()
    for i, word in enumerate(words):
        if word == GAP:
            pattern += r"(?:\w+\W+){0,%d}" % GAP_WORDS
            continue
        pattern += re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)
        if i < len(words) - 1:
            pattern += r"\s+"
    return pattern


@lru_cache(maxsize=64)
def _patterns(lang: str, kind: str, version: float) -> Tuple[Tuple[str, "re.Pattern[str]"], ...]:
    entries = entries_of(lang_file(lang, "cues.yml").get(kind), kind)
    compiled = []
    for value, phrases in entries.items():
        words = [phrase_pattern(str(p)) for p in (phrases if isinstance(phrases, list) else [phrases]) if p]
        if words:
            compiled.append((str(value), re.compile(r"(?<!\w)(" + "|".join(words) + r")(?!\w)")))
    return tuple(compiled)


def entries_of(value: Any, kind: str) -> Mapping[str, Any]:
    """A kind's phrases by value; a kind that is only a list of phrases
    (correction, no_digital, booking, ...) has the kind itself as its value."""
    return {kind: value} if isinstance(value, list) else mapping(value)


def _version(lang: str) -> float:
    """The cues file's modification time: the patterns are built again when it changes."""
    path = text_dir(lang) / "cues.yml"
    return path.stat().st_mtime if path.exists() else 0.0


def cue(lang: Optional[str], kind: str, text: str) -> Optional[str]:
    """The value whose phrases the text has, for a language with a cues.yml."""
    if not lang or lang == DANISH:
        return None
    folded = fold(text)
    for value, pattern in _patterns(lang, kind, _version(lang)):
        if pattern.search(folded):
            return value
    return None


def question(lang: Optional[str], text: str) -> Optional[str]:
    """The question type (cost, duration, ...) the words ask in a language's
    own phrases (`questions` in its cues.yml; Danish: borgerguide.questions).
    As in Danish, saying there is no MitID, computer or smartphone (`no_digital`)
    asks how to do it without."""
    if has(lang, "no_digital", text):
        return "no_digital"
    return cue(lang, "questions", text)


def has(lang: Optional[str], kind: str, text: str) -> bool:
    return cue(lang, kind, text) is not None


def numbers(lang: Optional[str]) -> Dict[str, int]:
    """Number words of a language ("two": 2) for ages in words."""
    if not lang or lang == DANISH:
        return {}
    found: Dict[str, int] = {}
    for value, words in mapping(lang_file(lang, "cues.yml").get("numbers")).items():
        for word in words if isinstance(words, list) else [words]:
            try:
                found[fold(str(word))] = int(value)
            except ValueError:
                continue
    return found


def kinds_of(lang: str) -> List[str]:
    return [kind for kind in KINDS if entries_of(lang_file(lang, "cues.yml").get(kind), kind)]
