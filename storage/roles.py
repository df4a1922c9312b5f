"""Staff roles (light: the command line's parser reads them). What each may do is in
``handlers/staff/permissions.py``."""

from __future__ import annotations

ROLES = ("admin", "moderator", "analyst", "facilitator")
