"""The layout's rules (docs/architecture.md), checked on the source:

- borgerguide/ (the domain) imports nothing else of the project;
- bot/ (the web service) never imports actions/ (the action server's glue);
- bot/analytics/ (the analysts' package) speaks no HTTP: no aiohttp, no routes;
- the message types, hand-off reasons and queues of the channel contract are
  written as literals only in borgerguide/contract.py;
- a kommune id from outside is checked in one place (borgerguide.kommuner);
- the web service's handlers never call a store on the event loop.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from borgerguide import contract
from conftest import ROOT

PACKAGES = ("borgerguide", "bot", "actions", "launch", "nlu_components")


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> Iterator[Tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def test_the_domain_imports_nothing_else_of_the_project():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in modules("borgerguide")
             for line, name in imported(path)
             if name.split(".")[0] in PACKAGES and name.split(".")[0] != "borgerguide"]
    assert wrong == []


def test_the_web_service_never_imports_the_action_server():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in modules("bot")
             for line, name in imported(path) if name.split(".")[0] == "actions"]
    assert wrong == []


def test_analytics_is_a_package_without_http():
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in modules("bot/analytics")
             for line, name in imported(path)
             if name.split(".")[0] == "aiohttp" or name.startswith(("bot.routes", "bot.middleware", "bot.session"))]
    assert wrong == []
    assert sorted(p.stem for p in modules("bot/analytics")) == [
        "__init__", "export", "grouping", "names", "projection", "reports", "store", "tables"]


CONTRACT_LITERALS = {contract.SOLUTION, contract.REFERRAL, contract.HANDOFF, contract.FALLBACK, contract.NOTICE,
                     contract.FAULT, contract.CLARIFY, *contract.HANDOFF_REASONS, *contract.QUEUES}


def literals(path: Path) -> Iterator[Tuple[int, str]]:
    """String constants of the module, but not dictionary keys (a JSON field
    may be called "handoff") and not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys = {id(k) for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys if k is not None}
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in keys | docstrings:
            yield node.lineno, node.value


def test_contract_names_are_written_only_in_the_contract():
    wrong: List[str] = []
    for package in ("bot", "actions", "launch"):
        for path in modules(package):
            wrong += [f"{path.relative_to(ROOT)}:{line} {value!r}" for line, value in literals(path)
                      if value in CONTRACT_LITERALS]
    assert wrong == [], "use borgerguide.contract's names:\n" + "\n".join(wrong)


def test_a_kommune_id_is_checked_in_one_place():
    """Only borgerguide/kommuner.py knows what a kommune id looks like."""
    wrong = []
    for package in PACKAGES:
        for path in modules(package):
            if path == ROOT / "borgerguide" / "kommuner.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "[a-z0-9][a-z0-9-]" in text or "KOMMUNE_ID" in text:
                wrong.append(str(path.relative_to(ROOT)))
    assert wrong == []


STORE_KEYS = {"ACCOUNTS", "CONVERSATIONS", "ESCALATIONS", "RATINGS", "RETENTION", "SAVED_REPLIES"}


def direct_store_calls(path: Path) -> Iterator[int]:
    """`request.app[ESCALATIONS].get(...)` called on the event loop, instead of
    `await db(request.app[ESCALATIONS].get, ...)`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Name) \
                    and target.slice.id in STORE_KEYS:
                yield node.lineno


@pytest.mark.parametrize("path", [*modules("bot/routes"), ROOT / "bot" / "session.py",
                                  ROOT / "bot" / "middleware.py"], ids=lambda p: p.name)
def test_handlers_call_the_stores_off_the_event_loop(path):
    assert list(direct_store_calls(path)) == [], f"{path.relative_to(ROOT)}: use bot.offloop.db()"
