#!/usr/bin/env python
"""Trains the model when config, domain, training data or the custom NLU
components changed since the last training; otherwise does nothing.

The model is models/borgerguide.tar.gz; models/.stamp holds the hash of the
inputs it was trained from. Rasa's own training cache (.rasa/cache) knows a
component by its configuration and training data, not by its code or the
content files it reads (the cues that label the follow-up examples, the
areas): where those changed, the cache is cleared, so no component is
restored as it was trained before.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "borgerguide.tar.gz"
STAMP = ROOT / "models" / ".stamp"
CACHE = ROOT / ".rasa" / "cache"
# what the custom components are made of, besides their training data
COMPONENTS = ["nlu_components", "borgerguide/questions.py", "borgerguide/cues.py", "borgerguide/languages.py",
              "borgerguide/topics.py", "content/areas.yml", "content/languages.yml", "content/lang/*/cues.yml"]
INPUTS = ["config.yml", "domain.yml", "data", *COMPONENTS]


def input_files(names=INPUTS):
    for name in names:
        path = ROOT / name
        if "*" in name:
            yield from sorted(ROOT.glob(name))
        elif path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def inputs_hash(names=INPUTS) -> str:
    digest = hashlib.sha256()
    for path in input_files(names):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stamped() -> dict:
    try:
        return json.loads(STAMP.read_text()) if STAMP.exists() else {}
    except ValueError:
        return {}


def main() -> int:
    wanted = inputs_hash()
    components = inputs_hash(COMPONENTS)
    before = stamped()
    if MODEL.exists() and before.get("inputs") == wanted:
        print(f"Model is up to date: {MODEL.relative_to(ROOT)}")
        return 0
    if before.get("components") != components and CACHE.exists():
        print("The NLU components or the content they read changed: Rasa's training cache is cleared.", flush=True)
        shutil.rmtree(CACHE, ignore_errors=True)
    print("Training the model (config, domain, data or components changed) ...", flush=True)
    started = time.monotonic()
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "train", "--fixed-model-name", "borgerguide", "--out", "models"],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
    )
    if result.returncode != 0 or not MODEL.exists():
        print("Training failed; see the output above.", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    STAMP.write_text(json.dumps({"inputs": wanted, "components": components, "train_seconds": round(seconds, 1)}))
    print(f"Trained {MODEL.relative_to(ROOT)} in {seconds:.0f} s "
          f"({MODEL.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
