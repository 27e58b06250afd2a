"""Citizens who do not write Danish (issue 21), as they see the widget in a
real browser against the real Rasa and action servers: an English
conversation from the first message to the card, a follow-up and a hand-off;
a Ukrainian one; a Danish conversation switched to English in the header; and
a right-to-left language that is only content (a copy of content/ with one
more language) rendered right to left. axe-core finds nothing serious in any."""
from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from borgerguide.languages import lang_file
from conftest import ROOT, started_stack, widget_ask

SHOTS = ROOT / "test-artifacts" / "languages"
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
ROOT_JS = "document.querySelector('#borgerguide-widget').shadowRoot"


def widget_text(lang: str, key: str) -> str:
    return str(lang_file(lang, "widget.yml")[key])


def message_text(lang: str, key: str) -> str:
    return str(lang_file(lang, "messages.yml")[key])


def bot_messages(page):
    """[(text, lang, dir)] of the bot's messages after the widget's welcome, oldest first."""
    return page.evaluate(f"""() => [...{ROOT_JS}.querySelectorAll('.msg.bot')]
        .map(m => [m.textContent, m.lang, m.dir])""")[1:]


def panel(page):
    return page.evaluate(f"""() => {{
        const p = {ROOT_JS}.querySelector('.panel') || {ROOT_JS}.querySelector('[role=dialog]');
        return {{lang: p.lang, dir: p.dir, direction: getComputedStyle(p).direction}};
    }}""")


def axe_serious(page):
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
    }""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_widget(browser, url: str, width: int = 390):
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=width < 600,
                                  has_touch=width < 600)
    page = context.new_page()
    page.goto(f"{url}/demo")
    page.click("#borgerguide-widget button.launcher")
    return context, page


def test_an_english_conversation_from_first_message_to_card_and_handoff(web, browser):
    context, page = open_widget(browser, web.web_url)
    widget_ask(page, "I lost my yellow health card, how do I get a new one?")
    card = page.locator(".card").last
    assert bot_messages(page)[-1][1] == "en"
    assert panel(page)["lang"] == "en", "the widget follows the language the citizen writes"
    assert page.locator("#bg-input").get_attribute("placeholder") == widget_text("en", "placeholder")
    assert page.locator("#bg-language").input_value() == "en"
    assert "health" in card.inner_text().lower() or "sundhedskort" in card.inner_text().lower()
    shot(page, "en-1-card")

    widget_ask(page, "how much does it cost?")
    said = bot_messages(page)
    assert said[-1][1] == "en" and "Sorry" not in said[-1][0], said[-3:]
    shot(page, "en-2-follow-up")

    widget_ask(page, "I would like to talk to a person")
    page.wait_for_function(f"t => {ROOT_JS}.textContent.includes(t)", arg=message_text("en", "handoff.live")[:50],
                           timeout=20000)
    assert all(lang == "en" for _, lang, _ in bot_messages(page)), "every answer in English"
    shot(page, "en-3-handoff")
    assert axe_serious(page) == []
    context.close()


def test_a_ukrainian_conversation(web, browser):
    context, page = open_widget(browser, web.web_url)
    widget_ask(page, "Я переїжджаю в іншу квартиру в Орхусі, як змінити адресу?")
    assert panel(page)["lang"] == "uk"
    assert page.locator("#bg-input").get_attribute("placeholder") == widget_text("uk", "placeholder")
    said = bot_messages(page)
    assert said and all(lang == "uk" for _, lang, _ in said), said
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in text) for text, _, _ in said), "the answer is in Ukrainian"
    shot(page, "uk-1-answer")
    assert axe_serious(page) == []
    context.close()


def test_switching_the_language_in_the_middle_of_a_conversation(web, browser):
    context, page = open_widget(browser, web.web_url, width=1280)
    widget_ask(page, "jeg har mistet mit gule sundhedskort")
    assert panel(page)["lang"] == "da"
    first = bot_messages(page)
    assert first and all(lang == "da" for _, lang, _ in first)
    shot(page, "switch-1-danish")

    page.select_option("#bg-language", "en")
    assert page.locator("#bg-input").get_attribute("placeholder") == widget_text("en", "placeholder")
    widget_ask(page, "how long does it take?")
    said = bot_messages(page)
    assert said[-1][1] == "en", said[-2:]
    assert [lang for _, lang, _ in said[:len(first)]] == ["da"] * len(first), "earlier answers keep their language"
    # a short Danish word does not take the conversation back to Danish
    widget_ask(page, "sundhedskort")
    assert bot_messages(page)[-1][1] == "en" and panel(page)["lang"] == "en"
    shot(page, "switch-2-english")
    context.close()


@pytest.fixture(scope="module")
def rtl_stack(model_path, tmp_path_factory):
    """The whole product with one more language, right to left, that is only
    content: content/ copied, `ar` added to languages.yml with a widget.yml
    of its own (the bot's words fall back as docs/languages.md says)."""
    tmp = tmp_path_factory.mktemp("rtl")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    registry = yaml.safe_load((content / "languages.yml").read_text(encoding="utf-8"))
    registry["languages"]["ar"] = {"name": "العربية", "dir": "rtl", "staff": "Arabisk"}
    (content / "languages.yml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    (content / "lang" / "ar").mkdir()
    (content / "lang" / "ar" / "widget.yml").write_text(yaml.safe_dump({
        "launcher": "الدردشة مع دليل المواطن", "title": "دليل المواطن", "placeholder": "اكتب رسالتك هنا",
        "send": "إرسال", "language_label": "اللغة", "input_label": "رسالتك", "close": "إغلاق",
    }, allow_unicode=True), encoding="utf-8")
    env = {"BORGERGUIDE_CONTENT_DIR": str(content), "BORGERGUIDE_HANDOFF_MODE": "live",
           "BORGERGUIDE_DB": f"sqlite:///{tmp / 'web.db'}", "BORGERGUIDE_EVENTS_DB": f"sqlite:///{tmp / 'events.db'}",
           "BORGERGUIDE_TRACKER_DB": f"sqlite:///{tmp / 'tracker.db'}",
           "BORGERGUIDE_SECRET": "rtl-test-secret-" + "r" * 32}
    with started_stack(tmp, model_path, web=True, env=env) as running:
        yield running


def test_a_right_to_left_language_is_only_content_and_is_written_right_to_left(rtl_stack, browser):
    context, page = open_widget(browser, rtl_stack.web_url)
    page.select_option("#bg-language", "ar")
    shown = panel(page)
    assert shown == {"lang": "ar", "dir": "rtl", "direction": "rtl"}, shown
    assert page.locator("#bg-input").get_attribute("placeholder") == "اكتب رسالتك هنا"
    widget_ask(page, "فقدت بطاقة التأمين الصحي الصفراء")  # the chosen language holds: nothing surely says another
    said = bot_messages(page)
    assert said and said[-1][1:] == ["ar", "rtl"], said[-1:]
    direction = page.evaluate(f"() => getComputedStyle([...{ROOT_JS}.querySelectorAll('.msg.bot')].pop()).direction")
    assert direction == "rtl"
    assert not any("åbningstiderne" in text for text, _, _ in said), "no Danish default text in another language"
    shot(page, "rtl-1-answer")
    assert axe_serious(page) == []
    (SHOTS / "rtl-widget.json").write_text(json.dumps({"panel": shown, "env": os.environ.get("CI", "")}))
    context.close()


def test_ukrainian_in_latin_letters_then_an_answer_in_words_on_a_phone(web, browser):
    """A Ukrainian citizen on a phone without a Cyrillic keyboard: the widget
    turns Ukrainian from her Latin letters ("dobryi den" has the Danish word
    "den"), and where she moves, Danish towns written in Ukrainian, gets the
    card of a move within Denmark, in Ukrainian."""
    context, page = open_widget(browser, web.web_url)
    widget_ask(page, "dobryi den, potribna dopomoga, my skoro pereizhdzhaiemo")
    assert panel(page)["lang"] == "uk", "Ukrainian in Latin letters is Ukrainian"
    assert page.locator("#bg-input").get_attribute("placeholder") == widget_text("uk", "placeholder")
    said = bot_messages(page)
    assert said and all(lang == "uk" for _, lang, _ in said), said
    shot(page, "uk-latin-1-question")

    widget_ask(page, "з Оденсе до Орхуса, в нову квартиру")
    title = str(lang_file("uk", "solutions.yml")["solutions"]["flytning"]["title"])
    assert page.locator(".card .card-title").last.inner_text() == title
    assert bot_messages(page)[-1][1] == "uk"
    shot(page, "uk-latin-2-card")
    assert axe_serious(page) == []
    context.close()
