"""A new moderator joins by invitation, without looking up their numeric Telegram id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from handlers.actors import Actor
from handlers.engine import Engine
from handlers.services import Services
from handlers.staff.invitations import VALID_FOR, invite
from storage.database import Database
from storage.models import AuditEntry
from tests.conftest import NOW
from tests.driver import Citizen

ADMIN = Actor("operator", "cli-ana")


async def new_invitation(services: Services, role: str = "moderator") -> str:
    async with services.uow() as uow:
        invitation = await invite(uow, services, ADMIN, role)
        await uow.commit()
    assert invitation.expires_at == NOW + VALID_FOR
    return invitation.code


async def test_the_invited_person_gets_the_role_once_and_the_audit_says_who_invited_whom(
    make_citizen: Callable[..., Citizen], services: Services, database: Database
) -> None:
    code = await new_invitation(services)
    mara = make_citizen("4242")

    [welcome] = await mara.send_kind("command", text=f"/staff {code}", user_name="Mara Paz")

    assert welcome.text == "¡Bienvenido/a al equipo! Tu rol: moderador/a. Envía /help para ver lo que puedes hacer."
    async with services.uow.reading() as uow:
        member = await uow.staff.find("telegram", "4242")
    assert member is not None and (member.role, member.display_name) == ("moderator", "Mara Paz")
    again = make_citizen("5353")
    [refused] = await again.send(f"/staff {code}")
    assert refused.text.startswith("Esta invitación no es válida"), "a code works once"
    async with database.sessions() as session:
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert [(e.actor, e.action, e.detail.get("invited_by")) for e in entries] == [
        ("operator:cli-ana", "staff.invite", None),
        (f"moderator:staff-{member.id}", "staff.join", "operator:cli-ana"),
    ]


async def test_the_link_works_through_start(make_citizen: Callable[..., Citizen], services: Services) -> None:
    code = await new_invitation(services, role="analyst")
    [welcome] = await make_citizen("6161").send(f"/start {code}")
    assert "Tu rol: analista" in welcome.text


async def test_an_expired_or_made_up_code_gives_nothing(
    make_citizen: Callable[..., Citizen], services: Services
) -> None:
    code = await new_invitation(services)
    later = make_citizen("7171")
    later.engine = Engine(replace(services, clock=lambda: NOW + VALID_FOR + timedelta(minutes=1)))
    [refused] = await later.send(f"/staff {code}")
    assert refused.text.startswith("Esta invitación no es válida")
    [refused] = await make_citizen("8181").send("/staff abcdefghijklmnop")
    assert refused.text.startswith("Esta invitación no es válida")
    [welcome] = await make_citizen("9191").send("/start abcdefghijklmnop")
    assert "Aviso de privacidad" in welcome.text, "a stranger with a wrong link just starts as a citizen"
    async with services.uow.reading() as uow:
        assert await uow.staff.all() == []
