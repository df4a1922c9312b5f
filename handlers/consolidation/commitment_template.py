"""The OGP commitment template and how a draft is pre-filled from its source proposals (DOMAIN.md, "From
proposal to commitment"), so that consolidation is mostly editing, not retyping:

* problem → problem; each source's problem, headed by its code when there are several;
* status quo → where the problem is raised (the sources' zones) and how many proposals and people raise it;
* proposed solution → action; "how would this help?" → how it contributes;
* thematic axis → policy area; open-government pillar → OGP value (``PILLAR_VALUES``; staff confirm);
* the sectors of the authors and supporters → supporting actors;
* a suggested institution → lead institution, flagged as a suggestion (``lead_suggested``).

Labels are written in the staff's language (the consultation's default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from config.consultation import Consultation, Option
from handlers.choices import SECTORS
from handlers.consolidation.commitment_formats import OGP_VALUE_IDS
from handlers.i18n import N_, Translator
from storage.models import Proposal

OGP_VALUES: dict[str, str] = dict(
    zip(
        OGP_VALUE_IDS,
        (N_("Transparency"), N_("Civic participation"), N_("Public accountability"), N_("Technology and innovation")),
        strict=True,
    )
)
"""The values of the Open Government Partnership a commitment may serve, by id, with their labels."""

PILLAR_VALUES: dict[str, tuple[str, ...]] = {
    "transparency": ("transparency",),
    "participation": ("participation",),
    "collaboration": ("participation",),
    "accountability": ("accountability",),
    "integrity": ("accountability",),
    "technology": ("technology",),
    "innovation": ("technology",),
}
"""A consultation's pillar id → the OGP values it suggests (a pillar not listed suggests none)."""

FIELDS: dict[str, str] = {
    "problem": N_("Problem"),
    "status_quo": N_("Status quo"),
    "action": N_("Action"),
    "contribution": N_("How the action contributes to solving the problem"),
    "long_term_goal": N_("Long-term goal"),
    "ogp_values": N_("OGP values"),
    "policy_area": N_("Policy area"),
    "sector": N_("Sector"),
    "lead_institution": N_("Lead institution"),
    "supporting_institutions": N_("Supporting institutions and actors"),
    "starts_on": N_("Start date"),
    "ends_on": N_("End date"),
}
"""The template's fields as staff edit them, in the template's order, with their labels."""

DEFAULT_ANSWER = N_(
    "Thank you for your proposal. We read it together with others that say the same thing, and together "
    "they became commitment {commitment} of the action plan: “{title}”. You will hear about its progress here."
)


@dataclass(frozen=True)
class Draft:
    problem: str
    status_quo: str
    action: str
    contribution: str
    ogp_values: list[str]
    policy_area: str
    supporting_institutions: str
    lead_institution: str
    lead_suggested: bool


def default_answer(tr: Translator, commitment: str, title: str) -> str:
    return tr._(DEFAULT_ANSWER).format(commitment=commitment, title=title)


def ogp_value_labels(values: Iterable[str], tr: Translator) -> list[str]:
    return [tr._(OGP_VALUES[value]) if value in OGP_VALUES else value for value in values]


def prefill(
    consultation: Consultation,
    tr: Translator,
    sources: Sequence[Proposal],
    supporter_sectors: Iterable[str],
    people: int,
) -> Draft:
    """The draft's template fields from ``sources`` (in the order staff named them)."""
    lang = tr.language
    axes = _distinct(p.axis_id for p in sources)
    pillars = _distinct(p.pillar_id for p in sources)
    zones = _distinct(p.zone for p in sources if p.zone)
    sectors = _distinct([*(p.sector for p in sources if p.sector), *supporter_sectors])
    leads = _distinct(" ".join((p.lead_institution or "").split()) for p in sources)
    raised = tr.n_("Raised in {count} proposal: {codes}.", "Raised in {count} proposals: {codes}.", len(sources))
    behind = tr.n_("{count} person is behind it.", "{count} people are behind it.", people)
    status_quo = (
        raised.format(count=len(sources), codes=", ".join(p.code for p in sources)) + " " + behind.format(count=people)
    )
    if zones:
        labels = [_label(consultation.zone(zone), zone, lang) for zone in zones]
        status_quo += " " + tr._("Where: {zones}.").format(zones=", ".join(labels))
    return Draft(
        problem=_joined(sources, lambda p: p.problem),
        status_quo=status_quo,
        action=_joined(sources, lambda p: p.solution),
        contribution=_joined(sources, lambda p: p.contribution),
        ogp_values=_distinct(value for pillar in pillars for value in PILLAR_VALUES.get(pillar, ())),
        policy_area="; ".join(_label(consultation.axis(axis), axis, lang) for axis in axes),
        supporting_institutions="; ".join(tr._(SECTORS[s]) if s in SECTORS else s for s in _ordered_sectors(sectors)),
        lead_institution="; ".join(leads),
        lead_suggested=bool(leads),
    )


def _joined(sources: Sequence[Proposal], text: Callable[[Proposal], str]) -> str:
    if len(sources) == 1:
        return text(sources[0]).strip()
    return "\n\n".join(f"{p.code}: {text(p).strip()}" for p in sources)


def _distinct(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _ordered_sectors(found: list[str]) -> list[str]:
    known = [sector for sector in SECTORS if sector in found]
    return known + [sector for sector in found if sector not in SECTORS]


def _label(option: Option | None, fallback: str, lang: str) -> str:
    return option.label(lang) if option is not None else fallback
