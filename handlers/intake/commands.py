"""Commands that work at any point of the conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.choices import STATUSES
from handlers.consolidation import supporting
from handlers.context import Context, one_per_row
from handlers.i18n import N_, Catalogs
from handlers.intake.flow import begin_proposal
from handlers.intake.onboarding import greet, language_buttons, offered_languages, say_closed
from handlers.intake.screens import FOLLOW_UP_STEPS, IDLE, prompt
from handlers.intake.submit import cancel_draft
from handlers.intake.typed import command_for, words_to_type
from handlers.messages import BotCommand, Choice
from handlers.moderation.followups import ask, cancel_follow_up
from handlers.moderation.statuses import FINAL
from handlers.privacy import ask_to_delete, full_notice, my_data
from handlers.staff.commands import STAFF_COMMANDS, STAFF_HELP, find_staff
from handlers.staff.invitations import accept
from handlers.staff.roles import ROLE_NAMES

COMMANDS: dict[str, str] = {
    "start": N_("Start or continue"),
    "new": N_("Write a new proposal"),
    "mine": N_("My proposals and their status"),
    "language": N_("Change language"),
    "privacy": N_("Privacy notice"),
    "help": N_("What I can do"),
    "cancel": N_("Discard the current draft"),
    "ask": N_("Ask the team a question"),
    "mydata": N_("See the data we keep about you"),
    "delete_me": N_("Delete your data"),
    "stop": N_("No more reminders"),
}


def command_menu(catalogs: Catalogs, languages: list[str]) -> dict[str, list[BotCommand]]:
    """The command list per language code; '' is the default (Spanish)."""
    menu: dict[str, list[BotCommand]] = {}
    for language in ["", *languages]:
        tr = catalogs.get(language or catalogs.default)
        menu[language] = [BotCommand(name, tr._(text)) for name, text in COMMANDS.items()]
    return menu


async def run_command(ctx: Context) -> None:
    name = ctx.incoming.command
    if name in STAFF_COMMANDS:
        member = await find_staff(ctx, name)
        if member is not None:
            await STAFF_COMMANDS[name](ctx, member)
            return
    handler = HANDLERS.get(name) or HANDLERS.get(command_for(ctx, name) or "")  # /ayuda works as /help
    if handler is None:
        unknown_command(ctx)
        return
    await handler(ctx)


def unknown_command(ctx: Context) -> None:
    """Also the answer to a staff command from someone who is not staff: nothing tells them it exists."""
    ctx.say(
        ctx.tr._("I don't know the command /{command}. Send /help to see what I can do.").format(
            command=ctx.incoming.command[:64] or "?"
        )
    )


async def start(ctx: Context) -> None:
    payload = ctx.incoming.text.partition(" ")[2].strip()
    if payload and await join_staff(ctx, payload):
        return  # a staff invitation link (t.me/<bot>?start=<code>)
    if ctx.conversation is None:
        greet(ctx)
    elif ctx.step == IDLE:
        await new(ctx)
    else:
        prompt(ctx, ctx.tr._("Welcome back! Let's continue where you left off."))


async def staff_code(ctx: Context) -> None:
    """``/staff CODE``: join the team with an invitation code."""
    code = ctx.incoming.text.partition(" ")[2].strip()
    if not code or not await join_staff(ctx, code):
        ctx.say(ctx.tr._("This invitation is not valid: it may have been used or have expired. Ask for a new one."))


async def join_staff(ctx: Context, code: str) -> bool:
    incoming = ctx.incoming
    member = await accept(ctx.uow, ctx.services, incoming.channel, incoming.user_id, incoming.user_name, code)
    if member is None:
        return False
    ctx.say(
        ctx.tr._("Welcome to the team! Your role: {role}. Send /help to see what you can do.").format(
            role=ctx.tr._(ROLE_NAMES.get(member.role, member.role))
        )
    )
    return True


async def new(ctx: Context) -> None:
    if ctx.conversation is None:
        greet(ctx)
        return
    if not ctx.consultation.is_open(ctx.now):
        say_closed(ctx)
        return
    profile = {step.name for step in ctx.steps.profile}
    if ctx.step != IDLE and ctx.step not in profile:
        ctx.say(ctx.tr._("Your previous draft was discarded."))
    begin_proposal(ctx)


async def mine(ctx: Context) -> None:
    if ctx.participant is None:
        ctx.say(ctx.tr._("You have not sent any proposal yet. Send /start to begin."))
        return
    proposals = await ctx.uow.proposals.of_participant(ctx.participant.id)
    support_lines, support_choices = await supporting.supported(ctx)
    if not proposals and not support_lines:
        ctx.say(ctx.tr._("You have not sent any proposal yet. Send /new to write one."))
        return
    lines = [ctx.tr._("Your proposals:")] if proposals else []
    withdrawable = [
        Choice(f"withdraw:{p.id}", ctx.tr._("Withdraw {code}").format(code=p.code))
        for p in proposals
        if p.status not in FINAL
    ]
    for proposal in proposals:
        axis = ctx.consultation.axis(proposal.axis_id)
        lines.append(
            ctx.tr._("{code} · {date} · {axis}\nStatus: {status}").format(
                code=proposal.code,
                date=ctx.tr.date(proposal.submitted_at),
                axis=axis.label(ctx.language) if axis else proposal.axis_id,
                status=ctx.tr._(STATUSES.get(proposal.status, proposal.status)),
            )
            + (f"\n{proposal.status_reason}" if proposal.status_reason else "")
        )
    ctx.say("\n\n".join(lines + support_lines), one_per_row((withdrawable[:20] + support_choices)[:30]))
    ask_again(ctx)


async def language(ctx: Context) -> None:
    names = ", ".join(ctx.catalogs.get(lang).language_name() for lang in offered_languages(ctx))
    ctx.say(ctx.tr._("Choose your language ({languages}).").format(languages=names), language_buttons(ctx))


async def privacy(ctx: Context) -> None:
    notice = full_notice(ctx)
    if ctx.participant is None:
        notice += "\n\n" + ctx.tr._("Send /start to begin.")
    ctx.say(notice)


async def help_(ctx: Context) -> None:
    lines = [what_i_do(ctx)]
    lines += [f"/{name} — {ctx.tr._(text)}" for name, text in COMMANDS.items()]
    lines += [f"/{name} — {ctx.tr._(text)}" for name, text in STAFF_HELP.items() if await find_staff(ctx, name)]
    lines.append(ctx.tr._("You can also type these words: {words}.").format(words=", ".join(words_to_type(ctx))))
    ctx.say("\n".join(lines))
    ask_again(ctx)


def what_i_do(ctx: Context) -> str:
    consultation, tr = ctx.consultation, ctx.tr
    name = consultation.name(ctx.language)
    if consultation.is_open(ctx.now):
        return tr._("I receive citizen proposals for {consultation}.").format(consultation=name)
    if not consultation.has_opened(ctx.now):
        return tr._("Proposals for {consultation} open on {date}. Until then you can read the privacy notice.").format(
            consultation=name, date=tr.date(consultation.opens)
        )
    return tr._("Proposals for {consultation} closed on {date}. You can still follow yours with /mine.").format(
        consultation=name, date=tr.date(consultation.closes)
    )


def ask_again(ctx: Context) -> None:
    """After /help or /mine in the middle of a draft, ask the current question again: where we are."""
    if ctx.conversation is not None and ctx.step != IDLE:
        prompt(ctx)


async def cancel(ctx: Context) -> None:
    if ctx.conversation is not None and ctx.step in FOLLOW_UP_STEPS:
        cancel_follow_up(ctx)
        return
    if ctx.conversation is None or ctx.step == IDLE:
        ctx.say(ctx.tr._("There is nothing to cancel. Send /new to write a proposal."))
        return
    cancel_draft(ctx)


async def delete_request(ctx: Context) -> None:
    ask_to_delete(ctx)


async def stop(ctx: Context) -> None:
    """``stop``: no reminder of an abandoned draft any more (nothing else is ever sent unasked)."""
    if ctx.participant is None:
        ctx.say(ctx.tr._("We keep no data about you."))
        return
    ctx.participant.reminders = False
    ctx.say(ctx.tr._("Done: I will not send you reminders any more. What you wrote stays here if you want to go on."))


HANDLERS: dict[str, Callable[[Context], Awaitable[None]]] = {
    "start": start,
    "new": new,
    "mine": mine,
    "language": language,
    "privacy": privacy,
    "help": help_,
    "cancel": cancel,
    "ask": ask,
    "mydata": my_data,
    "delete_me": delete_request,
    "staff": staff_code,
    "stop": stop,
}
