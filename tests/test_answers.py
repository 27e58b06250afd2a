"""The answer base (content/answers/, content/questions.yml, docs/answers.md):
every answer that states a fact names the page it comes from; a kommune's
own answer comes first; what is not known is said honestly."""
from __future__ import annotations

import re

import pytest

from borgerguide import answers
from borgerguide.answers import (
    FACT_TYPES,
    QUESTION_TYPES,
    answer_for,
    load_answers,
    matter_ids,
    question_types,
    states_fact,
    validate_all,
    validate_entry,
)


def test_the_answer_base_is_valid():
    problems = {matter: found for matter, found in validate_all().items() if found}
    assert problems == {}


def every_answer():
    for matter, entries in sorted(load_answers().items()):
        for question, entry in sorted(entries.items()):
            yield matter, question, entry


@pytest.mark.parametrize("matter, question, entry", list(every_answer()))
def test_every_fact_has_a_source(matter, question, entry):
    """Reads every answer of the base: an amount, time, deadline, age or phone
    number is stated only with the page that shows it."""
    for field in ("text", "child"):
        text = entry.get(field)
        if isinstance(text, str) and states_fact(text):
            assert re.match(r"https?://[^\s/]+\.[^\s/]+", str(entry.get("source") or "")), (matter, question, text)


def test_every_matter_has_a_file_and_every_type_an_answer():
    assert set(load_answers()) == set(matter_ids())
    for matter in matter_ids():
        for question in QUESTION_TYPES:
            answer = answer_for(matter, question)
            assert answer.text.strip()
            assert answer.kind in ("national", "general", "unknown")
            assert not states_fact(answer.text) or answer.source, (matter, question)


def test_general_answers_state_no_fact():
    for kind in question_types().values():
        for text in (kind.general, kind.child, kind.unknown):
            assert not states_fact(text or ""), text


@pytest.mark.parametrize("text", ["Det koster 225 kr.", "Du får svar inden for to uger.", "Ring 70 12 80 63.",
                                  "Senest 5 dage efter.", "Børn under 18 år."])
def test_a_fact_without_a_source_is_refused(text):
    problems = validate_entry("pas", {"matter": "pas", "answers": {"cost": {"text": text}}}, ["pas"])
    assert any("without a source" in p for p in problems)


def test_unknown_and_bad_entries_are_refused():
    assert validate_entry("pas", {"matter": "pas", "answers": {"price": {"text": "x"}}}, ["pas"])
    assert validate_entry("pas", {"matter": "pas", "answers": {"cost": {"text": "Se www.x.dk"}}}, ["pas"])
    assert validate_entry("nope", {"matter": "nope", "answers": {"cost": {"unknown": True}}}, ["pas"])
    assert validate_entry("pas", {"matter": "pas", "answers": {"cost": {"unknown": True}}}, ["pas"]) == []


def test_the_kommune_answer_comes_first_then_the_national_then_honest():
    own = answer_for("pas", "cost", {"cost": "Et pas koster 727 kr. i Testrup i år."}, "https://testrup.dk/pas")
    assert own.kind == "kommune" and own.source == "https://testrup.dk/pas" and own.source_title == "testrup.dk"
    national = answer_for("flytning", "deadline")
    assert national.kind == "national" and national.source and "5 dage" in national.text
    for matter in matter_ids():
        for question in FACT_TYPES:
            answer = answer_for(matter, question)
            assert answer.kind in ("national", "unknown"), "no general answer to a fact question"


def test_a_child_gets_the_childs_answer():
    entries = load_answers()
    with_child = [(m, q) for m, e in entries.items() for q, a in e.items() if isinstance(a, dict) and a.get("child")]
    assert with_child, "some answers say what holds for a child"
    matter, question = with_child[0]
    assert answer_for(matter, question, child=True).text == " ".join(entries[matter][question]["child"].split())


def test_the_table_covers_every_cell():
    table = answers.table()
    assert len([line for line in table.splitlines() if line.startswith("| ")]) == len(matter_ids()) + 1


def test_a_kommune_answers_every_question_type_in_every_language_in_admin():
    """Issue 18: the /admin/ fields are every question type of the answer base
    (not four FAQ keys), each with the national answer as its default; issue
    21: and the same in each other language."""
    from borgerguide.content_admin import field_specs
    from borgerguide.languages import languages

    specs = {spec.path: spec for spec in field_specs()}
    for key, kind in answers.question_types().items():
        danish = specs[f"solutions.pas.faq.{key}"]
        assert danish.kind == "answer" and kind.name in danish.label
        national = answer_for("pas", key)
        assert danish.default == (national.text if national.kind != "unknown" else None)
        for code in languages():
            if code != "da":
                assert f"solutions.pas.lang.{code}.faq.{key}" in specs
                assert f"topics.affald.lang.{code}.faq.{key}" in specs
    assert "Bestil pas: Pris – på engelsk" in [spec.label for spec in specs.values()]


def test_a_kommunes_own_answer_in_a_language_and_never_its_danish_one_in_another():
    from actions.actions import kommune_answers
    from borgerguide.translations import answer_in

    overrides = {"faq": {"cost": "I Testrup koster et pas 800 kr."},
                 "lang": {"en": {"faq": {"cost": "In Testrup a passport costs 800 kr."}}}}
    page = "https://www.testrup.dk/pas"
    danish = answer_in("pas", "cost", "da", kommune_answers(overrides, "da"), page)
    english = answer_in("pas", "cost", "en", kommune_answers(overrides, "en"), page)
    ukrainian = answer_in("pas", "cost", "uk", kommune_answers(overrides, "uk"), page)
    assert (danish.kind, danish.text, danish.source) == ("kommune", "I Testrup koster et pas 800 kr.", page)
    assert (english.kind, english.text) == ("kommune", "In Testrup a passport costs 800 kr.")
    assert ukrainian.kind != "kommune" and "Testrup" not in ukrainian.text, "the national answer in Ukrainian"
