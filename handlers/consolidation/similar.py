"""Similar proposals already received: one in-memory index per process, kept right across processes.

Every stored proposal gets its vector (``similarity.encode`` of its problem, solution and contribution)
in ``proposal_vectors``, in the transaction that stores it (``store``). The index of a process is built
from those rows the first time it is needed (or when the bot starts: ``bot/background.py``) and, before each
lookup, takes the rows with an id above the last one it saw: proposals stored by any process (another
worker, a spreadsheet import, the web) are found a moment later, without re-encoding anything.

A row committed late, after a higher id was already seen (two transactions of several workers that end
in the other order), would be missed by "above the last id": ids skipped over are looked for again
for ``GAP_SECONDS``.

What the index finds is filtered at each lookup against the proposals as they are now: only proposals
of the consultation that are published (not hidden by moderators, not withdrawn by their authors), and
never the person's own or those they already support. Encoding and searching run in a worker thread
(the model is loaded once per process, and encodes on one BLAS thread); the index is searched under a
lock, so that it never changes meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.models import Proposal
from storage.uow import UnitOfWork, UnitOfWorkFactory
from storage.vectors import BATCH, StoredVector

if TYPE_CHECKING:
    from handlers.consolidation.similarity import FloatArray, SimilarityIndex

log = logging.getLogger(__name__)

SHOWN = 3
"""How many similar proposals the review shows at most."""
GAP_SECONDS = 120.0
"""How long an id skipped over is looked for again (a transaction that commits after a higher id)."""
RECENT_IDS = 64
"""At the first build, missing ids this close below the highest one are looked for again too."""
CACHED_TEXTS = 256
"""Vectors of recent texts kept in memory: the draft's vector, found at review, is reused when it is sent."""
MOST_CANDIDATES = 256
MOST_GAPS = 1000


def proposal_text(problem: str | None, solution: str | None, contribution: str | None) -> str:
    """A proposal as it is compared: its three texts, one per line."""
    return "\n".join(part for part in (problem, solution, contribution) if part)


def is_published(proposal: Proposal) -> bool:
    """Shown to others: not hidden by moderators, not withdrawn by its author."""
    return not proposal.hidden and proposal.status != "withdrawn"


@dataclass(frozen=True)
class Found:
    proposal: Proposal
    similarity: float


class SimilarProposals:
    """The process-wide similar-proposals index (one ``SimilarityIndex`` per consultation)."""

    def __init__(self, threshold: float | None = None) -> None:
        self._threshold = threshold
        self._indexes: dict[str, SimilarityIndex] = {}
        self._last_id = 0
        self._built = False
        self._gaps: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self._cache: OrderedDict[tuple[str, str], FloatArray] = OrderedDict()

    @property
    def threshold(self) -> float:
        from handlers.consolidation.similarity import THRESHOLD

        return THRESHOLD if self._threshold is None else self._threshold

    def __len__(self) -> int:
        return sum(len(index) for index in self._indexes.values())

    # --- vectors ---------------------------------------------------------------------------------

    async def vectors(self, texts: Sequence[str], languages: Sequence[str]) -> list[FloatArray]:
        """One vector per text, encoded in a worker thread (recent texts come from memory)."""
        from handlers.consolidation.similarity import encode

        keys = list(zip(languages, texts, strict=True))
        missing = list(dict.fromkeys(key for key in keys if key not in self._cache))
        if missing:
            encoded = await asyncio.to_thread(encode, [text for _, text in missing], [lang for lang, _ in missing])
            for key, vector in zip(missing, encoded, strict=True):
                self._cache[key] = vector
        found = [self._cache[key] for key in keys]
        for key in keys:
            self._cache.move_to_end(key)
        while len(self._cache) > CACHED_TEXTS:
            self._cache.popitem(last=False)
        return found

    async def store(self, uow: UnitOfWork, proposals: Sequence[Proposal]) -> None:
        """Write the vectors of just stored ``proposals`` in their transaction. Encoding never stops a
        proposal from being stored: if it fails, the proposal goes without (``cocrea clusters`` adds it)."""
        from handlers.consolidation.similarity import vector_to_bytes

        if not proposals:
            return
        texts = [proposal_text(p.problem, p.solution, p.contribution) for p in proposals]
        try:
            vectors = await self.vectors(texts, [p.language for p in proposals])
        except Exception:
            log.exception("could not encode %d proposals for similarity; stored without vectors", len(proposals))
            return
        for proposal, vector in zip(proposals, vectors, strict=True):
            await uow.vectors.put(proposal.id, vector_to_bytes(vector))

    # --- the index -------------------------------------------------------------------------------

    async def load_model(self) -> None:
        """Load the model now (in a worker thread), so that the first citizen at review does not wait."""
        from handlers.consolidation.similarity import encode

        await asyncio.to_thread(encode, ["calentamiento"], ["es"])

    async def catch_up(self, factory: UnitOfWorkFactory) -> None:
        """Build the index, or bring it up to date, from the vectors stored by every process."""
        async with self._lock:
            await self._catch_up(factory)

    async def _catch_up(self, factory: UnitOfWorkFactory) -> None:
        """Take the vectors stored since the last look (by any process); the caller holds the lock."""
        async with factory.reading() as uow:
            if self._gaps:
                now = time.monotonic()
                self._gaps = {i: since for i, since in self._gaps.items() if now - since < GAP_SECONDS}
                late = await uow.vectors.of(sorted(self._gaps))
                for row in late:
                    self._gaps.pop(row.proposal_id, None)
                self._add(late)
            before = self._last_id if self._built else None
            if before is None:
                self._presize(await uow.vectors.counts())
            seen: set[int] = set()
            while True:
                rows = await uow.vectors.after(self._last_id)
                self._add(rows)
                seen.update(row.proposal_id for row in rows)
                if rows:
                    self._last_id = rows[-1].proposal_id
                if len(rows) < BATCH:
                    break
        self._note_gaps(seen, before)
        self._built = True

    def _note_gaps(self, seen: set[int], before: int | None) -> None:
        """Ids skipped over since ``before`` (None: the first build, whose older gaps are proposals stored
        without a vector, not late transactions) are looked for again for a while."""
        if not seen:
            return
        lowest = self._last_id - RECENT_IDS if before is None else before
        now = time.monotonic()
        for missing in range(max(lowest, self._last_id - MOST_GAPS) + 1, self._last_id):
            if missing not in seen:
                self._gaps.setdefault(missing, now)

    def _presize(self, counts: dict[str, int]) -> None:
        """Indexes as large as what is stored (and a little room): growing one copies it."""
        from handlers.consolidation.similarity import SimilarityIndex

        for consultation, count in counts.items():
            if consultation not in self._indexes:
                self._indexes[consultation] = SimilarityIndex(count + 1024)

    def _add(self, rows: Sequence[StoredVector]) -> None:
        from handlers.consolidation.similarity import SimilarityIndex, vectors_from_bytes

        by_consultation: dict[str, list[StoredVector]] = {}
        for row in rows:
            by_consultation.setdefault(row.consultation, []).append(row)
        for consultation, found in by_consultation.items():
            try:
                vectors = vectors_from_bytes([row.vector for row in found])
            except ValueError:
                log.warning("%d stored vectors of another format skipped (cocrea clusters redoes them)", len(found))
                continue
            index = self._indexes.get(consultation)
            if index is None:
                index = self._indexes[consultation] = SimilarityIndex(max(len(found), 1024))
            index.add_many([row.proposal_id for row in found], vectors)

    # --- lookup ----------------------------------------------------------------------------------

    async def similar_to(
        self,
        factory: UnitOfWorkFactory,
        uow: UnitOfWork,
        text: str,
        language: str,
        *,
        consultation: str,
        exclude: Collection[int] = (),
        participant_id: int | None = None,
        k: int = SHOWN,
    ) -> list[Found]:
        """Up to ``k`` published proposals of ``consultation`` like ``text``, most similar first; never
        those in ``exclude`` nor those of ``participant_id``. Empty when the text cannot be encoded.
        The index catches up on a reading unit of work of ``factory``; ``uow`` reads the proposals."""
        try:
            [vector] = await self.vectors([text], [language])
        except Exception:
            log.exception("could not encode a draft for similarity; the review shows no similar proposals")
            return []
        async with self._lock:
            await self._catch_up(factory)
            index = self._indexes.get(consultation)
            if index is None or k <= 0:
                return []
            wanted = 4 * k
            while True:
                hits = await asyncio.to_thread(index.similar, vector, wanted, self.threshold, exclude)
                proposals = await uow.proposals.by_ids([key for key, _ in hits]) if hits else {}
                found = [
                    Found(proposal, score)
                    for key, score in hits
                    if (proposal := proposals.get(key)) is not None
                    and is_published(proposal)
                    and proposal.consultation == consultation
                    and (participant_id is None or proposal.participant_id != participant_id)
                ]
                if len(found) >= k or len(hits) < wanted or wanted >= MOST_CANDIDATES:
                    return found[:k]
                wanted *= 4
