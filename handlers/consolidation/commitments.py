"""Commitments of the action plan, drafted from proposals: one place to import the use cases from (the
command line, the bot and the web desk call the same ones).

Every use case takes ``(uow, services, actor, ...)``, changes nothing when it refuses (``CommitmentRefused``,
a message translatable with ``explain(tr)``), writes the messages it owes people to the outbox and the
staff action to the audit log, and leaves the commit to the caller. See ``commitment_merge`` for what
merging, undoing and splitting do and what running them again does."""

from __future__ import annotations

from handlers.consolidation.commitment_edit import CommitmentEdit, Edited, update_commitment
from handlers.consolidation.commitment_export import export_commitments, write_commitments
from handlers.consolidation.commitment_formats import FORMATS
from handlers.consolidation.commitment_merge import (
    Merged,
    Undone,
    draft,
    draft_commitment,
    merge_into,
    split,
    undo_merge,
)
from handlers.consolidation.commitment_progress import Recorded, add_milestone, record_progress
from handlers.consolidation.commitment_rules import CommitmentRefused, find_commitment
from handlers.consolidation.commitment_template import FIELDS, OGP_VALUES
from handlers.consolidation.commitment_view import CommitmentView, list_commitments, show_commitment

__all__ = [
    "FIELDS",
    "FORMATS",
    "OGP_VALUES",
    "CommitmentEdit",
    "CommitmentRefused",
    "CommitmentView",
    "Edited",
    "Merged",
    "Recorded",
    "Undone",
    "add_milestone",
    "draft",
    "draft_commitment",
    "export_commitments",
    "find_commitment",
    "list_commitments",
    "merge_into",
    "record_progress",
    "show_commitment",
    "split",
    "undo_merge",
    "update_commitment",
    "write_commitments",
]
