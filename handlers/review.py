"""The review: a summary with an edit button per field, then send or cancel."""

from __future__ import annotations

from handlers.context import Context, Keyboard
from handlers.messages import Button
from handlers.steps import advance, conversation, prompt, set_step
from handlers.threads import card
from storage.models import Proposal

EDITABLE = ("axis", "pillar", "problem", "solution", "contribution", "extras")


def summary(ctx: Context, draft: dict[str, object]) -> str:
    tr, consultation = ctx.tr, ctx.consultation
    axis = consultation.axis(str(draft.get("axis")))
    pillar = consultation.pillar(str(draft.get("pillar")))
    photos = draft.get("photos") or []
    extras = tr._("Location: {location} · Photos: {count}").format(
        location=tr._("yes") if draft.get("location") else tr._("no"),
        count=len(photos) if isinstance(photos, list) else 0,
    )
    return "\n\n".join(
        [
            tr._("Thematic axis: {axis}").format(axis=axis.label(ctx.language) if axis else "—"),
            tr._("Pillar: {pillar}").format(pillar=pillar.label(ctx.language) if pillar else "—"),
            tr._("Problem: {text}").format(text=draft.get("problem", "—")),
            tr._("Proposed solution: {text}").format(text=draft.get("solution", "—")),
            tr._("How it would help: {text}").format(text=draft.get("contribution", "—")),
            extras,
        ]
    )


def review_prompt(ctx: Context) -> tuple[str, Keyboard]:
    _, draft = conversation(ctx)
    tr = ctx.tr
    text = tr._("Please review your proposal.") + "\n\n" + summary(ctx, draft)
    labels = {
        "axis": tr._("Edit axis"),
        "pillar": tr._("Edit pillar"),
        "problem": tr._("Edit problem"),
        "solution": tr._("Edit solution"),
        "contribution": tr._("Edit how it helps"),
        "extras": tr._("Edit location/photos"),
    }
    edits = [Button(labels[field], f"edit:{field}") for field in EDITABLE]
    rows = tuple(tuple(edits[i : i + 2]) for i in range(0, len(edits), 2))
    final = (Button(tr._("Send proposal"), "review:send"), Button(tr._("Cancel"), "review:cancel"))
    return text, (*rows, final)


def edit(ctx: Context, field: str) -> bool:
    if field not in EDITABLE:
        return False
    _, draft = conversation(ctx)
    set_step(ctx, field, {**draft, "editing": True})
    prompt(ctx)
    return True


def cancel_draft(ctx: Context) -> None:
    set_step(ctx, "idle", {})
    ctx.say(ctx.tr._("Your draft was discarded; nothing was sent. Send /new whenever you want to start again."))


async def send(ctx: Context) -> None:
    """Store the proposal and answer with its tracking code."""
    from handlers.onboarding import say_closed

    assert ctx.participant is not None
    consultation = ctx.consultation
    if not consultation.is_open(ctx.now):
        say_closed(ctx)
        return
    _, draft = conversation(ctx)
    number = await ctx.uow.counters.next(f"code:{consultation.slug}")
    code = f"{consultation.code_prefix}-{number:04d}"
    proposal = await ctx.uow.proposals.add(_proposal(ctx, draft, code), actor="citizen")
    set_step(ctx, "idle", {})
    ctx.say(
        ctx.tr._("Your proposal has been sent. Your tracking code is {code}.").format(code=code)
        + "\n\n"
        + ctx.tr._(
            "What happens next: the team reads every proposal and may ask you questions here. "
            "You will receive a reasoned answer about what became of it. "
            "Check its status at any time with /mine."
        ),
        ((Button(ctx.tr._("Write another proposal"), "menu:new"),),),
    )
    moderators_card = card(ctx, proposal)
    if moderators_card is not None:
        ctx.send_to(moderators_card)


def _proposal(ctx: Context, draft: dict[str, object], code: str) -> Proposal:
    participant = ctx.participant
    assert participant is not None
    location = draft.get("location")
    latitude, longitude = location if isinstance(location, list) else (None, None)
    photos = draft.get("photos")
    return Proposal(
        code=code,
        consultation=ctx.consultation.slug,
        participant_id=participant.id,
        participant_pseudonym=participant.pseudonym,
        axis_id=str(draft["axis"]),
        pillar_id=str(draft["pillar"]),
        problem=str(draft["problem"]),
        solution=str(draft["solution"]),
        contribution=str(draft["contribution"]),
        zone=participant.zone,
        sector=participant.sector,
        age_range=participant.age_range,
        language=ctx.language,
        channel=ctx.incoming.channel,
        latitude=latitude,
        longitude=longitude,
        attachments=list(photos) if isinstance(photos, list) else [],
        status="received",
        submitted_at=ctx.now,
    )


__all__ = ["advance", "cancel_draft", "edit", "review_prompt", "send", "summary"]
