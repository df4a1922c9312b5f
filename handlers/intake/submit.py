"""The review's actions: edit a field, send the proposal (tracking code, card to the moderators), cancel."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Context
from handlers.intake.draft import Draft, State
from handlers.intake.onboarding import say_closed
from handlers.intake.screens import IDLE, prompt
from handlers.messages import Choice
from handlers.moderation.cards import card
from storage.models import Proposal


def edit(ctx: Context, name: str) -> bool:
    step = ctx.steps.get(name)
    if step is None or step not in ctx.steps.editable or not step.asked(ctx.consultation):
        return False
    ctx.go(step.name, replace(ctx.state, editing=True))
    prompt(ctx)
    return True


def confirm_cancel(ctx: Context) -> None:
    """Cancel sits beside Send: ask before throwing a proposal away."""
    ctx.say(
        ctx.tr._("Discard this proposal? Nothing will be sent."),
        (
            (
                Choice("review:discard", ctx.tr._("Yes, discard it")),
                Choice("review:keep", ctx.tr.p_("draft", "No, keep it")),
            ),
        ),
    )


def cancel_draft(ctx: Context) -> None:
    ctx.go(IDLE, State())
    ctx.say(ctx.tr._("Your draft was discarded; nothing was sent. Send /new whenever you want to start again."))


async def send(ctx: Context) -> None:
    """Store the proposal and answer with its tracking code."""
    assert ctx.participant is not None
    consultation = ctx.consultation
    if not consultation.is_open(ctx.now):
        say_closed(ctx)
        return
    number = await ctx.uow.counters.next(f"code:{consultation.slug}")
    code = f"{consultation.code_prefix}-{number:04d}"
    proposal = await ctx.uow.proposals.add(new_proposal(ctx, ctx.state.draft, code), actor="citizen")
    await ctx.services.similar.store(ctx.uow, [proposal])
    ctx.go(IDLE, State())
    ctx.say(
        ctx.tr._("Your proposal has been sent. Your tracking code is {code}.").format(code=code)
        + "\n\n"
        + ctx.tr._(
            "What happens next: the team reads every proposal and may ask you questions here. "
            "You will receive a reasoned answer about what became of it. "
            "Check its status at any time with /mine."
        ),
        ((Choice("menu:new", ctx.tr._("Write another proposal"), ctx.tr._("Another proposal")),),),
    )
    moderators_card = card(ctx.services, proposal)
    if moderators_card is not None:
        ctx.send_to(moderators_card)


def new_proposal(ctx: Context, draft: Draft, code: str) -> Proposal:
    """The proposal of ``draft``: every answered step of the table into its column."""
    participant = ctx.participant
    assert participant is not None
    proposal = Proposal(
        code=code,
        consultation=ctx.consultation.slug,
        participant_id=participant.id,
        participant_pseudonym=participant.pseudonym,
        language=ctx.language,
        channel=ctx.incoming.channel,
        latitude=draft.location.latitude if draft.location else None,
        longitude=draft.location.longitude if draft.location else None,
        attachments=list(draft.photos),
        status="received",
        submitted_at=ctx.now,
    )
    for step in ctx.steps.proposal:
        if step.export_columns:
            setattr(proposal, step.stored_as, draft.get(step.field))
    for step in ctx.steps.profile:
        setattr(proposal, step.stored_as, getattr(participant, step.field))
    return proposal
