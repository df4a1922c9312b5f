"""Staff roles as people read them."""

from __future__ import annotations

from handlers.i18n import N_

ROLE_NAMES: dict[str, str] = {
    "admin": N_("administrator"),
    "moderator": N_("moderator"),
    "analyst": N_("analyst"),
    "facilitator": N_("facilitator"),
}
