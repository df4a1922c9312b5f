"""Where a facilitator's chat stands, and what they see while they set up a table.

The facilitator's chat (``FacilitatorChat``) holds the workshop, the table, the step and the typed
proposal being written; ``open_chat`` makes it the chat's state for the rest of the event
(``Context.enter``), so the citizen's questions and review serve it. The setup steps — choose the
workshop, the table, confirm the paper consent — are the mode's own screens.
"""

from __future__ import annotations

from handlers.context import Context, one_per_row, rows_of
from handlers.i18n import N_
from handlers.intake.draft import Draft
from handlers.intake.screens import ANSWERING, IDLE, REVIEW, prompt
from handlers.messages import Choice, Choices
from handlers.workshops.entry import Seat
from handlers.workshops.origin import workshop_ref
from handlers.workshops.steps import facilitator_steps
from storage.models import FacilitatorChat, StaffMember

PREFIX = "ws"
"""Option ids of the mode: ``ws:w:<workshop id>``, ``ws:t:<table>``, ``ws:consent:yes|no``."""
CHOOSE_WORKSHOP = "ws_workshop"
CHOOSE_TABLE = "ws_table"
CONFIRM_CONSENT = "ws_consent"
SETUP = (CHOOSE_WORKSHOP, CHOOSE_TABLE, CONFIRM_CONSENT)
MAX_WORKSHOPS = 10
"""The workshops offered, the most recent first (a list row each on channels with lists)."""
STALE = N_("That button belongs to an earlier message. Here is where we are now:")


async def open_chat(ctx: Context, member: StaffMember) -> FacilitatorChat:
    """The facilitator's chat, created (idle) when they had none, and entered. It stays, idle, when they
    leave the mode: it remembers their language for the questions that may come later."""
    incoming = ctx.incoming
    chat = await ctx.uow.facilitator_chats.find(incoming.channel, incoming.chat_id)
    if chat is None:
        chat = await ctx.uow.facilitator_chats.add(
            FacilitatorChat(
                channel=incoming.channel,
                chat_id=incoming.chat_id,
                staff_id=member.id,
                step=IDLE,
                draft={},
                language=ctx.language,
            )
        )
    ctx.enter(chat, facilitator_steps(ctx.services.steps))
    return chat


def current(ctx: Context) -> FacilitatorChat:
    assert ctx.facilitator_chat is not None
    return ctx.facilitator_chat


def has_draft(ctx: Context) -> bool:
    state = ctx.state if ctx.step != ANSWERING or ctx.state.aside is None else ctx.state.aside.state
    return state.draft != Draft() and (ctx.step in ctx.steps or ctx.step in (REVIEW, ANSWERING))


async def seat_of(ctx: Context) -> Seat | None:
    chat = current(ctx)
    if chat.workshop_id is None or chat.table_number is None:
        return None
    workshop = await ctx.uow.workshops.get(chat.workshop_id)
    return Seat(workshop, chat.table_number) if workshop is not None else None


async def show(ctx: Context, problem: str = "") -> None:
    """Ask the current question of the mode (the setup's, or the proposal steps' and review's)."""
    if ctx.step not in SETUP:
        prompt(ctx, problem)
        return
    text, choices = await _setup_screen(ctx)
    ctx.say(f"{problem}\n\n{text}" if problem else text, choices)


async def _setup_screen(ctx: Context) -> tuple[str, Choices]:
    tr = ctx.tr
    chat = current(ctx)
    if ctx.step == CHOOSE_WORKSHOP:
        workshops = list(await ctx.uow.workshops.of_consultation(ctx.consultation.slug))[-MAX_WORKSHOPS:]
        choices = [
            Choice(f"{PREFIX}:w:{w.id}", f"{workshop_ref(w.id)} · {w.name} · {tr.day(w.held_on)}", w.name[:20])
            for w in reversed(workshops)
        ]
        return tr._("Which workshop are you entering proposals for?"), one_per_row(choices)
    workshop = await ctx.uow.workshops.get(chat.workshop_id or 0)
    name = workshop.name if workshop is not None else "?"
    if ctx.step == CHOOSE_TABLE:
        tables = await ctx.uow.workshops.tables(chat.workshop_id or 0)
        choices = [Choice(f"{PREFIX}:t:{t.number}", _table_label(ctx, t.number, t.axis_id)) for t in tables]
        return tr._("Which table of {workshop}?").format(workshop=name), rows_of(choices, 2)
    text = "\n\n".join(
        [
            tr._("Table {table} of {workshop}.").format(table=chat.table_number, workshop=name),
            tr._(
                "Before entering its proposals: did everyone at the table sign the paper consent form? It says "
                "what their proposals are used for, that they are published without names, and that nothing "
                "else about them is stored."
            ),
        ]
    )
    confirm = (
        (Choice(f"{PREFIX}:consent:yes", tr._("Yes, everyone signed")),),
        (Choice(f"{PREFIX}:consent:no", tr._("Not yet")),),
    )
    return text, confirm


def _table_label(ctx: Context, number: int, axis_id: str | None) -> str:
    label = ctx.tr._("Table {table}").format(table=number)
    axis = ctx.consultation.axis(axis_id) if axis_id else None
    return f"{label} · {axis.label(ctx.language)}" if axis is not None else label


def help_text(ctx: Context, seat: Seat | None) -> str:
    tr = ctx.tr
    lines = (
        [
            tr._("You are entering the proposals of table {table} of {workshop}.").format(
                table=seat.table, workshop=seat.workshop.name
            )
        ]
        if seat is not None
        else [tr._("You are in workshop mode.")]
    )
    lines += [
        "/cancel — " + tr._("discard the proposal being written"),
        "/taller — " + tr._("choose another workshop or table"),
        "/fin — " + tr._("leave workshop mode"),
    ]
    return "\n".join(lines)
