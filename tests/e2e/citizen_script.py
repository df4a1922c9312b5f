"""What a scripted citizen types and presses through Telegram, shared by e2e tests and benchmarks."""

from __future__ import annotations

from tests.e2e.fake_bot_api import FakeUser

PROBLEM = "Las paradas del corredor sur no tienen horarios publicados desde 2023."
SOLUTION = "Publicar horarios en tiempo real en cada parada y como datos abiertos."
CONTRIBUTION = "Menos espera y más control ciudadano del servicio."


async def consent(user: FakeUser) -> None:
    await user.send("/start")
    await user.expect("Elige tu idioma")
    await user.press("Español")
    await user.expect("Aviso de privacidad")
    await user.press("Acepto")
    await user.expect("¿A qué sector perteneces?")  # thanks, the optional questions, the first of them


async def skip_profile(user: FakeUser) -> None:
    for _ in range(3):
        await user.press("Prefiero no decirlo")
        await user.expect()


async def write_proposal(user: FakeUser, problem: str = PROBLEM) -> None:
    await user.press("Movilidad Sostenible")
    await user.expect()
    await user.press("Transparencia y acceso a la información pública")
    await user.expect()
    for text in (problem, SOLUTION, CONTRIBUTION):
        await user.send(text)
        await user.expect()
    await user.press("Omitir")
    await user.expect("Revisa tu propuesta")


async def submit(user: FakeUser) -> str:
    """Press send and return the tracking code from the answer."""
    await user.press("Enviar propuesta")
    answer = await user.expect("código de seguimiento")
    return next(word.strip(".") for word in (answer.text or "").split() if word[:3].isupper() and "-" in word)


async def full_proposal(user: FakeUser, problem: str = PROBLEM) -> str:
    await consent(user)
    await skip_profile(user)
    await write_proposal(user, problem)
    return await submit(user)
