"""What each staff role may do, wherever they work (the bot, the moderators' group, the web desk, the CLI):
the one place that says it.

Analysts read and export; moderators also act on proposals and answer citizens; admins also manage
the staff and may enter workshop proposals. Facilitators may only enter the proposals of a workshop
table (and answer the moderators' questions about them). Anyone without a role may do none of it."""

from __future__ import annotations

from storage.roles import ROLES

READ = "read"
MODERATE = "moderate"
MANAGE = "manage"
FACILITATE = "facilitate"

GRANTS: dict[str, frozenset[str]] = {
    "analyst": frozenset({READ}),
    "moderator": frozenset({READ, MODERATE}),
    "admin": frozenset({READ, MODERATE, MANAGE, FACILITATE}),
    "facilitator": frozenset({FACILITATE}),
}
assert set(GRANTS) == set(ROLES)

COMMANDS: dict[str, str] = {
    "export": READ,
    "stats": READ,
    "web": READ,
    "taller": FACILITATE,
    "workshop": FACILITATE,
    "moderate": MODERATE,
}
"""The permission each staff command of the bot needs (``moderate``: acting in the moderators' group)."""


def allowed(role: str | None, permission: str) -> bool:
    return role is not None and permission in GRANTS.get(role, frozenset())


def roles_with(permission: str) -> frozenset[str]:
    return frozenset(role for role, granted in GRANTS.items() if permission in granted)
