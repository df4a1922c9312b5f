"""The moderators' group: proposal cards, questions to authors, status changes, hiding.

Only staff with the moderator or admin role can act; anyone else in the group is ignored.
A moderator's reply to a card (or to an author's answer under it) is a question to the
author; a reply to a citizen's /ask question goes back to that citizen; a reply to a
status prompt is the reasoned answer that completes the change.
"""

from __future__ import annotations

from handlers.choices import STATUSES
from handlers.context import Context
from handlers.messages import Button, Outgoing
from handlers.statuses import NEEDS_ANSWER, Change, StatusRefused, change_status
from handlers.text_input import Accepted, check_text
from handlers.threads import MESSAGE_BOUNDS, author_conversation, remember, staff_language
from storage.models import GroupMessageLink, Proposal, StaffMember

ACTING_ROLES = ("moderator", "admin")


async def on_group(ctx: Context) -> None:
    incoming = ctx.incoming
    if ctx.moderators_chat_id is None or incoming.chat_id != ctx.moderators_chat_id:
        return
    member = await ctx.uow.staff.find(incoming.channel, str(incoming.user_id))
    if member is None or member.role not in ACTING_ROLES:
        return
    staff_language(ctx)
    if incoming.content_type == "button":
        await on_button(ctx, member)
    elif incoming.reply_to_message_id is not None and incoming.content_type == "text":
        await on_reply(ctx, member)


def actor(member: StaffMember) -> str:
    return f"staff:{member.external_id}"


def reply_in_group(ctx: Context, text: str, *, link: dict[str, int | str] | None = None,
                   buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    ctx.send_to(Outgoing(chat_id=ctx.incoming.chat_id, text=text, buttons=buttons, link=link,
                         reply_to_message_id=ctx.incoming.message_id, thread_id=ctx.incoming.thread_id))


async def on_reply(ctx: Context, member: StaffMember) -> None:
    assert ctx.incoming.reply_to_message_id is not None
    link = await ctx.uow.group_links.find(ctx.incoming.chat_id, ctx.incoming.reply_to_message_id)
    if link is None:
        return  # moderators talking among themselves
    verdict = check_text(ctx.incoming.text, MESSAGE_BOUNDS, ctx.tr)
    if not isinstance(verdict, Accepted):
        reply_in_group(ctx, verdict.reason)
        return
    if link.purpose.startswith("status:") and link.proposal_id is not None:
        await answer_status(ctx, member, link, verdict.text)
    elif link.proposal_id is not None:
        await ask_author(ctx, member, link.proposal_id, verdict.text)
    elif link.participant_id is not None:
        await reply_to_citizen(ctx, member, link.participant_id, verdict.text)


async def ask_author(ctx: Context, member: StaffMember, proposal_id: int, text: str) -> None:
    proposal = await ctx.uow.proposals.get(proposal_id)
    conversation = await author_conversation(ctx, proposal.participant_id if proposal else None)
    if proposal is None or conversation is None:
        reply_in_group(ctx, ctx.tr._("The author of this proposal can no longer be reached."))
        return
    await remember(ctx, "question", text, actor(member), proposal_id=proposal.id,
                   participant_id=proposal.participant_id)
    await ctx.uow.audit.record(actor(member), "ask_author", proposal.code)
    tr = ctx.catalogs.get(conversation.language, ctx.consultation.timezone)
    ctx.send_to(Outgoing(
        chat_id=conversation.chat_id,
        text=tr._("Question from the team about your proposal {code}:").format(code=proposal.code)
        + "\n\n" + text + "\n\n" + tr._("Reply to this message, or press the button, to answer."),
        buttons=((Button(tr._("Answer"), f"answer:{proposal.id}"),),),
        link={"proposal_id": proposal.id, "purpose": "question"},
    ))
    reply_in_group(ctx, ctx.tr._("Question sent to the author of {code}.").format(code=proposal.code))


async def reply_to_citizen(ctx: Context, member: StaffMember, participant_id: int, text: str) -> None:
    conversation = await author_conversation(ctx, participant_id)
    if conversation is None:
        reply_in_group(ctx, ctx.tr._("This participant can no longer be reached."))
        return
    await remember(ctx, "reply", text, actor(member), participant_id=participant_id)
    await ctx.uow.audit.record(actor(member), "reply_to_question", str(participant_id))
    tr = ctx.catalogs.get(conversation.language, ctx.consultation.timezone)
    ctx.send_to(Outgoing(
        chat_id=conversation.chat_id,
        text=tr._("Answer from the team to your question:") + "\n\n" + text,
        link={"participant_id": participant_id, "purpose": "reply"},
    ))
    reply_in_group(ctx, ctx.tr._("Answer sent to the participant."))


async def on_button(ctx: Context, member: StaffMember) -> None:
    parts = ctx.incoming.button_data.split(":")
    if len(parts) < 3 or parts[0] != "mod" or not parts[2].isdigit():
        return
    proposal = await ctx.uow.proposals.get(int(parts[2]))
    if proposal is None:
        return
    action = parts[1]
    if action == "ask":
        prompt_question(ctx, proposal)
    elif action == "status":
        offer_statuses(ctx, proposal)
    elif action == "set" and len(parts) == 4:
        await choose_status(ctx, member, proposal, parts[3])
    elif action == "hide":
        await toggle_hidden(ctx, member, proposal)


def prompt_question(ctx: Context, proposal: Proposal) -> None:
    reply_in_group(ctx, ctx.tr._("Reply to this message with your question for the author of {code}.").format(
        code=proposal.code), link={"proposal_id": proposal.id, "purpose": "question_prompt"})


def offer_statuses(ctx: Context, proposal: Proposal) -> None:
    choices = [Button(ctx.tr._(label), f"mod:set:{proposal.id}:{status}")
               for status, label in STATUSES.items() if status not in (proposal.status, "withdrawn")]
    rows = tuple(tuple(choices[i : i + 2]) for i in range(0, len(choices), 2))
    reply_in_group(ctx, ctx.tr._("New status for {code} (now: {status}):").format(
        code=proposal.code, status=ctx.tr._(STATUSES.get(proposal.status, proposal.status))), buttons=rows)


async def choose_status(ctx: Context, member: StaffMember, proposal: Proposal, status: str) -> None:
    if status not in STATUSES:
        return
    if status in NEEDS_ANSWER:
        reply_in_group(ctx, ctx.tr._(
            "Reply to this message with the reasoned answer for {code} ({status}). "
            "The author will receive it with the new status.").format(
            code=proposal.code, status=ctx.tr._(STATUSES[status])),
            link={"proposal_id": proposal.id, "purpose": f"status:{status}"})
        return
    await apply_status(ctx, member, proposal, Change(status, "", actor(member)))


async def answer_status(ctx: Context, member: StaffMember, link: GroupMessageLink, answer: str) -> None:
    proposal = await ctx.uow.proposals.get(link.proposal_id or 0)
    if proposal is not None:
        await apply_status(ctx, member, proposal, Change(link.purpose.split(":", 1)[1], answer, actor(member)))


async def apply_status(ctx: Context, member: StaffMember, proposal: Proposal, change: Change) -> None:
    try:
        notices = await change_status(ctx.uow, ctx.catalogs, proposal, change, ctx.now, ctx.consultation.timezone)
    except StatusRefused as refused:
        reply_in_group(ctx, ctx.tr._("The status was not changed: {reason}").format(reason=refused.explain(ctx.tr)))
        return
    for notice in notices:
        ctx.send_to(notice)
    done = (ctx.tr._("{code} is now: {status}. The author was notified.") if notices
            else ctx.tr._("{code} is now: {status}. The author can no longer be reached."))
    reply_in_group(ctx, done.format(code=proposal.code, status=ctx.tr._(STATUSES[proposal.status])))


async def toggle_hidden(ctx: Context, member: StaffMember, proposal: Proposal) -> None:
    proposal.hidden = not proposal.hidden
    await ctx.uow.audit.record(actor(member), "hide" if proposal.hidden else "unhide", proposal.code)
    text = (ctx.tr._("{code} is hidden from public exports.") if proposal.hidden
            else ctx.tr._("{code} is shown again in public exports."))
    reply_in_group(ctx, text.format(code=proposal.code))
