"""What moderators and citizens send each other about a proposal: posted under its card, kept in
its thread, and what the bot's group messages refer to once sent."""

from __future__ import annotations

from handlers.context import Context
from handlers.intake.text_input import Bounds
from handlers.messages import Outgoing, Reference, Sent
from storage.models import Conversation, GroupMessageLink, ThreadMessage
from storage.uow import UnitOfWork

MESSAGE_BOUNDS = Bounds(2, 3000)


async def author_conversation(ctx: Context, participant_id: int | None) -> Conversation | None:
    if participant_id is None:
        return None
    return await ctx.uow.conversations.of_participant(participant_id)


async def to_moderators(ctx: Context, text: str, about: Reference, proposal_id: int | None) -> None:
    """Post in the moderators' group, under the proposal's card when there is one."""
    if ctx.moderators is None:
        return
    anchor = await ctx.uow.group_links.card_of(proposal_id) if proposal_id is not None else None
    ctx.send_to(
        Outgoing(
            to=ctx.moderators,
            text=text,
            about=about,
            reply_to=anchor.message_id if anchor else None,
            thread=anchor.thread_id if anchor else None,
        )
    )


async def remember(
    ctx: Context,
    direction: str,
    text: str,
    actor: str,
    *,
    proposal_id: int | None = None,
    participant_id: int | None = None,
) -> None:
    await ctx.uow.threads.add(
        ThreadMessage(
            proposal_id=proposal_id,
            participant_id=participant_id,
            direction=direction,
            text=text,
            actor=actor,
            created_at=ctx.now,
        )
    )


async def record_sent(uow: UnitOfWork, message: Outgoing, sent: Sent) -> None:
    """Remember what a sent message refers to, so that a reply to it reaches the right proposal or person.
    A new thread's first message is linked too: writing in a forum topic replies to it (Telegram's way);
    so are the other parts a channel split it into (a reply to any of them is a reply to the message)."""
    about = message.about
    if about is None or sent.message_id is None:
        return
    thread = sent.thread or message.thread
    ids = [sent.message_id, *sent.also] + ([thread] if message.new_thread and thread is not None else [])
    for message_id in ids:
        await uow.group_links.add(
            GroupMessageLink(
                channel=message.to.channel,
                chat_id=message.to.chat_id,
                message_id=message_id,
                proposal_id=about.proposal_id,
                participant_id=about.participant_id,
                thread_id=thread,
                purpose=about.purpose,
            )
        )
