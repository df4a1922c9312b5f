"""The tables. One row per participant, conversation, proposal, status change,
processed update and owed message; workshops, their tables, the workshop origin of a proposal
and where a facilitator's chat stands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Participant(Base):
    """A person who consented to the privacy notice. Created only after consent."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_participant_channel_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    pseudonym: Mapped[str] = mapped_column(String(24), unique=True)
    language: Mapped[str] = mapped_column(String(12))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    profile_done: Mapped[bool] = mapped_column(Boolean, default=False)
    sector: Mapped[str | None] = mapped_column(String(40), default=None)
    zone: Mapped[str | None] = mapped_column(String(40), default=None)
    age_range: Mapped[str | None] = mapped_column(String(20), default=None)
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False once the person said ``stop``: no reminder of an abandoned draft any more."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """Where a chat stands in the conversation; the version column rejects concurrent writers."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_conversation_channel_chat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(32))
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the person last wrote in this chat: where a channel's reply window and inactivity start."""
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the current draft got its one reminder (cleared when a new draft begins)."""

    participant: Mapped[Participant] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_consultation_submitted", "consultation", "submitted_at"),
        Index("ix_proposals_participant", "participant_id"),
        Index("ix_proposals_published", "consultation", "hidden", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    consultation: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), default=None)
    participant_pseudonym: Mapped[str | None] = mapped_column(String(24), default=None)
    """Empty once the author deleted their data, and for a proposal of a workshop table."""
    axis_id: Mapped[str] = mapped_column(String(24))
    pillar_id: Mapped[str] = mapped_column(String(24))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    contribution: Mapped[str] = mapped_column(Text)
    lead_institution: Mapped[str | None] = mapped_column(Text, default=None)
    """Asked only by consultations that add the optional step; a suggestion, to be confirmed by staff."""
    zone: Mapped[str | None] = mapped_column(String(40), default=None)
    sector: Mapped[str | None] = mapped_column(String(40), default=None)
    age_range: Mapped[str | None] = mapped_column(String(20), default=None)
    language: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(24), default="received")
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(12), default="chat", server_default="chat")
    """``chat`` (a citizen in the bot) or ``workshop`` (a table of an in-person workshop)."""


class StatusChange(Base):
    __tablename__ = "proposal_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    actor: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedUpdate(Base):
    """An event id recorded in the same transaction as its effects: a redelivery changes nothing."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


REPLY = 0
"""Outbox priority of an answer to what a person just did (the conversation engine's replies)."""
BULK = 1
"""Outbox priority of everything else: notices to many, answers imports, reminders, staff actions."""


class OutboxMessage(Base):
    """A message owed to someone, written with the change that causes it.

    ``status``: ``pending`` (to send), ``waiting`` (for the person to write again: the channel may not
    deliver it now), ``failed``, ``undeliverable``; on a channel that reports delivery and reading,
    then ``sent``, ``delivered`` (the text and the recipient are blanked) and ``read``. Elsewhere the
    row is deleted once the channel accepted it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_channel_message", "channel", "message_id"),
        Index("ix_outbox_channel_chat", "channel", "chat_id", "id"),
        {"sqlite_autoincrement": True},  # an id is never reused, so a stale id never names a new message
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    """The channel's id of the sent message, for the receipts that name it."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    priority: Mapped[int] = mapped_column(SmallInteger, default=BULK, server_default=str(BULK))
    """``REPLY`` (0: an answer to what a person just did) goes before ``BULK`` (1: notices to many); a chat's
    own messages keep their order whatever their priority."""


class Counter(Base):
    """Named sequences, e.g. the tracking-code number of a consultation."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class StaffMember(Base):
    """Someone who may use staff commands: admin, moderator or analyst."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_staff_channel_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(128), default=None)
    """The staff member's name as the channel gives it, learnt when they write to the bot."""


class StaffInvitation(Base):
    """A one-time code that gives a role to whoever brings it to the bot first, within 48 hours."""

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the code: the code itself is only in the link given to the person."""
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)


class AuditEntry(Base):
    """Every staff action and every view of personal data, append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ThreadMessage(Base):
    """One message between the municipality and a citizen about a proposal (or an /ask question).

    direction: ``question`` (moderator → author), ``answer`` (author → moderators),
    ``ask`` (citizen's /ask → moderators), ``reply`` (moderator → citizen),
    ``status`` (a reasoned answer sent with a status change).
    """

    __tablename__ = "thread_messages"
    __table_args__ = (Index("ix_thread_messages_proposal", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), default=None)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), default=None)
    direction: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupMessageLink(Base):
    """A message the bot sent (to the moderators' group or to a citizen), and what a reply to it refers to."""

    __tablename__ = "group_message_links"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), default=None)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), default=None)
    thread_id: Mapped[str | None] = mapped_column(String(64), default=None)
    purpose: Mapped[str] = mapped_column(String(40), default="card")
    """``card``, ``answer`` (a citizen's answer), ``ask`` (an /ask question), ``question`` (sent to a
    citizen, who may reply to it) or ``status:<status>`` (waiting for the reasoned answer)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Workshop(Base):
    """An in-person workshop of a consultation, with numbered work tables ("mesas de trabajo")."""

    __tablename__ = "workshops"
    __table_args__ = (Index("ix_workshops_consultation", "consultation", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    zone: Mapped[str | None] = mapped_column(String(40), default=None)
    """A zone id of the consultation file (where the workshop is held and its participants live)."""
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkshopTable(Base):
    """A work table of a workshop, numbered from 1, optionally about one thematic axis."""

    __tablename__ = "workshop_tables"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    axis_id: Mapped[str | None] = mapped_column(String(24), default=None)


class WorkshopOrigin(Base):
    """Where a workshop proposal comes from: its workshop and table, how many people at the table back
    it, who entered it (a staff actor), and the spreadsheet row it was imported from, if any."""

    __tablename__ = "workshop_proposals"
    __table_args__ = (
        Index("ix_workshop_proposals_workshop", "workshop_id", "table_number"),
        UniqueConstraint("reference", name="uq_workshop_proposals_reference"),
    )

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="RESTRICT"))
    table_number: Mapped[int] = mapped_column(Integer)
    backers: Mapped[int | None] = mapped_column(Integer, default=None)
    entered_by: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), default=None)
    """The facilitator who answers the moderators' questions about it (None: nobody can)."""
    reference: Mapped[str | None] = mapped_column(String(80), default=None)
    """The spreadsheet row's reference: importing the same file twice imports nothing twice."""


class FacilitatorChat(Base):
    """Where a facilitator's chat stands while they enter the proposals of a workshop table (or answer a
    question about one): the workshop and table, the step and the proposal being written, and the
    language they use. Idle once they leave the mode; deleted with the staff member. The version column
    rejects concurrent writers."""

    __tablename__ = "facilitator_chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_facilitator_chat_channel_chat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), default=None)
    table_number: Mapped[int | None] = mapped_column(Integer, default=None)
    step: Mapped[str] = mapped_column(String(32))
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WebSignInLink(Base):
    """A one-time link to the web desk for a staff member. Only the token's SHA-256 is kept."""

    __tablename__ = "web_sign_in_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class WebSession(Base):
    """A signed-in browser of a staff member; it goes with the staff row. Only the cookie's SHA-256 is kept."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Support(Base):
    """A citizen who backs a published proposal instead of sending the same idea again: they hear its
    answers and updates like its author, and may withdraw (the row is deleted)."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "participant_id", name="uq_support_proposal_participant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Commitment(Base):
    """A commitment of the action plan in the OGP template, drafted from one or more proposals."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    consultation: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text, default="")
    status_quo: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    contribution: Mapped[str] = mapped_column(Text, default="")
    long_term_goal: Mapped[str] = mapped_column(Text, default="")
    ogp_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    policy_area: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[str] = mapped_column(Text, default="")
    lead_institution: Mapped[str] = mapped_column(Text, default="")
    lead_suggested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """True while the lead institution is only what a citizen suggested, not yet confirmed by staff."""
    supporting_institutions: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    answer: Mapped[str] = mapped_column(Text, default="")
    """The reasoned answer every source proposal's people receive (one text for the group)."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CommitmentSource(Base):
    """A proposal merged into (or split into) a commitment, with what it was before, so that the merge
    can be undone. Nothing of the proposal is destroyed."""

    __tablename__ = "commitment_sources"
    __table_args__ = (Index("ix_commitment_sources_proposal", "proposal_id"),)

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    previous_status: Mapped[str] = mapped_column(String(24))
    previous_reason: Mapped[str | None] = mapped_column(Text, default=None)
    previous_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Milestone(Base):
    """A dated step of a commitment, numbered from 1; done once staff record it so."""

    __tablename__ = "commitment_milestones"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ProgressUpdate(Base):
    """A note on a commitment's progress (optionally about one milestone), published and sent to every
    linked author and supporter."""

    __tablename__ = "commitment_progress"
    __table_args__ = (Index("ix_commitment_progress_commitment", "commitment_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    milestone: Mapped[int | None] = mapped_column(Integer, default=None)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitmentNotice(Base):
    """Who has already been told of a commitment's event (``merged``, ``undone``, ``progress:<id>``…):
    running the same step again tells nobody twice. ``recipient`` is ``participant:<id>`` (deleted with
    the person's data) or ``proposal:<id>`` (a workshop table, told through its facilitator)."""

    __tablename__ = "commitment_notices"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProposalVector(Base):
    """A proposal's similarity vector (``handlers.consolidation.similarity.vector_to_bytes``), computed once
    when it is stored, so that the similarity index is rebuilt at start without re-encoding."""

    __tablename__ = "proposal_vectors"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ExportJob(Base):
    """A staff member's ``/export`` from the bot, written in the background: the update only queues it, a
    worker claims it (compare-and-set), writes the file on a reading connection and queues it for the
    chat. A claim left by a process that died is taken over once it is stale."""

    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    command: Mapped[str] = mapped_column(Text)
    """The ``/export …`` text as the staff member wrote it (read again by the worker)."""
    language: Mapped[str] = mapped_column(String(12))
    total: Mapped[int] = mapped_column(Integer)
    """How many proposals matched when it was asked (for the progress shown)."""
    state: Mapped[str] = mapped_column(String(12), default="queued")
    """``queued``, ``running``, ``done`` or ``failed``."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int | None] = mapped_column(Integer, default=None)
    file_name: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
