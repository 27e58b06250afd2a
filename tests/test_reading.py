"""Reading a message in the light of the conversation (actions/reading.py)."""
from __future__ import annotations

import pytest

from actions.reading import asked_question, correction, gibberish, no_digital, person_in, question_in


@pytest.mark.parametrize(
    "text, question",
    [
        ("hvad koster det", "cost"), ("er det gratis", "cost"), ("hvad koster et pas", "cost"),
        ("hvor lang tid tager det", "duration"), ("hvornår kommer kortet", "duration"),
        ("hvornår skal jeg senest melde det", "deadline"), ("er der en frist", "deadline"),
        ("hvad skal jeg have klar", "prepare"), ("hvilke papirer skal jeg bruge", "prepare"),
        ("skal jeg møde op", "in_person"), ("hvordan booker jeg tid", "in_person"),
        ("jeg har ikke nogen computer", "no_digital"), ("min mor har ikke mitid", "no_digital"),
        ("hvordan klager jeg", "complaint"), ("jeg er uenig i afgørelsen", "complaint"),
        ("hvor langt er min sag", "status"), ("jeg har ikke hørt noget", "status"),
        ("hvad med børnene", "children"),
        ("tak", None), ("jeg skal flytte", None), ("hvordan betaler jeg restskat", None),
    ],
)
def test_question_in(text, question):
    assert question_in(text) == question


def test_asked_question_from_the_intent():
    assert asked_question("ask_cost") == "cost"
    assert asked_question("passport") is None and asked_question(None) is None


@pytest.mark.parametrize(
    "text, person",
    [
        ("det er til min mor", "adult"), ("kan jeg søge for min far", "adult"), ("paa hendes vegne", "adult"),
        ("det er til min datter", "child"), ("min søn på 7", "child"), ("hun er to år", "child"),
        ("det er til mig selv", "self"), ("jeg skal flytte", None), ("hvad koster det", None),
    ],
)
def test_person_in(text, person):
    assert person_in(text) == person


def test_the_relation_entity_says_who():
    assert person_in("x", [{"entity": "relation", "value": "barn"}]) == "child"
    assert person_in("x", [{"entity": "relation", "value": "ægtefælle"}]) == "adult"


@pytest.mark.parametrize(
    "text, corrects",
    [("nej, jeg mente kørekortet", True), ("nej ikke det, det er mit sundhedskort", True),
     ("jeg mente blåt kort", True), ("nej", False), ("nej tak", True), ("ja tak", False), ("hvad koster det", False)],
)
def test_correction(text, corrects):
    assert correction(text) is corrects


def test_no_digital():
    assert no_digital("har ingen smartphone") and no_digital("kan man få det på papir")
    assert not no_digital("mit mitid er spærret")


def test_gibberish_is_told_from_words():
    vocabulary = {"hvad", "koster", "vejret", "i", "morgen", "fodbold"}
    assert gibberish("asdfgh jklø", vocabulary)
    assert gibberish("xxxxxx", vocabulary)
    assert not gibberish("hvad med vejret i morgen", vocabulary)
    assert not gibberish("fodboold", {"fodboold"})
