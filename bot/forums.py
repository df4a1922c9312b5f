"""Forum topics in the moderators' group: one topic per proposal when the group is a forum.

aiogram's and python-telegram-bot's ``Bot`` both offer ``get_chat(chat_id)`` and
``create_forum_topic(chat_id, name=...)``, so both senders share this.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers.messages import Outgoing

log = logging.getLogger(__name__)
MAX_TOPIC_NAME = 128


class ForumTopics:
    def __init__(self, bot: Any) -> None:
        self._bot = bot
        self.forums: set[int] = set()

    async def learn(self, chat_id: int) -> None:
        """Remember whether ``chat_id`` is a forum."""
        try:
            chat = await self._bot.get_chat(chat_id)
        except Exception as error:  # a wrong id must not stop the bot: cards go out as plain messages
            log.warning("cannot read the moderators' chat %s (%s); not using forum topics", chat_id, error)
            return
        if getattr(chat, "is_forum", False):
            self.forums.add(chat_id)

    async def thread_for(self, message: Outgoing) -> int | None:
        """The topic ``message`` goes to: a new one when it asks for it in a forum."""
        if message.topic and message.chat_id in self.forums:
            topic = await self._bot.create_forum_topic(message.chat_id, name=message.topic[:MAX_TOPIC_NAME])
            return int(topic.message_thread_id)
        return message.thread_id
