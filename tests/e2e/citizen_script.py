"""What a scripted citizen types and presses through Telegram, shared by e2e tests and benchmarks."""

from __future__ import annotations

from typing import Any, Protocol


class Said(Protocol):
    @property
    def text(self) -> str | None: ...


class User(Protocol):
    """A scripted person on any channel: Telegram's ``FakeUser``, the terminal's ``TerminalUser``."""

    async def send(self, text: str) -> Any: ...
    async def send_sticker(self) -> Any: ...
    async def press(self, label: str) -> Any: ...
    async def expect(self, contains: str | None = None) -> Said: ...
    async def expect_silence(self) -> None: ...


PROBLEM = "Las paradas del corredor sur no tienen horarios publicados desde 2023."
SOLUTION = "Publicar horarios en tiempo real en cada parada y como datos abiertos."
CONTRIBUTION = "Menos espera y más control ciudadano del servicio."


async def consent(user: User) -> None:
    await user.send("/start")
    await user.expect("Elige tu idioma")
    await user.press("Español")
    await user.expect("Aviso de privacidad")
    await user.press("Acepto")
    await user.expect("¿A qué sector perteneces?")  # thanks, the optional questions, the first of them


async def skip_profile(user: User) -> None:
    for _ in range(3):
        await user.press("Prefiero no decirlo")
        await user.expect()


async def skip_whole_profile(user: User) -> None:
    """One button for the three questions about the person."""
    await user.press("Omitir estas preguntas")
    await user.expect("¿Con qué eje temático")


async def write_proposal(user: User, problem: str = PROBLEM) -> None:
    await user.press("Movilidad Sostenible")
    await user.expect()
    await user.press("Transparencia y acceso a la información pública")
    await user.expect()
    for text in (problem, SOLUTION, CONTRIBUTION):
        await user.send(text)
        await user.expect()
    await user.press("Omitir")
    await user.expect("Revisa tu propuesta")


async def submit(user: User) -> str:
    """Press send and return the tracking code from the answer."""
    await user.press("Enviar propuesta")
    answer = await user.expect("código de seguimiento")
    return next(word.strip(".") for word in (answer.text or "").split() if word[:3].isupper() and "-" in word)


async def full_proposal(user: User, problem: str = PROBLEM) -> str:
    await consent(user)
    await skip_profile(user)
    await write_proposal(user, problem)
    return await submit(user)
