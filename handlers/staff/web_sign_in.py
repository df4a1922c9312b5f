"""Signing in to the web desk without a password: a one-time link, then a session.

A staff member asks the bot (``/web``) or an operator runs ``cocrea web link``; either way the link
holds a random token valid for ``LINK_LIFETIME`` that works once. Opening it starts a session of
``SESSION_LIFETIME``, kept in a cookie. Only the SHA-256 of a token is stored, so a copy of the
database opens nothing. A session lives as long as its staff row: removing someone from the staff
ends their sessions, and their role is read again on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from handlers.actors import Actor, staff_actor
from handlers.services import Services
from storage.models import StaffMember
from storage.uow import UnitOfWork

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
SIGN_IN_PATH = "/sign-in/"


@dataclass(frozen=True)
class NewSession:
    token: str
    """The cookie's value: shown once to the browser, never stored."""
    csrf_token: str
    member: StaffMember


@dataclass(frozen=True)
class SignedIn:
    member: StaffMember
    csrf_token: str

    @property
    def actor(self) -> Actor:
        return staff_actor(self.member)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def new_sign_in_link(uow: UnitOfWork, services: Services, actor: Actor, member: StaffMember) -> str:
    """A link that signs ``member`` in once, within ``LINK_LIFETIME`` (committed by the caller)."""
    token = secrets.token_urlsafe(32)
    await uow.web.add_link(token_hash(token), member.id, services.clock() + LINK_LIFETIME)
    await uow.audit.record(str(actor), "web.link", f"staff-{member.id}")
    return services.web_url.rstrip("/") + SIGN_IN_PATH + token


async def sign_in(uow: UnitOfWork, services: Services, token: str) -> NewSession | None:
    """Use a sign-in link: a new session, or None when the link is unknown, used or expired."""
    now = services.clock()
    staff_id = await uow.web.use_link(token_hash(token), now) if 20 <= len(token) <= 100 else None
    member = await uow.staff.get(staff_id) if staff_id is not None else None
    if member is None:
        return None
    await uow.web.forget_expired(now)
    session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await uow.web.add_session(token_hash(session), member.id, csrf, now + SESSION_LIFETIME)
    await uow.audit.record(str(staff_actor(member)), "web.sign_in", f"staff-{member.id}", via="web")
    return NewSession(session, csrf, member)


async def signed_in(uow: UnitOfWork, services: Services, session_token: str) -> SignedIn | None:
    """Who holds this session cookie now, with their current role; None when it is over."""
    if not session_token or len(session_token) > 100:
        return None
    found = await uow.web.session(token_hash(session_token), services.clock())
    if found is None:
        return None
    session, member = found
    return SignedIn(member, session.csrf_token)


async def sign_out(uow: UnitOfWork, services: Services, session_token: str) -> None:
    found = await signed_in(uow, services, session_token)
    await uow.web.end_session(token_hash(session_token))
    if found is not None:
        await uow.audit.record(str(found.actor), "web.sign_out", f"staff-{found.member.id}", via="web")
