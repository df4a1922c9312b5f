"""Staff join by invitation: an admin creates a one-time code (valid 48 hours) with a role; whoever brings it
to the bot first — the link's /start, or /staff CODE — gets the role. Nobody has to find their numeric
Telegram id, and the audit log records who invited whom."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.actors import Actor, staff_actor
from handlers.i18n import N_
from handlers.services import Services
from handlers.staff.requests import RequestError
from storage.models import StaffInvitation, StaffMember
from storage.roles import ROLES
from storage.uow import UnitOfWork

VALID_FOR = timedelta(hours=48)
CODE_BYTES = 12
"""16 characters of A-Z a-z 0-9 - _: fits Telegram's 64-character /start payload."""


@dataclass(frozen=True)
class Invitation:
    code: str
    role: str
    expires_at: datetime


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def invite(uow: UnitOfWork, services: Services, actor: Actor, role: str) -> Invitation:
    if role not in ROLES:
        raise RequestError(N_("unknown role {value}; roles are {known}"), value=role, known=", ".join(ROLES))
    code = secrets.token_urlsafe(CODE_BYTES)
    expires = services.clock() + VALID_FOR
    stored = await uow.invitations.add(
        StaffInvitation(
            code_hash=code_hash(code), role=role, invited_by=str(actor), created_at=services.clock(), expires_at=expires
        )
    )
    await uow.audit.record(str(actor), "staff.invite", f"invitation-{stored.id}", role=role)
    return Invitation(code, role, expires)


async def accept(
    uow: UnitOfWork, services: Services, channel: str, user_id: str, user_name: str, code: str
) -> StaffMember | None:
    """The role of a valid, unused, unexpired invitation for this person; None for any other code."""
    invitation = await uow.invitations.by_hash(code_hash(code))
    now = services.clock()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    member = await uow.staff.put(channel, user_id, invitation.role, added_by=invitation.invited_by)
    member.display_name = user_name or member.display_name
    invitation.used_at, invitation.used_by = now, member.id
    await uow.audit.record(
        str(staff_actor(member)),
        "staff.join",
        f"invitation-{invitation.id}",
        invited_by=invitation.invited_by,
        role=invitation.role,
    )
    return member
