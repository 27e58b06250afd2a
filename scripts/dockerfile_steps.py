#!/usr/bin/env python3
"""Runs a Dockerfile's build steps as a script, without a Docker engine.

Used by scripts/docker_build_steps.sh. Each stage gets its own directory under
ROOT (its "filesystem"); the Dockerfile's instructions are carried out in order:

- FROM: a new stage. A `python:X.Y.Z-...` base image is stood in for by the
  local Python 3.10 (`--python`); its version is compared with the tag.
- SHELL, ENV, WORKDIR, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD: recorded.
- COPY: from the build context (honouring .dockerignore) or `--from` a stage.
- RUN: executed with the stage's shell and environment. Absolute container
  paths are rewritten into the stage directory: /app per stage,
  /opt/venv shared by all stages (it has the same path in every stage of the
  image, so `COPY --from=build /opt/venv /opt/venv` is the identity here, and
  the virtualenv's absolute paths stay valid, as in the image). useradd and
  groupadd get `--root STAGE` (the host's users are never touched) and
  `chown NAME:GROUP` uses the ids that the stage's own /etc/passwd gives.

`--train-substitute CMD`: a RUN that starts with `rasa train` runs CMD instead
(the default run does not train; scripts/docker_build_steps.sh --train does).

`--reuse-venv DIR`: the RUN steps are executed as written, but as soon as a
step has created the virtualenv /opt/venv, a .pth file makes DIR's
site-packages (the project's .venv, built from the same requirements.txt and
constraints.txt) visible in it, so the step's `pip install -r ...` finds every
pin already satisfied instead of downloading and installing ~1 GB again. The
image's own pip/setuptools/wheel pins are still installed into /opt/venv;
pip never uninstalls from DIR (it is outside the environment).

`--check-context`: no build; checks that every COPY source of the build
context exists and is not excluded by .dockerignore, and that the files the
final stage's ENTRYPOINT, CMD and HEALTHCHECK name under its WORKDIR are in
the context. Exit code 1 with one line per problem.

Prints a JSON summary on the last line: the final stage's directory, user,
workdir, environment, entrypoint, cmd and healthcheck.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

SHARED_PATHS = ("/opt/venv",)
STAGE_PATHS = ("/app",)
USERS_FILES = ("passwd", "group", "shadow", "gshadow", "login.defs")


@dataclass
class Instruction:
    line: int
    keyword: str
    text: str


@dataclass
class Stage:
    name: str
    index: int
    image: str
    root: Path
    env: Dict[str, str]
    shell: List[str] = field(default_factory=lambda: ["/bin/sh", "-c"])
    workdir: str = "/"
    user: str = "root"
    entrypoint: Optional[List[str]] = None
    cmd: Optional[List[str]] = None
    healthcheck: Optional[str] = None
    exposed: List[str] = field(default_factory=list)


def parse(dockerfile: Path) -> List[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    out: List[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(dockerfile.read_text().splitlines(), 1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, rest = buffer.partition(" ")
        out.append(Instruction(start, keyword.upper(), rest.strip()))
        buffer = ""
    return out


def dockerignore_patterns(context: Path) -> List[Tuple[bool, re.Pattern]]:
    path = context / ".dockerignore"
    patterns: List[Tuple[bool, re.Pattern]] = []
    if not path.exists():
        return patterns
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line.lstrip("!").strip().strip("/")
        regex, i = "", 0
        while i < len(line):
            if line.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif line.startswith("**", i):
                regex += ".*"
                i += 2
            elif line[i] == "*":
                regex += "[^/]*"
                i += 1
            elif line[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(line[i])
                i += 1
        patterns.append((negate, re.compile(f"^{regex}$")))
    return patterns


def ignored(relative: str, patterns) -> bool:
    """Docker's rule: the last matching pattern wins; a matched directory
    excludes what is inside it."""
    parts = relative.split("/")
    result = False
    for negate, pattern in patterns:
        for i in range(1, len(parts) + 1):
            if pattern.match("/".join(parts[:i])):
                result = not negate
                break
    return result


class Runner:
    def __init__(self, dockerfile: Path, context: Path, root: Path, python: str,
                 train_substitute: Optional[str], reuse_venv: Optional[Path] = None):
        self.dockerfile = dockerfile
        self.context = context.resolve()
        self.root = root.resolve()
        self.python = python
        self.train_substitute = train_substitute
        self.reuse_venv = reuse_venv.resolve() if reuse_venv else None
        self.stages: List[Stage] = []
        self.ignore = dockerignore_patterns(self.context)
        self.shim = self.root / "shim-bin"

    # --- paths --------------------------------------------------------------
    def host_path(self, stage: Stage, path: str) -> Path:
        if not path.startswith("/"):
            path = os.path.normpath(os.path.join(stage.workdir, path))
        for prefix in SHARED_PATHS:
            if path == prefix or path.startswith(prefix + "/"):
                return self.root / path.lstrip("/")
        return stage.root / path.lstrip("/")

    def rewrite(self, stage: Stage, text: str) -> str:
        def swap(match: re.Match) -> str:
            return str(self.host_path(stage, match.group(0)))

        prefixes = "|".join(re.escape(p) for p in SHARED_PATHS + STAGE_PATHS)
        return re.sub(rf"(?<![\w./$-])(?:{prefixes})(?=/|\b|$)[^\s\"':]*", swap, text)

    # --- instructions ---------------------------------------------------------
    def expand(self, stage: Stage, value: str) -> str:
        return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                      lambda m: stage.env.get(m.group(1) or m.group(2), ""), value)

    def do_from(self, ins: Instruction) -> Stage:
        words = ins.text.split()
        image = words[0]
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(self.stages))
        stage_root = self.root / f"stage-{len(self.stages)}-{name}"
        (stage_root / "etc").mkdir(parents=True, exist_ok=True)
        for file in USERS_FILES:  # the base image's users (Debian, like the host)
            if Path("/etc", file).exists():
                shutil.copy2(Path("/etc", file), stage_root / "etc" / file)
        match = re.match(r"python:(\d+\.\d+)(?:\.(\d+))?", image)
        if not match:
            raise SystemExit(f"line {ins.line}: only python:X.Y.Z base images can be stood in for, not {image}")
        local = subprocess.run([self.python, "-c", "import platform; print(platform.python_version())"],
                               capture_output=True, text=True, check=True).stdout.strip()
        if not local.startswith(match.group(1) + "."):
            raise SystemExit(f"line {ins.line}: {image} needs Python {match.group(1)}, the local one is {local}")
        if match.group(2) and local != f"{match.group(1)}.{match.group(2)}":
            print(f"note: {image} stood in for by local Python {local}", flush=True)
        env = {"PATH": f"{self.shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "HOME": "/root", "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1"}
        stage = Stage(name=name, index=len(self.stages), image=image, root=stage_root, env=env)
        self.stages.append(stage)
        return stage

    def do_env(self, stage: Stage, text: str) -> None:
        for item in shlex.split(text):
            key, _, value = item.partition("=")
            stage.env[key] = self.rewrite(stage, self.expand(stage, value))

    def do_copy(self, stage: Stage, ins: Instruction) -> None:
        words = shlex.split(ins.text)
        flags = {w.split("=", 1)[0]: w.split("=", 1)[1] for w in words if w.startswith("--")}
        args = [w for w in words if not w.startswith("--")]
        sources, dest = args[:-1], args[-1]
        dest_path = self.host_path(stage, dest)
        if "--from" in flags:
            origin = next(s for s in self.stages if s.name == flags["--from"])
            pairs = [(self.host_path(origin, s), None) for s in sources]
        else:
            pairs = [(self.context / s, s) for s in sources]
        for source, relative in pairs:
            if source.resolve() == dest_path.resolve():
                continue  # the same path in both stages: nothing to copy here
            if not source.exists():
                raise SystemExit(f"line {ins.line}: COPY source {source} does not exist")
            if source.is_dir():
                self.copy_tree(source, dest_path, from_context=relative is not None)
            else:
                target = dest_path / source.name if (dest.endswith("/") or len(sources) > 1
                                                     or dest_path.is_dir()) else dest_path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        if "--chown" in flags:
            uid, gid = self.ids(stage, flags["--chown"])
            for path in [dest_path, *dest_path.rglob("*")]:
                os.chown(path, uid, gid, follow_symlinks=False)

    def copy_tree(self, source: Path, dest: Path, from_context: bool) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        for current, dirs, files in os.walk(source):
            current_path = Path(current)
            keep = []
            for d in dirs:
                rel = (current_path / d).relative_to(self.context).as_posix() if from_context else None
                if rel is None or not ignored(rel, self.ignore):
                    keep.append(d)
            dirs[:] = keep
            target_dir = dest / current_path.relative_to(source)
            target_dir.mkdir(parents=True, exist_ok=True)
            for f in files:
                path = current_path / f
                if from_context and ignored(path.relative_to(self.context).as_posix(), self.ignore):
                    continue
                if path.is_symlink():
                    link = target_dir / f
                    if link.exists() or link.is_symlink():
                        link.unlink()
                    link.symlink_to(os.readlink(path))
                else:
                    shutil.copy2(path, target_dir / f)

    def ids(self, stage: Stage, spec: str) -> Tuple[int, int]:
        user, _, group = spec.partition(":")
        users = {l.split(":")[0]: l.split(":") for l in (stage.root / "etc/passwd").read_text().splitlines() if l}
        groups = {l.split(":")[0]: l.split(":") for l in (stage.root / "etc/group").read_text().splitlines() if l}
        uid = int(user) if user.isdigit() else int(users[user][2])
        if not group:
            gid = int(users[user][3]) if not user.isdigit() else uid
        else:
            gid = int(group) if group.isdigit() else int(groups[group][2])
        return uid, gid

    def do_run(self, stage: Stage, ins: Instruction) -> None:
        text = ins.text
        if text.startswith("["):
            raise SystemExit(f"line {ins.line}: exec-form RUN is not supported here")
        if self.train_substitute is not None and re.match(r"rasa\s+train\b", text):
            print(f"    (training not run: {self.train_substitute})", flush=True)
            text = self.train_substitute
        text = self.rewrite(stage, text)
        text = re.sub(r"\b(useradd|groupadd)\b", lambda m: f"{m.group(1)} --root {shlex.quote(str(stage.root))}", text)
        text = re.sub(r"\bchown\s+(-R\s+)?([A-Za-z_][\w-]*:[A-Za-z_][\w-]*|[A-Za-z_][\w-]*)\b",
                      lambda m: "chown {}{}:{}".format(m.group(1) or "", *self.ids(stage, m.group(2))), text)
        cwd = self.host_path(stage, stage.workdir)
        cwd.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([*stage.shell, text], cwd=cwd, env=stage.env)
        if result.returncode != 0:
            raise SystemExit(f"line {ins.line}: RUN failed with exit code {result.returncode}")
        self.link_reused_venv()

    def link_reused_venv(self) -> None:
        """With --reuse-venv: once /opt/venv exists, DIR's packages are visible in it."""
        if self.reuse_venv is None:
            return
        venv = self.root / SHARED_PATHS[0].lstrip("/")
        found = sorted(venv.glob("lib/python3*/site-packages"))
        if not (venv / "pyvenv.cfg").exists() or not found:
            return
        pth = found[0] / "zz_reused_venv.pth"
        if pth.exists():
            return
        reused = sorted(self.reuse_venv.glob("lib/python3*/site-packages"))
        if not reused:
            raise SystemExit(f"--reuse-venv {self.reuse_venv}: no lib/python3*/site-packages in it")
        # addsitedir (not a bare path line): DIR's own .pth files apply too.
        pth.write_text(f"import site; site.addsitedir({str(reused[0])!r})\n")
        print(f"    (reusing the packages of {self.reuse_venv} in {venv}: {pth.name})", flush=True)

    def run(self) -> Stage:
        self.root.mkdir(parents=True, exist_ok=True)
        self.shim.mkdir(exist_ok=True)
        for name in ("python", "python3", "python3.10"):
            link = self.shim / name
            if not link.exists():
                link.symlink_to(self.python)
        instructions = parse(self.dockerfile)
        stage: Optional[Stage] = None
        counts: Dict[int, int] = {}
        for ins in instructions:
            if ins.keyword == "FROM":
                stage = self.do_from(ins)
            if stage is None:
                continue  # ARG before FROM
            counts[stage.index] = counts.get(stage.index, 0) + 1
            print(f"#{stage.name} {counts[stage.index]} {ins.keyword} {ins.text[:110]}", flush=True)
            started = time.monotonic()
            if ins.keyword == "SHELL":
                stage.shell = json.loads(ins.text)
            elif ins.keyword == "ENV":
                self.do_env(stage, ins.text)
            elif ins.keyword == "WORKDIR":
                stage.workdir = os.path.normpath(os.path.join(stage.workdir, ins.text))
                self.host_path(stage, stage.workdir).mkdir(parents=True, exist_ok=True)
            elif ins.keyword == "COPY":
                self.do_copy(stage, ins)
            elif ins.keyword == "RUN":
                self.do_run(stage, ins)
            elif ins.keyword == "USER":
                stage.user = ins.text
            elif ins.keyword == "EXPOSE":
                stage.exposed += ins.text.split()
            elif ins.keyword == "HEALTHCHECK":
                stage.healthcheck = ins.text
            elif ins.keyword == "ENTRYPOINT":
                stage.entrypoint = json.loads(ins.text)
            elif ins.keyword == "CMD":
                stage.cmd = json.loads(ins.text)
            elif ins.keyword not in ("FROM", "ARG", "LABEL"):
                raise SystemExit(f"line {ins.line}: {ins.keyword} is not supported by this runner")
            if ins.keyword == "RUN":
                print(f"    done in {time.monotonic() - started:.0f} s", flush=True)
        assert stage is not None, "no FROM in the Dockerfile"
        return stage


def check_context(dockerfile: Path, context: Path) -> List[str]:
    """Problems with the build context: missing or .dockerignore'd COPY sources,
    and files named by the final stage's ENTRYPOINT/CMD/HEALTHCHECK that the
    context would not bring (assumes they come from a `COPY . .`-like step)."""
    context = context.resolve()
    patterns = dockerignore_patterns(context)
    problems: List[str] = []
    workdir = "/"
    named: List[Tuple[int, str]] = []
    for ins in parse(dockerfile):
        if ins.keyword == "FROM":
            workdir, named = "/", []
        elif ins.keyword == "WORKDIR":
            workdir = os.path.normpath(os.path.join(workdir, ins.text))
        elif ins.keyword == "COPY":
            words = shlex.split(ins.text)
            if any(w.startswith("--from") for w in words):
                continue
            for source in [w for w in words if not w.startswith("--")][:-1]:
                rel = os.path.normpath(source)
                if not (context / rel).exists():
                    problems.append(f"line {ins.line}: COPY source {source} does not exist")
                elif rel != "." and ignored(Path(rel).as_posix(), patterns):
                    problems.append(f"line {ins.line}: COPY source {source} is excluded by .dockerignore")
        elif ins.keyword in ("ENTRYPOINT", "CMD", "HEALTHCHECK"):
            for word in re.findall(r"[\w./-]+", ins.text):
                if word.startswith(workdir.rstrip("/") + "/"):
                    named.append((ins.line, word))
    for line, path in named:
        rel = path[len(workdir.rstrip("/")) + 1:]
        if not (context / rel).is_file():
            problems.append(f"line {line}: {path} is not in the build context ({rel} missing)")
        elif ignored(rel, patterns):
            problems.append(f"line {line}: {path} would not be in the image ({rel} is in .dockerignore)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dockerfile", default="Dockerfile")
    parser.add_argument("--context", default=".")
    parser.add_argument("--root", help="directory for the stages' files")
    parser.add_argument("--python", help="the Python that stands in for the base image's")
    parser.add_argument("--train-substitute", help="run this instead of a `rasa train` step")
    parser.add_argument("--reuse-venv", type=Path, help="see above: DIR's packages instead of a pip download")
    parser.add_argument("--check-context", action="store_true", help="only check the build context")
    args = parser.parse_args()
    if args.check_context:
        problems = check_context(Path(args.dockerfile), Path(args.context))
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    if not (args.root and args.python):
        parser.error("--root and --python are needed to run the steps")
    runner = Runner(Path(args.dockerfile), Path(args.context), Path(args.root), args.python,
                    args.train_substitute, args.reuse_venv)
    final = runner.run()
    uid = runner.ids(final, final.user)[0] if final.user != "root" else 0
    print(json.dumps({
        "root": str(final.root), "shared_root": str(runner.root), "user": final.user, "uid": uid,
        "gid": runner.ids(final, final.user)[1] if uid else 0,
        "workdir": str(runner.host_path(final, final.workdir)), "env": final.env,
        "entrypoint": final.entrypoint, "cmd": final.cmd, "healthcheck": final.healthcheck,
        "exposed": final.exposed,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
