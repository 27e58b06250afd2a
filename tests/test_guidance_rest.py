"""Step-by-step guidance through the real REST channel: every clarification
branch, the stuck paths, context switches and kommune content."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import customs, send


def citizen() -> str:
    return f"guide-{uuid.uuid4().hex[:12]}"


def card(messages):
    cards = customs(messages, "solution")
    assert len(cards) == 1, messages
    return cards[0]


def buttons(messages):
    return [b for m in messages for b in (m.get("buttons") or [])]


def press(stack, sender, messages, title_part):
    matching = [b for b in buttons(messages) if title_part in b["title"]]
    assert matching, f"no button with {title_part!r} in {buttons(messages)}"
    return send(stack, sender, matching[0]["payload"])


@pytest.mark.parametrize(
    "first, question, button, solution_id, variant",
    [
        ("jeg skal flytte", "Hvor flytter du hen?", "Inden for Danmark", "flytning", None),
        ("jeg skal flytte", "Hvor flytter du hen?", "Til udlandet", "udrejse", None),
        ("jeg skal flytte", "Hvor flytter du hen?", "Til Danmark", "indrejse", None),
        ("sygedagpenge", "Hvad passer på dig?", "ansat", "sygedagpenge", "lønmodtager"),
        ("sygedagpenge", "Hvad passer på dig?", "ledig", "sygedagpenge", "ledig"),
        ("sygedagpenge", "Hvad passer på dig?", "selvstændig", "sygedagpenge", "selvstændig"),
        ("digital post", "Hvad drejer det sig om?", "Læse min post", "digital_post", None),
        ("digital post", "Hvad drejer det sig om?", "mangler et brev", "digital_post", "mangler"),
        ("digital post", "Hvad drejer det sig om?", "på papir", "fritagelse_digital_post", None),
        ("mitid", "Hvad drejer det sig om?", "skal have MitID", "mitid", "ny"),
        ("mitid", "Hvad drejer det sig om?", "spærret", "mitid", "spaerret"),
        ("mitid", "Hvad drejer det sig om?", "ny telefon", "mitid", "ny_telefon"),
        ("mitid", "Hvad drejer det sig om?", "smartphone", "mitid", "ingen_smartphone"),
        ("dagtilbud", "Hvad vil du gøre?", "Skifte", "opskrivning_dagtilbud", "skift"),
        ("dagtilbud", "Hvad vil du gøre?", "Opsige", "opskrivning_dagtilbud", "opsig"),
    ],
)
def test_clarification_branch(stack, first, question, button, solution_id, variant):
    sender = citizen()
    asked = send(stack, sender, first)
    assert asked[0]["text"] == question, asked
    shown = card(press(stack, sender, asked, button))
    assert shown["solution_id"] == solution_id
    assert shown.get("variant") == variant


@pytest.mark.parametrize("age_button, variant", [("Under 3", "ny_under_3"), ("3 til 6", "ny_3_til_6")])
def test_daycare_asks_two_questions(stack, age_button, variant):
    sender = citizen()
    asked = send(stack, sender, "dagtilbud")
    age = press(stack, sender, asked, "Skrive barnet op")
    assert age[0]["text"] == "Hvor gammel er barnet, når det skal starte?"
    assert card(press(stack, sender, age, age_button))["variant"] == variant


@pytest.mark.parametrize(
    "text, solution_id, variant",
    [
        ("vi flytter til Tyskland", "udrejse", None),
        ("jeg er syg og arbejdsløs, kan jeg få sygedagpenge", "sygedagpenge", "ledig"),
        ("skriv min søn op til vuggestue", "opskrivning_dagtilbud", "ny_under_3"),
        ("mit mitid er spærret", "mitid", "spaerret"),
    ],
)
def test_no_question_when_the_first_message_answers_it(stack, text, solution_id, variant):
    messages = send(stack, citizen(), text)
    shown = card(messages)
    assert (shown["solution_id"], shown.get("variant")) == (solution_id, variant)


def test_walk_through_the_steps_and_did_it_work(stack):
    sender = citizen()
    shown = card(send(stack, sender, "jeg har mistet mit pas"))
    for number, step in enumerate(shown["steps"], start=1):
        messages = send(stack, sender, "/next_step")
        assert messages[0]["text"] == f"Trin {number} af {len(shown['steps'])}: {step}"
    assert messages[-1]["text"] == "Lykkedes det?"
    stuck = press(stack, sender, messages, "Nej")
    assert any(b["payload"] == "/power_of_attorney" for b in buttons(stuck))
    assert any(b["payload"] == "/contact_borgerservice" for b in buttons(stuck))


def test_it_does_not_work_gives_the_areas_troubleshooting(stack):
    sender = citizen()
    send(stack, sender, "jeg skal melde flytning til Odense")
    messages = send(stack, sender, "/solution_not_working")
    assert "c/o" in messages[0]["text"]
    assert any(b["payload"] == "/mitid" for b in buttons(messages))


@pytest.mark.parametrize(
    "text, solution_id, variant",
    [
        ("jeg har ikke noget mitid", "mitid", "ny"),
        ("kan jeg lave en fuldmagt på papir for min mor, hun har ikke mitid", "fuldmagt", "papir"),
        ("jeg vil gerne give min datter fuldmagt", "fuldmagt", None),
    ],
)
def test_stuck_paths_by_text(stack, text, solution_id, variant):
    shown = card(send(stack, citizen(), text))
    assert (shown["solution_id"], shown.get("variant")) == (solution_id, variant)


@pytest.mark.parametrize(
    "text",
    [
        "min far har mistet sit sundhedskort, kan jeg bestille et nyt til ham",
        "hvordan kan jeg hjælpe min mor med det digitale hun har ikke mitid",
        "jeg prøver at melde flytning for min mor",
    ],
)
def test_helping_a_relative_always_surfaces_fuldmagt(stack, text):
    messages = send(stack, citizen(), text)
    shown = customs(messages, "solution")
    assert (shown and shown[0]["solution_id"] == "fuldmagt") or any(
        "fuldmagt" in (m.get("text") or "") for m in messages), messages


def test_context_switch_in_the_middle_of_a_question_and_back(stack):
    sender = citizen()
    assert send(stack, sender, "jeg skal flytte")[0]["text"] == "Hvor flytter du hen?"
    assert card(send(stack, sender, "jeg har mistet mit gule sundhedskort"))["solution_id"] == "sundhedskort"
    assert card(send(stack, sender, "mit pas er udløbet"))["solution_id"] == "pas"
    assert card(send(stack, sender, "gå tilbage til det forrige"))["solution_id"] == "sundhedskort"
    restarted = send(stack, sender, "start forfra")
    assert restarted[0]["text"].startswith("Vi starter forfra")
    assert customs(send(stack, sender, "/next_step"), "solution") == []


def test_a_free_text_answer_to_the_question(stack):
    sender = citizen()
    send(stack, sender, "jeg skal flytte")
    assert card(send(stack, sender, "til udlandet"))["solution_id"] == "udrejse"


def test_a_question_about_the_card_is_answered_from_the_catalogue(stack):
    sender = citizen()
    send(stack, sender, "blåt sygesikringskort til ferien")
    messages = send(stack, sender, "hvad koster det")
    assert messages[0]["text"] == "Det blå EU-sygesikringskort er gratis."


def test_the_kommune_from_metadata_selects_local_urls(stack):
    messages = send(stack, citizen(), "skriv min søn op til vuggestue", metadata={"kommune": "aarhus"})
    assert card(messages)["url"].startswith("https://aarhus.dk/")
    messages = send(stack, citizen(), "skriv min søn op til vuggestue")
    assert card(messages)["url"].startswith("https://www.borger.dk/")


def test_contact_borgerservice_uses_the_kommune(stack):
    messages = send(stack, citizen(), "hvad er telefonnummeret til borgerservice", metadata={"kommune": "aarhus"})
    assert "89 40 22 22" in messages[0]["text"]


def test_an_active_notice_is_told_before_the_card(stack):
    from borgerguide import notices

    now = datetime.now(timezone.utc)
    notices.publish("MitID har driftsforstyrrelser lige nu", ["mitid"], now - timedelta(minutes=1),
                    now + timedelta(minutes=30), kommune="odense", created_by="test")
    messages = send(stack, citizen(), "mit mitid er spærret", metadata={"kommune": "odense"})
    assert messages[0]["text"] == "Driftsmeddelelse: MitID har driftsforstyrrelser lige nu"
    assert customs(messages, "notice")[0]["areas"] == ["mitid"]
    other = send(stack, citizen(), "mit mitid er spærret", metadata={"kommune": "aarhus"})
    assert customs(other, "notice") == []
