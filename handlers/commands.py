"""Commands that work at any point of the conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.choices import STATUSES
from handlers.context import Context
from handlers.followups import FOLLOW_UP_STEPS, ask, cancel_follow_up
from handlers.i18n import N_, Catalogs
from handlers.messages import BotCommand, Button
from handlers.onboarding import ask_language, offered_languages, privacy_notice, say_closed
from handlers.privacy import ask_to_delete, my_data
from handlers.review import cancel_draft
from handlers.staff import STAFF_COMMANDS, STAFF_HELP, find_staff
from handlers.steps import begin_proposal, prompt

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
    handler = HANDLERS.get(name)
    if handler is None:
        unknown_command(ctx)
        return
    await handler(ctx)


def unknown_command(ctx: Context) -> None:
    """Also the answer to a staff command from someone who is not staff: nothing tells them it exists."""
    ctx.say(ctx.tr._("I don't know the command /{command}. Send /help to see what I can do.").format(
        command=ctx.incoming.command[:64] or "?"))


async def start(ctx: Context) -> None:
    if ctx.conversation is None:
        ask_language(ctx)
    elif ctx.conversation.step == "idle":
        await new(ctx)
    else:
        prompt(ctx, ctx.tr._("Welcome back! Let's continue where you left off."))


async def new(ctx: Context) -> None:
    if ctx.conversation is None:
        ask_language(ctx)
        return
    if not ctx.consultation.is_open(ctx.now):
        say_closed(ctx)
        return
    if ctx.conversation.step not in ("idle", "profile_sector", "profile_zone", "profile_age"):
        ctx.say(ctx.tr._("Your previous draft was discarded."))
    begin_proposal(ctx)


async def mine(ctx: Context) -> None:
    if ctx.participant is None:
        ctx.say(ctx.tr._("You have not sent any proposal yet. Send /start to begin."))
        return
    proposals = await ctx.uow.proposals.of_participant(ctx.participant.id)
    if not proposals:
        ctx.say(ctx.tr._("You have not sent any proposal yet. Send /new to write one."))
        return
    lines = [ctx.tr._("Your proposals:")]
    withdrawable = [Button(ctx.tr._("Withdraw {code}").format(code=p.code), f"withdraw:{p.id}")
                    for p in proposals if p.status in ("received", "in_review", "needs_info")]
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
    ctx.say("\n\n".join(lines)[:4096], tuple((button,) for button in withdrawable[:20]))


async def language(ctx: Context) -> None:
    from handlers.onboarding import language_buttons

    names = ", ".join(ctx.catalogs.get(lang).language_name() for lang in offered_languages(ctx))
    ctx.say(ctx.tr._("Choose your language ({languages}).").format(languages=names), language_buttons(ctx))


async def privacy(ctx: Context) -> None:
    notice = privacy_notice(ctx)
    if ctx.participant is None:
        notice += "\n\n" + ctx.tr._("Send /start to begin.")
    ctx.say(notice)


async def help_(ctx: Context) -> None:
    lines = [ctx.tr._("I receive citizen proposals for {consultation}.").format(
        consultation=ctx.consultation.name(ctx.language))]
    lines += [f"/{name} — {ctx.tr._(text)}" for name, text in COMMANDS.items()]
    lines += [f"/{name} — {ctx.tr._(text)}" for name, text in STAFF_HELP.items() if await find_staff(ctx, name)]
    ctx.say("\n".join(lines))


async def cancel(ctx: Context) -> None:
    if ctx.conversation is not None and ctx.conversation.step in FOLLOW_UP_STEPS:
        cancel_follow_up(ctx)
        return
    if ctx.conversation is None or ctx.conversation.step == "idle":
        ctx.say(ctx.tr._("There is nothing to cancel. Send /new to write a proposal."))
        return
    cancel_draft(ctx)


async def delete_request(ctx: Context) -> None:
    ask_to_delete(ctx)


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
}
