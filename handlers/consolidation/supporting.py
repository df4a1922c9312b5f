"""Supporting a published proposal instead of sending the same idea again, and withdrawing a support.

A citizen supports one of the similar proposals the review offers (``support:<id>``, confirmed): their
draft is discarded and from then on they hear that proposal's status changes and reasoned answers like
its author (``handlers/moderation/statuses.py``). ``/mine`` lists what they support, each with a button
to withdraw the support (``unsupport:<id>``, confirmed). Nobody learns who else supports a proposal,
nor who wrote it.
"""

from __future__ import annotations

from handlers.choices import STATUSES
from handlers.consolidation.similar import is_published
from handlers.context import Context
from handlers.intake.draft import State
from handlers.intake.screens import IDLE, prompt
from handlers.messages import Choice
from storage.models import Proposal


def _parse(value: str) -> tuple[int, str] | None:
    raw_id, _, answer = value.partition(":")
    if not raw_id.isdigit() or len(raw_id) > 12 or answer not in ("", "yes", "no"):
        return None
    return int(raw_id), answer


async def choose(ctx: Context, value: str) -> bool:
    """``support:<id>[:yes|:no]`` at review; False when it is not one of the proposals offered."""
    parsed = _parse(value)
    participant = ctx.participant
    offered = {item.id: item for item in ctx.state.similar}
    if parsed is None or parsed[0] not in offered or participant is None:
        return False
    proposal_id, answer = parsed
    code = offered[proposal_id].code
    tr = ctx.tr
    if answer == "":
        ctx.say(
            tr._(
                "Support {code} instead of sending your proposal? Your draft will be discarded, and you will "
                "receive the updates and answers about {code}."
            ).format(code=code),
            (
                (
                    Choice(f"support:{proposal_id}:yes", tr._("Yes, support it")),
                    Choice(f"support:{proposal_id}:no", tr._("No, back to mine")),
                ),
            ),
        )
        return True
    if answer == "no":
        prompt(ctx)
        return True
    proposal = await ctx.uow.proposals.get(proposal_id)
    if proposal is None or not is_published(proposal) or proposal.participant_id == participant.id:
        prompt(ctx, tr._("{code} can no longer be supported.").format(code=code))
        return True
    await ctx.uow.supports.add(proposal.id, participant.id)
    ctx.go(IDLE, State())
    ctx.say(
        tr._(
            "Thank you! You now support {code}. You will receive its updates and the team's answers here, "
            "like its author. Your draft was discarded. See it, or withdraw your support, with /mine."
        ).format(code=proposal.code),
        ((Choice("menu:new", tr._("Write another proposal"), tr._("Another proposal")),),),
    )
    return True


async def withdraw(ctx: Context, value: str) -> bool:
    """``unsupport:<id>[:yes|:no]`` (from /mine, at any time)."""
    parsed = _parse(value)
    participant = ctx.participant
    if parsed is None or participant is None:
        return False
    proposal_id, answer = parsed
    proposal = await ctx.uow.proposals.get(proposal_id)
    if proposal is None:
        return False
    tr = ctx.tr
    if not await ctx.uow.supports.has(proposal.id, participant.id):
        ctx.say(tr._("You do not support {code}.").format(code=proposal.code))
    elif answer == "":
        ctx.say(
            tr._("Withdraw your support for {code}? You will no longer receive its updates.").format(
                code=proposal.code
            ),
            (
                (
                    Choice(f"unsupport:{proposal.id}:yes", tr.p_("support", "Yes, withdraw it")),
                    Choice(f"unsupport:{proposal.id}:no", tr.p_("support", "No, keep it")),
                ),
            ),
        )
    elif answer == "no":
        ctx.say(tr._("You still support {code}.").format(code=proposal.code))
    else:
        await ctx.uow.supports.withdraw(proposal.id, participant.id)
        ctx.say(tr._("You no longer support {code}; you will not receive its updates.").format(code=proposal.code))
    return True


async def supported(ctx: Context) -> tuple[list[str], list[Choice]]:
    """For /mine: the lines of the proposals the person supports and a button to withdraw each support."""
    if ctx.participant is None:
        return [], []
    proposals = await ctx.uow.supports.of_participant(ctx.participant.id)
    if not proposals:
        return [], []
    tr = ctx.tr
    lines = [tr._("Proposals you support:")] + [_line(ctx, proposal) for proposal in proposals]
    choices = [
        Choice(
            f"unsupport:{proposal.id}",
            tr._("Withdraw my support for {code}").format(code=proposal.code),
            tr._("Unsupport {code}").format(code=proposal.code),
        )
        for proposal in proposals
    ]
    return lines, choices


def _line(ctx: Context, proposal: Proposal) -> str:
    tr = ctx.tr
    axis = ctx.consultation.axis(proposal.axis_id)
    line = tr._("{code} · {axis}\nStatus: {status}").format(
        code=proposal.code,
        axis=axis.label(ctx.language) if axis else proposal.axis_id,
        status=tr._(STATUSES.get(proposal.status, proposal.status)),
    )
    return line + (f"\n{proposal.status_reason}" if proposal.status_reason else "")
