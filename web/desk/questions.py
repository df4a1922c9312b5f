"""The citizens' /ask questions that wait for an answer; moderators answer them here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from handlers.moderation.actions import Refused, Unreachable, staff_message
from handlers.moderation.questions import NoSuchQuestion, answer_question, open_questions
from handlers.outbox import post
from handlers.staff.permissions import MODERATE, READ, allowed
from web.desk.common import VIA, notice, signed
from web.forms import text_field
from web.security import requires
from web.state import state


@requires(READ)
async def questions(request: Request) -> Response:
    return await questions_page(request)


async def questions_page(request: Request, *, error: str = "", question: int = 0, typed: str = "") -> Response:
    web = state(request)
    async with web.services.reading() as uow:
        waiting = await open_questions(uow, web.services)
    return web.pages.render(
        request,
        "desk/questions.html",
        {
            "questions": waiting,
            "may_moderate": allowed(signed(request).member.role, MODERATE),
            "notice": notice(request),
            "error": error,
            "error_for": question,
            "typed": typed,
        },
        status=422 if error else 200,
    )


@requires(MODERATE)
async def answer(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    question = request.path_params["question"]
    raw = text_field(await request.form(), "answer")
    error = ""
    async with web.services.uow() as uow:
        try:
            text = staff_message(raw, tr)
            message = await answer_question(uow, web.services, signed(request).actor, question, text, via=VIA)
            await post(uow, [message])
            await uow.commit()
        except Refused as refused:
            error = str(refused)
        except (NoSuchQuestion, Unreachable):
            error = tr._("This participant can no longer be reached.")
    if error:  # shown once the transaction is over: the page reads on its own
        return await questions_page(request, error=error, question=question, typed=raw)
    return RedirectResponse("/desk/questions?done=answered", status_code=303)


ROUTES = [
    Route("/desk/questions", questions),
    Route("/desk/questions/{question:int}/answer", answer, methods=["POST"]),
]
