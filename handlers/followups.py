"""The citizen's side of follow-ups: answering a moderator's question, /ask, withdrawing.

Answering or asking interrupts whatever the citizen was doing: the step and draft are
kept aside ("stashed") and restored afterwards, so a half-written proposal is not lost.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Button
from handlers.statuses import Change, StatusRefused, change_status
from handlers.steps import prompt, set_step
from handlers.text_input import Accepted, check_text
from handlers.threads import MESSAGE_BOUNDS, remember, to_moderators
from storage.models import Proposal

FOLLOW_UP_STEPS = ("answering", "asking")


def stash(ctx: Context, step: str, **values: object) -> None:
    assert ctx.conversation is not None
    current = ctx.conversation
    kept = current.draft.get("stash") if current.step in FOLLOW_UP_STEPS else {
        "step": current.step, "draft": current.draft}
    set_step(ctx, step, {"stash": kept, **values})


def unstash(ctx: Context) -> None:
    assert ctx.conversation is not None
    kept = ctx.conversation.draft.get("stash") or {}
    set_step(ctx, str(kept.get("step", "idle")), dict(kept.get("draft") or {}))
    if ctx.conversation.step != "idle":
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
    stash(ctx, "answering", proposal_id=proposal.id, code=proposal.code)
    prompt(ctx)
    return True


def prompt_answer(ctx: Context) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    assert ctx.conversation is not None
    code = ctx.conversation.draft.get("code", "")
    return ctx.tr._("Write your answer to the team about {code} (or /cancel).").format(code=code), ()


async def send_answer(ctx: Context, proposal: Proposal, raw: str) -> bool:
    verdict = check_text(raw, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        ctx.say(verdict.reason)
        return False
    assert ctx.participant is not None
    await remember(ctx, "answer", verdict.text, ctx.participant.pseudonym, proposal_id=proposal.id,
                   participant_id=ctx.participant.id)
    staff = ctx.catalogs.get(ctx.catalogs.default, ctx.consultation.timezone)
    await to_moderators(ctx, staff._("Answer from the author of {code}:").format(code=proposal.code)
                        + "\n\n" + verdict.text, {"proposal_id": proposal.id, "purpose": "answer"}, proposal.id)
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
    stash(ctx, "asking")
    prompt(ctx)


def prompt_question(ctx: Context) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    return ctx.tr._("Write your question for the team (or /cancel)."), ()


async def send_question(ctx: Context, raw: str) -> bool:
    verdict = check_text(raw, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        ctx.say(verdict.reason)
        return False
    participant = ctx.participant
    assert participant is not None
    await remember(ctx, "ask", verdict.text, participant.pseudonym, participant_id=participant.id)
    staff = ctx.catalogs.get(ctx.catalogs.default, ctx.consultation.timezone)
    heading = staff._("Question from participant {participant} ({language}):").format(
        participant=participant.pseudonym, language=ctx.language)
    await to_moderators(ctx, heading + "\n\n" + verdict.text,
                        {"participant_id": participant.id, "purpose": "ask"}, None)
    ctx.say(ctx.tr._("Your question was sent to the team. You will receive the answer here."))
    return True


# --- messages during a follow-up step, and replies to the bot's messages -----------------------

async def on_follow_up_message(ctx: Context) -> None:
    assert ctx.conversation is not None
    if ctx.incoming.content_type != "text":
        prompt(ctx, ctx.tr._("I can only read text here. Please type your answer."))
        return
    if ctx.conversation.step == "asking":
        sent = await send_question(ctx, ctx.incoming.text)
    else:
        proposal = await own_proposal(ctx, str(ctx.conversation.draft.get("proposal_id", "")))
        sent = proposal is not None and await send_answer(ctx, proposal, ctx.incoming.text)
    if sent:
        unstash(ctx)


async def on_reply(ctx: Context) -> bool:
    """A Telegram reply to one of our questions or answers; True when it was handled here."""
    incoming = ctx.incoming
    if incoming.reply_to_message_id is None or incoming.content_type != "text" or ctx.participant is None:
        return False
    link = await ctx.uow.group_links.find(incoming.chat_id, incoming.reply_to_message_id)
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
    unstash(ctx)


# --- withdrawing -----------------------------------------------------------------------------

async def withdraw(ctx: Context, value: str) -> bool:
    proposal_id, _, confirmed = value.partition(":")
    proposal = await own_proposal(ctx, proposal_id)
    if proposal is None or confirmed not in ("", "yes", "no"):
        return False
    if proposal.status in ("withdrawn", "accepted", "merged", "not_adopted"):
        ctx.say(ctx.tr._("{code} can no longer be withdrawn.").format(code=proposal.code))
    elif confirmed == "":
        ctx.say(ctx.tr._("Withdraw {code}? The team will no longer consider it.").format(code=proposal.code), (
            (Button(ctx.tr._("Yes, withdraw it"), f"withdraw:{proposal.id}:yes"),
             Button(ctx.tr._("No, keep it"), f"withdraw:{proposal.id}:no")),))
    elif confirmed == "no":
        ctx.say(ctx.tr._("{code} stays as it is.").format(code=proposal.code))
    else:
        await _withdraw(ctx, proposal)
    return True


async def _withdraw(ctx: Context, proposal: Proposal) -> None:
    try:
        await change_status(ctx.uow, ctx.catalogs, proposal, Change("withdrawn", "", "citizen"), ctx.now,
                            ctx.consultation.timezone)
    except StatusRefused:
        ctx.say(ctx.tr._("{code} can no longer be withdrawn.").format(code=proposal.code))
        return
    staff = ctx.catalogs.get(ctx.catalogs.default, ctx.consultation.timezone)
    await to_moderators(ctx, staff._("{code} was withdrawn by its author.").format(code=proposal.code),
                        {"proposal_id": proposal.id, "purpose": "answer"}, proposal.id)
    ctx.say(ctx.tr._("{code} has been withdrawn.").format(code=proposal.code))
