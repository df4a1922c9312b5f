"""The people behind a commitment's proposals: who hears about it and how many they are.

Every author and every supporter hears about a proposal in their language, on their channel; a proposal
of a workshop table is told to the facilitator who entered it. A person is reached once per chat however
many of the proposals they wrote or support: one message names all of them. Someone who deleted their
data (``/delete_me``) is nobody to tell: their proposal no longer names them and their supports are gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from handlers.messages import Address
from handlers.moderation.recipients import author_of
from handlers.services import Services
from handlers.workshops.origin import WORKSHOP, Origin
from storage.models import Proposal
from storage.uow import UnitOfWork

Role = Literal["author", "supporter", "table"]


@dataclass(frozen=True)
class Mention:
    """Why a person hears about a proposal: they wrote it, support it, or entered it for a table."""

    proposal: Proposal
    role: Role
    origin: Origin | None = None


@dataclass
class Person:
    """One chat to tell, in its language, and the recipients (``participant:<id>``, ``proposal:<id>``) it
    stands for in the record of who was told of what."""

    address: Address
    language: str
    keys: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)

    def codes(self, role: Role | None = None) -> list[str]:
        chosen = [m.proposal.code for m in self.mentions if role is None or m.role == role]
        return list(dict.fromkeys(chosen))


def participant_key(participant_id: int) -> str:
    return f"participant:{participant_id}"


def proposal_key(proposal_id: int) -> str:
    return f"proposal:{proposal_id}"


async def people_of(uow: UnitOfWork, services: Services, proposals: Sequence[Proposal]) -> list[Person]:
    """Everyone who hears about ``proposals``, once per chat, in the order the proposals are given (authors
    before supporters)."""
    supporters = await uow.supports.supporters_of([p.id for p in proposals])
    authors = [p.participant_id for p in proposals if p.source != WORKSHOP and p.participant_id is not None]
    ids = list(dict.fromkeys([*authors, *(pid for found in supporters.values() for pid in found)]))
    chats = await uow.conversations.of_participants(ids)
    people: dict[Address, Person] = {}

    def mention(address: Address, language: str, key: str, about: Mention) -> None:
        person = people.setdefault(address, Person(address, language))
        person.keys.add(key)
        if not any(m.proposal.id == about.proposal.id for m in person.mentions):
            person.mentions.append(about)  # an author who also supports their own proposal: named once

    for proposal in proposals:
        if proposal.source == WORKSHOP:
            recipient = await author_of(uow, services, proposal)
            if recipient is not None:
                about = Mention(proposal, "table", recipient.origin)
                mention(recipient.address, recipient.language, proposal_key(proposal.id), about)
        elif proposal.participant_id is not None and (chat := chats.get(proposal.participant_id)) is not None:
            address = Address(chat.channel, chat.chat_id)
            mention(address, chat.language, participant_key(proposal.participant_id), Mention(proposal, "author"))
    for proposal in proposals:
        for participant_id in supporters.get(proposal.id, []):
            if (chat := chats.get(participant_id)) is not None:
                address = Address(chat.channel, chat.chat_id)
                mention(address, chat.language, participant_key(participant_id), Mention(proposal, "supporter"))
    return list(people.values())


async def count_people(uow: UnitOfWork, proposals: Sequence[Proposal]) -> int:
    """How many people are behind ``proposals``: each author and supporter once, however many of the
    proposals they wrote or support; an author who deleted their data still counts (once per proposal);
    a workshop proposal counts the people of its table who back it (at least one)."""
    ids = [p.id for p in proposals]
    supporters = await uow.supports.supporters_of(ids)
    workshop = [p.id for p in proposals if p.source == WORKSHOP]
    backers = await uow.commitments.backers(workshop) if workshop else {}
    participants = {pid for found in supporters.values() for pid in found}
    unnamed = 0
    for proposal in proposals:
        if proposal.source == WORKSHOP:
            unnamed += max(backers.get(proposal.id) or 1, 1)
        elif proposal.participant_id is not None:
            participants.add(proposal.participant_id)
        else:
            unnamed += 1
    return len(participants) + unnamed


async def supporter_sectors(uow: UnitOfWork, proposals: Sequence[Proposal]) -> list[str]:
    """The profile sectors of the people who support ``proposals`` (for the supporting actors)."""
    supporters = await uow.supports.supporters_of([p.id for p in proposals])
    ids = list(dict.fromkeys(pid for found in supporters.values() for pid in found))
    sectors = await uow.commitments.sectors(ids) if ids else {}
    return [sectors[pid] for pid in ids if pid in sectors]
