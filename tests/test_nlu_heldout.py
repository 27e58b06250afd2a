"""NLU evaluation on the held-out Danish set (tests/nlu/heldout.yml), through
the real server's `/model/parse`, as outside evaluation does. The set was
written separately from the training data and is never trained on.

The floors come from the measurement in benchmarks/README.md, set a little
below it so that noise does not fail CI but a real regression does.
"""
from __future__ import annotations

import collections
import json
import re

import yaml

from conftest import ROOT, parse

ACCURACY_FLOOR = 0.90
OUT_OF_SCOPE_FLOOR = 0.85
ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")
NOT_UNDERSTOOD = {"out_of_scope", "nlu_fallback"}


def label_of(parsed):
    """The label a parse result stands for: a topic is `topic_<id>` (the
    intent `topic` with its entity), everything else its intent."""
    name = parsed["intent"]["name"]
    if name == "topic":
        topic = next((e["value"] for e in parsed.get("entities") or [] if e.get("entity") == "topic"), "")
        return f"topic_{topic}"
    return name


def training_texts():
    """Every training example, annotations removed, lower case."""
    training = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                text = ANNOTATION.sub(r"\1", line.strip()[2:].strip())
                training.add(text.lower())
    return training


def heldout_examples():
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip()[2:].strip()
            if text:
                yield block["intent"], text


def test_heldout_is_not_in_the_training_data():
    training = training_texts()
    overlap = [text for _, text in heldout_examples() if text.lower() in training]
    assert overlap == []


def test_open_traffic_is_not_in_the_training_data():
    """benchmarks/open_traffic.py measures on messages never trained on."""
    training = training_texts()
    messages = yaml.safe_load((ROOT / "tests" / "nlu" / "open_traffic.yml").read_text(encoding="utf-8"))["messages"]
    assert len(messages) >= 300
    overlap = [m["text"] for m in messages if m["text"].strip().lower() in training]
    assert overlap == []


def test_topic_probes_are_not_in_the_training_data():
    """tests/test_topics.py reaches every topic from words the model never saw."""
    training = training_texts()
    probes = yaml.safe_load((ROOT / "tests" / "nlu" / "topic_probes.yml").read_text(encoding="utf-8"))
    overlap = [text for texts in probes.values() for text in texts if text.strip().lower() in training]
    assert overlap == []


def test_followups_are_not_in_the_training_data():
    """benchmarks/followups.py measures conversations written apart from the training data."""
    training = training_texts()
    conversations = yaml.safe_load((ROOT / "tests" / "nlu" / "followups.yml").read_text(encoding="utf-8"))
    turns = [str(t["say"]) for c in conversations["conversations"] for t in c["turns"]]
    assert len(conversations["conversations"]) >= 250
    overlap = [text for text in turns if text.strip().lower() in training]
    assert overlap == []


def test_heldout_accuracy_and_out_of_scope_recognition(stack):
    results = []
    for intent, text in heldout_examples():
        predicted = label_of(parse(stack, text))
        results.append((intent, text, predicted))
    in_scope = [(i, p) for i, _, p in results if i != "out_of_scope"]
    correct = sum(1 for i, p in in_scope if i == p)
    accuracy = correct / len(in_scope)
    oos = [p for i, _, p in results if i == "out_of_scope"]
    oos_rate = sum(1 for p in oos if p in NOT_UNDERSTOOD) / len(oos)
    overall = sum(1 for i, _, p in results if i == p or (i == "out_of_scope" and p in NOT_UNDERSTOOD)) / len(results)
    errors = collections.Counter((i, p) for i, _, p in results if i != p and not (i == "out_of_scope" and p in NOT_UNDERSTOOD))
    # the intents of ../shared/spec/intents.yml alone, comparable with the measurements before topics
    spec_only = [(i, p) for i, p in in_scope if not i.startswith("topic_")]
    report = {
        "in_scope_accuracy": round(accuracy, 4),
        "spec_intents_accuracy": round(sum(1 for i, p in spec_only if i == p) / len(spec_only), 4),
        "out_of_scope_recognised": round(oos_rate, 4),
        "overall": round(overall, 4),
        "examples": len(results),
        "top_confusions": [f"{i} -> {p}: {n}" for (i, p), n in errors.most_common(15)],
    }
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "nlu_heldout.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    assert accuracy >= ACCURACY_FLOOR, report
    assert report["spec_intents_accuracy"] >= ACCURACY_FLOOR, report
    assert oos_rate >= OUT_OF_SCOPE_FLOOR, report
