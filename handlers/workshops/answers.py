"""A facilitator answers the moderators' questions about their tables' proposals, in the mode or out
of it: a reply to the question, or its Answer button (what they were writing is kept aside and
restored). The answer comes back under the proposal's card."""

from __future__ import annotations

from dataclasses import replace

from handlers.actors import staff_actor
from handlers.context import Context
from handlers.intake.draft import Aside, State
from handlers.intake.screens import ANSWERING, IDLE, prompt
from handlers.intake.text_input import Accepted, check_text
from handlers.messages import Reference
from handlers.moderation.threads import MESSAGE_BOUNDS, remember, to_moderators
from handlers.staff.commands import may
from handlers.workshops.mode import open_chat, show
from storage.models import Proposal, StaffMember


async def outside_mode(ctx: Context) -> bool:
    """Out of the mode, a facilitator still answers questions about their tables' proposals."""
    incoming = ctx.incoming
    prefix, _, value = incoming.choice.partition(":")
    answering = incoming.content_type == "button" and prefix == "answer"
    if not answering and (incoming.reply_to is None or incoming.content_type != "text"):
        return False
    member = await ctx.uow.staff.find(incoming.channel, incoming.user_id)
    if member is None or not may(member, "taller"):
        return False
    if answering:
        if await entered_by(ctx, member, value) is None:
            return False
        await open_chat(ctx, member)
        return await start_answer(ctx, member, value)
    return await reply(ctx, member)


async def entered_by(ctx: Context, member: StaffMember, proposal_id: str) -> Proposal | None:
    """The workshop proposal ``proposal_id`` when ``member`` entered it (and answers for it)."""
    if not proposal_id.isdecimal() or len(proposal_id) > 9:
        return None
    origin = await ctx.uow.workshops.origin_of(int(proposal_id))
    if origin is None or origin.staff_id != member.id:
        return None
    return await ctx.uow.proposals.get(origin.proposal_id)


async def start_answer(ctx: Context, member: StaffMember, proposal_id: str) -> bool:
    proposal = await entered_by(ctx, member, proposal_id)
    if proposal is None:
        return False
    current = ctx.state
    kept = current.aside if ctx.step == ANSWERING else Aside(ctx.step, current)
    ctx.go(ANSWERING, State(proposal_id=proposal.id, code=proposal.code, aside=kept))
    prompt(ctx)
    return True


async def answer_message(ctx: Context, member: StaffMember) -> None:
    if ctx.incoming.content_type != "text":
        prompt(ctx, ctx.tr._("I can only read text here. Please type your answer."))
        return
    proposal = await entered_by(ctx, member, str(ctx.state.proposal_id or ""))
    if (proposal is not None and await send_answer(ctx, member, proposal, ctx.incoming.text)) or proposal is None:
        await take_back(ctx)


async def reply(ctx: Context, member: StaffMember) -> bool:
    """A reply to a question about one of the facilitator's proposals; True when it was one."""
    incoming = ctx.incoming
    if incoming.reply_to is None or incoming.content_type != "text":
        return False
    link = await ctx.uow.group_links.find(incoming.channel, incoming.chat_id, incoming.reply_to)
    if link is None or link.purpose != "question" or link.proposal_id is None:
        return False
    proposal = await entered_by(ctx, member, str(link.proposal_id))
    if proposal is None:
        return False
    await send_answer(ctx, member, proposal, incoming.text)
    return True


async def send_answer(ctx: Context, member: StaffMember, proposal: Proposal, raw: str) -> bool:
    verdict = check_text(raw, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        ctx.say(verdict.reason)
        return False
    await remember(ctx, "answer", verdict.text, str(staff_actor(member)), proposal_id=proposal.id)
    staff = ctx.services.staff_translator
    await to_moderators(
        ctx,
        staff._("Answer from the facilitator of {code}:").format(code=proposal.code) + "\n\n" + verdict.text,
        Reference("answer", proposal_id=proposal.id),
        proposal.id,
    )
    ctx.say(ctx.tr._("Thank you! Your answer was sent to the team."))
    return True


async def take_back(ctx: Context) -> None:
    kept = ctx.state.aside
    ctx.go(kept.step if kept else IDLE, replace(kept.state, aside=None) if kept else State())
    if ctx.step != IDLE:
        await show(ctx, ctx.tr._("Let's continue with the table's proposals."))
