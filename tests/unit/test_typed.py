"""People type what others press: command words and option numbers work on every channel alike."""

from __future__ import annotations

import pytest

from storage.database import Database
from tests.driver import Citizen
from tests.unit.story import consent, proposals, reach_review, skip_profile


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("ayuda", "/mine —"),
        ("Menú", "/mine —"),
        ("¡AYUDA!", "/mine —"),
        ("help", "/mine —"),
        ("/ayuda", "/mine —"),
        ("mis propuestas", "You have not sent any proposal yet"),
        ("My proposals", "You have not sent any proposal yet"),
    ],
)
async def test_a_command_word_works_as_the_command(citizen: Citizen, typed: str, answer: str) -> None:
    await consent(citizen)
    replies = await citizen.send(typed)
    assert answer in replies[0].text


async def test_the_help_says_which_words_can_be_typed(citizen: Citizen) -> None:
    await consent(citizen, "es")
    [help_text, where_we_are] = await citizen.send("/help")
    assert "También puedes escribir estas palabras: ayuda, menú, mis propuestas, cancelar, stop." in help_text.text
    assert "¿A qué sector perteneces?" in where_we_are.text, "then the question the chat is at, again"


async def test_cancelar_cancels_and_a_word_inside_a_sentence_is_just_text(citizen: Citizen) -> None:
    await reach_review(citizen, "es")
    await citizen.send("cancelar")
    assert "Descartamos tu borrador" in citizen.last.text
    await citizen.send("/new")
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:transparency")
    await citizen.send("Necesito ayuda con los buses que no pasan por mi barrio.")
    assert "¿Qué propones para resolverlo?" in citizen.last.text, "a sentence with 'ayuda' is the answer"


async def test_a_number_chooses_that_option_of_the_current_question(citizen: Citizen, database: Database) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    axes = [option.label for option in citizen.last.options]
    await citizen.send("4")
    assert axes[3] == "Sustainable Mobility"
    assert "open-government pillar" in citizen.last.text
    await citizen.send(" 1. ")
    await citizen.send("Bus stops in the south have had no timetables since 2023.")
    await citizen.send("Publish timetables at every stop and as open data.")
    await citizen.send("Less waiting for everyone.")
    review = [option.id for option in citizen.last.options]
    await citizen.send(str(review.index("review:send") + 1))
    [proposal] = await proposals(database)
    assert (proposal.axis_id, proposal.pillar_id) == ("4", "transparency")


async def test_a_number_that_is_no_option_or_where_text_is_asked_is_taken_as_typed(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.send("0")
    assert "Please choose one of the options" in citizen.last.text
    await citizen.send("99")
    assert "Please choose one of the options" in citizen.last.text
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:integrity")
    await citizen.send("2")
    assert "That is a bit short" in citizen.last.text, "at a text question a number is text"


async def test_before_consent_a_number_is_not_a_choice(citizen: Citizen) -> None:
    await citizen.send("/start")
    await citizen.send("1")
    assert "Aviso de privacidad" in citizen.last.text, "the notice again: typing 1 accepts nothing"
    assert "sector" not in citizen.last.text
