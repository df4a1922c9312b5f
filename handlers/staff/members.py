"""Managing staff: who may use the staff commands, the moderators' group and the web desk."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.actors import Actor, channel_of
from handlers.i18n import N_
from handlers.staff.requests import RequestError
from storage.models import StaffMember
from storage.roles import ROLES
from storage.uow import UnitOfWork


def check_user_id(value: str) -> str:
    if not value.isdigit() or len(value) > 20 or int(value) == 0:
        raise RequestError(N_("a Telegram user id is a positive number, got {value}"), value=value[:40])
    return value


async def add_staff(
    uow: UnitOfWork, actor: Actor, channel: str, user_id: str, role: str, *, via: str | None = None
) -> StaffMember:
    """Add a staff member, or change their role."""
    if role not in ROLES:
        raise RequestError(N_("unknown role {value}; roles are {known}"), value=role, known=", ".join(ROLES))
    member = await uow.staff.put(channel, check_user_id(user_id), role, added_by=str(actor))
    await uow.audit.record(str(actor), "staff.add", f"staff-{member.id}", role=role, **channel_of(via))
    return member


async def remove_staff(uow: UnitOfWork, actor: Actor, channel: str, user_id: str, *, via: str | None = None) -> None:
    member = await uow.staff.find(channel, check_user_id(user_id))
    if member is None or not await uow.staff.remove(channel, user_id):
        raise RequestError(N_("{target} is not on the staff"), target=f"{channel}:{user_id}")
    await uow.audit.record(str(actor), "staff.remove", f"staff-{member.id}", **channel_of(via))


async def find_member(uow: UnitOfWork, channel: str, user_id: str) -> StaffMember:
    member = await uow.staff.find(channel, check_user_id(user_id))
    if member is None:
        raise RequestError(N_("{target} is not on the staff"), target=f"{channel}:{user_id}")
    return member


async def list_staff(uow: UnitOfWork) -> Sequence[StaffMember]:
    return await uow.staff.all()
