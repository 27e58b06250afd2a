#!/usr/bin/env python
"""`rasa data validate`, with every warning either explained or fatal.

The warnings Rasa gives that are expected here: a response "not used in any
story or rule" that a custom action sends (Rasa's validator does not read the
actions) or one of Rasa's default actions sends; and the topics, which the
training data labels `topic_<id>` while the domain has the one intent `topic`
(nlu_components/topics.py). Such a warning is explained when the response name
appears in actions/*.py or SENT_BY_RASA, or the topic has an entry in
content/topics/; any other warning fails the check.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from borgerguide.answers import QUESTION_TYPES  # noqa: E402
UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule")
# Topics: the training data labels each `topic_<id>`, the domain has one intent
# `topic` (nlu_components/topics.py maps them after the classifier).
TOPIC_NOT_IN_DOMAIN = re.compile(r"labeled with intent 'topic_(\w+)'\. This intent is not listed in your domain")
TOPIC_NOT_IN_DATA = "The intent 'topic' is listed in the domain file, but is not found in the NLU training data"
# Follow-up questions: the examples are labelled `ask_<type>` and train only
# nlu_components/followups.py (the question type), never the intent classifier.
FOLLOWUP_NOT_IN_DOMAIN = re.compile(r"labeled with intent 'ask_(\w+)'\. This intent is not listed in your domain")
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
    topics = {p.stem for p in (ROOT / "content" / "topics").glob("*.yml")}
    unexplained = []
    explained = []
    for line in output.splitlines():
        match = WARNING.search(line)
        if not match:
            continue
        warning = re.sub(r"\x1b\[[0-9;]*m", "", match.group(1)).strip()
        used = UNUSED_RESPONSE.search(warning)
        topic = TOPIC_NOT_IN_DOMAIN.search(warning)
        followup = FOLLOWUP_NOT_IN_DOMAIN.search(warning)
        if followup and followup.group(1) in QUESTION_TYPES:
            explained.append(f"ask_{followup.group(1)} (a follow-up question type: nlu_components/followups.py)")
        elif topic and topic.group(1) in topics:
            explained.append(f"topic_{topic.group(1)} (a topic of content/topics/: the intent `topic` in the domain)")
        elif TOPIC_NOT_IN_DATA in warning:
            explained.append("topic (its training data is topic_<id>, mapped by nlu_components/topics.py)")
        elif used and f'"{used.group(1)}"' in actions_code:
            explained.append(f"response {used.group(1)} (sent by a custom action)")
        elif used and used.group(1) in SENT_BY_RASA:
            explained.append(f"response {used.group(1)} (sent by Rasa's {SENT_BY_RASA[used.group(1)]})")
        else:
            unexplained.append(warning)
    if result.returncode != 0:
        print(output[-4000:], file=sys.stderr)
        print("rasa data validate failed.", file=sys.stderr)
        return 1
    for item in explained:
        print(f"explained: {item}")
    for warning in unexplained:
        print(f"UNEXPLAINED WARNING: {warning}", file=sys.stderr)
    if unexplained:
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
