"""Each kommune's own content, edited in the browser by its kommune_admin and
kept, versioned, in the database (BORGERGUIDE_DB) that every web service and
action server shares.

The YAML files (content/kommuner/<id>.yml) are the seed and the export
format: a kommune whose content was never edited or imported reads its file;
the first change copies the file into the database, and from then on the
database holds the kommune's whole content, one row per field (a dotted path:
`borgerservice.phone`, `solutions.pas.url`, `topics.affald.steps`, ...).
Every change is a row in the history (who, when, old and new value), can be
rolled back, and bumps a revision number: each process checks the revision at
most every `CHECK_SECONDS` and reloads, so a change reaches new messages
within seconds, without retraining or a restart.

    python -m bot content export aarhus > aarhus.yml   # (bot/content_cli.py)
    python -m bot content import aarhus aarhus.yml
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Tuple

import sqlalchemy as sa

from borgerguide.clock import as_utc, utcnow
from borgerguide.db import database_url, engine_for
from borgerguide.links import host_allowed, link_problem, plain_host

logger = logging.getLogger(__name__)
CHECK_SECONDS = 1.0


class _Remove:
    """A change that removes a field (the national default applies again);
    a value of None is kept as an explicit null (as in the YAML files)."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()
EMPTY_JSON = ("null", "{}", "[]", '""')

metadata = sa.MetaData()
fields = sa.Table(
    "kommune_fields", metadata,
    sa.Column("kommune", sa.String(64), primary_key=True),
    sa.Column("path", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verified_by", sa.String(100)),
    sa.Column("verified_at", sa.DateTime(timezone=True)),
)
history = sa.Table(
    "kommune_field_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kommune", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.String(200), nullable=False),
    sa.Column("old", sa.Text),  # JSON, NULL: there was none
    sa.Column("new", sa.Text),  # JSON, NULL: removed
    sa.Column("kind", sa.String(20), nullable=False),  # change, seed, import, rollback
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
revision = sa.Table(
    "content_revision", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
)


def flatten(data: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """{"a": {"b": 1, "c": [2]}} -> {"a.b": 1, "a.c": [2]}; an empty mapping is a value of its own."""
    out: Dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def unflatten(values: Mapping[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for path, value in sorted(values.items()):
        target = out
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


@dataclass(frozen=True)
class Field:
    path: str
    value: Any
    updated_by: str
    updated_at: str
    verified_by: Optional[str]
    verified_at: Optional[str]


class ContentStore:
    """The kommuner's content in the database."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    # --- reading ---------------------------------------------------------------
    def revision(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(revision.c.revision)).scalar() or 0)

    def content(self, kommune: str) -> Optional[Dict[str, Any]]:
        """The kommune's whole content, or None when it still reads its YAML file."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(fields.c.path, fields.c.value).where(fields.c.kommune == kommune)).all()
        return unflatten({r.path: json.loads(r.value) for r in rows}) if rows else None

    def kommuner(self) -> List[str]:
        """The kommuner whose content is in the database."""
        with self.engine.connect() as connection:
            return [r[0] for r in connection.execute(sa.select(fields.c.kommune).distinct())]

    def fields(self, kommune: str) -> Dict[str, Field]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(fields).where(fields.c.kommune == kommune)).all()
        return {r.path: Field(r.path, json.loads(r.value), r.updated_by, as_utc(r.updated_at).isoformat(),
                              r.verified_by, as_utc(r.verified_at).isoformat() if r.verified_at else None)
                for r in rows}

    def changes(self, kommune: str, limit: int = 100) -> List[Dict[str, Any]]:
        query = (sa.select(history).where(history.c.kommune == kommune, history.c.kind != "seed")
                 .order_by(history.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            return [{"id": r.id, "path": r.path, "old": json.loads(r.old) if r.old is not None else None,
                     "new": json.loads(r.new) if r.new is not None else None, "kind": r.kind,
                     "changed_by": r.changed_by, "changed_at": as_utc(r.changed_at).isoformat()}
                    for r in connection.execute(query)]

    # --- changing ----------------------------------------------------------------
    def change(self, kommune: str, seed: Mapping[str, Any], changes: Mapping[str, Any], who: str,
               kind: str = "change", verified: bool = True) -> int:
        """Sets fields (the value REMOVE removes one); the first change of a
        kommune copies its seed first. Returns the number of fields changed.
        The caller has validated the resulting content."""
        now = utcnow()
        done = 0
        with self.engine.begin() as connection:
            current = {r.path: r.value for r in connection.execute(
                sa.select(fields.c.path, fields.c.value).where(fields.c.kommune == kommune))}
            if not current:  # from the YAML seed into the database, once
                for path, value in flatten(seed).items():
                    encoded = json.dumps(value, ensure_ascii=False)
                    connection.execute(fields.insert().values(
                        kommune=kommune, path=path, value=encoded, updated_by="seed", updated_at=now))
                    connection.execute(history.insert().values(
                        kommune=kommune, path=path, old=None, new=encoded, kind="seed", changed_by=who,
                        changed_at=now))
                    current[path] = encoded
            for path, value in changes.items():
                old = current.get(path)
                new = None if value is REMOVE else json.dumps(value, ensure_ascii=False)
                if old == new:
                    if new is not None and verified:  # the same value, confirmed now
                        connection.execute(fields.update().where(fields.c.kommune == kommune, fields.c.path == path)
                                           .values(verified_by=who, verified_at=now))
                    continue
                if new is None:
                    connection.execute(fields.delete().where(fields.c.kommune == kommune, fields.c.path == path))
                    if old in EMPTY_JSON:  # an empty value (null, {}) made way for its children: no change to log
                        continue
                elif old is None:
                    connection.execute(fields.insert().values(
                        kommune=kommune, path=path, value=new, updated_by=who, updated_at=now,
                        verified_by=who if verified else None, verified_at=now if verified else None))
                else:
                    connection.execute(fields.update().where(fields.c.kommune == kommune, fields.c.path == path)
                                       .values(value=new, updated_by=who, updated_at=now,
                                               verified_by=who if verified else None,
                                               verified_at=now if verified else None))
                connection.execute(history.insert().values(
                    kommune=kommune, path=path, old=old, new=new, kind=kind, changed_by=who, changed_at=now))
                done += 1
            self._bump(connection)
        return done

    def replace(self, kommune: str, content: Mapping[str, Any], who: str, verified: bool) -> int:
        """The kommune's whole content from a file (import): every field set,
        fields the file does not have removed."""
        wanted = flatten(content)
        present = set(self.fields(kommune))
        changes: Dict[str, Any] = {path: REMOVE for path in present - set(wanted)}
        changes.update(wanted)
        return self.change(kommune, content, changes, who, kind="import", verified=verified)

    def rollback(self, kommune: str, change_id: int, who: str, seed: Mapping[str, Any]) -> Dict[str, Any]:
        """Puts a field back to what it was before a change (as a new change)."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(history).where(history.c.id == change_id,
                                                              history.c.kommune == kommune)).first()
        if row is None or row.kind == "seed":
            raise KeyError(change_id)
        old = json.loads(row.old) if row.old is not None else REMOVE
        self.change(kommune, seed, {row.path: old}, who, kind="rollback")
        return {"path": row.path, "value": None if old is REMOVE else old}

    @staticmethod
    def _bump(connection: Any) -> None:
        updated = connection.execute(revision.update().where(revision.c.id == 1)
                                     .values(revision=revision.c.revision + 1))
        if updated.rowcount == 0:
            connection.execute(revision.insert().values(id=1, revision=1))


# --- what the dialogue reads (cached per process, checked every CHECK_SECONDS) ---------
_lock = threading.Lock()
_checked: Dict[str, Tuple[float, int]] = {}


@lru_cache(maxsize=4)
def store_for(url: str) -> ContentStore:
    return ContentStore(engine_for(url))


def current_revision(url: Optional[str] = None) -> int:
    """The content's revision, read from the database at most every CHECK_SECONDS
    (0 when the database cannot be read: the YAML files are used)."""
    url = url or database_url()
    now = time.monotonic()
    with _lock:
        checked = _checked.get(url)
        if checked and now - checked[0] < CHECK_SECONDS:
            return checked[1]
    try:
        value = store_for(url).revision()
    except sa.exc.SQLAlchemyError as error:
        logger.warning("Kommune content: the database cannot be read (%s); using the YAML files",
                       type(error).__name__)
        value = 0
    with _lock:
        _checked[url] = (now, value)
    return value


def forget_revision() -> None:
    """The next read checks the database at once (after a change in this process)."""
    with _lock:
        _checked.clear()


@lru_cache(maxsize=256)
def stored_content(kommune: str, url: str, revision_number: int) -> Optional[Dict[str, Any]]:
    """The kommune's content in the database at that revision (None: read its file)."""
    if revision_number == 0:
        return None
    try:
        return store_for(url).content(kommune)
    except sa.exc.SQLAlchemyError as error:
        logger.warning("Kommune content: the database cannot be read (%s)", type(error).__name__)
        return None


# --- validation of an admin's input ---------------------------------------------------
# National sites a kommune may link to besides its own domain.
NATIONAL_HOSTS = ("borger.dk", "skat.dk", "sundhed.dk", "mitid.dk", "nemkonto.dk", "nyidanmark.dk", "siri.dk",
                  "su.dk", "ufm.dk", "familieretshuset.dk", "politi.dk", "handicap.dk", "jobnet.dk", "star.dk",
                  "bygogmiljoe.dk", "vurderingsportalen.dk", "domstol.dk", "bibliotek.dk", "ast.dk", "atp.dk",
                  "lifeindenmark.borger.dk", "ungdomskort.dk", "digst.dk", "virk.dk", "mit.dk", "e-boks.dk",
                  "fstyr.dk", "sst.dk")


def url_problem(url: Any, kommune_website: Optional[str], extra_hosts: Tuple[str, ...] = ()) -> Optional[str]:
    """Why a link is not allowed (Danish), or None."""
    if not isinstance(url, str) or not url.strip():
        return "Skriv en adresse, der begynder med https://"
    problem = link_problem(url.strip())  # parsed first: only a plain host is checked against the list
    if problem:
        return problem
    host = plain_host(url.strip()) or ""
    own = plain_host(kommune_website) if kommune_website else None
    allowed = [*NATIONAL_HOSTS, *extra_hosts] + ([own.removeprefix("www.")] if own else [])
    if not host_allowed(host, allowed):
        return f"{host} er hverken kommunens eget domæne eller et af de tilladte offentlige domæner."
    return None


def now_iso(moment: Optional[datetime] = None) -> str:
    return as_utc(moment or utcnow()).isoformat()
