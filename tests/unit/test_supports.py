"""A citizen about to send an idea someone already sent supports theirs instead, and hears what becomes of it."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from bot.outbox.delivery import Delivery
from bot.whatsapp.render import render
from handlers.engine import Engine
from handlers.messages import Address
from handlers.moderation.threads import record_sent
from handlers.services import Services
from handlers.staff.exports import write_export
from handlers.staff.requests import ExportRequest
from storage.database import Database
from storage.models import Conversation, Proposal, Support
from storage.uow import UnitOfWork
from tests.driver import Citizen, Counter, Moderator, RecordingSender, fast_pacer
from tests.unit.story import consent, count, proposals, reach_review, skip_profile

GROUP = "-100200"
SAME_PROBLEM = "Las paradas del corredor sur no tienen horarios publicados desde 2023."
SAME_SOLUTION = "Publicar los horarios en tiempo real en cada parada y como datos abiertos."
SAME_CONTRIBUTION = "Menos tiempo de espera y más control del servicio."


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(replace(services, moderators=Address("telegram", GROUP)))


@pytest.fixture
def delivery(services: Services, sender: RecordingSender) -> Delivery:
    return Delivery(services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def ana(engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter) -> Citizen:
    return Citizen(engine, delivery, sender, counter, "501")


@pytest.fixture
def luis(engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter) -> Citizen:
    return Citizen(engine, delivery, sender, counter, "502")


@pytest.fixture
async def moderator(
    engine: Engine, delivery: Delivery, sender: RecordingSender, counter: Counter, database: Database
) -> Moderator:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", "900", "moderator", "test")
        await uow.commit()
    return Moderator(engine, delivery, sender, counter, "900", GROUP)


async def sends_her_proposal(ana: Citizen) -> None:
    await reach_review(ana)
    await ana.press_data("review:send")
    assert "UIO-0001" in ana.last.text


async def writes_the_same_idea(citizen: Citizen, language: str = "en") -> None:
    await consent(citizen, language)
    await skip_profile(citizen)
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:participation")
    for text in (SAME_PROBLEM, SAME_SOLUTION, SAME_CONTRIBUTION):
        await citizen.send(text)


async def supports(database: Database) -> list[tuple[int, int]]:
    async with database.sessions() as session:
        rows = await session.execute(select(Support.proposal_id, Support.participant_id).order_by(Support.id))
        return [(int(p), int(q)) for p, q in rows.all()]


async def set_proposal(database: Database, **values: object) -> None:
    async with database.sessions() as session:
        await session.execute(update(Proposal).where(Proposal.id == 1).values(**values))
        await session.commit()


async def test_a_similar_proposal_is_shown_at_review_and_the_citizen_supports_it(
    ana: Citizen, luis: Citizen, database: Database
) -> None:
    await sends_her_proposal(ana)

    await writes_the_same_idea(luis)

    review = luis.last
    assert "Please review your proposal." in review.text
    assert "Similar proposals were already received. You can support one of them" in review.text
    assert "UIO-0001 · Sustainable Mobility · Received\n“Los buses del corredor sur no publican horarios" in review.text
    assert [o.id for o in review.options][:1] == ["support:1"]
    assert {"review:send", "review:cancel", "edit:problem"} <= {o.id for o in review.options}
    pseudonym = (await proposals(database))[0].participant_pseudonym
    assert pseudonym and pseudonym not in review.text, "nothing about the author"

    await luis.press("Support UIO-0001")
    assert "Support UIO-0001 instead of sending your proposal?" in luis.last.text
    await luis.press("Yes, support it")

    assert "Thank you! You now support UIO-0001." in luis.last.text
    assert len(await proposals(database)) == 1, "nothing new was sent"
    assert await supports(database) == [(1, 2)]
    conversation = await _conversation(database, "502")
    assert conversation.step == "idle" and conversation.draft == {}, "the draft is discarded"


async def _conversation(database: Database, chat_id: str) -> Conversation:
    async with database.sessions() as session:
        return (await session.execute(select(Conversation).where(Conversation.chat_id == chat_id))).scalar_one()


async def test_without_a_similar_proposal_the_review_is_as_before(ana: Citizen) -> None:
    await reach_review(ana)
    review = ana.last
    assert "Similar proposals" not in review.text
    assert [o.id for o in review.options][:2] == ["edit:axis", "edit:pillar"]
    assert [o.id for o in review.options][-2:] == ["review:send", "review:cancel"]


async def test_sending_anyway_and_saying_no_keep_the_proposal(ana: Citizen, luis: Citizen, database: Database) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await luis.press("No, back to mine")
    assert "Please review your proposal." in luis.last.text and "UIO-0001" in luis.last.text
    await luis.press("Send proposal")
    assert "Your tracking code is UIO-0002" in luis.last.text
    assert await supports(database) == []


async def test_a_typed_number_supports_too_as_on_whatsapp(ana: Citizen, luis: Citizen, services: Services) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    review = luis.last
    bodies = render(review, services.translator("en"))
    shown = " ".join(str(body) for body in bodies)
    assert "Support UIO-0001" in shown, "WhatsApp shows the option (a list row, or a numbered line)"
    number = [o.id for o in review.options].index("support:1") + 1
    await luis.send(str(number))
    assert "Support UIO-0001 instead of sending your proposal?" in luis.last.text


async def test_own_proposals_are_not_offered(ana: Citizen) -> None:
    await sends_her_proposal(ana)
    await ana.send("/new")
    await ana.press_data("axis:4")
    await ana.press_data("pillar:participation")
    for text in (SAME_PROBLEM, SAME_SOLUTION, SAME_CONTRIBUTION):
        await ana.send(text)
    assert "Similar proposals" not in ana.last.text


async def test_hidden_and_withdrawn_proposals_are_never_shown(
    ana: Citizen, luis: Citizen, moderator: Moderator, database: Database
) -> None:
    await sends_her_proposal(ana)
    await moderator.press("mod:hide:1")
    await writes_the_same_idea(luis)
    assert "Similar proposals" not in luis.last.text, "hidden by the moderators"

    await moderator.press("mod:hide:1")  # shown again
    await luis.press_data("edit:contribution")
    await luis.send("Menos espera para todos y más control ciudadano.")
    assert "UIO-0001" in luis.last.text, "the texts changed: looked for again"

    await ana.send("/mine")
    await ana.press("Withdraw UIO-0001")
    await ana.press("Yes, withdraw it")
    await luis.send("/help")
    assert "Please review your proposal." in luis.last.text
    assert "UIO-0001" not in luis.last.text, "withdrawn since: gone from the review"
    assert "support:1" not in [o.id for o in luis.last.options]


async def test_a_proposal_hidden_while_the_citizen_decides_can_no_longer_be_supported(
    ana: Citizen, luis: Citizen, moderator: Moderator, database: Database
) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await moderator.press("mod:hide:1")
    await luis.press("Yes, support it")
    assert "UIO-0001 can no longer be supported." in luis.last.text
    assert "support:1" not in [o.id for o in luis.last.options]
    assert await supports(database) == []


async def test_a_supporter_hears_each_status_change_once_like_the_author(
    ana: Citizen, luis: Citizen, moderator: Moderator
) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await luis.press("Yes, support it")
    heard = len(luis.inbox)

    await moderator.press("mod:set:1:accepted")
    await moderator.reply(moderator.find("respuesta motivada"), "Se incluye como compromiso 3 del plan.")

    news = luis.inbox[heard:]
    assert [m.text for m in news] == [
        "Update on UIO-0001, a proposal you support: Accepted.\n\n"
        "The team's answer:\nSe incluye como compromiso 3 del plan."
    ]
    assert "Update on your proposal UIO-0001: Accepted." in ana.last.text
    await luis.send("/mine")
    assert "Proposals you support:\n\nUIO-0001 · Sustainable Mobility\nStatus: Accepted" in luis.last.text
    assert "compromiso 3" in luis.last.text


async def test_supporters_hear_when_the_author_withdraws(ana: Citizen, luis: Citizen) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis, "es")
    await luis.press("Apoyar UIO-0001")
    await luis.press("Sí, apoyarla")
    assert "¡Gracias! Ahora apoyas UIO-0001." in luis.last.text
    await ana.send("/mine")
    await ana.press("Withdraw UIO-0001")
    await ana.press("Yes, withdraw it")
    assert luis.last.text == "Novedad sobre UIO-0001, una propuesta que apoyas: Retirada."


async def test_withdrawing_a_support_from_mine(
    ana: Citizen, luis: Citizen, moderator: Moderator, database: Database
) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await luis.press("Yes, support it")

    await luis.send("/mine")
    assert luis.last.text.startswith("Proposals you support:"), "no proposal of his own: only what he supports"
    await luis.press("Withdraw my support for UIO-0001")
    assert "Withdraw your support for UIO-0001?" in luis.last.text
    await luis.press("No, keep it")
    assert await supports(database) == [(1, 2)]
    await luis.press_data("unsupport:1")
    await luis.press("Yes, withdraw it")
    assert "You no longer support UIO-0001" in luis.last.text
    assert await supports(database) == []

    heard = len(luis.inbox)
    await moderator.press("mod:set:1:in_review")
    assert luis.inbox[heard:] == [], "no longer a supporter: not told"
    await luis.send("/mine")
    assert "You have not sent any proposal yet" in luis.last.text
    [reply] = await luis.press_data("unsupport:1:yes")
    assert reply.text == "You do not support UIO-0001."


async def test_the_exports_count_supporters_and_name_none(
    ana: Citizen, luis: Citizen, services: Services, database: Database
) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await luis.press("Yes, support it")
    async with services.uow() as uow:
        luis_pseudonym = (await uow.participants.find("telegram", "502")).pseudonym  # type: ignore[union-attr]
    for public in (False, True):
        out = io.BytesIO()
        async with services.uow() as uow:
            await write_export(uow, services, ExportRequest(public=public), out)
        text = out.getvalue().decode("utf-8-sig")
        [row] = list(csv.DictReader(io.StringIO(text)))
        assert row["supporters"] == "1"
        assert luis_pseudonym not in text


async def test_delete_me_withdraws_the_persons_supports(ana: Citizen, luis: Citizen, database: Database) -> None:
    await sends_her_proposal(ana)
    await writes_the_same_idea(luis)
    await luis.press("Support UIO-0001")
    await luis.press("Yes, support it")
    await luis.send("/mydata")
    assert "Proposals you support: UIO-0001" in luis.last.text
    await luis.send("/delete_me")
    await luis.press_data("delete:yes")
    assert await supports(database) == []
    assert await count(database, Support) == 0
