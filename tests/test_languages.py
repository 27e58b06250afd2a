"""Languages as content (docs/languages.md): the registry, texts with their
fallbacks, the content in a language, the domain's responses in a language,
and the detector that keeps a Danish conversation Danish."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import yaml

from borgerguide import languages, translations
from borgerguide.catalogue import load_catalogue
from conftest import ROOT, customs


@pytest.fixture
def content(tmp_path, monkeypatch):
    """A copy of content/ with a small extra language `xx` (right to left)."""
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    registry = yaml.safe_load((copy / "languages.yml").read_text(encoding="utf-8"))
    registry["languages"]["xx"] = {"name": "Xx-sprog", "dir": "rtl"}
    (copy / "languages.yml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    own = copy / "lang" / "xx"
    (own / "answers").mkdir(parents=True)
    (own / "messages.yml").write_text('clarify.question: "Xx: which one?"\nacute.text: "Xx help {where} {extra}"\n',
                                      encoding="utf-8")
    (own / "solutions.yml").write_text(yaml.safe_dump({"solutions": {"pas": {
        "title": "Xx passport", "intro": "Xx intro", "steps": ["Xx step 1"],
        "page": {"url": "https://example.org/xx/passport", "title": "Xx page"}},
        "sundhedskort": {"title": "Xx card", "intro": "i", "steps": ["s"], "danish_only": True}}}),
        encoding="utf-8")
    (own / "answers" / "flytning.yml").write_text(yaml.safe_dump({"answers": {"cost": {"text": "Xx free"}}}),
                                                  encoding="utf-8")
    (own / "responses.yml").write_text(yaml.safe_dump({"utter_greet": {
        "text": "Xx hello", "buttons": ["A", "B", "C", "D", "E"]}}), encoding="utf-8")
    monkeypatch.setenv("BORGERGUIDE_CONTENT_DIR", str(copy))
    return copy


def test_the_languages_of_the_product():
    found = languages.languages()
    assert {"da", "en", "uk"} <= set(found)
    assert found["uk"].name == "Українська" and found["en"].dir == "ltr"
    assert languages.default_language() == "da"
    assert languages.known_language("../da") is None and languages.known_language(42) is None


def test_a_text_falls_back_to_english_then_danish_and_keeps_placeholders(content):
    xx = languages.texts("xx")
    assert xx.t("clarify.question") == "Xx: which one?"
    assert xx.dir == "rtl"
    assert xx.t("acute.text", where="here") == "Xx help here {extra}", "an unknown placeholder stays as written"
    danish = languages.lang_file("da", "messages.yml")["button.human"]
    assert xx.t("button.human") in (danish, languages.lang_file("en", "messages.yml").get("button.human"))
    missing = languages.validate_all()["xx"]
    assert any("messages.yml: missing" in problem for problem in missing)


def test_the_content_in_a_language_with_its_page_or_said_to_be_danish_only(content):
    passport = load_catalogue().get("pas")
    view = translations.solution_view(passport, "xx")
    assert (view.title, view.steps, view.page.url) == ("Xx passport", ("Xx step 1",), "https://example.org/xx/passport")
    card = translations.card(view, passport, "https://www.aarhus.dk", {}, None)
    assert card["title"] == "Xx passport" and card["url"] == "https://example.org/xx/passport"
    assert card["lang"] == "xx" and card["page_title"] == "Xx page"
    danish_only = translations.solution_view(load_catalogue().get("sundhedskort"), "xx")
    assert danish_only.danish_only
    danish = translations.solution_view(passport, "da", {"steps": ["Kommunens eget trin"]})
    assert danish.steps == ("Kommunens eget trin",), "a kommune's own steps in Danish"
    assert translations.solution_view(passport, "xx", {"steps": ["Kommunens eget trin"]}).steps == ("Xx step 1",)


def test_an_answer_in_a_language_keeps_the_danish_source(content):
    danish = translations.answer_in("flytning", "cost", "da")
    xx = translations.answer_in("flytning", "cost", "xx")
    assert xx.text == "Xx free" and xx.source == danish.source and xx.kind == "national"
    from actions.actions import kommune_answers

    overrides = {"faq": {"cost": "Kommunens eget svar"}}
    own = translations.answer_in("flytning", "cost", "xx", kommune_answers(overrides, "xx"), "https://x.dk")
    assert own.text == "Xx free", "a kommune's Danish answer does not answer another language"
    overrides["lang"] = {"xx": {"faq": {"cost": "Xx: the kommune's own"}}}
    own = translations.answer_in("flytning", "cost", "xx", kommune_answers(overrides, "xx"), "https://x.dk")
    assert (own.text, own.kind, own.source) == ("Xx: the kommune's own", "kommune", "https://x.dk")


def test_the_domains_responses_in_a_language(content):
    from launch.nlg import translated

    rendered = {"text": "Hej!", "buttons": [{"title": t, "payload": f"/{t}"} for t in "abcde"]}
    result = translated(rendered, "utter_greet", "xx", {})
    assert result["text"] == "Xx hello"
    assert [b["title"] for b in result["buttons"]] == ["A", "B", "C", "D", "E"]
    assert [b["payload"] for b in result["buttons"]] == ["/a", "/b", "/c", "/d", "/e"], "payloads unchanged"


def test_the_conversation_language_is_the_slot_else_a_first_guess():
    assert languages.conversation_language("en") == "en"
    assert languages.conversation_language(None, [{"entity": "language_guess", "value": "uk"}]) == "uk"
    assert languages.conversation_language("en", [{"entity": "language_guess", "value": "uk"}]) == "en"
    assert languages.conversation_language("klingon") == "da"


@pytest.mark.parametrize("text, expected", [
    ("jeg har mistet mit sundhedskort", "da"),
    ("hvordan soeger jeg boligstoette", "da"),
    ("jeg skal bruge hjælp med min MitID app", "da"),
    ("I just moved, how do I register my new address", "en"),
    ("what does it cost to get a new passport", "en"),
    ("Де я можу отримати паспорт?", "uk"),
    ("паспорт", "uk"),
    ("pas", None),
    ("MitID", None),
    ("Borgerservice", None),
    ("ok", None),
    # two English words Danish never writes, and no Danish one: English, however short or misspelt
    ("europan helth card order online?", "en"),
    ("do I have to pay dog tax in denmark", "en"),
    ("min app siger error og jeg kan ikke logge ind", "da"),
    ("kan jeg få hjælp til det", "da"),
])
def test_the_detector(text, expected):
    from nlu_components.languages import detect

    assert detect(text)[0] == expected


def test_a_choice_in_the_widget_holds_unless_the_words_are_surely_another_language():
    from nlu_components.languages import message_language

    assert message_language("pas", "en") == ("en", True)
    assert message_language("jeg har mistet mit sundhedskort og skal have et nyt", "en") == ("da", True)
    assert message_language("hej", None)[1] is False, "a short first message only guesses"


def test_every_language_has_a_directory_and_its_texts():
    for lang in languages.languages():
        assert (ROOT / "content" / "lang" / lang).is_dir(), lang
    assert Path(ROOT / "content" / "lang" / "da" / "messages.yml").exists()


def test_english_and_ukrainian_translate_all_the_content():
    """`python -m borgerguide.languages` lists what a language lacks: for the
    languages of the product, nothing (a missing text would fall back silently)."""
    for lang in ("en", "uk"):
        assert translations.missing_content(lang) == [], lang
        assert languages.missing(lang) == {}, lang


def test_a_missing_translation_is_reported(content):
    missing = translations.missing_content("xx")
    assert "solutions.yml: sundhedskort: variants" not in " ".join(missing)
    assert any(line.startswith("topics.yml: affald") for line in missing)
    assert any(line.startswith("answers/pas.yml") for line in missing)
    assert any(line.startswith("responses.yml: utter_goodbye") for line in missing)


def test_the_domains_responses_reach_the_citizen_in_the_conversations_language(stack):
    """launch/nlg.py: the domain's responses (utter_greet ...) are given to the
    generator when Rasa loads the model; a generator that does not get them
    answers every response with nothing."""
    from conftest import send

    danish = send(stack, "nlg-da-" + uuid.uuid4().hex[:8], "hej")
    assert danish and danish[0]["text"].startswith("Hej! Jeg er Borgerguiden"), danish
    assert [b["title"] for b in danish[0]["buttons"]][:2] == ["Flytning", "Sundhedskort"]
    english = send(stack, "nlg-en-" + uuid.uuid4().hex[:8], "hello, good morning")
    assert english and english[0]["text"].startswith("Hi! I'm Borgerguiden"), english
    assert english[0]["buttons"][0]["title"] == "Moving" and english[0]["buttons"][0]["payload"] == "/report_move"


@pytest.mark.parametrize("lang, text, expected", [
    ("en", "how much does a place cost per month", "cost"),
    ("en", "how late can you report it without getting a fine", "deadline"),
    ("en", "when does the first money come into my account", "duration"),
    ("en", "do I need to go there in person", "in_person"),
    ("en", "I lost my yellow health card", None),
    ("uk", "скільки це коштує", "cost"),
    ("uk", "коли прийдуть гроші", "duration"),
    ("uk", "Я загубив жовту картку", None),
    ("en", "I only have an old phone, no internet", "no_digital"),  # as in Danish: no MitID/computer asks how without
    ("uk", "а якщо я не маю MitID", "no_digital"),
    ("da", "hvad koster det", None),  # Danish: borgerguide.questions, not the cues
])
def test_a_languages_own_words_for_the_question_types(lang, text, expected):
    """A follow-up in English or Ukrainian is read as its question type from the
    language's own phrases (content/lang/<code>/cues.yml `questions`)."""
    from borgerguide.cues import question

    assert question(lang, text) == expected


def test_subject_words_in_any_alphabet_and_none_that_many_matters_use_alike():
    from nlu_components.followups import learn_subject_words, stems

    services = {"passport", "health_card", "driving_licence", "mitid"}
    examples = [
        *[("passport", f"мені потрібен новий паспорт для поїздки {n}") for n in range(12)],
        *[("health_card", f"загубила жовту картку для лікаря {n}") for n in range(6)],
        *[("driving_licence", f"водійське посвідчення для мене {n}") for n in range(4)],
        *[("mitid", f"mitid для банку virker ikke, jeg vil søge om nyt {n}") for n in range(5)],
        *[("passport", "jeg vil søge om pas"), ("passport", "søge pas igen")],
        *[("health_card", "søge sundhedskort"), ("health_card", "søge et nyt sundhedskort")],
        *[("driving_licence", "søge kørekort"), ("driving_licence", "søge om kørekort")],
        ("out_of_scope", "де подовжити український паспорт в посольстві"),  # one stray use vetoes nothing
        ("greet", "hej jeg vil gerne søge hjælp"),
    ]
    words = learn_subject_words(examples, services)
    assert stems("Паспорт") == {"паспор"}
    assert words["паспор"] == ["passport"]
    assert words["жовту"] == ["health_card"]
    assert words["mitid"] == ["mitid"]
    assert "для" not in words          # four matters use "для" alike: it names none
    assert "soege" not in words        # four matters use "søge": it names none


@pytest.mark.parametrize("lang, kind, text, expected", [
    # kinds that are a list of phrases (not by value) are read too
    ("en", "correction", "no, I meant the blue card", True),
    ("en", "no_digital", "but there is no pc in my home", True),
    ("en", "booking", "can I book a time to come in", True),
    ("uk", "correction", "ні, я мала на увазі інше", True),
    ("uk", "no_digital", "в мене немає ні MitID, ні комп'ютера", True),
    ("en", "no_digital", "how much does it cost", False),
    ("en", "correction", "nope, the driving licence", True),      # "^nope": at the start only
    ("en", "correction", "there is no doctor near me", False),
    ("uk", "correction", "ні, не жовта, а синя", True),
])
def test_a_languages_phrases_that_are_a_list(lang, kind, text, expected):
    from borgerguide.cues import has

    assert has(lang, kind, text) is expected


@pytest.mark.parametrize("lang, kind, text, expected", [
    ("en", "employment", "I run my own little hair salon business", "selvstændig"),   # `...`: words between
    ("en", "employment", "my leg is broken and I cant work for weeks", None),          # not an answer
    ("en", "employment", "I am not employed anymore", "ledig"),
    ("en", "places", "we are moving from nørrebro out to valby", "denmark"),
    ("uk", "places", "переїжджаємо з Вайле до Кольдингу", "denmark"),
    ("uk", "move_direction", "ми переїжджаємо до Польщі", "udrejse"),
    ("uk", "move_direction", "ми приїхали з Польщі", "indrejse"),
])
def test_a_languages_answers_in_words(lang, kind, text, expected):
    from borgerguide.cues import cue

    assert cue(lang, kind, text) == expected


# A conversation in English or Ukrainian, and what the bot gives for its last
# message: ("solution", id, variant) for a card, ("answer", question, matter)
# for an answer about a matter. Over the real servers.
CONVERSATIONS = [
    pytest.param(["I hurt my back and can't work for a few weeks, who pays me",
                  "I'm employed, I teach at a kindergarten"],
                 ("solution", "sygedagpenge", "lønmodtager"), id="en-employed-word-naming-daycare"),
    pytest.param(["I got sick and cannot work now", "I have my own little painting company"],
                 ("solution", "sygedagpenge", "selvstændig"), id="en-own-company-words-between"),
    pytest.param(["we are moving next month", "to sweden, I start a new job in malmö"],
                 ("solution", "udrejse", None), id="en-country-answers-the-move-question"),
    pytest.param(["we are moving next month", "from østerbro out to valby"],
                 ("solution", "flytning", None), id="en-districts-are-a-move-in-denmark"),
    pytest.param(["I lost my yellow health card", "I don't have a pc or a laptop, what now"],
                 ("answer", "no_digital", "sundhedskort"), id="en-no-pc-after-a-card"),
    pytest.param(["where do I get a tax card, I just started working here", "who should I contact about that"],
                 ("answer", "contact", "skat"), id="en-who-to-contact-is-no-handoff"),
    pytest.param(["ми переїжджаємо наступного місяця", "переїжджаємо з Оденсе до Орхуса"],
                 ("solution", "flytning", None), id="uk-danish-towns-inflected"),
    pytest.param(["мені треба новий паспорт", "у мене нема MitID, що тепер робити"],
                 ("answer", "no_digital", "pas"), id="uk-no-mitid-after-a-card"),
]


@pytest.mark.parametrize("turns, expected", CONVERSATIONS)
def test_answers_in_words_and_follow_ups_in_english_and_ukrainian(stack, turns, expected):
    from conftest import send

    sender = "lang-fu-" + uuid.uuid4().hex[:8]
    for text in turns:
        messages = send(stack, sender, text)
    kind = expected[0]
    shown = customs(messages, kind)
    assert shown, (turns, messages)
    if kind == "solution":
        assert (shown[-1]["solution_id"], shown[-1].get("variant")) == expected[1:], messages
    else:
        assert (shown[-1]["question"], shown[-1]["matter"]) == expected[1:], messages


def test_a_languages_latin_letter_words_are_no_danish_or_english_words():
    """content/lang/<code>/latin.txt: two of its words make a message that
    language, so none may be a word Danish or English writers use."""
    import gzip
    import json
    import os

    import spacy_lookups_data

    from borgerguide.languages import languages, text_dir

    data = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data")

    def table(name):
        with gzip.open(os.path.join(data, name), "rt", encoding="utf-8") as handle:
            return json.load(handle)

    danish = {w.lower() for pair in table("da_lemma_lookup.json.gz").items() for w in pair}
    english = {w for w, p in table("en_lexeme_prob.json.gz").items() if p > -13.5}
    files = [text_dir(code) / "latin.txt" for code in languages() if (text_dir(code) / "latin.txt").exists()]
    assert files, "Ukrainian has its words in Latin letters"
    for path in files:
        words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip() and w[0] != "#"]
        assert len(words) == len(set(words)), path
        clash = sorted(w for w in words if w in danish or w in english)
        assert clash == [], f"{path}: Danish or English words {clash}"


@pytest.mark.parametrize("text, expected", [
    ("dobryi den, treba zminyty adresu", "uk"),
    ("dobryi den, potribna dopomoga z pereizdom", "uk"),
    ("dyakuyu za dopomogu", "uk"),
    ("jeg skal bruge hjælp til min adresse", "da"),
    ("I need help with my address", "en"),
])
def test_ukrainian_in_latin_letters(text, expected):
    from nlu_components.languages import detect, message_language

    assert detect(text, guess=True)[0] == expected
    assert message_language(text, None)[0] == expected  # "den" in "dobryi den" does not make it Danish
