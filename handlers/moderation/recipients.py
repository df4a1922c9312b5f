"""Who hears about a proposal: the citizen who wrote it, in their chat and language, or — for a proposal
of a workshop table — the facilitator who entered it, while they are still a facilitator; and the
citizens who support it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.messages import Address
from handlers.services import Services
from handlers.staff.commands import may
from handlers.workshops.origin import WORKSHOP, Origin
from storage.models import Proposal
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Recipient:
    address: Address
    language: str
    origin: Origin | None = None
    """Set when the recipient is the facilitator of a workshop table."""
    supporter: bool = False
    """A citizen who supports the proposal (not its author)."""


async def author_of(uow: UnitOfWork, services: Services, proposal: Proposal) -> Recipient | None:
    """None when nobody can be told any more (the author deleted their data, the facilitator left)."""
    if proposal.source == WORKSHOP:
        return await _facilitator(uow, services, proposal)
    if proposal.participant_id is None:
        return None
    conversation = await uow.conversations.of_participant(proposal.participant_id)
    if conversation is None:
        return None
    return Recipient(Address(conversation.channel, conversation.chat_id), conversation.language)


async def workshop_origin(uow: UnitOfWork, proposal: Proposal) -> Origin | None:
    """Where a workshop proposal comes from (None for a chat proposal)."""
    origin = await uow.workshops.origin_of(proposal.id) if proposal.source == WORKSHOP else None
    workshop = await uow.workshops.get(origin.workshop_id) if origin is not None else None
    if origin is None or workshop is None:
        return None
    return Origin(workshop.id, workshop.name, workshop.held_on, origin.table_number, origin.backers)


async def _facilitator(uow: UnitOfWork, services: Services, proposal: Proposal) -> Recipient | None:
    stored = await uow.workshops.origin_of(proposal.id)
    member = await uow.staff.get(stored.staff_id) if stored is not None and stored.staff_id is not None else None
    origin = await workshop_origin(uow, proposal)
    if origin is None or member is None or not may(member, "taller"):
        return None
    chat = await uow.facilitator_chats.of_staff(member.id)
    return Recipient(
        Address(member.channel, member.external_id),  # a person's private chat with the bot has their user id
        chat.language if chat is not None else services.catalogs.default,
        origin,
    )


async def supporters_of(uow: UnitOfWork, proposal: Proposal) -> list[Recipient]:
    """The citizens who support ``proposal`` and can still be told (oldest support first)."""
    return (await supporters_of_many(uow, [proposal.id])).get(proposal.id, [])


async def supporters_of_many(uow: UnitOfWork, proposal_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    """Proposal id → its supporters who can still be told, in two queries (a bulk change of statuses)."""
    supporters = await uow.supports.supporters_of(proposal_ids)
    if not supporters:
        return {}
    conversations = await uow.conversations.of_participants(list({p for ids in supporters.values() for p in ids}))
    return {
        proposal_id: [
            Recipient(Address(conversation.channel, conversation.chat_id), conversation.language, supporter=True)
            for participant_id in participant_ids
            if (conversation := conversations.get(participant_id)) is not None
        ]
        for proposal_id, participant_ids in supporters.items()
    }
