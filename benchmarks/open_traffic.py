#!/usr/bin/env python
"""Open traffic: does every message get the right next step?

tests/nlu/open_traffic.yml holds messages as a Borgerservice chat receives
them (every topic of ../shared/spec/topics.yml, every service area, and
unrelated questions), written apart from the training data. Each message is
sent as the first message of a new conversation to a real Rasa server with the
real action server, and the answer is judged:

- correct: the card for the expected topic or area (a `solution` card of the
  area's solutions, or a card whose `topic` is the expected one), or the area's
  own first question (e.g. "Hvor flytter du hen?"), or a "Mener du ...?"
  question whose buttons include the expected next step (the button is then
  pressed and must give the right card or the area's first question); for an
  unrelated message: no card;
- misroute: a card for something else, or another area's first question;
- dead end: no card, no hand-off and no way to Borgerservice (its contact in
  the text, or a button to contact Borgerservice or a member of staff);
- other: no card, but a way on (a question without the right option, the
  fallback with the contact).

    python benchmarks/open_traffic.py                  # starts its own Rasa + action server
    python benchmarks/open_traffic.py --rasa-url http://127.0.0.1:5005
    python benchmarks/open_traffic.py --model models/other.tar.gz --kommune aarhus
    python benchmarks/open_traffic.py --lang en        # tests/nlu/lang/en/open_traffic.yml
    python benchmarks/open_traffic.py --lang uk --chosen   # as if Ukrainian was chosen in the widget

In another language the detector decides the conversation's language from the
words (or, with --chosen, the widget's choice does), and the share of answers
whose texts are in that language is reported too ("in language").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from borgerguide import contract  # noqa: E402
from borgerguide.catalogue import load_catalogue  # noqa: E402
from language_sets import bot_language, expected_language, metadata as message_metadata, set_path  # noqa: E402

SET = ROOT / "tests" / "nlu" / "open_traffic.yml"
WAYS_ON = {"/contact_borgerservice", "/request_human"}
# buttons that are a way on, not a next step of their own
WAY_ON_STEPS = {"intent:contact_borgerservice", "intent:request_human", "intent:power_of_attorney",
                "intent:affirm", "intent:deny", "intent:next_step", "intent:restart"}


def load_set(path: Path = SET) -> List[Dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [m for m in data["messages"]]


def post(url: str, body: Dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def solutions_by_intent() -> Dict[str, set]:
    out: Dict[str, set] = defaultdict(set)
    for solution in load_catalogue().solutions.values():
        out[solution.intent].add(solution.id)
    return out


def next_steps(messages: List[Dict[str, Any]], by_intent: Dict[str, set]) -> List[str]:
    """The next steps the answer gives: "topic:<id>" / "intent:<name>" per card."""
    steps = []
    for custom in contract.customs(messages):
        payload = contract.parse(custom)
        if isinstance(payload, contract.ReferralCard):
            steps.append(f"topic:{payload.topic}")
        elif isinstance(payload, contract.SolutionCard):
            if payload.topic:
                steps.append(f"topic:{payload.topic}")
            else:
                steps.extend(f"intent:{i}" for i, ids in by_intent.items() if payload.solution_id in ids)
    return steps


def buttons(messages: List[Dict[str, Any]]) -> List[str]:
    return [str(b.get("payload")) for m in messages for b in (m.get("buttons") or [])]


def button_step(payload: str) -> Optional[str]:
    """The next step a button stands for: `/report_move{...}` -> intent:report_move,
    `/topic{"topic": "affald"}` -> topic:affald."""
    if not payload.startswith("/"):
        return None
    name, _, entities = payload[1:].partition("{")
    if name == "topic":
        try:
            return f"topic:{json.loads('{' + entities)['topic']}"
        except (ValueError, KeyError):
            return None
    return f"intent:{name}"


def judge(expected: List[str], answer: List[Dict[str, Any]], by_intent: Dict[str, set],
          follow, asked: bool = False) -> Tuple[str, str]:
    """(verdict, detail) for one message's answer (`asked`: the answer to the
    button of a "Mener du ...?" question, judged like a first answer but
    without a second question)."""
    steps = next_steps(answer, by_intent)
    kinds = contract.kinds(answer)
    wanted = set(expected)
    if expected == ["out_of_scope"]:
        return ("correct", "no card") if not steps else ("misroute", ",".join(steps))
    if steps:
        return ("correct", steps[0]) if wanted & set(steps) else ("misroute", ",".join(steps))
    offered = [button_step(p) for p in buttons(answer)]
    if contract.CLARIFY in kinds and not asked:
        chosen = [p for p in buttons(answer) if button_step(p) in wanted]
        if chosen:
            verdict, detail = judge(expected, follow(chosen[0]), by_intent, follow, asked=True)
            return (verdict, "after a question") if verdict == "correct" else (verdict, detail)
        return "other", "question without the right option"
    if any(step in wanted for step in offered) and contract.FALLBACK not in kinds:
        return "correct", "the area's question"
    areas = {step for step in offered if step and step.startswith("intent:")} - WAY_ON_STEPS
    if areas and contract.FALLBACK not in kinds and contract.CLARIFY not in kinds:
        return "misroute", "the question of " + ",".join(sorted(areas))
    text = " ".join(str(m.get("text") or "") for m in answer)
    way_on = contract.HANDOFF in kinds or WAYS_ON & set(buttons(answer)) or "Borgerservice" in text
    if not way_on:
        return "dead_end", text[:80]
    return "other", "fallback" if contract.FALLBACK in kinds else "no card"


def run(rasa_url: str, kommune: Optional[str], limit: Optional[int] = None, lang: str = "da",
        chosen: bool = False) -> Dict[str, Any]:
    by_intent = solutions_by_intent()
    messages = load_set(set_path("open_traffic", lang))
    messages = messages[:limit] if limit else messages
    rows = []
    started = time.monotonic()
    for item in messages:
        sender = f"ot-{uuid.uuid4().hex[:16]}"
        metadata = message_metadata(kommune, lang, chosen)
        answers: List[List[Dict[str, Any]]] = []

        def say(text: str) -> List[Dict[str, Any]]:
            answer = post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text, "metadata": metadata})
            answers.append(answer)
            return answer

        expected = [item["expect"], *(item.get("also") or [])]
        verdict, detail = judge(expected, say(item["text"]), by_intent, say)
        spoken = bot_language(answers[0])
        rows.append({"text": item["text"], "expect": item["expect"], "verdict": verdict, "detail": detail,
                     "answered_in": spoken, "language": expected_language(item["text"], lang, chosen), "said": " ".join(str(m.get("text") or "") for m in answers[0])[:300]})
    seconds = time.monotonic() - started
    spoken = [r for r in rows if r["answered_in"]]  # an answer without text says nothing
    in_language = sum(1 for r in spoken if r["answered_in"] == r["language"]) / max(len(spoken), 1)
    return {**summarise(rows, seconds), "lang": lang, "chosen": chosen, "in_language": round(in_language, 4),
            "not_in_language": [{k: r[k] for k in ("text", "language", "answered_in", "said")} for r in spoken
                                if r["answered_in"] != r["language"]]}


def summarise(rows: List[Dict[str, Any]], seconds: float) -> Dict[str, Any]:
    total = Counter(r["verdict"] for r in rows)
    per_label: Dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        per_label[r["expect"]][r["verdict"]] += 1
    n = len(rows)
    return {
        "messages": n,
        "correct": round(total["correct"] / n, 4),
        "misroute": round(total["misroute"] / n, 4),
        "dead_end": round(total["dead_end"] / n, 4),
        "other": round(total["other"] / n, 4),
        "after_a_question": sum(1 for r in rows if r["detail"] == "after a question"),
        "seconds": round(seconds, 1),
        "per_label": {label: dict(c) for label, c in sorted(per_label.items())},
        "wrong": [r for r in rows if r["verdict"] != "correct"],
    }


def print_report(result: Dict[str, Any]) -> None:
    chosen = ", chosen in the widget" if result.get("chosen") else ""
    print(f"\nopen traffic ({result.get('lang', 'da')}{chosen}): {result['messages']} messages in {result['seconds']} s")
    print("| correct next step | misroute | dead end | other | in language |")
    print("|---|---|---|---|---|")
    print(f"| {result['correct']:.3f} | {result['misroute']:.3f} | {result['dead_end']:.3f} | {result['other']:.3f} "
          f"| {result.get('in_language', 0):.3f} |")
    print(f"({result['after_a_question']} correct after one \"Mener du ...?\" question)")
    print("\nper expected next step (correct/misroute/dead end/other):")
    for label, counts in result["per_label"].items():
        line = "/".join(str(counts.get(k, 0)) for k in ("correct", "misroute", "dead_end", "other"))
        marker = "" if counts.get("correct", 0) == sum(counts.values()) else "  <--"
        print(f"  {label:38s} {line}{marker}")
    print("\nnot correct:")
    for r in result["wrong"]:
        print(f"  [{r['verdict']}] {r['expect']}: {r['text'][:70]!r} -> {r['detail']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one with the action server)")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "borgerguide.tar.gz")
    parser.add_argument("--kommune", default="aarhus", help="the kommune the messages come from ('' for none)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--lang", default="da", help="the language of the set (tests/nlu/lang/<lang>/)")
    parser.add_argument("--chosen", action="store_true", help="send the language as chosen in the widget")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.out = args.out or ROOT / "benchmarks" / "out" / (
        "open_traffic.json" if args.lang == "da" else f"open_traffic.{args.lang}{'.chosen' if args.chosen else ''}.json")
    from stack import measured

    result = measured(args.rasa_url, args.model,
                      lambda url, token: run(url, args.kommune or None, args.limit, args.lang, args.chosen), args.out)
    print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
