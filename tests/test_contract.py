"""The channel contract (borgerguide.contract) against ../shared/spec/channel-events.md:
every example message of the spec is read by our types, and what our types
write has every field the spec shows."""
from __future__ import annotations

import json
import re

import pytest

from borgerguide import contract
from conftest import ROOT

SPEC = ROOT.parent / "shared" / "spec" / "channel-events.md"


def spec_examples():
    if not SPEC.exists():
        pytest.skip("../shared/spec is not beside this checkout")
    examples = {}
    for block in re.findall(r"```json\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.DOTALL):
        custom = json.loads(block)["custom"]
        examples[custom["type"]] = custom
    return examples


def alternatives(value: str):
    """"live | callback" -> ["live", "callback"]; "..." marks more allowed."""
    return [part.strip() for part in value.split("|") if part.strip() and part.strip() != "..."]


def test_the_spec_has_the_four_contract_types():
    assert {contract.SOLUTION, contract.HANDOFF, contract.FALLBACK, contract.REFERRAL} <= set(spec_examples())


@pytest.mark.parametrize("kind", [contract.SOLUTION, contract.HANDOFF, contract.FALLBACK, contract.REFERRAL])
def test_our_messages_carry_every_field_the_spec_shows(kind):
    example = spec_examples()[kind]
    ours = {
        contract.SOLUTION: contract.SolutionCard("flytning", "Anmeld flytning", "https://www.borger.dk/x", "MitID",
                                                 ("Log ind",), {"fuldmagt": True, "borgerservice": True}),
        contract.HANDOFF: contract.Handoff(contract.new_escalation_id(), "requested_by_citizen", "report_move",
                                           "live"),
        contract.FALLBACK: contract.Fallback(1),
        contract.REFERRAL: contract.ReferralCard("skat", "skattestyrelsen", "Forskudsopgørelse",
                                                 "https://skat.dk/tastselv", "MitID", "+45 72 22 18 18", ("Log ind",)),
    }[kind].to_dict()
    assert set(example) <= set(ours), set(example) - set(ours)
    if kind == contract.SOLUTION:
        assert set(example["help"]) <= set(ours["help"])


def test_the_spec_examples_read_back_as_our_types():
    examples = spec_examples()
    handoff = dict(examples[contract.HANDOFF])
    # the spec writes the choices as "a | b | ..."; each named choice is one of ours
    reasons = alternatives(handoff["reason"])
    modes = alternatives(handoff["mode"])
    assert set(reasons) <= set(contract.HANDOFF_REASONS)
    assert set(modes) == set(contract.MODES)
    assert handoff["queue"] in contract.QUEUES
    for reason in reasons:
        parsed = contract.parse({**handoff, "reason": reason, "mode": modes[0],
                                 "escalation_id": contract.new_escalation_id()})
        assert isinstance(parsed, contract.Handoff) and parsed.reason == reason
    assert contract.parse(examples[contract.FALLBACK]) == contract.Fallback(1)
    card = contract.parse(examples[contract.SOLUTION])
    assert isinstance(card, contract.SolutionCard) and card.solution_id == "flytning"
    referral = contract.parse(examples[contract.REFERRAL])
    assert isinstance(referral, contract.ReferralCard) and referral.topic == "skat"


@pytest.mark.parametrize("payload", [
    contract.Handoff(contract.new_escalation_id(), "repeated_fallback", None, "callback", "sundhed", "aarhus"),
    contract.SolutionCard("pas", "Pas", "https://www.borger.dk/pas", "MitID", ("a", "b"), {"fuldmagt": False},
                          variant="x", topic="pas"),
    contract.ReferralCard("su", "uddannelses_og_forskningsstyrelsen", "SU", None, "MitID", None, ("a",)),
    contract.Fallback(2),
    contract.Notice(3, "MitID er nede", ("mitid",), "2026-12-03T10:00:00+00:00"),
    contract.Fault(contract.STORE_UNAVAILABLE),
    contract.Clarify(("assistive_aids", "hjaelpemidler")),
])
def test_every_payload_round_trips(payload):
    assert contract.parse(json.loads(json.dumps(payload.to_dict()))) == payload


@pytest.mark.parametrize("broken", [
    {"type": "handoff", "escalation_id": "esc_X", "reason": "because", "mode": "live", "queue": "borgerservice"},
    {"type": "handoff", "escalation_id": "no-prefix", "reason": "requested_by_citizen", "mode": "live"},
    {"type": "handoff", "escalation_id": "esc_X", "reason": "requested_by_citizen", "mode": "soon"},
    {"type": "handoff", "escalation_id": "esc_X", "reason": "requested_by_citizen", "mode": "live", "queue": "mars"},
    {"type": "fallback", "attempt": "1"},
    {"type": "solution", "title": "no id"},
    {"type": "no such type"},
    "not a mapping",
])
def test_broken_payloads_are_not_read(broken):
    assert contract.parse(broken) is None


def test_the_reply_of_a_rest_channel_is_read():
    messages = [{"text": "hej"}, {"custom": contract.Fallback(1).to_dict()}, {"custom": "x"}]
    assert contract.kinds(messages) == [contract.FALLBACK]
