"""Fixed answer options of the optional profile. Labels are translated where shown.

Sensitive data (ethnicity, health, religion, politics, sexual orientation) is never asked.
"""

from __future__ import annotations

from handlers.i18n import N_

SECTORS: dict[str, str] = {
    "citizen": N_("Citizen"),
    "civil-society": N_("Organised civil society"),
    "academia": N_("Academia"),
    "private": N_("Private sector"),
    "public": N_("Public sector"),
    "international": N_("International organisation"),
}

SHORT_LABELS: dict[str, str] = {
    "civil-society": N_("Civil society"),
    "international": N_("International body"),
}
"""Shorter labels of the fixed options whose label is long in some language (WhatsApp's list rows)."""

AGE_RANGES: dict[str, str] = {
    "under-18": N_("Under 18"),
    "18-29": N_("18 to 29"),
    "30-44": N_("30 to 44"),
    "45-64": N_("45 to 64"),
    "65-plus": N_("65 or older"),
}

STATUSES: dict[str, str] = {
    "received": N_("Received"),
    "in_review": N_("In review"),
    "needs_info": N_("Needs information"),
    "accepted": N_("Accepted"),
    "merged": N_("Merged"),
    "not_adopted": N_("Not adopted"),
    "withdrawn": N_("Withdrawn"),
}

SOURCES: dict[str, str] = {
    "chat": N_("Chat"),
    "workshop": N_("Workshops"),
}
"""Where a proposal came from: a citizen in the chat, or a table of an in-person workshop."""
