"""What a handler gets for one incoming event: the event, the unit of work, the services, the person
and their conversation, and a way to answer. Replies are collected and written to the outbox with
the event's other effects.

A facilitator entering the proposals of a workshop table works in a chat of their own
(``FacilitatorChat``): once the workshop handlers ``enter`` it, the step, the state and the step
table are the facilitator's, so the citizen's conversation machinery (questions, answers, review)
serves them unchanged and the citizen's own conversation, if any, is left as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from config.consultation import Consultation
from handlers.i18n import Catalogs, Translator
from handlers.intake.draft import State
from handlers.intake.table import StepTable
from handlers.messages import Address, Choice, Choices, Incoming, Outgoing
from handlers.services import Services
from storage.models import Conversation, FacilitatorChat, Participant
from storage.uow import UnitOfWork


@dataclass
class Context:
    incoming: Incoming
    uow: UnitOfWork
    services: Services
    now: datetime
    tr: Translator
    participant: Participant | None = None
    conversation: Conversation | None = None
    replies: list[Outgoing] = field(default_factory=list)
    facilitator_chat: FacilitatorChat | None = None
    """Set while a facilitator enters a workshop table's proposals (see ``enter``)."""
    _workshop_steps: StepTable | None = field(default=None, init=False, repr=False)
    released: int = 0
    """How many messages that waited for the person (a closed reply window) this event released."""
    review_shown: tuple[int, str] | None = None
    """Where this event showed the review: its index in ``replies`` and the explanation put before it
    (the review is drawn again once similar proposals are looked for, see ``handlers/consolidation/offer.py``)."""

    @property
    def consultation(self) -> Consultation:
        return self.services.consultation

    @property
    def catalogs(self) -> Catalogs:
        return self.services.catalogs

    @property
    def steps(self) -> StepTable:
        if self.facilitator_chat is not None and self._workshop_steps is not None:
            return self._workshop_steps
        return self.services.steps

    def enter(self, chat: FacilitatorChat, steps: StepTable) -> None:
        """Work in a facilitator's chat, with the workshop's steps, for the rest of this event."""
        self.facilitator_chat, self._workshop_steps = chat, steps
        self.use_language(chat.language)

    @property
    def moderators(self) -> Address | None:
        return self.services.moderators

    @property
    def language(self) -> str:
        return self.tr.language

    def say(self, text: str, choices: Choices = ()) -> None:
        """Answer the person who wrote, in their chat."""
        self.replies.append(Outgoing(to=self.incoming.address, text=text, choices=choices, language=self.language))

    def send_to(self, message: Outgoing) -> None:
        """A message to someone else (the moderators, a proposal's author) or with more than text."""
        self.replies.append(message)

    def use_language(self, language: str) -> None:
        self.tr = self.services.translator(language)

    # --- where the chat stands ----------------------------------------------------------------

    @property
    def _chat(self) -> Conversation | FacilitatorChat:
        chat = self.facilitator_chat or self.conversation
        assert chat is not None
        return chat

    @property
    def step(self) -> str:
        return self._chat.step

    @property
    def state(self) -> State:
        return State.from_json(self._chat.draft)

    def go(self, step: str, state: State | None = None) -> None:
        """Move the conversation to ``step`` (with a new state, or keeping the current one)."""
        chat = self._chat
        chat.step = step
        if state is not None:
            chat.draft = state.to_json()  # a new object, so the JSON column is saved


def one_per_row(choices: list[Choice]) -> Choices:
    return tuple((choice,) for choice in choices)


def rows_of(choices: list[Choice], width: int) -> Choices:
    return tuple(tuple(choices[i : i + width]) for i in range(0, len(choices), width))
