"""Staff and analyst accounts, server-side sessions and CSRF protection.

Passwords are hashed with Argon2id (argon2-cffi). A login creates a session:
a random 256-bit id in an HttpOnly, SameSite=Strict cookie (Secure outside
development); only its SHA-256 is stored. Each session has a CSRF token that
every state-changing request must send (header `X-CSRF-Token` or form field
`csrf_token`).

Accounts are created on the command line:

    python -m bot users add NAME --role staff      # asks for the password
    python -m bot users add NAME --role analyst --password-stdin < file
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from borgerguide.clock import as_utc

ROLES = ("staff", "analyst")
SESSION_COOKIE = "bg_session"
SESSION_HOURS = 10
MIN_PASSWORD = 10

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf: str


def _hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Accounts:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def add_user(self, username: str, password: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        plain = username.replace(".", "").replace("-", "").replace("_", "")
        if not username or len(username) > 100 or not plain.isalnum():
            raise ValueError("username: letters, digits, '.', '-', '_' (at most 100)")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
        with self.engine.begin() as connection:
            if connection.execute(sa.select(users.c.username).where(users.c.username == username)).first():
                raise ValueError(f"user {username} exists")
            connection.execute(users.insert().values(
                username=username, password_hash=_hasher.hash(password), role=role,
                created_at=datetime.now(timezone.utc)))

    def login(self, username: str, password: str) -> Optional[str]:
        """A new session id, or None for a wrong name or password."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            _hasher.hash(password)  # same work for unknown names
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return None
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(sessions.insert().values(
                id_hash=_hash_id(session_id), username=row.username, role=row.role,
                csrf=secrets.token_urlsafe(32),
                expires_at=datetime.now(timezone.utc) + timedelta(hours=SESSION_HOURS)))
        return session_id

    def session(self, session_id: Optional[str]) -> Optional[Session]:
        if not session_id or len(session_id) > 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.id_hash == _hash_id(session_id))).first()
        if row is None or as_utc(row.expires_at) < datetime.now(timezone.utc):
            return None
        return Session(row.username, row.role, row.csrf)

    def logout(self, session_id: Optional[str]) -> None:
        if session_id:
            with self.engine.begin() as connection:
                connection.execute(sessions.delete().where(sessions.c.id_hash == _hash_id(session_id)))


def csrf_ok(session: Session, token: Optional[str]) -> bool:
    return token is not None and bool(token) and hmac.compare_digest(session.csrf, token)
