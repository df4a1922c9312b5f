"""Who did something, in one vocabulary for the audit log and the status history.

An actor is a role and a stable identity: ``moderator:staff-3`` (a staff member, by their row in
the staff table, whatever channel they use), ``operator:cli-ana`` (someone on the server's command
line), ``citizen`` (a proposal's author, never identified). A citizen's channel id never appears.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from storage.models import StaffMember

CITIZEN_ROLE = "citizen"
OPERATOR_ROLE = "operator"


@dataclass(frozen=True)
class Actor:
    role: str
    identity: str = ""

    def __str__(self) -> str:
        return f"{self.role}:{self.identity}" if self.identity else self.role


CITIZEN = Actor(CITIZEN_ROLE)


def staff_actor(member: StaffMember) -> Actor:
    return Actor(member.role, f"staff-{member.id}")


def operator() -> Actor:
    """The person running a command on the server."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "unknown"
    return Actor(OPERATOR_ROLE, f"cli-{name}"[:48])


def channel_of(via: str | None) -> dict[str, str]:
    """The audit detail naming where a staff action came from (``via="web"``), when the caller says."""
    return {"via": via} if via else {}


def kind_of(recorded: str) -> str:
    """The kind of a recorded actor string (``moderator:staff-3`` → staff)."""
    role = recorded.split(":", 1)[0]
    if role == CITIZEN_ROLE:
        return "citizen"
    return "cli" if role in (OPERATOR_ROLE, "cli") else "staff"
