#!/usr/bin/env python
"""Follow-up conversations: is the second message answered right?

tests/nlu/followups.yml holds conversations of 2-4 citizen turns, written apart
from the training data (a test keeps them disjoint): a card, then a question
about it, an answer in words to the bot's own question, a correction, another
matter, the kommune's contact, thanks. Each conversation runs against a real
Rasa server with the real action server; every turn with an `expect` is
judged, and the turn with a `category` counts for that category:

- right: what `expect` (or an `also`) says: the card of that solution or topic
  (`card`, optionally `variant`), an answer of that question type about that
  matter (`answer` + `matter`; a service area as matter means any of its
  solutions), the bot's own question (`ask`), the kommune's contact
  (`contact`), a friendly reply (`reply: polite`);
- fallback: the bot did not understand (a `fallback` message, or the
  out-of-scope answer);
- wrong matter: a card or an answer about another matter;
- other: anything else (a "Mener du ...?" question, a hand-off, ...).

A setup turn answered with "Mener du ...?" gets its right button pressed (as a
citizen would); the category turn never does.

`--half dev` runs every other conversation (the 1st, 3rd, ...): the half whose
failures were read while the dialogue was tuned; `--half test` the other half,
never read while tuning; both are reported in benchmarks/README.md.

    python benchmarks/followups.py                     # starts its own Rasa + action server
    python benchmarks/followups.py --rasa-url http://127.0.0.1:5005
    python benchmarks/followups.py --model models/other.tar.gz --show-wrong
    python benchmarks/followups.py --lang en           # tests/nlu/lang/en/followups.yml
    python benchmarks/followups.py --lang uk --chosen  # as if Ukrainian was chosen in the widget

In another language the polite replies and the out-of-scope answer are also
recognised in their translation, and the share of judged turns answered in
the conversation's language is reported ("in language").
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
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from borgerguide import contract  # noqa: E402
from borgerguide.catalogue import load_catalogue  # noqa: E402
from language_sets import (  # noqa: E402
    bot_language, expected_language, metadata as message_metadata, response_texts, set_path)

SET = ROOT / "tests" / "nlu" / "followups.yml"
CATEGORIES = ("current_matter", "for_other", "no_digital", "free_text_answer", "new_question_while_open",
              "correction", "switch", "kommune_contact", "thanks_goodbye")
POLITE = ("utter_thank", "utter_goodbye", "utter_glad", "utter_affirm")
Messages = List[Dict[str, Any]]


def load_set(path: Path = SET) -> List[Dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"])


def post(url: str, body: Dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Judge:
    """What a bot answer contains, against what was expected."""

    def __init__(self, lang: str = "da") -> None:
        self.by_intent: Dict[str, Set[str]] = defaultdict(set)
        for solution in load_catalogue().solutions.values():
            self.by_intent[solution.intent].add(solution.id)
        self.polite = response_texts(POLITE, lang)
        self.out_of_scope = response_texts(["utter_out_of_scope"], lang)

    def matters(self, matter: str) -> Set[str]:
        """A solution or topic id, or a service area (any of its solutions)."""
        return self.by_intent.get(matter, set()) | {matter}

    def cards(self, messages: Messages) -> List[Tuple[str, Optional[str]]]:
        """(solution or topic id, variant) of every card."""
        found = []
        for custom in contract.customs(messages):
            payload = contract.parse(custom)
            if isinstance(payload, contract.ReferralCard):
                found.append((payload.topic, None))
            elif isinstance(payload, contract.SolutionCard):
                found.append((payload.topic or payload.solution_id, payload.variant))
        return found

    def answers(self, messages: Messages) -> List[Tuple[str, str]]:
        return [(p.question, p.matter) for p in map(contract.parse, contract.customs(messages))
                if isinstance(p, contract.Answer)]

    def matches(self, expect: Dict[str, Any], messages: Messages) -> bool:
        kinds = contract.kinds(messages)
        if "card" in expect:
            return any(card == expect["card"] and (not expect.get("variant") or variant == expect["variant"])
                       for card, variant in self.cards(messages))
        if "answer" in expect:
            wanted = self.matters(str(expect.get("matter")))
            return any(q == expect["answer"] and m in wanted for q, m in self.answers(messages))
        if "ask" in expect:
            return any(isinstance(p, contract.Question) and p.asks == expect["ask"]
                       for p in map(contract.parse, contract.customs(messages)))
        if expect.get("contact"):
            return contract.CONTACT in kinds
        if expect.get("reply") == "polite":
            texts = {str(m.get("text") or "") for m in messages}
            return bool(texts & self.polite) and not self.cards(messages) and contract.FALLBACK not in kinds
        raise ValueError(f"unknown expectation {expect!r}")

    def verdict(self, expects: List[Dict[str, Any]], messages: Messages) -> Tuple[str, str]:
        if any(self.matches(e, messages) for e in expects):
            return "right", ""
        kinds = contract.kinds(messages)
        texts = [str(m.get("text") or "") for m in messages]
        if contract.FALLBACK in kinds or any(t in self.out_of_scope for t in texts):
            return "fallback", (texts[0] if texts else "")[:60]
        wanted: Set[str] = set()
        for e in expects:
            wanted |= self.matters(str(e.get("card") or e.get("matter") or ""))
        shown = {card for card, _ in self.cards(messages)} | {m for _, m in self.answers(messages)}
        if shown and not shown & wanted:
            return "wrong_matter", ",".join(sorted(shown))
        detail = ",".join(k for k in kinds) or (texts[0][:60] if texts else "")
        return "other", detail


def run_conversation(judge: Judge, say: Callable[[str], Messages], conversation: Dict[str, Any],
                     language: str = "da") -> List[Dict]:
    """`language`: what the conversation should be answered in (language_sets.expected_language)."""
    rows = []
    for turn in conversation["turns"]:
        messages = say(str(turn["say"]))
        expect = turn.get("expect")
        if not expect:
            continue
        expects = [expect, *(turn.get("also") or [])]
        category = turn.get("category")
        verdict, detail = judge.verdict(expects, messages)
        spoken = bot_language(messages)
        if verdict != "right" and not category and contract.CLARIFY in contract.kinds(messages):
            # a setup turn: the citizen presses the right "Mener du ...?" button
            for button in (b for m in messages for b in (m.get("buttons") or [])):
                target = expect.get("card") or expect.get("matter") or ""
                if target and target in str(button.get("payload")):
                    messages = say(str(button["payload"]))
                    verdict, detail = judge.verdict(expects, messages)
                    break
        rows.append({"id": conversation["id"], "say": turn["say"], "category": category or "setup",
                     "verdict": verdict, "detail": detail, "expect": expect, "answered_in": spoken,
                     "language": language})
    return rows


def half_of(conversations: List[Dict[str, Any]], half: str) -> List[Dict[str, Any]]:
    if half == "all":
        return conversations
    return conversations[0 if half == "dev" else 1::2]


def run(rasa_url: str, limit: Optional[int] = None, half: str = "all", lang: str = "da",
        chosen: bool = False) -> Dict[str, Any]:
    judge = Judge(lang)
    conversations = half_of(load_set(set_path("followups", lang)), half)
    conversations = conversations[:limit] if limit else conversations
    rows: List[Dict[str, Any]] = []
    started = time.monotonic()
    for conversation in conversations:
        sender = f"fu-{uuid.uuid4().hex[:16]}"
        metadata = message_metadata(conversation.get("kommune"), lang, chosen)

        def say(text: str, sender: str = sender, metadata: Dict[str, Any] = metadata) -> Messages:
            return post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text, "metadata": metadata})

        first = str(conversation["turns"][0]["say"]) if conversation.get("turns") else ""
        rows += run_conversation(judge, say, conversation, expected_language(first, lang, chosen))
    judged = [r for r in rows if r["category"] != "setup"]
    spoken = [r for r in judged if r["answered_in"]]  # an answer without text says nothing
    in_language = sum(1 for r in spoken if r["answered_in"] == r["language"]) / max(len(spoken), 1)
    return {**summarise(rows, time.monotonic() - started, len(conversations)), "half": half, "lang": lang,
            "chosen": chosen, "in_language": round(in_language, 4),
            "not_in_language": [{k: r[k] for k in ("id", "say", "language", "answered_in")} for r in spoken
                                if r["answered_in"] != r["language"]]}


def summarise(rows: List[Dict[str, Any]], seconds: float, conversations: int) -> Dict[str, Any]:
    per: Dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        per[row["category"]][row["verdict"]] += 1
    judged = [r for r in rows if r["category"] != "setup"]
    total = Counter(r["verdict"] for r in judged)
    n = max(len(judged), 1)
    return {
        "conversations": conversations, "judged": len(judged), "seconds": round(seconds, 1),
        "right": round(total["right"] / n, 4), "fallback": round(total["fallback"] / n, 4),
        "wrong_matter": round(total["wrong_matter"] / n, 4), "other": round(total["other"] / n, 4),
        "per_category": {c: dict(per[c]) for c in (*CATEGORIES, "setup") if per[c]},
        "wrong": [r for r in rows if r["verdict"] != "right"],
    }


def print_report(result: Dict[str, Any], show_wrong: bool) -> None:
    chosen = ", chosen in the widget" if result.get("chosen") else ""
    print(f"\nfollow-ups ({result.get('lang', 'da')}{chosen}, {result.get('half', 'all')}): {result['conversations']} "
          f"conversations, {result['judged']} judged turns in {result['seconds']} s")
    print("| answered right | fallback | wrong matter | other | in language |\n|---|---|---|---|---|")
    cells = " | ".join(f"{result.get(k, 0):.3f}" for k in ("right", "fallback", "wrong_matter", "other", "in_language"))
    print(f"| {cells} |")
    print("\n| category | n | right | fallback | wrong matter | other |\n|---|---|---|---|---|---|")
    for category, counts in result["per_category"].items():
        n = sum(counts.values())
        cells = " | ".join(f"{counts.get(k, 0) / n:.2f}" for k in ("right", "fallback", "wrong_matter", "other"))
        print(f"| {category} | {n} | {cells} |")
    if show_wrong and result.get("half") == "test":
        print("\n(the test half's failures are not printed: it is never read while tuning)")
    elif show_wrong:
        print("\nnot right:")
        for r in result["wrong"]:
            print(f"  [{r['verdict']}] {r['category']} {r['id']}: {r['say'][:60]!r} expected {r['expect']} "
                  f"-> {r['detail']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one with the action server)")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "borgerguide.tar.gz")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--half", choices=("all", "dev", "test"), default="all",
                        help="dev: the half read while tuning; test: the half never read")
    parser.add_argument("--show-wrong", action="store_true")
    parser.add_argument("--lang", default="da", help="the language of the set (tests/nlu/lang/<lang>/)")
    parser.add_argument("--chosen", action="store_true", help="send the language as chosen in the widget")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.out = args.out or ROOT / "benchmarks" / "out" / (
        "followups.json" if args.lang == "da" else f"followups.{args.lang}{'.chosen' if args.chosen else ''}.json")
    from stack import measured

    result = measured(args.rasa_url, args.model,
                      lambda url, token: run(url, args.limit, args.half, args.lang, args.chosen), args.out)
    print_report(result, args.show_wrong)
    return 0


if __name__ == "__main__":
    sys.exit(main())
