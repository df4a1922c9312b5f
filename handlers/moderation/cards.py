"""The proposal as moderators see it in their group: its fields, the author's zone, language and channel
(or the workshop and table it comes from), and the moderators' buttons. One thread (a forum topic, where
the group has them) per proposal."""

from __future__ import annotations

from handlers.channels import channel_name
from handlers.intake.review import field_lines
from handlers.messages import Choice, Outgoing, Reference
from handlers.moderation.digest import NEW_CARD, SHOWN_CARD
from handlers.services import Services
from handlers.workshops.origin import Origin
from storage.models import Proposal


def card(
    services: Services, proposal: Proposal, origin: Origin | None = None, *, shown: bool = False
) -> Outgoing | None:
    """The card posted when a proposal arrives (with its workshop and table when a facilitator entered
    it), or ``shown`` when a moderator asked for it from a digest; None without a moderators' group."""
    if services.moderators is None:
        return None
    tr = services.staff_translator
    consultation = services.consultation
    language = tr.language
    zone = consultation.zone(proposal.zone) if proposal.zone else None
    lines = [
        tr._("New proposal {code}").format(code=proposal.code),
        *field_lines(tr, consultation, services.steps, lambda step: getattr(proposal, step.stored_as, None)),
        tr._("Zone: {zone} · Language: {language} · Channel: {channel}").format(
            zone=zone.label(language) if zone else "—",
            language=proposal.language,
            channel=channel_name(proposal.channel).name,
        ),
    ]
    if origin is not None:
        lines.insert(1, origin.line(tr))
    choices = (
        (
            Choice(f"mod:ask:{proposal.id}", tr._("Ask the author")),
            Choice(f"mod:status:{proposal.id}", tr._("Change status")),
        ),
        (Choice(f"mod:hide:{proposal.id}", tr._("Hide")),),
    )
    axis = consultation.axis(proposal.axis_id)
    title = f"{proposal.code} · {axis.label(language) if axis else proposal.axis_id}"
    return Outgoing(
        to=services.moderators,
        text="\n\n".join(lines),
        choices=choices,
        about=Reference(SHOWN_CARD if shown else NEW_CARD, proposal_id=proposal.id),
        new_thread=title,
    )
