"""What a scripted citizen types and presses through Telegram, shared by e2e tests and benchmarks."""

from __future__ import annotations

from typing import Any, Protocol


class Said(Protocol):
    @property
    def text(self) -> str | None: ...


class User(Protocol):
    """A scripted person on any channel: Telegram's ``FakeUser``, the terminal's ``TerminalUser``."""

    @property
    def app_language(self) -> str:
        """The language the person's app reports to the bot ("" when the channel tells none)."""
        ...

    async def send(self, text: str) -> Any: ...
    async def send_sticker(self) -> Any: ...
    async def press(self, label: str) -> Any: ...
    async def expect(self, contains: str | None = None) -> Said: ...
    async def expect_silence(self) -> None: ...


PROBLEM = "Las paradas del corredor sur no tienen horarios publicados desde 2023."
SOLUTION = "Publicar horarios en tiempo real en cada parada y como datos abiertos."
CONTRIBUTION = "Menos espera y más control ciudadano del servicio."


async def consent(user: User) -> None:
    """/start and the privacy notice accepted, in Spanish. An app that reports Spanish (Telegram's
    ``language_code``, the terminal's locale) gets the notice at once; one in another language we offer gets
    it in that language with a button for Spanish; one that reports none (WhatsApp) is asked for a language."""
    await user.send("/start")
    if user.app_language != "es":
        await user.expect("Elige tu idioma" if not user.app_language else None)
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
    *first, last = (problem, SOLUTION, CONTRIBUTION)
    for text in first:
        await user.send(text)
        await user.expect()
    await user.send(last)  # then the review, where a location or photos are offered
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
