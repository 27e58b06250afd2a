#!/usr/bin/env python
"""`rasa data validate`, with every warning either explained or fatal.

The one kind of warning Rasa gives that is expected here: a response "not
used in any story or rule" that a custom action sends (Rasa's validator does
not read the actions), or that one of Rasa's default actions sends. Such a
warning is explained when the response name appears in actions/*.py or in
SENT_BY_RASA; any other warning fails the check.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule")
WARNING = re.compile(r"UserWarning: (.*)")
# Responses that Rasa's own default actions send (not visible to the validator).
SENT_BY_RASA = {"utter_restart": "action_restart"}


def main() -> int:
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate"],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
    )
    output = result.stdout + result.stderr
    actions_code = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    unexplained = []
    explained = []
    for line in output.splitlines():
        match = WARNING.search(line)
        if not match:
            continue
        warning = re.sub(r"\x1b\[[0-9;]*m", "", match.group(1)).strip()
        used = UNUSED_RESPONSE.search(warning)
        if used and f'"{used.group(1)}"' in actions_code:
            explained.append(f"{used.group(1)} (sent by a custom action)")
        elif used and used.group(1) in SENT_BY_RASA:
            explained.append(f"{used.group(1)} (sent by Rasa's {SENT_BY_RASA[used.group(1)]})")
        else:
            unexplained.append(warning)
    if result.returncode != 0:
        print(output[-4000:], file=sys.stderr)
        print("rasa data validate failed.", file=sys.stderr)
        return 1
    for item in explained:
        print(f"explained: response {item}")
    for warning in unexplained:
        print(f"UNEXPLAINED WARNING: {warning}", file=sys.stderr)
    if unexplained:
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
