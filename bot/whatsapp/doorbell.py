"""The doorbell: an approved template telling a person whose 24-hour window closed that a message
waits for them ("Hay novedades sobre tu propuesta UIO-0042. Responde a este mensaje para leerlas.").
Their answer (any message, or the template's quick-reply button) opens the window, and the engine
releases what waited.

Templates are configuration (``COCREA_WHATSAPP_DOORBELL``: a template name and Meta language per
conversation language). Each takes one body parameter, ``{{1}}``: what the message is about, in the
person's language. Without a template for the person's language (nor the default one), nothing is
sent: the message waits, visible in ``cocrea outbox``, until the person writes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.outbox.pacing import Pacer
from bot.outbox.sending import BadMessage, Unreachable
from bot.whatsapp.client import GraphClient
from handlers.i18n import N_, Catalogs
from handlers.messages import Outgoing

log = logging.getLogger(__name__)
DOORBELL = "doorbell"
"""What the doorbell's receipts carry instead of an outbox id."""
FALLBACK_SUBJECT = N_("your conversation with us")


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    """Meta's language code of the approved template (``es``, ``es_MX``, ``en_US``...)."""


def recipient(chat_id: str) -> dict[str, str]:
    """How the Cloud API addresses a chat: a phone number in ``to``, a business-scoped user id in ``recipient``."""
    return {"to": chat_id} if chat_id.isdigit() else {"recipient": chat_id}


class Doorbell:
    def __init__(
        self, client: GraphClient, templates: Mapping[str, Template], catalogs: Catalogs, pacer: Pacer
    ) -> None:
        self._client = client
        self._templates = templates
        self._catalogs = catalogs
        self._pacer = pacer

    def template_for(self, language: str) -> Template | None:
        return self._templates.get(language) or self._templates.get(self._catalogs.default)

    async def ring(self, chat_id: str, message: Outgoing, language: str) -> bool:
        """Send the template for ``message``; False when there is none or WhatsApp refused it for good.
        A passing failure (network, throughput) is raised, so that the message's sending is tried again."""
        language = language or message.language or self._catalogs.default
        template = self.template_for(language)
        if template is None:
            log.info("a message waits for a WhatsApp person; no doorbell template for %r is configured", language)
            return False
        subject = " ".join(message.subject.split()) or self._catalogs.get(language)._(FALLBACK_SUBJECT)
        body = {
            **recipient(chat_id),
            "type": "template",
            "template": {
                "name": template.name,
                "language": {"code": template.language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": subject}]}],
            },
            "biz_opaque_callback_data": DOORBELL,
        }
        await self._pacer.wait_turn(chat_id)
        try:
            await self._client.send(body)
        except (BadMessage, Unreachable) as error:
            log.error("WhatsApp refused the doorbell template %s (%s): %s", template.name, template.language, error)
            return False
        return True
