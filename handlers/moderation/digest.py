"""New proposals' cards in one message when the moderators' group cannot take them one by one.

A group accepts about 20 messages a minute (Telegram): at a campaign's peak, one card per proposal would
fall further and further behind. When cards wait for the group's pace, the sender folds the waiting ones
into a digest: one line per proposal and a button per code that posts that proposal's full card (with
its thread, where moderators ask the author). The web desk's queue shows every proposal meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.i18n import Translator
from handlers.messages import Choice, Outgoing

NEW_CARD = "card"
"""A new proposal's card; a card a moderator asked to see from a digest is ``SHOWN_CARD``, never folded."""
SHOWN_CARD = "card:shown"
MOST = 20
"""Cards in one digest: its text and buttons stay well within a message's limits."""
PER_ROW = 3


def foldable(message: Outgoing) -> bool:
    """A new proposal's card, which a digest may stand in for."""
    return message.about is not None and message.about.purpose == NEW_CARD and message.about.proposal_id is not None


def digest(tr: Translator, cards: Sequence[Outgoing]) -> Outgoing:
    """One message for ``cards`` (new proposals' cards to the same group, in the order they came)."""
    titles = [card.new_thread or card.text.split("\n", 1)[0] for card in cards]
    lines = [
        tr.n_("{count} new proposal", "{count} new proposals", len(cards)).format(count=len(cards)),
        *(f"• {title}" for title in titles),
        tr._("Press a code to see its card here. Every proposal is also on the web desk."),
    ]
    buttons = [
        Choice(f"mod:card:{card.about.proposal_id}", title.split(" · ", 1)[0])
        for card, title in zip(cards, titles, strict=True)
        if card.about is not None
    ]
    return Outgoing(
        to=cards[0].to,
        text="\n".join(lines),
        choices=tuple(tuple(buttons[i : i + PER_ROW]) for i in range(0, len(buttons), PER_ROW)),
        thread=cards[0].thread,
    )


class CardDigest:
    """The outbox sender's way to fold new proposals' cards (``bot/outbox/delivery.py``), in the language of
    the moderators' group."""

    most = MOST

    def __init__(self, translator: Callable[[], Translator]) -> None:
        self._translator = translator

    def foldable(self, message: Outgoing) -> bool:
        return foldable(message)

    def __call__(self, messages: Sequence[Outgoing]) -> Outgoing:
        return digest(self._translator(), messages)
