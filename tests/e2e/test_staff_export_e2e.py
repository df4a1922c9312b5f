"""An analyst asks the bot for an export over Telegram: it is written in the background while citizens
keep talking to the bot, its progress message is edited, and the file arrives in the chat."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from storage.database import Database
from storage.models import ExportJob, OutboxMessage
from tests.e2e.citizen_script import full_proposal
from tests.e2e.conftest import StartBot
from tests.e2e.fake_bot_api import FakeBotApi
from tests.e2e.test_moderation_e2e import add_staff

QUICK = {"COCREA_OUTBOX_POLL_SECONDS": "0.2"}


async def where_things_are(database: Database) -> str:
    """The export jobs and the messages owed to the chat, for a failure's message."""
    async with database.sessions() as session:
        jobs = (await session.execute(select(ExportJob))).scalars().all()
        owed = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == "900"))).scalars().all()
    described_jobs = [(j.id, j.state, j.attempts, j.started_at, j.finished_at) for j in jobs]
    described_owed = [
        (m.id, m.status, m.attempts, m.last_error, m.claimed_until, m.due_at, m.payload[:60]) for m in owed
    ]
    return f"jobs {described_jobs}, owed to the analyst {described_owed}"


async def test_an_export_arrives_while_citizens_go_on(fake: FakeBotApi, start_bot: StartBot, framework: str) -> None:
    bot = await start_bot(framework, **QUICK)
    await add_staff(bot.app.database, 900, "analyst")
    ana, luis, mara = fake.user(1001, "Ana"), fake.user(1002, "Luis"), fake.user(900, "Mara")
    code = await full_proposal(ana)

    await mara.send("/export")
    progress = await mara.expect("Preparando la exportación de 1 propuesta… 0 %")
    second = await full_proposal(luis)  # a citizen is served meanwhile
    try:
        edited = await mara.expect("100 %", kind="edit", timeout=30)
    except AssertionError as late:
        raise AssertionError(f"{late}; then: {await where_things_are(bot.app.database)}") from None
    assert edited.message_id == progress.message_id, "the same message, edited"
    document = await mara.expect(kind="document")
    assert document.document_name is not None and document.document_name.endswith(".csv")
    assert document.document_bytes is not None
    rows = list(csv.DictReader(io.StringIO(document.document_bytes.decode("utf-8-sig"))))
    codes = [row["code"] for row in rows]
    assert code in codes and set(codes) <= {code, second}, "what was there when the file was written"
    await mara.expect_silence()
