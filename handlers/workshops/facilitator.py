"""The facilitator mode of the chat: ``/taller`` (``/workshop``) … ``/fin``.

A facilitator picks the workshop and the table, confirms that everyone at the table signed the paper
consent form, then enters the table's proposals one after another with the citizen's proposal steps
(the step table's, without the profile) and how many people at the table back each one; each gets a
tracking code and goes to the moderators. The mode lives in a chat of its own
(``FacilitatorChat``: the workshop, the table, the step and the proposal being written), so that it
holds across proposals and never touches the facilitator's own citizen conversation. Questions the
moderators ask about a table's proposal come to the facilitator, who answers them here, in the mode
or out of it.

Only staff whose role may use ``/taller`` see any of this; for anyone else the commands do not exist.
"""

from __future__ import annotations

from handlers.actors import staff_actor
from handlers.context import Context
from handlers.intake import flow, submit
from handlers.intake.draft import Draft, State
from handlers.intake.screens import ANSWERING, IDLE, REVIEW, prompt
from handlers.staff.commands import find_staff, may
from handlers.workshops.answers import answer_message, outside_mode, reply, start_answer, take_back
from handlers.workshops.entry import EnteredBy, enter_proposal
from handlers.workshops.mode import (
    CHOOSE_TABLE,
    CHOOSE_WORKSHOP,
    CONFIRM_CONSENT,
    PREFIX,
    SETUP,
    STALE,
    current,
    has_draft,
    help_text,
    open_chat,
    seat_of,
    show,
)
from handlers.workshops.origin import workshop_ref
from handlers.workshops.steps import facilitator_steps
from storage.models import FacilitatorChat, StaffMember

START = ("taller", "workshop")
FINISH = "fin"
PRESET_FIELDS = ("axis",)
"""Draft fields a table can answer in advance: a table that works on one axis starts with it."""


async def on_event(ctx: Context) -> bool:
    """Handle a private event that belongs to facilitator mode; False leaves it to the citizen's handlers."""
    incoming = ctx.incoming
    if incoming.content_type == "command" and incoming.command in START:
        member = await find_staff(ctx, incoming.command)
        if member is None:
            return False  # the answer to an unknown command: nothing tells them the mode exists
        await start(ctx, member, await open_chat(ctx, member))
        return True
    chat = await ctx.uow.facilitator_chats.find(incoming.channel, incoming.chat_id)
    if chat is None or chat.step == IDLE:
        return await outside_mode(ctx)
    member = await ctx.uow.staff.get(chat.staff_id)
    if member is None or member.external_id != incoming.user_id or not may(member, "taller"):
        await ctx.uow.facilitator_chats.remove(chat)  # no longer a facilitator: the chat is a citizen's again
        return False
    ctx.enter(chat, facilitator_steps(ctx.services.steps))
    await _in_mode(ctx, member)
    return True


# --- entering and leaving the mode ---------------------------------------------------------------


async def start(ctx: Context, member: StaffMember, chat: FacilitatorChat) -> None:
    """``/taller``: choose the workshop (again, when already in the mode)."""
    discarded = has_draft(ctx)
    workshops = await ctx.uow.workshops.of_consultation(ctx.consultation.slug)
    if not workshops:
        ctx.go(IDLE, State())
        ctx.say(ctx.tr._("There are no workshops yet. An administrator adds them with: cocrea workshops add"))
    else:
        chat.workshop_id, chat.table_number = None, None
        ctx.go(CHOOSE_WORKSHOP, State())
        await show(ctx, ctx.tr._("The proposal being written was discarded.") if discarded else "")


async def finish(ctx: Context) -> None:
    """``/fin``: leave the mode (what was being written is discarded)."""
    chat = current(ctx)
    lines = [ctx.tr._("The proposal being written was discarded.")] if has_draft(ctx) else []
    seat = await seat_of(ctx)
    if seat is not None:
        count = await ctx.uow.workshops.count_at_table(seat.workshop.id, seat.table)
        lines.append(
            ctx.tr.n_(
                "Workshop mode ended. Table {table} of {workshop} has {count} proposal.",
                "Workshop mode ended. Table {table} of {workshop} has {count} proposals.",
                count,
            ).format(table=seat.table, workshop=seat.workshop.name, count=count)
        )
    else:
        lines.append(ctx.tr._("Workshop mode ended."))
    chat.workshop_id, chat.table_number = None, None
    ctx.go(IDLE, State())
    ctx.say("\n\n".join(lines))


# --- events in the mode ---------------------------------------------------------------------------


async def _in_mode(ctx: Context, member: StaffMember) -> None:
    kind = ctx.incoming.content_type
    if kind == "command":
        await _command(ctx)
    elif kind == "button":
        await _button(ctx, member)
    elif await reply(ctx, member):
        return
    elif ctx.step == ANSWERING:
        await answer_message(ctx, member)
    elif ctx.step in SETUP:
        await show(ctx, ctx.tr._("Please choose one of the options with the buttons."))
    else:
        flow.on_message(ctx)


async def _command(ctx: Context) -> None:
    name = ctx.incoming.command
    if name == FINISH:
        await finish(ctx)
    elif name == "cancel":
        await _cancel(ctx)
    elif name == "help":
        ctx.say(help_text(ctx, await seat_of(ctx)))
    else:
        await show(ctx, ctx.tr._("You are in workshop mode: send /fin to leave it first."))


async def _cancel(ctx: Context) -> None:
    if ctx.step == ANSWERING:
        ctx.say(ctx.tr._("Cancelled."))
        await take_back(ctx)
    elif ctx.step in SETUP:
        await finish(ctx)
    else:
        await begin(ctx, ctx.tr._("The proposal was discarded."))


async def _button(ctx: Context, member: StaffMember) -> None:
    prefix, _, value = ctx.incoming.choice.partition(":")
    if prefix == PREFIX:
        await _setup_choice(ctx, member, value)
    elif prefix == "answer":
        if not await start_answer(ctx, member, value):
            await show(ctx, ctx.tr._("Sorry, I did not understand that button."))
    elif prefix in ("edit", "review"):
        await _review(ctx, member, prefix, value)
    elif (step := ctx.steps.by_prefix(prefix)) is None or ctx.step != step.name:
        await show(ctx, ctx.tr._(STALE))
    elif not flow.on_choice(ctx, step, value):
        await show(ctx, ctx.tr._("Sorry, I did not understand that button."))


async def _setup_choice(ctx: Context, member: StaffMember, value: str) -> None:
    kind, _, choice = value.partition(":")
    expected = {"w": CHOOSE_WORKSHOP, "t": CHOOSE_TABLE, "consent": CONFIRM_CONSENT}.get(kind)
    if expected is None or ctx.step != expected:
        await show(ctx, ctx.tr._(STALE))
    elif kind == "w":
        await _choose_workshop(ctx, choice)
    elif kind == "t":
        await _choose_table(ctx, choice)
    else:
        await _confirm_consent(ctx, member, choice)


async def _choose_workshop(ctx: Context, value: str) -> None:
    workshop = await ctx.uow.workshops.get(int(value)) if value.isdecimal() and len(value) < 10 else None
    if workshop is None or workshop.consultation != ctx.consultation.slug:
        await show(ctx, ctx.tr._("Sorry, I did not understand that button."))
        return
    current(ctx).workshop_id = workshop.id
    ctx.go(CHOOSE_TABLE)
    await show(ctx)


async def _choose_table(ctx: Context, value: str) -> None:
    chat = current(ctx)
    table = await ctx.uow.workshops.table(chat.workshop_id or 0, int(value)) if value.isdecimal() else None
    if table is None or len(value) > 4:
        await show(ctx, ctx.tr._("Sorry, I did not understand that button."))
        return
    chat.table_number = table.number
    ctx.go(CONFIRM_CONSENT)
    await show(ctx)


async def _confirm_consent(ctx: Context, member: StaffMember, answer: str) -> None:
    seat = await seat_of(ctx)
    if answer not in ("yes", "no") or seat is None:
        await show(ctx, ctx.tr._("Sorry, I did not understand that button."))
    elif answer == "no":
        ctx.go(IDLE, State())
        ctx.say(
            ctx.tr._(
                "Then their proposals cannot be entered yet. Ask everyone at the table to sign the consent form, "
                "then send /taller again."
            )
        )
    else:
        await ctx.uow.audit.record(
            str(staff_actor(member)), "workshop.consent", workshop_ref(seat.workshop.id), table=seat.table
        )
        await begin(ctx, ctx.tr._("Thank you. Enter the table's proposals one after another; send /fin when done."))


async def begin(ctx: Context, intro: str) -> None:
    """Start the table's next proposal: its first step, or the one after the axis the table works on."""
    seat = await seat_of(ctx)
    assert seat is not None
    table = await ctx.uow.workshops.table(seat.workshop.id, seat.table)
    presets = {"axis": table.axis_id if table is not None else None}
    draft, step = Draft(), ctx.steps.first(ctx.consultation, with_profile=False)
    notes = [intro] if intro else []
    while step.field in PRESET_FIELDS and presets.get(step.field):
        draft = draft.with_value(step.field, presets[step.field])
        notes.append(
            ctx.tr._(
                "This table works on {axis}: its proposals start with that axis (change it on the review)."
            ).format(axis=_axis_label(ctx, presets[step.field]))
        )
        following = ctx.steps.after(step.name, ctx.consultation)
        if following is None:
            break
        step = following
    ctx.go(step.name, State(draft=draft))
    prompt(ctx, "\n\n".join(notes))


def _axis_label(ctx: Context, axis_id: str | None) -> str:
    axis = ctx.consultation.axis(axis_id or "")
    return axis.label(ctx.language) if axis is not None else str(axis_id)


async def _review(ctx: Context, member: StaffMember, prefix: str, value: str) -> None:
    if ctx.step != REVIEW:
        await show(ctx, ctx.tr._(STALE))
    elif prefix == "edit":
        if not submit.edit(ctx, value):
            await show(ctx, ctx.tr._("Sorry, I did not understand that button."))
    elif value == "send":
        await _send(ctx, member)
    elif value == "cancel":
        await begin(ctx, ctx.tr._("The proposal was discarded."))
    else:
        await show(ctx, ctx.tr._("Sorry, I did not understand that button."))


async def _send(ctx: Context, member: StaffMember) -> None:
    seat = await seat_of(ctx)
    assert seat is not None
    by = EnteredBy(staff_actor(member), ctx.incoming.channel, ctx.language, member.id)
    proposal, cards = await enter_proposal(ctx.uow, ctx.services, seat, ctx.state.draft, by)
    for message in cards:
        ctx.send_to(message)
    count = await ctx.uow.workshops.count_at_table(seat.workshop.id, seat.table)
    entered = ctx.tr.n_(
        "Entered with the tracking code {code}. Table {table} has {count} proposal.",
        "Entered with the tracking code {code}. Table {table} has {count} proposals.",
        count,
    ).format(code=proposal.code, table=seat.table, count=count)
    following = ctx.tr._("Next proposal of table {table} (or /fin when the table is done):").format(table=seat.table)
    await begin(ctx, f"{entered}\n\n{following}")
