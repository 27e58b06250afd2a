#!/usr/bin/env bash
# Runs the Dockerfile's build steps as a script, without a Docker engine, in a
# temporary directory, then runs the result as the image would: as its user,
# with its environment, through deploy/entrypoint.sh, one role after another.
#
#   scripts/docker_build_steps.sh                # 2-2.5 minutes (loading the model: ~1)
#   scripts/docker_build_steps.sh --fresh-venv   # pip installs everything anew (~1 GB, minutes)
#   scripts/docker_build_steps.sh --train        # the real `rasa train` (minutes)
#   scripts/docker_build_steps.sh --keep         # keep the temporary directory
#
# The steps come from the Dockerfile itself (scripts/dockerfile_steps.py): COPY
# with .dockerignore (so every COPY source must exist), RUN with the
# Dockerfile's shell and environment, the runtime user made with useradd
# --root (the host's users are untouched). Stand-ins, said out loud:
# - The python:3.10.x base image: the local Python 3.10 (scripts/find-python.sh).
# - By default the RUN steps create /opt/venv and run their pip commands for
#   real, but the project's .venv (same requirements.txt + constraints.txt) is
#   made visible in it (--reuse-venv), so pip finds every pin satisfied
#   instead of installing ~1 GB again; --fresh-venv does the full install.
# - `rasa train`: a `rasa train --dry-run` (config, domain, data and the custom
#   NLU component load in the build stage), and models/borgerguide.tar.gz of
#   this checkout, if there is one, stands in for the trained model; without
#   it the Rasa server is started without a model (and is, rightly, unhealthy).
#
# Then, as the image's user (uid from USER, via setpriv): imports, the content
# validators, what is (not) in the image, code read-only and var/ writable, and
# each role started by the entry point on a free port of 127.0.0.1 (the extra
# arguments --interface/--host 127.0.0.1 and SANIC_HOST keep them off other
# interfaces): the action server, the Rasa server (SQLite stores instead of
# PostgreSQL/Redis/RabbitMQ, which belong to compose), the web service, with
# secrets given as *_FILE. deploy/healthcheck.py is run against each, with the
# URL that the entry point wrote for the role. Everything is stopped at the end.
# Needs root (useradd --root, setpriv).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
train=0
keep=0
fresh=0
for arg in "$@"; do
  case "$arg" in
    --train) train=1 ;;
    --keep) keep=1 ;;
    --fresh-venv) fresh=1 ;;
    *) echo "usage: $0 [--fresh-venv] [--train] [--keep]" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "docker_build_steps: needs root (useradd --root and setpriv to the image's user)" >&2
  exit 1
fi
python=$(scripts/find-python.sh)
reuse=()
if [ "$fresh" = 0 ]; then
  if [ ! -f .venv/.installed ]; then
    echo "docker_build_steps: .venv is not set up ('make setup'), or use --fresh-venv" >&2
    exit 1
  fi
  reuse=(--reuse-venv .venv)
fi
tmp=$(mktemp -d /tmp/borgerguide-image.XXXXXX)
chmod 0755 "$tmp"   # the image's (non-root) user must reach its files
cleanup() { if [ "$keep" = 1 ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
started=$(date +%s)

substitute=()
if [ "$train" = 0 ]; then
  if [ -f models/borgerguide.tar.gz ]; then
    model_step="mkdir -p models && cp '$repo/models/borgerguide.tar.gz' models/"
    echo "note: models/borgerguide.tar.gz of this checkout stands in for the trained model"
  else
    model_step="mkdir -p models"
    echo "note: no models/borgerguide.tar.gz here (make train): the Rasa server is started without a model"
  fi
  # --dry-run exits 1 with this sentence when a training would run: it got as
  # far as loading everything that the training needs.
  substitute=(--train-substitute "python -m rasa train --dry-run --fixed-model-name borgerguide --out models > dry-run.log 2>&1 || true; if ! grep -q 'The model needs to be retrained' dry-run.log; then tail -30 dry-run.log; exit 1; fi; rm -rf dry-run.log .rasa; $model_step")
fi

echo "== Dockerfile steps in $tmp (Python: $python)"
"$python" scripts/dockerfile_steps.py --dockerfile Dockerfile --context . --root "$tmp" \
  --python "$python" "${substitute[@]}" "${reuse[@]}" | tee "$tmp/steps.log"
summary=$(tail -n 1 "$tmp/steps.log")

echo "== The image as its user runs it"
SUMMARY="$summary" FRESH="$fresh" REPO="$repo" "$python" - <<'EOF'
import json, os, secrets, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path

s = json.loads(os.environ["SUMMARY"])
root, shared, workdir = Path(s["root"]), Path(s["shared_root"]), Path(s["workdir"])
repo = Path(os.environ["REPO"])
fresh = os.environ["FRESH"] == "1"
image_env = {**s["env"], "HOME": str(root / "home/borgerguide")}
run_dir = shared / "run"  # stands in for /run/secrets and /tmp of the container
run_dir.mkdir(mode=0o777)
run_dir.chmod(0o777)
has_model = (workdir / "models/borgerguide.tar.gz").is_file()
problems = []


def check(ok, what, details=""):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        problems.append(what)
        if details:
            print("     " + details.strip()[-3000:].replace("\n", "\n     "), flush=True)
    return ok


# The image's user. The local Python lives under /root (mode 0700), which the
# image's user could not reach: the processes keep CAP_DAC_READ_SEARCH only
# (read and search anywhere, write nothing more), and the permission checks
# below run without it.
USER = ["setpriv", f"--reuid={s['uid']}", f"--regid={s['gid']}", "--clear-groups"]
READ_CAP = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]


def as_user(*args, caps=True, env=None, timeout=600):
    return subprocess.run([*USER, *(READ_CAP if caps else []), *args], cwd=workdir,
                          env={**image_env, **(env or {})}, capture_output=True, text=True, timeout=timeout)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secret_file(name, value):
    path = run_dir / name
    path.write_text(value)
    path.chmod(0o444)
    return str(path)


# --- what the image holds --------------------------------------------------------
check(s["uid"] != 0, f"USER {s['user']} is not root (uid {s['uid']})")
entry = root / s["entrypoint"][0].lstrip("/")
check(entry.is_file() and os.access(entry, os.X_OK), f"ENTRYPOINT {s['entrypoint'][0]} exists and is executable")
check(s["healthcheck"] is not None and "deploy/healthcheck.py" in s["healthcheck"]
      and (workdir / "deploy/healthcheck.py").is_file(), "HEALTHCHECK script is in the image")
for unwanted in (".venv", "var/secret.key", "deploy/secrets", "deploy/lint", "tests", ".git", "benchmarks",
                 "tests/js/node_modules", "compose.yaml"):
    check(not (workdir / unwanted).exists(), f"not in the image: {unwanted}")
for wanted in ("launch/rasa_server.py", "launch/action_server.py", "endpoints.prod.yml", "bot/__main__.py",
               "actions/actions.py", "borgerguide/contract.py", "config.yml", "domain.yml", "content"):
    check((workdir / wanted).exists(), f"in the image: {wanted}")
if (repo / "models/borgerguide.tar.gz").exists():
    check(has_model, "models/ holds the model")

imports = ("import rasa, rasa_sdk, aiohttp, spacy, sqlalchemy, psycopg2, redis, aio_pika, argon2; "
           "import bot.app, bot.settings, bot.event_consumer, actions.actions, borgerguide.catalogue, "
           "launch.rasa_server, launch.action_server, nlu_components.danish_spacy; "
           "import rasa.core.lock_store, rasa.core.brokers.pika, rasa.core.tracker_store")
r = as_user("python", "-c", imports)
check(r.returncode == 0, "imports: rasa, rasa_sdk, bot, actions, launch, nlu_components, stores/brokers",
      r.stdout + r.stderr)
# The production endpoints file names store classes by module path (e.g. the
# lock store in launch/): each must import in the image.
r = as_user("python", "-c", "import importlib, yaml\n"
            "for part in yaml.safe_load(open('endpoints.prod.yml')).values():\n"
            "    kind = part.get('type', '') if isinstance(part, dict) else ''\n"
            "    if '.' in kind:\n"
            "        module, name = kind.rsplit('.', 1)\n"
            "        getattr(importlib.import_module(module), name)\n"
            "        print(kind)\n")
check(r.returncode == 0, "endpoints.prod.yml: its custom classes import in the image: "
      + (", ".join(r.stdout.split()) or "none"), r.stdout + r.stderr)
for module in ("borgerguide.catalogue", "borgerguide.kommuner"):
    r = as_user("python", "-m", module)
    check(r.returncode == 0, f"python -m {module}: {(r.stdout.strip().splitlines() or [''])[-1][:100]}",
          r.stdout + r.stderr)
if fresh:
    r = as_user("python", "-c", "import pytest")
    check(r.returncode != 0, "test-only packages (pytest) are not installed in the image")
else:
    print("note: not checked with the reused .venv: that test-only packages are left out (--fresh-venv does)")
r = as_user("python", "-m", "pip", "check")
check(r.returncode == 0, "pip check: " + (r.stdout.strip() or r.stderr.strip())[:100], r.stdout + r.stderr)
r = as_user("python", "-m", "rasa", "--version")
check(r.returncode == 0 and "3.6.21" in r.stdout, "python -m rasa --version: Rasa 3.6.21", r.stdout + r.stderr)
# Without the read capability: what the user itself may read and write.
r = as_user("sh", "-c", "find . -path ./var -prune -o ! -readable -print | head -n 5; "
            "touch bot/x 2>/dev/null && echo code-writable; touch var/x && rm var/x && echo var-ok", caps=False)
check(r.stdout.strip() == "var-ok", "every file readable by the user, the code read-only, var/ writable",
      r.stdout + r.stderr)

# --- the entry point's refusals --------------------------------------------------
for role in ("rasa", "web"):
    r = as_user("sh", "deploy/entrypoint.sh", role, timeout=30)
    check(r.returncode == 1 and "RASA_TOKEN" in r.stderr, f"entrypoint {role}: refuses to start without RASA_TOKEN",
          r.stderr)
    r = as_user("sh", "deploy/entrypoint.sh", role, env={"RASA_TOKEN": "borgerguide-dev-token"}, timeout=30)
    check(r.returncode == 1 and "development default" in r.stderr,
          f"entrypoint {role}: refuses the development token (BORGERGUIDE_ENV={image_env.get('BORGERGUIDE_ENV')})",
          r.stderr)
r = as_user("sh", "deploy/entrypoint.sh", "rasa", env={"RASA_TOKEN_FILE": str(run_dir / "missing")}, timeout=30)
check(r.returncode == 1 and "cannot be read" in r.stderr, "entrypoint: an unreadable *_FILE stops it", r.stderr)

# --- each role, started by the entry point ---------------------------------------
processes = {}


def start(role, env, *extra):
    log = open(shared / f"{role}.log", "wb")
    processes[role] = subprocess.Popen(
        [*USER, *READ_CAP, "sh", "deploy/entrypoint.sh", role, *extra], cwd=workdir,
        env={**image_env, "BORGERGUIDE_HEALTH_FILE": str(run_dir / f"health-{role}"), **env},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def log_tail(role):
    return (shared / f"{role}.log").read_text(errors="replace")[-3000:]


def healthcheck(role, *url):
    """deploy/healthcheck.py as the HEALTHCHECK runs it: without URL, from the role's file."""
    return as_user("python", "deploy/healthcheck.py", *url,
                   env={"BORGERGUIDE_HEALTH_FILE": str(run_dir / f"health-{role}")}, timeout=30)


def wait_until(role, url, timeout):
    """Waits until URL answers at all (any HTTP status): the server runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes[role].poll() is not None:
            return f"exited with {processes[role].returncode}"
        try:
            with urllib.request.urlopen(url, timeout=3):
                return None
        except urllib.error.HTTPError:
            return None
        except OSError:
            time.sleep(0.5)
    return f"no answer within {timeout} s"


def wait_healthy(role, timeout):
    deadline = time.monotonic() + timeout
    while True:
        r = healthcheck(role)
        if r.returncode == 0 or time.monotonic() > deadline or processes[role].poll() is not None:
            return r
        time.sleep(1)


var = workdir / "var"
db = {"BORGERGUIDE_DB": f"sqlite:///{var}/borgerguide.db", "BORGERGUIDE_EVENTS_DB": f"sqlite:///{var}/events.db",
      "BORGERGUIDE_TRACKER_DB": f"sqlite:///{var}/tracker.db"}
token_file = secret_file("rasa_token", secrets.token_hex(32))
try:
    t0 = time.monotonic()
    action_port = free_port()
    start("actions", {**db, "ACTION_PORT": str(action_port), "SANIC_HOST": "127.0.0.1"})
    error = wait_until("actions", f"http://127.0.0.1:{action_port}/health", 90)
    r = wait_healthy("actions", 30) if error is None else None
    check(error is None and r.returncode == 0,
          f"actions: `entrypoint.sh actions` runs python -m launch.action_server; healthcheck.py: healthy "
          f"({time.monotonic() - t0:.0f} s)", (error or "") + (r.stderr if r else "") + log_tail("actions"))

    t0 = time.monotonic()
    rasa_port = free_port()
    endpoints = run_dir / "endpoints.yml"
    endpoints.write_text(  # the embedded profile's stores; compose's are PostgreSQL, Redis, RabbitMQ
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{var}/tracker.db"\n'
        f'event_broker:\n  type: SQL\n  dialect: sqlite\n  db: "{var}/events.db"\n')
    start("rasa", {"RASA_TOKEN_FILE": token_file, "RASA_PORT": str(rasa_port), "RASA_ENDPOINTS": str(endpoints)},
          "--interface", "127.0.0.1")
    error = wait_until("rasa", f"http://127.0.0.1:{rasa_port}/", 180)
    check(error is None, f"rasa: `entrypoint.sh rasa` runs python -m launch.rasa_server run ... and the server "
          f"answers ({time.monotonic() - t0:.0f} s)", (error or "") + log_tail("rasa"))
    if has_model:
        r = wait_healthy("rasa", 240)
        check(r.returncode == 0, f"rasa: healthcheck.py (/health/stores): healthy, model loaded "
              f"({time.monotonic() - t0:.0f} s)", r.stderr + log_tail("rasa"))
    else:
        r = healthcheck("rasa")
        check(r.returncode == 1 and "503" in r.stderr,
              "rasa without a model: healthcheck.py (/health/stores) says unhealthy (503)", r.stderr)

    t0 = time.monotonic()
    web_port = free_port()
    start("web", {**db, "WEB_PORT": str(web_port), "RASA_URL": f"http://127.0.0.1:{rasa_port}",
                  "RASA_TOKEN_FILE": token_file,
                  "BORGERGUIDE_SECRET_FILE": secret_file("borgerguide_secret", secrets.token_hex(32))},
          "--host", "127.0.0.1")
    error = wait_until("web", f"http://127.0.0.1:{web_port}/health/live", 90)
    check(error is None, f"web: `entrypoint.sh web` runs python -m bot in production mode and answers "
          f"({time.monotonic() - t0:.0f} s)", (error or "") + log_tail("web"))
    if has_model:
        r = wait_healthy("web", 60)
        check(r.returncode == 0, "web: healthcheck.py (/health): healthy", r.stderr + log_tail("web"))
    else:
        r = healthcheck("web")
        check(r.returncode == 1 and "503" in r.stderr,
              "web with an unready Rasa: healthcheck.py (/health) says unhealthy (503)", r.stderr)
    r = healthcheck("web", f"http://127.0.0.1:{free_port()}/health")
    check(r.returncode == 1 and "unhealthy" in r.stderr, "healthcheck.py: a closed port is unhealthy", r.stderr)
finally:
    for role, process in reversed(list(processes.items())):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
if problems:
    print(f"{len(problems)} problem(s); the roles' logs: {shared}/*.log (--keep keeps them)")
sys.exit(1 if problems else 0)
EOF
echo "== Dockerfile steps: OK in $(( $(date +%s) - started )) s"
