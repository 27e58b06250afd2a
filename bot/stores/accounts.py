"""Accounts (one kommune each, or explicitly cross-kommune), server-side
sessions, invitations, the second factor and the audit log.

Passwords are hashed with Argon2id (argon2-cffi) and must follow the rules in
`password_problem()`: at least 12 characters, not only digits, not a common
password or word with digits or symbols around it (bot/data/common_passwords.txt
and the kommuners' names), not a run or repetition (1234, abcd, qwerty, abcabc).
A login creates a session: a random 256-bit id in an HttpOnly,
SameSite=Strict cookie (Secure outside development); only its SHA-256 is
stored. Each session has a CSRF token that every state-changing request must
send, and carries the account's role and kommune (its scope).

Guessing is held back per user name and client address, not per account:
every attempt is counted (one statement: an upsert in `login_attempts`)
before the password is checked, so parallel attempts cannot slip past the
count. After `MAX_FAILURES` failed attempts at one name from one address, that
name waits `WAIT_MINUTES` from that address; after `MAX_ADDRESS_FAILURES` at
any names, the address waits. The answer is the same for names that exist
and names that do not (no account enumeration), and nobody can lock the owner
out from elsewhere: their own address still gets in. An account may have a
TOTP second factor (an authenticator app; pyotp); a kommune's administrators
are asked to set one up.

A kommune's administrator invites staff and analysts with a one-time link
(`invite()` / `accept()`); the operator creates accounts and invites admins.
From the command line:

    python -m bot users add NAME --role staff --kommune aarhus   # asks for the password
    python -m bot users add NAME --role operator --password-stdin < file
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from borgerguide.clock import as_utc, utcnow
from borgerguide.db import add_missing_columns
from borgerguide.errors import Forbidden
from borgerguide.tenancy import ALL_KOMMUNER, KOMMUNE_ADMIN, OPERATOR, Scope, check_account

SESSION_COOKIE = "bg_session"
SESSION_HOURS = 10
MIN_PASSWORD = 12
MAX_FAILURES = 5  # failed attempts at one name from one address ...
MAX_ADDRESS_FAILURES = 30  # ... or at any names from one address, before a wait
WAIT_MINUTES = 15
THROTTLED = "For mange forkerte forsøg. Vent et kvarter, og prøv så igen."
INVITATION_DAYS = 7
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kommune", sa.String(64)),  # a kommune id, or "*" (cross-kommune)
    sa.Column("created_by", sa.String(100)),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
)
# failed logins in the current window, per "name|<name>|<address>" and "address|<address>" (SHA-256: no
# name or address in clear)
login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kommune", sa.String(64)),
)
invitations = sa.Table(
    "invitations", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("kommune", sa.String(64), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    sa.Column("used_by", sa.String(100)),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("kommune", sa.String(64)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("detail", sa.Text),  # JSON: names and counts, never a citizen's text
)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf: str
    kommune: str = ALL_KOMMUNER

    @property
    def scope(self) -> Scope:
        return Scope(self.kommune)


class LoginRefused(Exception):
    """A login that must not go on; the message is the Danish reason to show."""

    THROTTLED = THROTTLED


class SecondFactorNeeded(LoginRefused):
    """The password was right; the account asks for its TOTP code."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@lru_cache(maxsize=1)
def common_passwords() -> FrozenSet[str]:
    """The common passwords and words (bot/data/common_passwords.txt) and every kommune's name."""
    from borgerguide.kommuner import registry

    words = {word for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#") for word in line.split()}
    for kommune in registry().values():
        for name in (kommune.id, kommune.name, getattr(kommune, "short", "") or ""):
            words.add(re.sub(r"[^a-zæøå]", "", name.lower().removesuffix(" kommune").removesuffix("s kommune")))
            words.add(re.sub(r"[^a-z]", "", _fold_danish(name.lower())))
    return frozenset(word for word in words if word)


def _fold_danish(text: str) -> str:
    return text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check a name that does not exist against (the same work as for one that does)."""
    return _hasher.hash(secrets.token_urlsafe(16))


LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
KEYBOARD = ("1234567890+", "qwertyuiopå", "asdfghjklæø", "<zxcvbnm,.-")


def _near_keys(a: str, b: str) -> bool:
    """Are two characters the same, next in the alphabet or digits, or next to each other on a Danish keyboard?"""
    if a == b or abs(ord(a) - ord(b)) == 1 or {a, b} == {"9", "0"}:
        return True
    places = {char: (row, column) for row, keys in enumerate(KEYBOARD) for column, char in enumerate(keys)}
    if a in places and b in places:
        (row_a, col_a), (row_b, col_b) = places[a], places[b]
        return abs(row_a - row_b) <= 1 and abs(col_a - col_b) <= 1
    return False


def _core(password: str) -> str:
    """The word part of a password: lower case, digits and symbols around it taken off, leetspeak read."""
    lower = password.lower()
    middle = re.sub(r"^[^a-zæøå]+|[^a-zæøå]+$", "", lower)
    return re.sub(r"[^a-zæøå]", "", middle.translate(LEET))


def _trivial(password: str) -> bool:
    """A run, a repetition or keyboard walk: 123456789012a, abcabcabcabc, 1q2w3e4r5t6y, asdfghjklæø1."""
    lower = password.lower()
    surprises = sum(not _near_keys(a, b) for a, b in zip(lower, lower[1:], strict=False))
    if surprises < 5:
        return True
    letters = re.sub(r"[^a-zæøå]+$", "", lower)
    return bool(re.fullmatch(r"(.{1,6}?)\1+", letters)) or bool(re.fullmatch(r"(.+?)\1+", lower))


def password_problem(password: str, username: str = "") -> Optional[str]:
    """What is wrong with a new password (Danish), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Adgangskoden skal have mindst {MIN_PASSWORD} tegn."
    if len(password) > 200:
        return "Adgangskoden må højst have 200 tegn."
    if password.isdigit():
        return "Adgangskoden må ikke kun være tal."
    classes = sum(bool(re.search(pattern, password)) for pattern in (r"[a-zæøå]", r"[A-ZÆØÅ]", r"\d", r"[^\w]|_"))
    if classes < 2:
        return "Brug mindst to slags tegn, fx bogstaver og tal eller tegn."
    if username and username.lower() in password.lower():
        return "Adgangskoden må ikke indeholde brugernavnet."
    core = _core(password)
    common = common_passwords()
    if len(set(password)) < 5 or core in common or any(
            core == word * (len(core) // len(word)) for word in common if len(word) >= 3 and core.startswith(word)):
        return "Adgangskoden er for nem at gætte: den er en af de mest brugte adgangskoder eller ord."
    if _trivial(password):
        return "Adgangskoden er for nem at gætte: undgå rækkefølger og gentagelser som 1234, abcd og qwerty."
    return None


class Accounts:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        add_missing_columns(engine, users)
        add_missing_columns(engine, sessions)

    # --- accounts --------------------------------------------------------------
    def add_user(self, username: str, password: str, role: str, kommune: Optional[str],
                 created_by: str = "cli") -> None:
        scope = check_account(role, kommune)
        password_hash = self._new_password_hash(username, password)
        try:
            with self.engine.begin() as connection:
                self._insert_user(connection, username, password_hash, role, scope, created_by)
        except sa.exc.IntegrityError:  # the name is taken (also by another request at the same moment)
            raise ValueError(f"Brugeren {username} findes allerede.")

    @staticmethod
    def _new_password_hash(username: str, password: str) -> str:
        if not USERNAME.fullmatch(username or ""):
            raise ValueError("Brugernavnet må have bogstaver, tal, '.', '-' og '_' (2-100 tegn).")
        problem = password_problem(password, username)
        if problem:
            raise ValueError(problem)
        return _hasher.hash(password)

    def _insert_user(self, connection: Any, username: str, password_hash: str, role: str, scope: str,
                     created_by: str) -> None:
        connection.execute(users.insert().values(
            username=username, password_hash=password_hash, role=role, kommune=scope, created_at=utcnow(),
            created_by=created_by))
        self._audit(connection, created_by, scope if scope != ALL_KOMMUNER else None, "account_created",
                    username, {"role": role})

    def get(self, username: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
        return self._public(row) if row else None

    def list(self, scope: Scope) -> List[Dict[str, Any]]:
        query = sa.select(users).where(scope.where(users.c.kommune)).order_by(users.c.username)
        with self.engine.connect() as connection:
            return [self._public(r) for r in connection.execute(query)]

    def remove(self, username: str, scope: Scope, actor: str) -> bool:
        """Disables an account in the scope and ends its sessions (kept for the log)."""
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None or not scope.allows(row.kommune) or row.disabled_at is not None:
                return False
            connection.execute(users.update().where(users.c.username == username).values(disabled_at=utcnow()))
            connection.execute(sessions.delete().where(sessions.c.username == username))
            self._audit(connection, actor, row.kommune, "account_removed", username, {"role": row.role})
        return True

    @staticmethod
    def _public(row: Any) -> Dict[str, Any]:
        return {"username": row.username, "role": row.role, "kommune": row.kommune,
                "created_at": as_utc(row.created_at).isoformat(), "created_by": row.created_by,
                "second_factor": bool(row.totp_secret), "disabled": row.disabled_at is not None}

    # --- logging in --------------------------------------------------------------
    def login(self, username: str, password: str, code: Optional[str] = None,
              address: str = "unknown") -> Optional[str]:
        """A new session id; None for a wrong name or password (LoginRefused
        for too many attempts from `address` or a removed account,
        SecondFactorNeeded for a missing code)."""
        if not self._attempt(username, address):
            raise LoginRefused(THROTTLED)  # before the password is looked at: the same for every name
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
        try:
            _hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
        except (VerifyMismatchError, InvalidHashError):
            if row is not None:
                self.audit(username, row.kommune, "login_failed", None, {})
            return None
        if row is None:
            return None
        if row.disabled_at is not None:
            raise LoginRefused("Kontoen er lukket.")
        if row.kommune is None:
            raise LoginRefused("Kontoen er ikke knyttet til en kommune. Bed driften om at rette den.")
        if row.totp_secret:
            import pyotp

            if not code:
                raise SecondFactorNeeded("Skriv koden fra din godkendelses-app.")
            if not pyotp.TOTP(row.totp_secret).verify(code.strip(), valid_window=1):
                self.audit(username, row.kommune, "login_failed", None, {"second_factor": True})
                raise SecondFactorNeeded("Koden passer ikke. Prøv igen.")
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as connection:
            self._succeeded(connection, username, address)
            connection.execute(sessions.insert().values(
                id_hash=_hash(session_id), username=row.username, role=row.role, kommune=row.kommune,
                csrf=secrets.token_urlsafe(32), expires_at=now + timedelta(hours=SESSION_HOURS)))
            self._audit(connection, username, row.kommune, "login", None, {})
        return session_id

    @staticmethod
    def _attempt_keys(username: str, address: str) -> List[str]:
        """The counters an attempt at `username` from `address` counts in (always in this order)."""
        return [_hash(f"name|{username.lower()}|{address}"), _hash(f"address|{address}")]

    def _attempt(self, username: str, address: str) -> bool:
        """Counts an attempt (as failed until it succeeds) before the password is
        checked, in one transaction, and says whether it may be checked. A
        counter older than the wait starts again."""
        now = utcnow()
        keys = self._attempt_keys(username, address)
        with self.engine.begin() as connection:
            for key in keys:
                connection.execute(_increment(connection.dialect.name, key, now, now - timedelta(minutes=WAIT_MINUTES)))
            counts = dict(connection.execute(sa.select(login_attempts.c.key, login_attempts.c.failures)
                                             .where(login_attempts.c.key.in_(keys))).all())
        return counts.get(keys[0], 0) <= MAX_FAILURES and counts.get(keys[1], 0) <= MAX_ADDRESS_FAILURES

    def _succeeded(self, connection: Any, username: str, address: str) -> None:
        """A right password: this name starts again from this address; the address's count loses this attempt."""
        name_key, address_key = self._attempt_keys(username, address)
        connection.execute(login_attempts.delete().where(login_attempts.c.key == name_key))
        connection.execute(login_attempts.update().where(login_attempts.c.key == address_key,
                                                         login_attempts.c.failures > 0)
                           .values(failures=login_attempts.c.failures - 1))

    def session(self, session_id: Optional[str]) -> Optional[Session]:
        if not session_id or len(session_id) > 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.id_hash == _hash(session_id))).first()
        if row is None or as_utc(row.expires_at) < utcnow() or row.kommune is None:
            return None
        return Session(row.username, row.role, row.csrf, row.kommune)

    def logout(self, session_id: Optional[str]) -> None:
        if session_id:
            with self.engine.begin() as connection:
                connection.execute(sessions.delete().where(sessions.c.id_hash == _hash(session_id)))

    # --- the second factor -------------------------------------------------------
    def start_second_factor(self, username: str) -> str:
        """A new TOTP secret for the account (shown once, as a QR code or text);
        it takes effect when `confirm_second_factor` gets a right code."""
        import pyotp

        return str(pyotp.random_base32())

    def confirm_second_factor(self, username: str, secret: str, code: str) -> bool:
        import pyotp

        if not pyotp.TOTP(secret).verify(str(code).strip(), valid_window=1):
            return False
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(users.c.kommune).where(users.c.username == username)).first()
            connection.execute(users.update().where(users.c.username == username).values(totp_secret=secret))
            self._audit(connection, username, row.kommune if row else None, "second_factor_on", username, {})
        return True

    # --- invitations ---------------------------------------------------------------
    def invite(self, role: str, kommune: str, actor: Session) -> str:
        """A one-time invitation link's token for a new account of `role` in
        `kommune`. A kommune's admin invites staff and analysts of its own
        kommune; the operator invites anyone."""
        scope = check_account(role, kommune)
        if scope == ALL_KOMMUNER and role != OPERATOR:
            # cross-kommune staff and analysts read every kommune's conversations: only made on the server
            # (python -m bot users add), never through a link, so the operator's web account sees no transcripts
            raise Forbidden("En invitation til medarbejdere, analytikere og administratorer gælder én kommune.")
        if actor.role == KOMMUNE_ADMIN:
            if role not in ("staff", "analyst") or scope != actor.kommune:
                raise Forbidden("Du kan invitere medarbejdere og analytikere i din egen kommune.")
        elif actor.role != OPERATOR:
            raise Forbidden("Din rolle kan ikke invitere.")
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(invitations.insert().values(
                token_hash=_hash(token), kommune=scope, role=role, created_by=actor.username, created_at=now,
                expires_at=now + timedelta(days=INVITATION_DAYS)))
            self._audit(connection, actor.username, scope, "invitation_created", None, {"role": role})
        return token

    def invitation(self, token: str) -> Optional[Dict[str, Any]]:
        """The open invitation of a token (role, kommune), or None."""
        if not token or len(token) > 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(invitations).where(invitations.c.token_hash == _hash(token))).first()
        if row is None or row.used_at is not None or as_utc(row.expires_at) < utcnow():
            return None
        return {"role": row.role, "kommune": row.kommune, "created_by": row.created_by}

    def accept(self, token: str, username: str, password: str) -> Dict[str, Any]:
        """Creates the invited account; the link works once: it is marked used
        and the account made in one transaction whose first statement takes
        the invitation (a row lock in PostgreSQL, the write lock in SQLite),
        so of many uses at once exactly one makes an account. A name that is
        taken leaves the link unused."""
        password_hash = self._new_password_hash(username, password)
        if not token or len(token) > 100:
            raise ValueError("Invitationen er brugt, udløbet eller findes ikke.")
        now = utcnow()
        try:
            with self.engine.begin() as connection:
                taken = connection.execute(invitations.update().where(
                    invitations.c.token_hash == _hash(token), invitations.c.used_at.is_(None),
                    invitations.c.expires_at > now).values(used_at=now, used_by=username))
                if taken.rowcount != 1:
                    raise ValueError("Invitationen er brugt, udløbet eller findes ikke.")
                row = connection.execute(sa.select(invitations).where(invitations.c.token_hash == _hash(token))).one()
                scope = check_account(row.role, row.kommune)
                self._insert_user(connection, username, password_hash, row.role, scope, row.created_by)
        except sa.exc.IntegrityError:
            raise ValueError(f"Brugeren {username} findes allerede. Vælg et andet brugernavn.")
        return {"role": row.role, "kommune": row.kommune, "created_by": row.created_by}

    # --- the log ---------------------------------------------------------------------
    def audit(self, actor: str, kommune: Optional[str], action: str, target: Optional[str] = None,
              detail: Optional[Dict[str, Any]] = None) -> None:
        with self.engine.begin() as connection:
            self._audit(connection, actor, kommune, action, target, detail or {})

    @staticmethod
    def _audit(connection: Any, actor: str, kommune: Optional[str], action: str, target: Optional[str],
               detail: Dict[str, Any]) -> None:
        connection.execute(audit_log.insert().values(
            at=utcnow(), actor=actor, kommune=kommune, action=action, target=target,
            detail=json.dumps(detail, sort_keys=True)))

    def audit_entries(self, scope: Scope, limit: int = 200) -> List[Dict[str, Any]]:
        query = (sa.select(audit_log).where(scope.where(audit_log.c.kommune))
                 .order_by(audit_log.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            return [{"at": as_utc(r.at).isoformat(), "actor": r.actor, "kommune": r.kommune, "action": r.action,
                     "target": r.target, "detail": json.loads(r.detail or "{}")} for r in connection.execute(query)]


def _increment(dialect: str, key: str, now: datetime, window_start: datetime) -> Any:
    """One statement: the counter `key` one up, or started again at 1 when its window is over."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"login counting needs SQLite or PostgreSQL, not {dialect}")
    over = login_attempts.c.since < window_start
    return insert(login_attempts).values(key=key, failures=1, since=now).on_conflict_do_update(
        index_elements=[login_attempts.c.key],
        set_={"failures": sa.case((over, 1), else_=login_attempts.c.failures + 1),
              "since": sa.case((over, now), else_=login_attempts.c.since)})


def csrf_ok(session: Session, token: Optional[str]) -> bool:
    return token is not None and bool(token) and hmac.compare_digest(session.csrf, token)
