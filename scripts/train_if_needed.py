#!/usr/bin/env python
"""Trains the model when config, domain, training data or the custom NLU
components changed since the last training; otherwise does nothing.

The model is models/borgerguide.tar.gz; models/.stamp holds the hash of the
inputs it was trained from.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "borgerguide.tar.gz"
STAMP = ROOT / "models" / ".stamp"
INPUTS = ["config.yml", "domain.yml", "data", "nlu_components"]


def input_files():
    for name in INPUTS:
        path = ROOT / name
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> int:
    wanted = inputs_hash()
    if MODEL.exists() and STAMP.exists():
        try:
            if json.loads(STAMP.read_text()).get("inputs") == wanted:
                print(f"Model is up to date: {MODEL.relative_to(ROOT)}")
                return 0
        except ValueError:
            pass
    print("Training the model (config, domain or data changed) ...", flush=True)
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
    STAMP.write_text(json.dumps({"inputs": wanted, "train_seconds": round(seconds, 1)}))
    print(f"Trained {MODEL.relative_to(ROOT)} in {seconds:.0f} s "
          f"({MODEL.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
