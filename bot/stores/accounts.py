"""Accounts (one kommune each, or explicitly cross-kommune), server-side
sessions, invitations, the second factor and the audit log.

Passwords are hashed with Argon2id (argon2-cffi) and must follow the rules in
`password_problem()`. A login creates a session: a random 256-bit id in an
HttpOnly, SameSite=Strict cookie (Secure outside development); only its
SHA-256 is stored. Each session has a CSRF token that every state-changing
request must send, and carries the account's role and kommune (its scope).
After `MAX_FAILURES` wrong passwords in a row an account is locked for
`LOCK_MINUTES`. An account may have a TOTP second factor (an authenticator
app; pyotp); a kommune's administrators are asked to set one up.

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
from datetime import timedelta
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from borgerguide.clock import as_utc, utcnow
from borgerguide.db import add_missing_columns
from borgerguide.tenancy import ALL_KOMMUNER, KOMMUNE_ADMIN, OPERATOR, Scope, check_account

SESSION_COOKIE = "bg_session"
SESSION_HOURS = 10
MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCK_MINUTES = 15
INVITATION_DAYS = 7
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")
COMMON_PASSWORDS = frozenset({"adgangskode123", "password1234", "kodeord12345", "sommer2024!!", "qwertyuiop12",
                              "123456789012", "borgerservice1", "velkommen123"})

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
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
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


class SecondFactorNeeded(LoginRefused):
    """The password was right; the account asks for its TOTP code."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def password_problem(password: str, username: str = "") -> Optional[str]:
    """What is wrong with a new password (Danish), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Adgangskoden skal have mindst {MIN_PASSWORD} tegn."
    if len(password) > 200:
        return "Adgangskoden må højst have 200 tegn."
    classes = sum(bool(re.search(pattern, password)) for pattern in (r"[a-zæøå]", r"[A-ZÆØÅ]", r"\d", r"[^\w]|_"))
    if classes < 2:
        return "Brug mindst to slags tegn, fx bogstaver og tal eller tegn."
    if username and username.lower() in password.lower():
        return "Adgangskoden må ikke indeholde brugernavnet."
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 5:
        return "Adgangskoden er for nem at gætte."
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
        if not USERNAME.fullmatch(username or ""):
            raise ValueError("Brugernavnet må have bogstaver, tal, '.', '-' og '_' (2-100 tegn).")
        problem = password_problem(password, username)
        if problem:
            raise ValueError(problem)
        with self.engine.begin() as connection:
            if connection.execute(sa.select(users.c.username).where(users.c.username == username)).first():
                raise ValueError(f"Brugeren {username} findes allerede.")
            connection.execute(users.insert().values(
                username=username, password_hash=_hasher.hash(password), role=role, kommune=scope,
                created_at=utcnow(), created_by=created_by, failed_logins=0))
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
                "second_factor": bool(row.totp_secret), "disabled": row.disabled_at is not None,
                "locked": bool(row.locked_until and as_utc(row.locked_until) > utcnow())}

    # --- logging in --------------------------------------------------------------
    def login(self, username: str, password: str, code: Optional[str] = None) -> Optional[str]:
        """A new session id; None for a wrong name or password (LoginRefused
        for a locked or removed account, SecondFactorNeeded for a missing code)."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            _hasher.hash(password)  # same work for unknown names
            return None
        now = utcnow()
        if row.locked_until is not None and as_utc(row.locked_until) > now:
            raise LoginRefused("Kontoen er låst efter for mange forkerte forsøg. Prøv igen om lidt.")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            self._failed(username, row.failed_logins or 0, row.kommune)
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
                self._failed(username, row.failed_logins or 0, row.kommune)
                raise SecondFactorNeeded("Koden passer ikke. Prøv igen.")
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(users.update().where(users.c.username == username).values(
                failed_logins=0, locked_until=None))
            connection.execute(sessions.insert().values(
                id_hash=_hash(session_id), username=row.username, role=row.role, kommune=row.kommune,
                csrf=secrets.token_urlsafe(32), expires_at=now + timedelta(hours=SESSION_HOURS)))
            self._audit(connection, username, row.kommune, "login", None, {})
        return session_id

    def _failed(self, username: str, failures: int, kommune: Optional[str]) -> None:
        failures += 1
        locked = utcnow() + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        with self.engine.begin() as connection:
            connection.execute(users.update().where(users.c.username == username).values(
                failed_logins=0 if locked else failures, locked_until=locked))
            self._audit(connection, username, kommune, "login_failed", None, {"locked": bool(locked)})

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
        if actor.role == KOMMUNE_ADMIN:
            if role not in ("staff", "analyst") or scope != actor.kommune:
                raise PermissionError("Du kan invitere medarbejdere og analytikere i din egen kommune.")
        elif actor.role != OPERATOR:
            raise PermissionError("Din rolle kan ikke invitere.")
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
        """Creates the invited account; the link works once."""
        found = self.invitation(token)
        if found is None:
            raise ValueError("Invitationen er brugt, udløbet eller findes ikke.")
        self.add_user(username, password, found["role"], found["kommune"], created_by=found["created_by"])
        with self.engine.begin() as connection:
            used = connection.execute(invitations.update().where(
                invitations.c.token_hash == _hash(token), invitations.c.used_at.is_(None)).values(
                used_at=utcnow(), used_by=username))
            if used.rowcount != 1:
                raise ValueError("Invitationen er allerede brugt.")
        return found

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


def csrf_ok(session: Session, token: Optional[str]) -> bool:
    return token is not None and bool(token) and hmac.compare_digest(session.csrf, token)
