"""Near-duplicate groups of published proposals, for staff consolidating them into commitments.

One use case for ``cocrea clusters`` (and the web desk's page): the proposals the filters select (hidden
and withdrawn ones are left out) are grouped by ``similarity.clusters`` on their stored vectors. A
proposal stored before vectors existed, or whose encoding failed, is encoded here and its vector stored,
so that it is also found at review from then on. Groups come largest first, each centre first with
its members by similarity to it; proposals without a near duplicate come last, each alone.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING

from handlers.actors import Actor, channel_of
from handlers.consolidation.commitment_formats import CLUSTER_FORMATS
from handlers.consolidation.similar import proposal_text
from handlers.i18n import N_, Translator
from handlers.services import Services
from handlers.staff.columns import TITLES
from handlers.staff.labels import labeler
from handlers.staff.requests import RequestError
from storage.export import ExportFilter, Label, Row, write_csv
from storage.export_json import write_json
from storage.export_xlsx import write_xlsx
from storage.vectors import BATCH, ProposalText

if TYPE_CHECKING:
    from handlers.consolidation.similarity import FloatArray

FORMATS = CLUSTER_FORMATS
COLUMNS = ("cluster", "code", "axis", "pillar", "similarity", "problem")
CLUSTER_TITLES = {
    "cluster": N_("Group"),
    "similarity": N_("Similarity to the group's centre"),
}


@dataclass(frozen=True)
class Member:
    proposal_id: int
    code: str
    axis_id: str
    axis: str
    pillar_id: str
    pillar: str
    similarity: float
    """To the group's centre (1 for the centre, and for a proposal alone)."""
    problem: str


@dataclass(frozen=True)
class Cluster:
    number: int
    """1 for the largest group."""
    members: tuple[Member, ...]
    """The centre first, then by similarity to it."""

    @property
    def alone(self) -> bool:
        return len(self.members) == 1


def check_threshold(value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise RequestError(N_("The threshold must be above 0 and at most 1, not {value}."), value=str(value))
    return value


async def near_duplicates(
    services: Services,
    actor: Actor,
    filters: ExportFilter,
    *,
    threshold: float | None = None,
    lang: str = "es",
    via: str | None = None,
    target: str = "",
) -> list[Cluster]:
    """The near-duplicate groups of the published proposals ``filters`` select (recorded in the audit log)."""
    import numpy as np

    from handlers.consolidation.similarity import clusters, encode, vector_to_bytes

    threshold = check_threshold(_default_threshold() if threshold is None else threshold)
    ready, vectors, missing = await _read(services, replace(filters, published_only=True))
    if missing:
        texts = [proposal_text(p.problem, p.solution, p.contribution) for p in missing]
        encoded = await asyncio.to_thread(encode, texts, [p.language for p in missing])
        vectors = np.vstack([vectors, encoded])
    ordered = ready + missing
    groups = await asyncio.to_thread(clusters, [p.proposal_id for p in ordered], vectors, threshold)
    async with services.uow() as uow:
        for proposal, vector in zip(missing, vectors[len(ready) :], strict=True):
            await uow.vectors.put(proposal.proposal_id, vector_to_bytes(vector))
        await uow.audit.record(
            str(actor),
            "clusters",
            target[-64:],
            threshold=threshold,
            proposals=len(ordered),
            groups=sum(len(group) > 1 for group in groups),
            filters=filters.describe(),
            **channel_of(via),
        )
        await uow.commit()
    del vectors
    by_id = {p.proposal_id: p for p in ordered}
    label = labeler(services.consultation, services.catalogs, lang)
    return [
        Cluster(number, tuple(_member(by_id[key], score, label) for key, score in group))
        for number, group in enumerate(groups, start=1)
    ]


def _default_threshold() -> float:
    from handlers.consolidation.similarity import THRESHOLD

    return THRESHOLD


async def _read(services: Services, filters: ExportFilter) -> tuple[list[ProposalText], FloatArray, list[ProposalText]]:
    """(the proposals with a stored vector, their vectors in that order, the proposals without one). The
    stored bytes are turned into vectors batch by batch, and only the texts that are shown are kept."""
    import numpy as np

    from handlers.consolidation.similarity import DIM, vectors_from_bytes

    ready: list[ProposalText] = []
    parts: list[FloatArray] = []
    missing: list[ProposalText] = []
    after = 0
    async with services.reading() as uow:
        while True:
            batch = await uow.vectors.texts(filters, after_id=after)
            stored = [p for p in batch if p.vector is not None and _readable(p.vector)]
            if stored:
                parts.append(vectors_from_bytes([p.vector for p in stored if p.vector is not None]))
            ready += [replace(p, solution="", contribution="", vector=None) for p in stored]
            missing += [p for p in batch if p.vector is None or not _readable(p.vector)]
            if len(batch) < BATCH:
                break
            after = batch[-1].proposal_id
    vectors = np.concatenate(parts) if parts else np.zeros((0, DIM), dtype=np.float32)
    return ready, vectors, missing


def _readable(blob: bytes) -> bool:
    from handlers.consolidation.similarity import BYTES_LENGTH

    return len(blob) == BYTES_LENGTH and blob[:4] == b"sim1"


def _member(proposal: ProposalText, score: float, label: Label) -> Member:
    return Member(
        proposal.proposal_id,
        proposal.code,
        proposal.axis_id,
        label(proposal.consultation, "axis", proposal.axis_id),
        proposal.pillar_id,
        label(proposal.consultation, "pillar", proposal.pillar_id),
        round(float(score), 3),
        proposal.problem,
    )


# --- the file -------------------------------------------------------------------------------------


def rows(groups: Iterable[Cluster]) -> list[Row]:
    """One row per proposal, with the file's columns."""
    return [
        {
            "cluster": group.number,
            "code": member.code,
            "axis": member.axis,
            "pillar": member.pillar,
            "similarity": member.similarity,
            "problem": member.problem,
        }
        for group in groups
        for member in group.members
    ]


def titles(tr: Translator) -> dict[str, str]:
    return {column: tr._({**TITLES, **CLUSTER_TITLES}[column]) for column in COLUMNS}


async def write_clusters(groups: Sequence[Cluster], format: str, out: IO[bytes], tr: Translator) -> int:
    """Write the groups as CSV (UTF-8 with a byte-order mark), XLSX (titles in ``tr``'s language) or JSON;
    returns the number of rows."""
    if format not in FORMATS:
        raise RequestError(N_("Unknown format {value}. Formats: {known}."), value=format, known=", ".join(FORMATS))
    if format == "xlsx":
        return await write_xlsx(_each(rows(groups)), out, columns=COLUMNS, headers=titles(tr))
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if format == "csv" else "utf-8", newline="")
    try:
        if format == "csv":
            return await write_csv(_each(rows(groups)), text, columns=COLUMNS)
        return await write_json(_each(rows(groups)), text, columns=COLUMNS)
    finally:
        text.flush()
        text.detach()


async def _each(items: Iterable[Row]) -> AsyncIterator[Row]:
    for item in items:
        yield item
