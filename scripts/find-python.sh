#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only).
# Looks at $PYTHON, python3.10 on PATH, pyenv's versions, and the usual
# system places; fails with one clear sentence when there is none.
set -u
check() {
  [ -n "$1" ] && [ -x "$1" ] || return 1
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null
}
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
p=$(command -v python3.10 2>/dev/null) && candidates+=("$p")
root=${PYENV_ROOT:-$HOME/.pyenv}
for d in "$root"/versions/3.10*/bin/python3.10; do candidates+=("$d"); done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10 /opt/python3.10/bin/python3.10)
for c in "${candidates[@]}"; do
  if check "$c"; then echo "$c"; exit 0; fi
done
echo "Borgerguide needs Python 3.10 (Rasa 3.6 runs on 3.8-3.10 only): install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv', or point PYTHON=/path/to/python3.10 at one." >&2
exit 1
