"""What moderators and citizens send each other: the proposal card, questions, answers."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Button, Outgoing
from handlers.text_input import Bounds
from storage.models import Conversation, Proposal, ThreadMessage

MESSAGE_BOUNDS = Bounds(2, 3000)


def staff_language(ctx: Context) -> None:
    """The moderators' group speaks the consultation's default language."""
    ctx.use_language(ctx.catalogs.default)


def card(ctx: Context, proposal: Proposal) -> Outgoing | None:
    """The proposal as moderators see it, with its buttons; None without a moderators' group."""
    if ctx.moderators_chat_id is None:
        return None
    tr = ctx.catalogs.get(ctx.catalogs.default, ctx.consultation.timezone)
    language = tr.language
    axis = ctx.consultation.axis(proposal.axis_id)
    pillar = ctx.consultation.pillar(proposal.pillar_id)
    zone = ctx.consultation.zone(proposal.zone) if proposal.zone else None
    lines = [
        tr._("New proposal {code}").format(code=proposal.code),
        tr._("Thematic axis: {axis}").format(axis=axis.label(language) if axis else proposal.axis_id),
        tr._("Pillar: {pillar}").format(pillar=pillar.label(language) if pillar else proposal.pillar_id),
        tr._("Problem: {text}").format(text=proposal.problem),
        tr._("Proposed solution: {text}").format(text=proposal.solution),
        tr._("How it would help: {text}").format(text=proposal.contribution),
        tr._("Zone: {zone} · Language: {language}").format(
            zone=zone.label(language) if zone else "—", language=proposal.language),
    ]
    buttons = (
        (Button(tr._("Ask the author"), f"mod:ask:{proposal.id}"),
         Button(tr._("Change status"), f"mod:status:{proposal.id}")),
        (Button(tr._("Hide"), f"mod:hide:{proposal.id}"),),
    )
    topic = f"{proposal.code} · {axis.label(language) if axis else proposal.axis_id}"[:128]
    return Outgoing(chat_id=ctx.moderators_chat_id, text="\n\n".join(lines)[:4096], buttons=buttons,
                    link={"proposal_id": proposal.id, "purpose": "card"}, topic=topic)


async def author_conversation(ctx: Context, participant_id: int | None) -> Conversation | None:
    if participant_id is None:
        return None
    return await ctx.uow.conversations.of_participant(participant_id)


async def to_moderators(ctx: Context, text: str, link: dict[str, int | str], proposal_id: int | None) -> None:
    """Post in the moderators' group, under the proposal's card when there is one."""
    if ctx.moderators_chat_id is None:
        return
    anchor = await ctx.uow.group_links.card_of(proposal_id) if proposal_id is not None else None
    ctx.send_to(Outgoing(
        chat_id=ctx.moderators_chat_id, text=text[:4096], link=link,
        reply_to_message_id=anchor.message_id if anchor else None,
        thread_id=anchor.thread_id if anchor else None,
    ))


async def remember(ctx: Context, direction: str, text: str, actor: str, *,
                   proposal_id: int | None = None, participant_id: int | None = None) -> None:
    await ctx.uow.threads.add(ThreadMessage(proposal_id=proposal_id, participant_id=participant_id,
                                            direction=direction, text=text, actor=actor))
