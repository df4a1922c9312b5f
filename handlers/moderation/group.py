"""The moderators' group: proposal cards, questions to authors, status changes, hiding.

Only staff with the moderator or admin role can act; anyone else in the group is ignored.
A moderator's reply to a card (or to an author's answer under it) is a question to the
author; a reply to a citizen's /ask question goes back to that citizen; a reply to a
status prompt is the reasoned answer that completes the change.
"""

from __future__ import annotations

from handlers.actors import Actor, staff_actor
from handlers.choices import STATUSES
from handlers.context import Context
from handlers.intake.text_input import Accepted, check_text
from handlers.messages import Choice, Choices, Outgoing, Reference
from handlers.moderation.actions import Unreachable, ask_author, reply_to_participant, set_hidden
from handlers.moderation.cards import card
from handlers.moderation.recipients import workshop_origin
from handlers.moderation.statuses import NEEDS_ANSWER, Change, StatusRefused, change_status
from handlers.moderation.threads import MESSAGE_BOUNDS
from handlers.staff.commands import may, remember_name
from handlers.workshops.origin import WORKSHOP
from storage.models import GroupMessageLink, Proposal


async def on_group(ctx: Context) -> None:
    incoming = ctx.incoming
    if ctx.moderators is None or incoming.address != ctx.moderators:
        return
    member = await ctx.uow.staff.find(incoming.channel, incoming.user_id)
    if member is not None:
        remember_name(member, incoming.user_name)
    if member is None or not may(member, "moderate"):
        return
    ctx.use_language(ctx.catalogs.default)  # the moderators' group speaks the consultation's default language
    actor = staff_actor(member)
    if incoming.content_type == "button":
        await on_button(ctx, actor)
    elif incoming.reply_to is not None and incoming.content_type == "text":
        await on_reply(ctx, actor)


def reply_in_group(ctx: Context, text: str, *, about: Reference | None = None, choices: Choices = ()) -> None:
    ctx.send_to(
        Outgoing(
            to=ctx.incoming.address,
            text=text,
            choices=choices,
            about=about,
            reply_to=ctx.incoming.message_id,
            thread=ctx.incoming.thread,
        )
    )


async def on_reply(ctx: Context, actor: Actor) -> None:
    assert ctx.incoming.reply_to is not None
    link = await ctx.uow.group_links.find(ctx.incoming.channel, ctx.incoming.chat_id, ctx.incoming.reply_to)
    if link is None:
        return  # moderators talking among themselves
    verdict = check_text(ctx.incoming.text, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        reply_in_group(ctx, verdict.reason)
        return
    if link.purpose.startswith("status:") and link.proposal_id is not None:
        await answer_status(ctx, actor, link, verdict.text)
    elif link.proposal_id is not None:
        await question_to_author(ctx, actor, link.proposal_id, verdict.text)
    elif link.participant_id is not None:
        await answer_to_citizen(ctx, actor, link.participant_id, verdict.text)


async def question_to_author(ctx: Context, actor: Actor, proposal_id: int, text: str) -> None:
    proposal = await ctx.uow.proposals.get(proposal_id)
    from_workshop = proposal is not None and proposal.source == WORKSHOP
    try:
        if proposal is None:
            raise Unreachable(str(proposal_id))
        ctx.send_to(await ask_author(ctx.uow, ctx.services, actor, proposal, text))
    except Unreachable:
        reply_in_group(
            ctx,
            ctx.tr._("The facilitator who entered this proposal can no longer be reached.")
            if from_workshop
            else ctx.tr._("The author of this proposal can no longer be reached."),
        )
        return
    assert proposal is not None
    sent = (
        ctx.tr._("Question sent to the facilitator of {code}.")
        if from_workshop
        else ctx.tr._("Question sent to the author of {code}.")
    )
    reply_in_group(ctx, sent.format(code=proposal.code))


async def answer_to_citizen(ctx: Context, actor: Actor, participant_id: int, text: str) -> None:
    try:
        ctx.send_to(await reply_to_participant(ctx.uow, ctx.services, actor, participant_id, text))
    except Unreachable:
        reply_in_group(ctx, ctx.tr._("This participant can no longer be reached."))
        return
    reply_in_group(ctx, ctx.tr._("Answer sent to the participant."))


async def on_button(ctx: Context, actor: Actor) -> None:
    parts = ctx.incoming.choice.split(":")
    if len(parts) < 3 or parts[0] != "mod" or not parts[2].isdigit():
        return
    proposal = await ctx.uow.proposals.get(int(parts[2]))
    if proposal is None:
        return
    action = parts[1]
    if action == "card":
        await show_card(ctx, proposal)
    elif action == "ask":
        prompt_question(ctx, proposal)
    elif action == "status":
        offer_statuses(ctx, proposal)
    elif action == "set" and len(parts) == 4:
        await choose_status(ctx, actor, proposal, parts[3])
    elif action == "hide":
        await set_hidden(ctx.uow, actor, proposal, not proposal.hidden)
        text = (
            ctx.tr._("{code} is hidden from public exports.")
            if proposal.hidden
            else ctx.tr._("{code} is shown again in public exports.")
        )
        reply_in_group(ctx, text.format(code=proposal.code))


async def show_card(ctx: Context, proposal: Proposal) -> None:
    """A digest's button: that proposal's full card, with its thread and buttons."""
    shown = card(ctx.services, proposal, await workshop_origin(ctx.uow, proposal), shown=True)
    if shown is not None:
        ctx.send_to(shown)


def prompt_question(ctx: Context, proposal: Proposal) -> None:
    reply_in_group(
        ctx,
        ctx.tr._("Reply to this message with your question for the author of {code}.").format(code=proposal.code),
        about=Reference("question_prompt", proposal_id=proposal.id),
    )


def offered(proposal: Proposal) -> list[str]:
    """The statuses a moderator may choose now: not the current one, never withdrawn (only an author
    withdraws; a withdrawn proposal refuses every change, with its reason)."""
    return [status for status in STATUSES if status not in (proposal.status, "withdrawn")]


def offer_statuses(ctx: Context, proposal: Proposal) -> None:
    choices = [Choice(f"mod:set:{proposal.id}:{status}", ctx.tr._(STATUSES[status])) for status in offered(proposal)]
    rows = tuple(tuple(choices[i : i + 2]) for i in range(0, len(choices), 2))
    reply_in_group(
        ctx,
        ctx.tr._("New status for {code} (now: {status}):").format(
            code=proposal.code, status=ctx.tr._(STATUSES.get(proposal.status, proposal.status))
        ),
        choices=rows,
    )


async def choose_status(ctx: Context, actor: Actor, proposal: Proposal, status: str) -> None:
    if status not in offered(proposal):  # a button from an old message, or a forged one
        reply_in_group(ctx, ctx.tr._("That status cannot be chosen for {code} now.").format(code=proposal.code))
        return
    if status in NEEDS_ANSWER:
        reply_in_group(
            ctx,
            ctx.tr._(
                "Reply to this message with the reasoned answer for {code} ({status}). "
                "The author will receive it with the new status."
            ).format(code=proposal.code, status=ctx.tr._(STATUSES[status])),
            about=Reference(f"status:{status}", proposal_id=proposal.id),
        )
        return
    await apply_status(ctx, proposal, Change(status, "", actor))


async def answer_status(ctx: Context, actor: Actor, link: GroupMessageLink, answer: str) -> None:
    proposal = await ctx.uow.proposals.get(link.proposal_id or 0)
    if proposal is not None:
        await apply_status(ctx, proposal, Change(link.purpose.split(":", 1)[1], answer, actor))


async def apply_status(ctx: Context, proposal: Proposal, change: Change) -> None:
    try:
        notices = await change_status(ctx.uow, ctx.services, proposal, change)
    except StatusRefused as refused:
        reply_in_group(ctx, ctx.tr._("The status was not changed: {reason}").format(reason=refused.explain(ctx.tr)))
        return
    for notice in notices:
        ctx.send_to(notice)
    if proposal.source == WORKSHOP:
        done = (
            ctx.tr._("{code} is now: {status}. The facilitator was notified.")
            if notices
            else ctx.tr._("{code} is now: {status}. The facilitator can no longer be reached.")
        )
    else:
        done = (
            ctx.tr._("{code} is now: {status}. The author was notified.")
            if notices
            else ctx.tr._("{code} is now: {status}. The author can no longer be reached.")
        )
    reply_in_group(ctx, done.format(code=proposal.code, status=ctx.tr._(STATUSES[proposal.status])))
