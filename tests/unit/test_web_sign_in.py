"""A staff member signs in to the web desk with a one-time link; the session follows their role."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.actors import operator
from handlers.services import Services
from handlers.staff.permissions import MANAGE, MODERATE, READ, allowed
from handlers.staff.web_sign_in import new_sign_in_link, sign_in, sign_out, signed_in, token_hash
from storage.models import StaffMember
from tests.conftest import NOW


async def member(services: Services, role: str = "moderator") -> StaffMember:
    async with services.uow() as uow:
        found = await uow.staff.put("telegram", "900", role, "test")
        await uow.commit()
        return found


def at(services: Services, delta: timedelta) -> Services:
    return replace(services, clock=lambda: NOW + delta)


async def test_a_link_opens_one_session_once(services: Services) -> None:
    services = replace(services, web_url="https://participa.example.org/")
    staff = await member(services)
    async with services.uow() as uow:
        link = await new_sign_in_link(uow, services, operator(), staff)
        await uow.commit()
    assert link.startswith("https://participa.example.org/sign-in/")
    token = link.rsplit("/", 1)[1]
    async with services.uow() as uow:
        session = await sign_in(uow, services, token)
        await uow.commit()
    assert session is not None and session.member.id == staff.id and session.token != token
    async with services.uow() as uow:
        assert await sign_in(uow, services, token) is None, "a link works once"
    async with services.uow() as uow:
        found = await signed_in(uow, services, session.token)
    assert (
        found is not None
        and found.csrf_token == session.csrf_token
        and str(found.actor) == f"moderator:staff-{staff.id}"
    )
    assert token_hash(session.token) != session.token and len(token_hash(session.token)) == 64


async def test_links_and_sessions_expire(services: Services) -> None:
    staff = await member(services)
    async with services.uow() as uow:
        late = await new_sign_in_link(uow, services, operator(), staff)
        timely = await new_sign_in_link(uow, services, operator(), staff)
        await uow.commit()
    async with services.uow() as uow:
        assert await sign_in(uow, at(services, timedelta(minutes=11)), late.rsplit("/", 1)[1]) is None
    async with services.uow() as uow:
        session = await sign_in(uow, at(services, timedelta(minutes=9)), timely.rsplit("/", 1)[1])
        await uow.commit()
    assert session is not None
    async with services.uow() as uow:
        assert await signed_in(uow, at(services, timedelta(hours=8, minutes=8)), session.token) is not None
        assert await signed_in(uow, at(services, timedelta(hours=8, minutes=10)), session.token) is None


async def test_a_session_ends_on_sign_out_or_when_the_member_leaves(services: Services) -> None:
    staff = await member(services, "admin")
    tokens = []
    for _ in range(2):
        async with services.uow() as uow:
            link = await new_sign_in_link(uow, services, operator(), staff)
            session = await sign_in(uow, services, link.rsplit("/", 1)[1])
            await uow.commit()
        assert session is not None
        tokens.append(session.token)
    async with services.uow() as uow:
        await sign_out(uow, services, tokens[0])
        await uow.commit()
    async with services.uow() as uow:
        assert await signed_in(uow, services, tokens[0]) is None
        assert await signed_in(uow, services, tokens[1]) is not None
        await uow.staff.put("telegram", "900", "analyst", "test")
        await uow.commit()
    async with services.uow() as uow:
        demoted = await signed_in(uow, services, tokens[1])
        assert demoted is not None and demoted.member.role == "analyst", "the role is read at every request"
        await uow.staff.remove("telegram", "900")
        await uow.commit()
    async with services.uow() as uow:
        assert await signed_in(uow, services, tokens[1]) is None
        assert await signed_in(uow, services, "") is None and await signed_in(uow, services, "x" * 500) is None


def test_each_role_may_do_what_it_should() -> None:
    assert [allowed("analyst", p) for p in (READ, MODERATE, MANAGE)] == [True, False, False]
    assert [allowed("moderator", p) for p in (READ, MODERATE, MANAGE)] == [True, True, False]
    assert [allowed("admin", p) for p in (READ, MODERATE, MANAGE)] == [True, True, True]
    assert not allowed(None, READ) and not allowed("citizen", READ)
