"""A facilitator enters a workshop table's proposals over Telegram: the real runner against the fake Bot API."""

from __future__ import annotations

from handlers.actors import operator
from handlers.workshops.workshops import NewWorkshop, add_workshop
from tests.e2e.citizen_script import CONTRIBUTION, SOLUTION, consent
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser
from tests.e2e.test_intake_e2e import exported
from tests.e2e.test_moderation_e2e import GROUP, MODERATION, add_staff

AXES = ("Hábitat, Seguridad y Convivencia Ciudadana", "Movilidad Sostenible")
TABLE = [
    ("En el barrio no hay alumbrado en las paradas de bus desde hace dos años.", "Movilidad Sostenible", "14"),
    ("Los parques del sector no tienen juegos accesibles para niños con discapacidad.", "Hábitat", "9"),
]


async def with_a_workshop(bot: RunningBot) -> None:
    services = bot.app.services
    async with services.uow() as uow:
        await add_workshop(uow, services, operator(), NewWorkshop("Taller Calderón", "2026-11-21", "calderon", 4))
        await uow.commit()
    await add_staff(bot.app.database, 700, "facilitator")


async def enter(facilitator: FakeUser, problem: str, axis: str, backers: str) -> str:
    await facilitator.press(next(label for label in AXES if label.startswith(axis)))
    await facilitator.expect("¿Qué pilar de gobierno abierto fortalece?")
    await facilitator.press("Participación ciudadana")
    await facilitator.expect("Describe el problema")
    *first, last = (problem, SOLUTION, CONTRIBUTION)
    for text in first:
        await facilitator.send(text)
        await facilitator.expect()
    await facilitator.send(last)  # then the review, where a location or photos are offered
    await facilitator.expect("¿Cuántas personas de la mesa respaldan esta propuesta?")
    await facilitator.send(backers)
    review = await facilitator.expect("Revisa la propuesta de la mesa 2.")
    assert f"Personas de la mesa que la respaldan: {backers}" in (review.text or "")
    await facilitator.press("Enviar propuesta")
    entered = await facilitator.expect("Ingresada con el código de seguimiento")
    assert "Siguiente propuesta de la mesa 2" in (entered.text or "")
    return next(word.strip(".") for word in (entered.text or "").split() if word.startswith("UIO-"))


async def test_a_facilitator_enters_two_proposals_of_a_table(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework, **MODERATION)
    await with_a_workshop(bot)
    await add_staff(bot.app.database, 900)
    group, mara = fake.group(GROUP, "Moderación Gobierno Abierto"), fake.user(900, "Mara")
    lucia = fake.user(700, "Lucía")

    await lucia.send("/taller")
    await lucia.expect("¿De qué taller vas a ingresar propuestas?")
    await lucia.press("W1 · Taller Calderón · 21 nov 2026")
    await lucia.expect("¿Qué mesa de Taller Calderón?")
    await lucia.press("Mesa 2")
    await lucia.expect("¿todas las personas de la mesa firmaron el formulario de consentimiento en papel?")
    await lucia.press("Sí, todos firmaron")
    await lucia.expect("¿Con qué eje temático del plan de desarrollo")
    codes = [await enter(lucia, problem, axis, backers) for problem, axis, backers in TABLE]
    await lucia.send("/fin")
    await lucia.expect("Terminó el modo taller. La mesa 2 de Taller Calderón tiene 2 propuestas.")

    assert codes == ["UIO-0001", "UIO-0002"]
    rows = await exported(bot)
    assert [(r["code"], r["source"], r["workshop_id"], r["table"], r["backers"], r["participant"]) for r in rows] == [
        ("UIO-0001", "workshop", "W1", "2", "14", ""),
        ("UIO-0002", "workshop", "W1", "2", "9", ""),
    ]
    assert "700" not in "".join(value for row in rows for value in row.values()), "no Telegram id in an export"

    card = await group.expect("Nueva propuesta UIO-0001")
    assert "Taller: Taller Calderón (W1, 21 nov 2026) · mesa 2 · la respaldan 14 personas" in (card.text or "")
    await group.expect("Nueva propuesta UIO-0002")
    await group.send(mara, "¿En qué paradas?", reply_to_message_id=card.message_id)
    question = await lucia.expect("Pregunta del equipo sobre UIO-0001, una propuesta de la mesa 2 (Taller Calderón)")
    await group.expect("Pregunta enviada al facilitador de UIO-0001.")
    await lucia.send("En las de la avenida Capitán Giovanni Calles.", reply_to_message_id=question.message_id)
    await lucia.expect("¡Gracias! Tu respuesta fue enviada al equipo.")
    answer = await group.expect("Respuesta del facilitador de UIO-0001")
    assert "Capitán Giovanni Calles" in (answer.text or "")


async def test_someone_who_is_not_a_facilitator_cannot_enter_the_mode(
    fake: FakeBotApi, start_bot: StartBot, framework: str
) -> None:
    bot = await start_bot(framework)
    await with_a_workshop(bot)
    await add_staff(bot.app.database, 901, "analyst")
    for person in (fake.user(1001, "Ana"), fake.user(901, "Analista")):
        await consent(person)
        await person.send("/taller")
        await person.expect("No conozco el comando /taller. Envía /help para ver lo que puedo hacer.")
        await person.send("/fin")
        await person.expect("No conozco el comando /fin.")
    assert await exported(bot) == []
