"""Accounts under real concurrency (threads against the real stores, SQLite
and PostgreSQL: issue 20): one invitation makes one account however many
use it at once; parallel wrong passwords are checked at most MAX_FAILURES
times before the wait; the answer is the same for names that exist and names
that do not; the wait holds one name from one address, not everyone; the
password rules refuse the common and the trivial."""
from __future__ import annotations

import threading
import uuid
from typing import Callable, List

import pytest
import sqlalchemy as sa

from borgerguide.db import engine_for
from bot.stores.accounts import MAX_FAILURES, Accounts, LoginRefused, Session, password_problem

PASSWORD = "Solsikke-havn-rejse-47"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield engine_for(f"sqlite:///{tmp_path / 'accounts.db'}")
        return
    from prod_stack import PG

    name = f"bg_accounts_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed for this test: {error}")
    engine = sa.create_engine(f"{PG}/{name}", future=True, pool_size=30, max_overflow=30)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def at_once(count: int, work: Callable[[int], object]) -> List[object]:
    """`work(i)` in `count` threads released together; each one's result or exception."""
    results: List[object] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the outcome is what is counted
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_one_invitation_makes_one_account_when_used_ten_times_at_once(engine):
    accounts = Accounts(engine)
    admin = Session("admin-aarhus", "kommune_admin", "csrf", "aarhus")
    token = accounts.invite("staff", "aarhus", admin)
    results = at_once(10, lambda i: accounts.accept(token, f"ny-{i}", PASSWORD))
    made = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, ValueError)]
    assert len(made) == 1 and len(refused) == 9, results
    with engine.connect() as connection:
        names = [r[0] for r in connection.execute(sa.text("SELECT username FROM users WHERE username LIKE 'ny-%'"))]
    assert len(names) == 1
    assert accounts.invitation(token) is None, "the link is used"


def test_an_invitation_is_not_used_up_by_a_name_that_is_taken(engine):
    accounts = Accounts(engine)
    accounts.add_user("taget", PASSWORD, "staff", "aarhus")
    token = accounts.invite("staff", "aarhus", Session("admin-aarhus", "kommune_admin", "csrf", "aarhus"))
    with pytest.raises(ValueError):
        accounts.accept(token, "taget", PASSWORD)
    assert accounts.invitation(token) is not None, "the link still works with another name"
    accounts.accept(token, "ledig", PASSWORD)


def outcome(result: object) -> str:
    if isinstance(result, LoginRefused):
        return f"refused: {result}"
    if isinstance(result, Exception):
        return f"error: {type(result).__name__}: {result}"
    return "wrong" if result is None else "in"


@pytest.mark.parametrize("exists", [True, False], ids=["existing name", "unknown name"])
def test_forty_parallel_wrong_passwords_are_checked_at_most_max_failures_times(engine, exists):
    accounts = Accounts(engine)
    name = f"offer-{uuid.uuid4().hex[:6]}"
    if exists:
        accounts.add_user(name, PASSWORD, "staff", "aarhus")
    results = [outcome(r) for r in at_once(40, lambda i: accounts.login(name, f"forkert-{i}-gæt", None,
                                                                          address="198.51.100.7"))]
    assert not [r for r in results if r.startswith("error")], results
    assert 1 <= results.count("wrong") <= MAX_FAILURES, results
    refused = {r for r in results if r.startswith("refused")}
    assert len(refused) == 1 and results.count("wrong") + sum(r in refused for r in results) == 40, results
    # the same words for a name that exists and one that does not (no account enumeration)
    assert refused == {f"refused: {LoginRefused.THROTTLED}"}


def test_the_wait_holds_one_name_from_one_address_not_everyone(engine):
    """Anyone can try a name; nobody can lock its owner out from elsewhere."""
    accounts = Accounts(engine)
    accounts.add_user("anna-race", PASSWORD, "staff", "aarhus")
    for i in range(MAX_FAILURES):
        assert accounts.login("anna-race", f"forkert-{i}-gæt", None, address="203.0.113.9") is None
    with pytest.raises(LoginRefused):
        accounts.login("anna-race", PASSWORD, None, address="203.0.113.9")  # not even the right password
    assert accounts.login("anna-race", PASSWORD, None, address="192.0.2.44"), "Anna's own computer gets in"


def test_one_address_trying_many_names_is_held_too(engine):
    accounts = Accounts(engine)
    def attempt(i: int) -> object:
        try:
            return accounts.login(f"navn-{i}", "forkert-gæt-igen", None, address="198.51.100.99")
        except LoginRefused as refused:
            return refused

    results = [outcome(attempt(i)) for i in range(40)]
    assert results.count("wrong") < 40 and results[-1].startswith("refused"), results


@pytest.mark.parametrize("password", [
    "123456789012a", "123456789012", "1234567890123456", "aaaaaaaaaaaa1", "abcdefghijkl1", "qwertyuiop12",
    "asdfghjklæø1", "Password1234", "Password1234!", "Sommer2024!!", "Velkommen123!", "Kodeord12345",
    "adgangskode123", "Aarhus2024!!", "Borgerservice1", "abcabcabcabc1", "1q2w3e4r5t6y", "P@ssw0rd2024!",
    "Danmark123456", "iloveyou1234",
], ids=repr)
def test_the_common_and_the_trivial_are_refused(password):
    assert password_problem(password) is not None, password


@pytest.mark.parametrize("password", [PASSWORD, "en-lang-adgangskode", "admin-browser-password",
                                      "Tr0ub4dor&3-hest", "kaffe med mælk og to stykker sukker"], ids=repr)
def test_a_good_password_is_accepted(password):
    assert password_problem(password) is None, password_problem(password)
