"""How citizens ask the follow-up question types (docs/answers.md): cues on
folded text (lower case, æ/ø/å as ae/oe/aa), for a message that names its
matter ("hvad koster et pas?") and as labels for the question classifier
(nlu_components/followups.py), which learns the rest from the examples.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional


def fold(text: str) -> str:
    """Lower case, æ/ø/å as ae/oe/aa, accents removed: for keyword cues."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


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
                      r"\bskal .{0,25}\b(vaere|være) (sendt|meldt|gjort|inde|klar)\b", r"\bfoerste dag\b",
                      r"\b(jeg|man|vi) har til at\b")),
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
    r"\bkan (ikke|ik|ikk)\b.{0,15}\b(nettet|computer\w*|internet\w*|det digitale)\b",
    r"\bikke (paa|pa) nettet\b", r"\bpaa papir\b", r"\bpapirblanket\w*", r"\bblanket paa papir\b", r"\bmed posten\b",
    r"\b(dont|don't|do not|doesnt|doesn't) have\b.{0,20}\b" + _DIGITAL,
    r"\bno (mitid|computer|smartphone|internet)\b", r"\bon paper\b",
)


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
