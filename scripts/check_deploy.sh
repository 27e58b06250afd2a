#!/usr/bin/env bash
# Static checks of the deployment files, without a Docker engine: every check
# runs, then the script exits non-zero naming each one that found something.
#   scripts/check_deploy.sh [DIR]     (`make check-deploy`)
# DIR is the tree to check (default: this repository); tests/test_deploy.py
# passes a copy with a fault put in, to show that each check can fail.
# The tools come from VENV/deploy-tools/bin (scripts/install-deploy-tools.sh,
# `make deploy-tools`); VENV defaults to .venv.
#
#   - hadolint: the Dockerfile (and, inside it, ShellCheck on every RUN)
#   - docker-compose `config -q`: compose.yaml parses, merges and is valid
#   - dclint: compose.yaml against the Compose Specification schema + lint rules
#   - haproxy -c: deploy/haproxy.cfg, warnings count as errors
#   - sh -n and ShellCheck: the deployment's shell scripts and compose's shell snippets
#   - build context: every COPY source exists and is not excluded by .dockerignore
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "${1:-$repo}" && pwd)
venv=$(cd "${VENV:-$repo/.venv}" 2>/dev/null && pwd) || venv=${VENV:-$repo/.venv}
bin="$venv/deploy-tools/bin"
python="$venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in hadolint docker-compose dclint haproxy shellcheck; do
  if [ ! -x "$bin/$tool" ]; then
    echo "check_deploy: $bin/$tool is missing; run 'make deploy-tools' (scripts/install-deploy-tools.sh)" >&2
    exit 2
  fi
done

failed=()
# step NAME COMMAND...: runs COMMAND in DIR; its output is shown only when it
# fails. Exit code 3 means "could not run because of a failure already shown".
step() {
  local name=$1 status=0
  shift
  (cd "$root" && "$@") > "$work/out" 2>&1 || status=$?
  case "$status" in
    0) echo "ok    $name" ;;
    3) echo "skip  $name ($(tail -n 1 "$work/out"))" ;;
    *) echo "FAIL  $name"
       sed 's/^/      /' "$work/out"
       failed+=("$name") ;;
  esac
}

# --- Dockerfile ---------------------------------------------------------------
# An empty HOME/XDG_CONFIG_HOME: a personal hadolint config cannot loosen the
# check; only DIR/.hadolint.yaml (if any) applies. Every level fails, even style.
hadolint_check() {
  local config=()
  if [ -f .hadolint.yaml ]; then config=(--config .hadolint.yaml); fi
  HOME="$work" XDG_CONFIG_HOME="$work" "$bin/hadolint" "${config[@]}" --failure-threshold style Dockerfile
}
step "hadolint Dockerfile" hadolint_check

# --- compose.yaml ----------------------------------------------------------------
# `config` parses, interpolates and merges the file and checks it against the
# Compose schema and its references (networks, secrets, volumes, depends_on).
# Any warning on stderr (an unset variable, an obsolete key) counts as a finding.
compose_check() {
  "$bin/docker-compose" --project-directory . -f compose.yaml config -q 2> "$work/compose.err" || {
    cat "$work/compose.err"; return 1; }
  if [ -s "$work/compose.err" ]; then cat "$work/compose.err"; return 1; fi
}
step "docker-compose config -q compose.yaml" compose_check
# Ordering rules are off in deploy/lint/dclintrc.json (the file is ordered by
# tier, not alphabetically); every other rule and the schema are on, and a
# warning fails too.
step "dclint compose.yaml" "$bin/dclint" --config deploy/lint/dclintrc.json --max-warnings 0 --color=false compose.yaml

# --- deploy/haproxy.cfg ----------------------------------------------------------
# The file as it is, resolvers included. `haproxy -c` resolves no name (the
# servers start with init-addr none and are found at run time through Docker's
# DNS); it only opens a UDP socket towards the nameserver 127.0.0.11, which
# needs a loopback route and no DNS server. Run in an empty network namespace
# with only loopback (where unshare allows it), the result depends on nothing
# of this machine's network. Version: Debian's 2.6 LTS checks the file; the
# entry service runs haproxy 3.0 LTS (see deploy/README.md).
haproxy_check() {
  if unshare -rn true 2>/dev/null && command -v ip >/dev/null; then
    # shellcheck disable=SC2016 # $0 is expanded by the inner sh, on purpose
    unshare -rn sh -c 'ip link set lo up && exec "$0" -c -dW -f deploy/haproxy.cfg' "$bin/haproxy"
  else
    "$bin/haproxy" -c -dW -f deploy/haproxy.cfg
  fi
}
step "haproxy -c deploy/haproxy.cfg" haproxy_check

# --- shell -----------------------------------------------------------------------
# POSIX sh scripts (the image's /bin/sh is dash) with sh -n, bash scripts with
# bash -n, then shellcheck on all of them with every severity.
shell_check() {
  local status=0 script first
  for script in deploy/entrypoint.sh deploy/make-secrets.sh scripts/check_deploy.sh \
                scripts/install-deploy-tools.sh scripts/docker_build_steps.sh; do
    if [ ! -f "$script" ]; then echo "$script: missing"; status=1; continue; fi
    first=$(head -n 1 "$script")
    case "$first" in
      "#!/bin/sh") sh -n "$script" || status=1 ;;
      *bash) bash -n "$script" || status=1 ;;
      *) echo "$script: unexpected interpreter line: $first"; status=1 ;;
    esac
  done
  "$bin/shellcheck" --severity=style deploy/entrypoint.sh deploy/make-secrets.sh scripts/check_deploy.sh \
    scripts/install-deploy-tools.sh scripts/docker_build_steps.sh || status=1
  return "$status"
}
step "sh -n + shellcheck: deployment scripts" shell_check

# The shell snippets in compose.yaml (health checks, the redis command), as
# compose hands them to the container's sh -c (after its own $$ -> $).
snippets_check() {
  local status=0 n=0 file
  if ! "$bin/docker-compose" --project-directory . -f compose.yaml config --format json > "$work/compose.json"; then
    echo "compose.yaml does not load (docker-compose config failed above)"
    return 3
  fi
  "$python" - "$work/compose.json" "$work/snippet" <<'EOF'
import json, sys
services = json.load(open(sys.argv[1]))["services"]
n = 0
for name, service in sorted(services.items()):
    pieces = []
    test = service.get("healthcheck", {}).get("test") or []
    if test[:1] == ["CMD-SHELL"]:
        pieces.append(("sh", test[1]))
    for argv in (test[1:] if test[:1] == ["CMD"] else [], service.get("command") or []):
        if len(argv) >= 3 and argv[0] in ("sh", "bash") and argv[1] == "-c":
            pieces.append((argv[0], argv[2]))
    for shell, text in pieces:
        n += 1
        with open(f"{sys.argv[2]}.{n}", "w") as f:
            f.write(f"#!/bin/{shell}\n# compose.yaml, service {name}\n{text.replace('$$', '$')}\n")
EOF
  for file in "$work"/snippet.*; do
    [ -e "$file" ] || continue
    n=$((n + 1))
    if head -n 1 "$file" | grep -q bash; then bash -n "$file" || status=1; else sh -n "$file" || status=1; fi
    "$bin/shellcheck" --severity=style "$file" || { sed -n 2p "$file"; status=1; }
  done
  if [ "$n" = 0 ]; then echo "no shell snippets found in compose.yaml (expected the health checks)"; return 1; fi
  return "$status"
}
step "sh -n + shellcheck: compose.yaml's shell snippets" snippets_check

# --- build context -----------------------------------------------------------------
step "Dockerfile COPY sources in the build context" \
  "$python" "$repo/scripts/dockerfile_steps.py" --check-context --dockerfile Dockerfile --context .
# compile() only: py_compile would leave __pycache__ in the tree
step "Python syntax: deploy/healthcheck.py" "$python" -c 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")' deploy/healthcheck.py

if [ "${#failed[@]}" -gt 0 ]; then
  echo "check_deploy: ${#failed[@]} check(s) failed in $root:" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "check_deploy: all checks passed ($root)"
