#!/usr/bin/env bash
# Creates the virtualenv (if missing) with Python 3.10 and installs the pinned
# dependencies. Idempotent: the Makefile calls it when requirements change.
set -euo pipefail
venv=${1:-.venv}
cd "$(dirname "$0")/.."
if [ ! -x "$venv/bin/python" ]; then
  python=$(scripts/find-python.sh) || exit 1
  echo "Creating $venv with $python"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
"$venv/bin/python" -m pip check
