"""The citizen's side of follow-ups: answering a moderator's question, /ask, withdrawing.

Answering or asking interrupts whatever the citizen was doing: the step and draft are
kept aside and restored afterwards, so a half-written proposal is not lost.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.actors import CITIZEN
from handlers.context import Context
from handlers.intake.draft import Aside, State
from handlers.intake.screens import ANSWERING, ASKING, FOLLOW_UP_STEPS, IDLE, prompt
from handlers.intake.text_input import Accepted, check_text
from handlers.messages import Choice, Reference
from handlers.moderation.statuses import FINAL, Change, StatusRefused, change_status
from handlers.moderation.threads import MESSAGE_BOUNDS, remember, to_moderators
from storage.models import Proposal


def put_aside(ctx: Context, step: str, state: State) -> None:
    """Go to a follow-up ``step``, keeping what the citizen was doing aside (only once)."""
    current = ctx.state
    kept = current.aside if ctx.step in FOLLOW_UP_STEPS else Aside(ctx.step, current)
    ctx.go(step, replace(state, aside=kept))


def take_back(ctx: Context) -> None:
    kept = ctx.state.aside
    ctx.go(kept.step if kept else IDLE, kept.state if kept else State())
    if ctx.step != IDLE:
        prompt(ctx, ctx.tr._("Let's continue with your proposal."))


async def own_proposal(ctx: Context, proposal_id: str) -> Proposal | None:
    if not proposal_id.isdigit() or ctx.participant is None:
        return None
    proposal = await ctx.uow.proposals.get(int(proposal_id))
    return proposal if proposal is not None and proposal.participant_id == ctx.participant.id else None


# --- answering a moderator's question -------------------------------------------------------


async def start_answer(ctx: Context, proposal_id: str) -> bool:
    proposal = await own_proposal(ctx, proposal_id)
    if proposal is None:
        return False
    put_aside(ctx, ANSWERING, State(proposal_id=proposal.id, code=proposal.code))
    prompt(ctx)
    return True


async def send_answer(ctx: Context, proposal: Proposal, raw: str) -> bool:
    verdict = check_text(raw, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        ctx.say(verdict.reason)
        return False
    assert ctx.participant is not None
    await remember(
        ctx, "answer", verdict.text, str(CITIZEN), proposal_id=proposal.id, participant_id=ctx.participant.id
    )
    staff = ctx.services.staff_translator
    await to_moderators(
        ctx,
        staff._("Answer from the author of {code}:").format(code=proposal.code) + "\n\n" + verdict.text,
        Reference("answer", proposal_id=proposal.id),
        proposal.id,
    )
    ctx.say(ctx.tr._("Thank you! Your answer was sent to the team."))
    return True


# --- /ask ------------------------------------------------------------------------------------


async def ask(ctx: Context) -> None:
    if ctx.conversation is None:
        ctx.say(ctx.tr._("Send /start first, so that we can answer you."))
        return
    question = ctx.incoming.text.partition(" ")[2].strip()
    if question:
        await send_question(ctx, question)
        return
    put_aside(ctx, ASKING, State())
    prompt(ctx)


async def send_question(ctx: Context, raw: str) -> bool:
    verdict = check_text(raw, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        ctx.say(verdict.reason)
        return False
    participant = ctx.participant
    assert participant is not None
    await remember(ctx, "ask", verdict.text, str(CITIZEN), participant_id=participant.id)
    staff = ctx.services.staff_translator
    heading = staff._("Question from participant {participant} ({language}):").format(
        participant=participant.pseudonym, language=ctx.language
    )
    await to_moderators(ctx, heading + "\n\n" + verdict.text, Reference("ask", participant_id=participant.id), None)
    ctx.say(ctx.tr._("Your question was sent to the team. You will receive the answer here."))
    return True


# --- messages during a follow-up step, and replies to the bot's messages -----------------------


async def on_follow_up_message(ctx: Context) -> None:
    if ctx.incoming.content_type != "text":
        prompt(ctx, ctx.tr._("I can only read text here. Please type your answer."))
        return
    if ctx.step == ASKING:
        sent = await send_question(ctx, ctx.incoming.text)
    else:
        proposal = await own_proposal(ctx, str(ctx.state.proposal_id or ""))
        sent = proposal is not None and await send_answer(ctx, proposal, ctx.incoming.text)
    if sent:
        take_back(ctx)


async def on_reply(ctx: Context) -> bool:
    """A reply to one of our questions or answers; True when it was handled here."""
    incoming = ctx.incoming
    if incoming.reply_to is None or incoming.content_type != "text" or ctx.participant is None:
        return False
    link = await ctx.uow.group_links.find(incoming.channel, incoming.chat_id, incoming.reply_to)
    if link is None:
        return False
    if link.purpose == "question" and link.proposal_id is not None:
        proposal = await own_proposal(ctx, str(link.proposal_id))
        return proposal is not None and (await send_answer(ctx, proposal, incoming.text) or True)
    if link.purpose == "reply":
        await send_question(ctx, incoming.text)
        return True
    return False


def cancel_follow_up(ctx: Context) -> None:
    ctx.say(ctx.tr._("Cancelled."))
    take_back(ctx)


# --- withdrawing -----------------------------------------------------------------------------


async def withdraw(ctx: Context, value: str) -> bool:
    proposal_id, _, confirmed = value.partition(":")
    proposal = await own_proposal(ctx, proposal_id)
    if proposal is None or confirmed not in ("", "yes", "no"):
        return False
    if proposal.status in FINAL:
        ctx.say(ctx.tr._("{code} can no longer be withdrawn.").format(code=proposal.code))
    elif confirmed == "":
        ctx.say(
            ctx.tr._("Withdraw {code}? The team will no longer consider it.").format(code=proposal.code),
            (
                (
                    Choice(f"withdraw:{proposal.id}:yes", ctx.tr._("Yes, withdraw it")),
                    Choice(f"withdraw:{proposal.id}:no", ctx.tr.p_("proposal", "No, keep it")),
                ),
            ),
        )
    elif confirmed == "no":
        ctx.say(ctx.tr._("{code} stays as it is.").format(code=proposal.code))
    else:
        await _withdraw(ctx, proposal)
    return True


async def _withdraw(ctx: Context, proposal: Proposal) -> None:
    try:
        for notice in await change_status(ctx.uow, ctx.services, proposal, Change("withdrawn", "", CITIZEN)):
            ctx.send_to(notice)  # its supporters hear that it was withdrawn
    except StatusRefused:
        ctx.say(ctx.tr._("{code} can no longer be withdrawn.").format(code=proposal.code))
        return
    staff = ctx.services.staff_translator
    await to_moderators(
        ctx,
        staff._("{code} was withdrawn by its author.").format(code=proposal.code),
        Reference("answer", proposal_id=proposal.id),
        proposal.id,
    )
    ctx.say(ctx.tr._("{code} has been withdrawn.").format(code=proposal.code))
