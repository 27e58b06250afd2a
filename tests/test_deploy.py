"""The deployment files: Dockerfile, compose.yaml, deploy/ (no Docker engine here).

- scripts/check_deploy.sh passes on the repository, and fails, naming the
  check, on a copy with one fault put in (each of its checks can fail).
- Concrete properties of the Dockerfile, compose.yaml and haproxy.cfg.
- deploy/entrypoint.sh: its refusals and the exact command line of each role.
- deploy/make-secrets.sh and deploy/healthcheck.py, run for real.

The tools come from `make deploy-tools` (a prerequisite of `make test`); a
missing one fails the test that needs it, saying so. The whole file takes
about 30 s. scripts/docker_build_steps.sh (the image's build steps and its
roles started for real, ~2 min) is not run here; see deploy/README.md.
"""
from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List

import pytest

from dockerfile_steps import dockerignore_patterns, ignored, parse

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)  # the virtualenv the suite runs in (`make test`: .venv)
TOOLS = VENV / "deploy-tools" / "bin"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
DEV_TOKEN = "borgerguide-dev-token"
def pinned(image: str) -> bool:
    """NAME:X.Y.Z[-variant] or NAME@sha256:...; PostgreSQL numbers its releases
    MAJOR.MINOR (16.4 is one release), so X.Y there."""
    if re.search(r"@sha256:[0-9a-f]{64}$", image):
        return True
    name, _, tag = image.rpartition(":")
    dots = 1 if name.rsplit("/", 1)[-1] == "postgres" else 2
    return bool(name) and re.fullmatch(r"\d+(\.\d+){%d}(-[\w.-]+)?" % dots, tag) is not None


def tool(name: str) -> Path:
    path = TOOLS / name
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `make deploy-tools` (scripts/install-deploy-tools.sh)")
    return path


def run_check_deploy(tree: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "scripts" / "check_deploy.sh"), str(tree)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "VENV": str(VENV)})


@pytest.fixture(scope="module")
def compose() -> Dict:
    """compose.yaml as Compose itself reads it (anchors merged, variables set)."""
    result = subprocess.run([str(tool("docker-compose")), "--project-directory", str(ROOT), "-f",
                             str(ROOT / "compose.yaml"), "config", "--format", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- scripts/check_deploy.sh -------------------------------------------------------

def test_check_deploy_passes():
    for name in ("hadolint", "docker-compose", "dclint", "haproxy", "shellcheck"):
        tool(name)
    result = run_check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith(("ok ", "FAIL"))]
    assert len(steps) == 8 and all(line.startswith("ok ") for line in steps), result.stdout
    assert "all checks passed" in result.stdout


TREE_FILES = ["Dockerfile", ".dockerignore", "compose.yaml", "requirements.txt", "constraints.txt",
              "config.yml", "domain.yml", "scripts/check_deploy.sh", "scripts/install-deploy-tools.sh",
              "scripts/docker_build_steps.sh"]
TREE_DIRS = ["deploy", "data", "nlu_components"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of what check_deploy.sh looks at, to put a fault into."""
    for name in TREE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    if (ROOT / ".hadolint.yaml").exists():
        shutil.copy2(ROOT / ".hadolint.yaml", tmp_path / ".hadolint.yaml")
    for name in TREE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("secrets", "node_modules"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path} (the test's anchor moved)"
    path.write_text(text.replace(old, new, 1))


FAULTS = {
    # hadolint: unpinned apt packages, no cleanup, no --no-install-recommends
    "hadolint": ("Dockerfile", "USER 10001:10001", "RUN apt-get update && apt-get install -y curl\nUSER 10001:10001"),
    # Compose: a service on a network that is not defined
    "docker-compose config": ("compose.yaml", "      - edge\n      - chat\n      - data",
                              "      - edge\n      - chat\n      - nosuch"),
    # dclint (Compose itself accepts it): an unquoted port mapping
    "dclint": ("compose.yaml", "      - '0.0.0.0:${BORGERGUIDE_HTTP_PORT:-8080}:8080'", "      - 0.0.0.0:8080:8080"),
    "haproxy -c": ("deploy/haproxy.cfg", "balance roundrobin", "balance roundrobbin"),
    # a bashism in the POSIX sh entry point (the image's sh is dash)
    "deployment scripts": ("deploy/entrypoint.sh", 'role=${1:-web}', 'if [[ -n "${1:-}" ]]; then :; fi\nrole=${1:-web}'),
    "shell snippets": ("compose.yaml", '"pg_isready -h 127.0.0.1', '"pg_isready -h \\"127.0.0.1'),
    "build context": (".dockerignore", "# Not needed at run time", "deploy/\n# Not needed at run time"),
}


@pytest.mark.parametrize("check", FAULTS)
def test_check_deploy_finds_the_fault(tree: Path, check: str):
    tool("hadolint")
    path, old, new = FAULTS[check]
    edit(tree / path, old, new)
    result = run_check_deploy(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and check in failed[0], result.stdout
    assert "1 check(s) failed" in result.stderr and check in result.stderr


def test_check_deploy_says_when_a_tool_is_missing(tmp_path: Path):
    result = subprocess.run(["bash", str(ROOT / "scripts" / "check_deploy.sh")], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "VENV": str(tmp_path)})
    assert result.returncode == 2 and "make deploy-tools" in result.stderr


# --- Dockerfile ----------------------------------------------------------------------

def stages() -> List[List]:
    out: List[List] = []
    for ins in parse(ROOT / "Dockerfile"):
        if ins.keyword == "FROM":
            out.append([])
        if out:
            out[-1].append(ins)
    return out


def test_dockerfile_is_multi_stage_with_pinned_bases():
    all_stages = stages()
    assert len(all_stages) >= 2, "one build stage and a runtime stage"
    names = []
    for stage in all_stages:
        words = stage[0].text.split()
        assert pinned(words[0]), f"FROM {words[0]}: pin an exact version tag (X.Y.Z) or a digest"
        names.append(words[2] if len(words) > 2 and words[1].upper() == "AS" else None)
    final_copies = [i.text for i in all_stages[-1] if i.keyword == "COPY"]
    assert any(f"--from={name}" in text for text in final_copies for name in names[:-1] if name), \
        "the runtime stage takes its virtualenv/model from the build stage"
    # the build tools (pip cache, training) stay in the build stage
    assert not any(i.keyword == "RUN" and "rasa train" in i.text for i in all_stages[-1])


def test_dockerfile_runtime_user_healthcheck_and_entrypoint():
    final = stages()[-1]
    users = [i.text.split(":")[0] for i in final if i.keyword == "USER"]
    assert users, "the runtime stage sets USER"
    assert users[-1] not in ("root", "0"), f"final USER {users[-1]} is root"
    assert users[-1].isdigit(), "a numeric uid, so that runAsNonRoot-style checks can verify it"
    last_user = max(n for n, i in enumerate(final) if i.keyword == "USER")
    assert not any(i.keyword == "RUN" for i in final[last_user:]), "nothing runs as root after USER"
    checks = [i.text for i in final if i.keyword == "HEALTHCHECK"]
    assert len(checks) == 1 and "NONE" not in checks[0].upper() and "deploy/healthcheck.py" in checks[0]
    timeout = int(re.search(r"--timeout=(\d+)s", checks[0]).group(1))
    assert timeout > 4, "longer than deploy/healthcheck.py's own 4 s timeout"
    entry = [json.loads(i.text) for i in final if i.keyword == "ENTRYPOINT"]
    assert entry == [["/app/deploy/entrypoint.sh"]], "exec form, through the entry point"
    assert os.access(ENTRYPOINT, os.X_OK), "deploy/entrypoint.sh must be executable (git keeps the bit)"
    env = " ".join(i.text for i in final if i.keyword in ("ENV", "ARG"))
    assert "BORGERGUIDE_ENV=production" in env
    assert not re.search(r"(PASSWORD|TOKEN|SECRET)\w*=", env), "no secret in the image's ENV/ARG"


def test_build_context_keeps_secrets_and_local_state_out():
    patterns = dockerignore_patterns(ROOT)
    for path in ("deploy/secrets/db_password", ".venv/bin/python", "models/borgerguide.tar.gz", "var/secret.key",
                 "tests/test_web.py", ".git/config", "deploy/lint/node_modules/x.js", "bot/__pycache__/app.pyc",
                 ".env", "deploy/prod.env"):
        assert ignored(path, patterns), f"{path} would be sent to the Docker build"
    for path in ("deploy/entrypoint.sh", "deploy/healthcheck.py", "launch/rasa_server.py", "launch/action_server.py",
                 "endpoints.prod.yml", "bot/__main__.py", "actions/actions.py", "content", "requirements.txt"):
        assert not ignored(path, patterns), f"{path} is needed in the image but excluded"


# --- compose.yaml ----------------------------------------------------------------------

def test_compose_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck") or {}
        assert check.get("test") and check["test"][0] in ("CMD", "CMD-SHELL") and not check.get("disable"), \
            f"{name}: no health check"


def test_compose_only_the_entry_point_is_published(compose):
    published = {name: service["ports"] for name, service in compose["services"].items() if service.get("ports")}
    assert list(published) == ["entry"], f"published ports: {published}"
    assert [p["target"] for p in published["entry"]] == [8080]
    haproxy = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert re.search(r"^\s*bind :8080\s*$", haproxy, re.M), "haproxy listens where compose publishes"


def test_compose_tiers_are_on_internal_networks(compose):
    networks = compose["networks"]
    assert networks["edge"].get("internal") is not True, "the entry point's network reaches the outside"
    for name in ("chat", "actions", "data"):  # web<->rasa, rasa<->actions, the stores
        assert networks[name].get("internal") is True, f"network {name} must be internal"
    for name, service in compose["services"].items():
        outside = [n for n in service.get("networks", {}) if not networks[n].get("internal")]
        if name in ("rasa", "actions", "postgres", "redis", "rabbitmq"):
            assert not outside, f"{name} is on a non-internal network: {outside}"
    assert "edge" in compose["services"]["web"]["networks"] and "edge" in compose["services"]["entry"]["networks"]


def test_compose_web_consumes_rasas_events_from_rabbitmq(compose):
    web, rasa = compose["services"]["web"], compose["services"]["rasa"]
    keys = ("RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USER", "RABBITMQ_PASSWORD_FILE", "RABBITMQ_QUEUE")
    for key in keys:
        assert web["environment"].get(key), f"web lacks {key}"
        assert web["environment"][key] == rasa["environment"].get(key), f"{key} differs between web and rasa"
    assert web["environment"]["RABBITMQ_HOST"] == "rabbitmq" and "rabbitmq" in compose["services"]
    assert "rabbitmq_password" in [s["source"] for s in web["secrets"]]
    assert web["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    assert "data" in web["networks"] and "data" in compose["services"]["rabbitmq"]["networks"]


def file_secret_names() -> List[str]:
    text = ENTRYPOINT.read_text()
    return re.search(r"^for name in ([A-Z_ ]+); do", text, re.M).group(1).split()


def test_compose_secrets_reach_the_services_that_read_them(compose):
    handled = file_secret_names()
    for name, service in compose["services"].items():
        mounted = {s["target"] if s["target"].startswith("/") else f"/run/secrets/{s['target']}"
                   for s in service.get("secrets", [])}
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("_FILE") and value and value.startswith("/run/secrets/"):
                assert value in mounted, f"{name}: {key}={value} but that secret is not mounted"
                if (service.get("command") or [None])[0] in ("web", "rasa", "actions"):
                    assert key[:-5] in handled, f"{name}: deploy/entrypoint.sh does not read {key}"


def test_compose_rasa_has_every_variable_of_endpoints_prod(compose):
    """Rasa stops at start-up when a ${VAR} of its endpoints file is unset."""
    rasa = compose["services"]["rasa"]
    assert rasa["environment"]["RASA_ENDPOINTS"] == "endpoints.prod.yml"
    text = "\n".join(line.split("#", 1)[0] for line in (ROOT / "endpoints.prod.yml").read_text().splitlines())
    wanted = set(re.findall(r"\$\{(\w+)\}", text))
    given = set(rasa["environment"]) | {k[:-5] for k in rasa["environment"] if k.endswith("_FILE")}
    given |= {"DB_PASSWORD"} if "DB_PASSWORD_FILE" in rasa["environment"] else set()
    assert wanted and not wanted - given, f"unset for Rasa: {sorted(wanted - given)}"


def test_compose_images_are_pinned_and_app_services_locked_down(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        if "build" in service:
            assert service.get("cap_drop") == ["ALL"], f"{name}: cap_drop ALL"
            assert "no-new-privileges:true" in service.get("security_opt", []), name
            assert service["command"][0] in ("web", "rasa", "actions")
        else:
            assert pinned(image), f"{name}: image {image} is not pinned to an exact version"


def test_make_secrets_writes_what_compose_mounts(compose, tmp_path: Path):
    script = ROOT / "deploy" / "make-secrets.sh"
    target = tmp_path / "secrets"
    first = subprocess.run(["sh", str(script), str(target)], capture_output=True, text=True, timeout=30)
    assert first.returncode == 0, first.stderr
    wanted = {Path(s["file"]).name for s in compose["secrets"].values()}
    assert {p.name for p in target.iterdir()} == wanted | {".gitignore"}
    assert (target / ".gitignore").read_text() == "*\n", "the secrets never go into git"
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    values = {p.name: p.read_text() for p in target.iterdir() if p.name != ".gitignore"}
    for name, value in values.items():
        assert stat.S_IMODE((target / name).stat().st_mode) == 0o444, name
        if name != "rabbitmq.conf":
            assert re.fullmatch(r"[0-9a-f]{64}", value), f"{name}: 32 random bytes as hex"
    assert len(set(v for n, v in values.items() if n != "rabbitmq.conf")) == 5, "each secret its own"
    conf = dict(line.split(" = ", 1) for line in values["rabbitmq.conf"].splitlines() if " = " in line)
    assert conf["default_pass"] == values["rabbitmq_password"]
    assert conf["default_user"] == compose["services"]["web"]["environment"]["RABBITMQ_USER"]
    second = subprocess.run(["sh", str(script), str(target)], capture_output=True, text=True, timeout=30)
    assert second.returncode == 0 and "written" not in second.stdout
    assert {p.name: p.read_text() for p in target.iterdir() if p.name != ".gitignore"} == values, \
        "existing secrets are kept"


# --- deploy/entrypoint.sh --------------------------------------------------------------

def entrypoint(tmp_path: Path, *args: str, env: Dict[str, str] = None, real_python: bool = False):
    """`sh deploy/entrypoint.sh ARGS` in a clean environment. Unless real_python,
    `python` is a stub that records the command line the role would exec."""
    stub = tmp_path / "stub"
    stub.mkdir(exist_ok=True)
    (stub / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$ARGV_FILE"\n')
    (stub / "python").chmod(0o755)
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin" if real_python else f"{stub}:/usr/bin:/bin"
    clean = {"PATH": path, "ARGV_FILE": str(tmp_path / "argv"),
             "BORGERGUIDE_HEALTH_FILE": str(tmp_path / "health-url"), **(env or {})}
    result = subprocess.run(["sh", str(ENTRYPOINT), *args], cwd=tmp_path, env=clean,
                            capture_output=True, text=True, timeout=30)
    argv = (tmp_path / "argv").read_text().splitlines() if (tmp_path / "argv").exists() else None
    return result, argv


@pytest.mark.parametrize("role", ["rasa", "web"])
def test_entrypoint_refuses_to_start_without_a_token(tmp_path: Path, role: str):
    result, argv = entrypoint(tmp_path, role)
    assert result.returncode == 1 and argv is None
    assert "RASA_TOKEN (or RASA_TOKEN_FILE) must be set" in result.stderr


@pytest.mark.parametrize("role", ["rasa", "web"])
@pytest.mark.parametrize("environment", [None, "production", "staging"])
def test_entrypoint_refuses_the_dev_token_outside_development(tmp_path: Path, role: str, environment):
    env = {"RASA_TOKEN": DEV_TOKEN, **({"BORGERGUIDE_ENV": environment} if environment else {})}
    result, argv = entrypoint(tmp_path, role, env=env)
    assert result.returncode == 1 and argv is None
    assert "RASA_TOKEN is the development default" in result.stderr


def test_entrypoint_allows_the_dev_token_in_development(tmp_path: Path):
    result, argv = entrypoint(tmp_path, "rasa", env={"RASA_TOKEN": DEV_TOKEN, "BORGERGUIDE_ENV": "development"})
    assert result.returncode == 0, result.stderr
    assert argv[:2] == ["-m", "launch.rasa_server"]


def test_entrypoint_role_command_lines(tmp_path: Path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    result, argv = entrypoint(tmp_path, "rasa", env={"RASA_TOKEN_FILE": str(token)})
    assert result.returncode == 0, result.stderr
    assert argv == ["-m", "launch.rasa_server", "run", "--enable-api", "--auth-token", "s3cret-token",
                    "--interface", "0.0.0.0", "--port", "5005", "--model", "models/borgerguide.tar.gz",
                    "--endpoints", "endpoints.prod.yml"]
    assert (tmp_path / "health-url").read_text().strip() == "http://127.0.0.1:5005/health/stores"

    result, argv = entrypoint(tmp_path, "actions", "--cors", "x", env={"ACTION_PORT": "6055"})
    assert result.returncode == 0, result.stderr
    assert argv == ["-m", "launch.action_server", "--actions", "actions.actions", "--port", "6055", "--cors", "x"]
    assert (tmp_path / "health-url").read_text().strip() == "http://127.0.0.1:6055/health"

    result, argv = entrypoint(tmp_path, "web", env={"RASA_TOKEN": "t", "WEB_PORT": "9000"})
    assert result.returncode == 0, result.stderr
    assert argv == ["-m", "bot", "--host", "0.0.0.0", "--port", "9000"]
    assert (tmp_path / "health-url").read_text().strip() == "http://127.0.0.1:9000/health"


def test_entrypoint_unreadable_secret_file_stops_it(tmp_path: Path):
    result, argv = entrypoint(tmp_path, "actions", env={"DB_PASSWORD_FILE": str(tmp_path / "missing")})
    assert result.returncode == 1 and argv is None
    assert "DB_PASSWORD_FILE" in result.stderr and "cannot be read" in result.stderr


def test_entrypoint_builds_database_urls_from_secret_files(tmp_path: Path):
    password = tmp_path / "db_password"
    password.write_text("p@ss/w:rd %\n")
    rabbit = tmp_path / "rabbitmq_password"
    rabbit.write_text("r-pass")
    result, _ = entrypoint(tmp_path, "env", real_python=True,
                           env={"DB_HOST": "postgres", "DB_PASSWORD_FILE": str(password),
                                "RABBITMQ_PASSWORD_FILE": str(rabbit)})
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    base = "postgresql+psycopg2://borgerguide:p%40ss%2Fw%3Ard%20%25@postgres:5432/"
    # the tracker store and the web service's copy of the events both have a table
    # named "events": two databases (deploy/postgres-init.sql creates the second)
    assert env["BORGERGUIDE_TRACKER_DB"] == base + "borgerguide"
    assert env["BORGERGUIDE_DB"] == base + "borgerguide_web"
    assert env["BORGERGUIDE_EVENTS_DB"] == base + "borgerguide_web"
    assert "CREATE DATABASE borgerguide_web;" in (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert env["RABBITMQ_PASSWORD"] == "r-pass" and env["DB_PASSWORD"] == "p@ss/w:rd %"


# --- deploy/healthcheck.py against live URLs ---------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        status = 200 if self.path == "/ok" else 503
        body = b'{"status": "ok"}' if status == 200 else b'{"status": "failing", "rasa": "unreachable"}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def healthcheck(*args: str, env: Dict[str, str] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "healthcheck.py"), *args], capture_output=True,
                          text=True, timeout=30, env={"PATH": "/usr/bin:/bin", **(env or {})})


def test_healthcheck_against_live_urls(server: str, tmp_path: Path):
    assert healthcheck(f"{server}/ok").returncode == 0
    bad = healthcheck(f"{server}/bad")
    assert bad.returncode == 1 and "503" in bad.stderr and "unreachable" in bad.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    down = healthcheck(f"http://127.0.0.1:{closed}/health")
    assert down.returncode == 1 and "unhealthy" in down.stderr
    # Without a URL (the image's HEALTHCHECK): the one the entry point wrote for the role.
    role_file = tmp_path / "health-url"
    role_file.write_text(f"{server}/ok\n")
    assert healthcheck(env={"BORGERGUIDE_HEALTH_FILE": str(role_file)}).returncode == 0
    role_file.write_text(f"{server}/bad\n")
    assert healthcheck(env={"BORGERGUIDE_HEALTH_FILE": str(role_file)}).returncode == 1


# --- deploy/haproxy.cfg ------------------------------------------------------------------

def test_haproxy_refuses_rasa_and_action_paths_and_balances_web(compose):
    text = (ROOT / "deploy" / "haproxy.cfg").read_text()
    acl = re.search(r"^\s*acl rasa_api path_beg (.+)$", text, re.M).group(1).split()
    for path in ("/webhooks/rest/webhook", "/model/parse", "/conversations/x/tracker", "/status", "/webhook"):
        assert any(path.startswith(prefix) for prefix in acl), f"{path} would pass the entry point"
    assert re.search(r"^\s*http-request deny deny_status 404 if rasa_api\s*$", text, re.M)
    assert re.search(r"^\s*server-template web- \d+ web:8000 check\s*$", text, re.M)
    assert compose["services"]["web"]["environment"]["WEB_PORT"] == "8000"


def test_pinned_means_one_release():
    for image in ("python:3.10.13-slim-bookworm", "postgres:16.4-bookworm", "haproxy:3.0.5-bookworm",
                  "redis:7.2.5", "registry:5000/team/app:1.2.3", "img@sha256:" + "a" * 64):
        assert pinned(image), image
    for image in ("python:3.10-slim", "python", "python:latest", "redis:7", "postgres:16-bookworm",
                  "registry:5000/app", "haproxy:lts"):
        assert not pinned(image), image


def test_make_test_installs_the_deploy_tools():
    result = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "scripts/install-deploy-tools.sh" in result.stdout
