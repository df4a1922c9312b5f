"""Sending to WhatsApp: the window first, then the rendered messages, each naming its outbox row.

Outside the person's 24-hour window (by our record, or because Meta answers 131047) a message is not
sent: the doorbell rings once and the message waits (``WaitForPerson``) until the person writes.
Every message carries its outbox row in ``biz_opaque_callback_data`` (``42``, or ``42:1/2`` for the
first of two parts), which Meta echoes in its status webhooks: a receipt finds its row even when it
arrives before the sender has recorded the message's id.
"""

from __future__ import annotations

from typing import NoReturn

from bot.outbox.pacing import Pacer
from bot.outbox.sending import WaitForPerson
from bot.whatsapp.client import GraphClient
from bot.whatsapp.doorbell import Doorbell, recipient
from bot.whatsapp.render import render
from bot.whatsapp.window import Gate, Windows
from handlers.i18n import Catalogs
from handlers.messages import Outgoing, Sent


def tracker(reference: str, index: int, count: int) -> str:
    return reference if count == 1 else f"{reference}:{index + 1}/{count}"


class WhatsAppSender:
    def __init__(
        self, client: GraphClient, windows: Windows, doorbell: Doorbell, catalogs: Catalogs, pacer: Pacer
    ) -> None:
        self._client = client
        self._windows = windows
        self._doorbell = doorbell
        self._catalogs = catalogs
        self._pacer = pacer

    def is_group(self, chat_id: str) -> bool:
        return False  # the moderators' group is on Telegram

    async def send(self, message: Outgoing, reference: str = "") -> Sent:
        chat_id = message.to.chat_id
        gate = await self._windows.gate(chat_id)
        if not gate.open:
            await self._wait(chat_id, message, gate, "outside the 24-hour window")
        tr = self._catalogs.get(message.language or gate.language or self._catalogs.default)
        parts = render(message, tr)
        sent: list[str] = []
        for index, part in enumerate(parts):
            if index:
                await self._pacer.wait_turn(chat_id)  # the outbox paced the first part
            body = {**recipient(chat_id), **part}
            if reference:
                body["biz_opaque_callback_data"] = tracker(reference, index, len(parts))
            if index == 0 and message.reply_to:
                body["context"] = {"message_id": message.reply_to}
            try:
                sent.append(await self._client.send(body))
            except WaitForPerson as refused:
                await self._wait(chat_id, message, gate, str(refused))
        return Sent(sent[-1], also=tuple(sent[:-1]))

    async def ring(self, chat_id: str, message: Outgoing) -> None:
        """Ring the doorbell for a message Meta refused later, by status webhook (131047)."""
        gate = await self._windows.gate(chat_id)
        await self._doorbell.ring(chat_id, message, gate.language)

    async def _wait(self, chat_id: str, message: Outgoing, gate: Gate, reason: str) -> NoReturn:
        """Ring (unless messages already wait: it rang for the first) and make the message wait."""
        rung = False if gate.others_waiting else await self._doorbell.ring(chat_id, message, gate.language)
        why = "behind earlier messages" if gate.others_waiting else "doorbell sent" if rung else "no doorbell sent"
        raise WaitForPerson(f"{reason}; {why}")
