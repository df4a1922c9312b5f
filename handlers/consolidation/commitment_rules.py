"""What staff may ask of commitments, checked: the one refusal they get, the limits of the fields, and
finding a commitment or the proposals named by their codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from handlers.i18n import N_, Translator
from handlers.services import Services
from handlers.staff.requests import RequestError
from storage.models import Commitment, Proposal
from storage.uow import UnitOfWork

MAX_TITLE = 300
MAX_FIELD = 10_000
MAX_ANSWER = 3000
"""As for any reasoned answer (``handlers.moderation.statuses.MAX_ANSWER``)."""
MAX_NOTE = 2000
MAX_SOURCES = 500


class CommitmentRefused(RequestError):
    """A request about commitments that cannot be done. ``str()`` says why in English (the command line),
    ``explain(tr)`` (or ``render(tr)``) in the reader's language (the web desk). Nothing was changed."""

    def __init__(self, message: str, **values: str | int) -> None:
        super().__init__(message, **{key: str(value) for key, value in values.items()})

    def explain(self, tr: Translator) -> str:
        return self.render(tr)


def normal_code(text: str) -> str:
    return text.strip().upper()


def split_codes(codes: Iterable[str]) -> list[str]:
    """``["UIO-0007,uio-0031", " UIO-0007"]`` → ``["UIO-0007", "UIO-0031"]``: once each, in order."""
    found = [normal_code(part) for value in codes for part in value.replace(";", ",").split(",")]
    return list(dict.fromkeys(code for code in found if code))


async def find_commitment(uow: UnitOfWork, services: Services, code: str) -> Commitment:
    """The consultation's commitment ``code`` (any case); refused when there is none."""
    found = await uow.commitments.by_code(normal_code(code))
    if found is None or found.consultation != services.consultation.slug:
        raise CommitmentRefused(N_("There is no commitment {commitment}."), commitment=normal_code(code)[:24])
    return found


async def find_proposals(uow: UnitOfWork, services: Services, codes: Iterable[str]) -> list[Proposal]:
    """The consultation's proposals named by ``codes``, in the order given, each once. Refused: none named,
    an unknown code, a proposal the moderators hid or its author withdrew."""
    wanted = split_codes(codes)
    if not wanted:
        raise CommitmentRefused(N_("Name at least one proposal by its code."))
    if len(wanted) > MAX_SOURCES:
        raise CommitmentRefused(N_("A commitment is drafted from at most {maximum} proposals."), maximum=MAX_SOURCES)
    found = await uow.proposals.by_codes(wanted)
    proposals = []
    for code in wanted:
        proposal = found.get(code)
        if proposal is None or proposal.consultation != services.consultation.slug:
            raise CommitmentRefused(N_("There is no proposal {code}."), code=code[:24])
        check_mergeable(proposal)
        proposals.append(proposal)
    return proposals


def check_mergeable(proposal: Proposal) -> None:
    if proposal.hidden:
        raise CommitmentRefused(
            N_("{code} was hidden by the moderators: it cannot be part of a commitment."), code=proposal.code
        )
    if proposal.status == "withdrawn":
        raise CommitmentRefused(
            N_("{code} was withdrawn by its author: it cannot be part of a commitment."), code=proposal.code
        )


def clean_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise CommitmentRefused(N_("A commitment needs a title."))
    if len(text) > MAX_TITLE:
        raise CommitmentRefused(N_("The title is longer than {maximum} characters."), maximum=MAX_TITLE)
    return text


def same_title(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def clean_answer(answer: str) -> str:
    text = answer.strip()
    if len(text) > MAX_ANSWER:
        raise CommitmentRefused(
            N_("the answer is {length} characters; the limit is {maximum}"), length=len(text), maximum=MAX_ANSWER
        )
    return text


def clean_text(value: str, maximum: int = MAX_FIELD) -> str:
    text = value.strip()
    if len(text) > maximum:
        raise CommitmentRefused(N_("A field is longer than {maximum} characters."), maximum=maximum)
    return text


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD``; empty clears the date."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommitmentRefused(N_("{value} is not a date: write it as YYYY-MM-DD."), value=value[:40]) from None


def codes_of(proposals: Sequence[Proposal]) -> list[str]:
    return [proposal.code for proposal in proposals]
