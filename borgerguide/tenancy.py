"""One installation, many kommuner: who may see and change what.

Every account belongs to one kommune, or is explicitly cross-kommune
(`ALL_KOMMUNER`: the operator's own people). A `Scope` is what a logged-in
account may reach; every store query of escalations, transcripts, ratings,
notices, unresolved messages, exports and analytics is filtered through it,
here and nowhere else, so another kommune's data is never read (a request
for it gets 404 or 403 and learns nothing, not even a count).

Roles:
- `staff`: the inbox (escalations, transcripts, live chat, callbacks);
- `analyst`: the analysts' pages (figures, unresolved messages, labels, export);
- `kommune_admin`: the kommune's content, its accounts and data-subject
  requests (export and erasure of a conversation);
- `operator`: the installation: kommuner, their admins, national notices,
  the comparison across kommuner (no transcripts).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from borgerguide.errors import BadInput, Forbidden
from borgerguide.kommuner import DEFAULT_ID, known_kommune

ALL_KOMMUNER = "*"
STAFF = "staff"
ANALYST = "analyst"
KOMMUNE_ADMIN = "kommune_admin"
OPERATOR = "operator"
ROLES = (STAFF, ANALYST, KOMMUNE_ADMIN, OPERATOR)
ROLE_NAMES_DA = {STAFF: "Medarbejder i Borgerservice", ANALYST: "Analytiker", KOMMUNE_ADMIN: "Kommunens administrator",
                 OPERATOR: "Driftsansvarlig"}
# who a kommune's admin may invite
INVITABLE_BY_ADMIN = (STAFF, ANALYST)


class NotAllowed(Forbidden):
    """The account may not reach that kommune (answered 403, or 404 for a thing)."""

    def __init__(self, kommune: Optional[str] = None) -> None:
        super().__init__("Du har ikke adgang til den kommune.")
        self.kommune = kommune


def check_account(role: str, kommune: Any) -> str:
    """The kommune an account of `role` belongs to; ValueError with a Danish
    message for a combination that is not allowed."""
    if role not in ROLES:
        raise BadInput(f"Rollen skal være en af: {', '.join(ROLES)}.")
    if role == OPERATOR:
        if kommune not in (None, "", ALL_KOMMUNER):
            raise BadInput("En driftsansvarlig hører ikke til én kommune.")
        return ALL_KOMMUNER
    if kommune == ALL_KOMMUNER:
        if role == KOMMUNE_ADMIN:
            raise BadInput("En kommunes administrator hører til én kommune.")
        return ALL_KOMMUNER
    resolved = known_kommune(kommune)
    if resolved is None or resolved == DEFAULT_ID:
        raise BadInput("Vælg en af de 98 kommuner (eller * for driftens egne medarbejdere).")
    return resolved


@dataclass(frozen=True)
class Scope:
    """The kommuner an account reaches: one, or all (`kommune == ALL_KOMMUNER`)."""

    kommune: str

    @property
    def everywhere(self) -> bool:
        return self.kommune == ALL_KOMMUNER

    def allows(self, kommune: Optional[str]) -> bool:
        return self.everywhere or kommune == self.kommune

    def require(self, kommune: Optional[str]) -> None:
        if not self.allows(kommune):
            raise NotAllowed(kommune)

    def where(self, column: Any) -> Any:
        """A clause for a query's `kommune` column (True for everywhere)."""
        import sqlalchemy as sa

        return sa.true() if self.everywhere else column == self.kommune

    def narrowed(self, requested: Optional[str]) -> Optional[str]:
        """The kommune a query asks for, within the scope: the scope's own
        kommune when none is asked for; NotAllowed for another one."""
        if requested in (None, ""):
            return None if self.everywhere else self.kommune
        self.require(requested)
        return requested
