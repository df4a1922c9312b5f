"""Workshops are data: one use case to add one (with its numbered tables, each optionally about one
thematic axis), one to list them, and the checks that a workshop named by staff exists.

Every id is checked against the consultation file; a bad request raises ``RequestError`` (an English
message id with named parameters, as the other staff requests do)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from handlers.actors import Actor
from handlers.i18n import N_
from handlers.services import Services
from handlers.staff.requests import RequestError
from handlers.workshops.origin import parse_ref, workshop_ref
from storage.export import ExportFilter
from storage.models import Workshop, WorkshopTable
from storage.uow import UnitOfWork

MAX_TABLES = 50
MAX_NAME = 120
MAX_PLACE = 200


@dataclass(frozen=True)
class NewWorkshop:
    """What staff give to create a workshop."""

    name: str
    held_on: str
    """``YYYY-MM-DD``."""
    zone: str | None = None
    tables: int = 1
    place: str | None = None
    table_axes: Mapping[int, str] | None = None
    """Table number → the thematic axis it works on."""


@dataclass(frozen=True)
class Listed:
    workshop: Workshop
    tables: int
    proposals: int

    @property
    def ref(self) -> str:
        return workshop_ref(self.workshop.id)


async def add_workshop(uow: UnitOfWork, services: Services, actor: Actor, new: NewWorkshop) -> Workshop:
    """Create a workshop of the consultation with its tables, and write it to the audit log."""
    consultation = services.consultation
    name = new.name.strip()
    if not name or len(name) > MAX_NAME:
        raise RequestError(N_("A workshop needs a name of at most {maximum} characters."), maximum=str(MAX_NAME))
    zone = check_zone(services, new.zone)
    if not 1 <= new.tables <= MAX_TABLES:
        raise RequestError(N_("A workshop has from 1 to {maximum} tables."), maximum=str(MAX_TABLES))
    axes = dict(new.table_axes or {})
    for number, axis in axes.items():
        if not 1 <= number <= new.tables:
            raise RequestError(
                N_("There is no table {value}: the workshop has {count} tables."),
                value=str(number),
                count=str(new.tables),
            )
        if consultation.axis(axis) is None:
            known = ", ".join(option.id for option in consultation.axes)
            raise RequestError(N_("Unknown axis {value}. Axes: {known}."), value=axis, known=known)
    place = (new.place or "").strip() or None
    if place is not None and len(place) > MAX_PLACE:
        raise RequestError(N_("The place is longer than {maximum} characters."), maximum=str(MAX_PLACE))
    workshop = await uow.workshops.add(
        Workshop(
            consultation=consultation.slug,
            name=name,
            zone=zone,
            held_on=parse_day(new.held_on),
            place=place,
            created_by=str(actor),
        ),
        [WorkshopTable(number=n, axis_id=axes.get(n)) for n in range(1, new.tables + 1)],
    )
    await uow.audit.record(
        str(actor),
        "workshop.add",
        workshop_ref(workshop.id),
        name=name,
        zone=zone,
        date=workshop.held_on.isoformat(),
        tables=new.tables,
    )
    return workshop


def check_zone(services: Services, zone: str | None) -> str | None:
    zones = services.consultation.zones
    known = ", ".join(option.id for option in zones)
    if zone is None or not zone.strip():
        if zones:
            raise RequestError(N_("Give the workshop's zone. Zones: {known}."), known=known)
        return None
    if services.consultation.zone(zone.strip()) is None:
        raise RequestError(N_("Unknown zone {value}. Zones: {known}."), value=zone, known=known or "-")
    return zone.strip()


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RequestError(N_("{value} is not a date: write it as YYYY-MM-DD."), value=value) from None


async def list_workshops(uow: UnitOfWork, services: Services) -> list[Listed]:
    """The consultation's workshops by date, with how many tables and proposals each has."""
    workshops = await uow.workshops.of_consultation(services.consultation.slug)
    ids = [w.id for w in workshops]
    tables = await uow.workshops.table_counts(ids)
    proposals = await uow.workshops.proposal_counts(ids)
    return [Listed(w, tables.get(w.id, 0), proposals.get(w.id, 0)) for w in workshops]


async def find_workshop(uow: UnitOfWork, services: Services, ref: str) -> Workshop:
    """The consultation's workshop ``W1`` (or ``1``); ``RequestError`` when there is none."""
    number = parse_ref(ref)
    workshop = await uow.workshops.get(number) if number is not None else None
    if workshop is None or workshop.consultation != services.consultation.slug:
        raise RequestError(N_("There is no workshop {value}."), value=ref[:20])
    return workshop


async def check_workshops(uow: UnitOfWork, services: Services, filters: ExportFilter) -> None:
    """Refuse a filter that names a workshop the consultation does not have."""
    for number in filters.workshops:
        await find_workshop(uow, services, workshop_ref(number))
