"""Answers in bulk: upload a code,status,answer CSV, see what it would do (every rejected row with its
line and reason) and confirm. The preview changes nothing; the import is the CLI's use case."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handlers.staff.answers_import import MAX_FILE_CHARS, import_answers, preview_answers, read_answers
from handlers.staff.permissions import MODERATE
from handlers.staff.requests import RequestError
from web.desk.common import VIA, signed
from web.forms import text_field
from web.security import requires
from web.state import state


@requires(MODERATE)
async def upload_page(request: Request) -> Response:
    return state(request).pages.render(request, "desk/answers.html", {"stage": "upload"})


@requires(MODERATE)
async def preview(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _problem(request, tr._("Choose a CSV file to upload."))
    raw = await upload.read(MAX_FILE_CHARS * 4 + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _problem(request, tr._("The file is not UTF-8 text: save it again as CSV UTF-8."))
    source = upload.filename[-64:]
    try:
        rows = read_answers(text, source)
    except RequestError as error:
        return _problem(request, error.render(tr))
    async with web.services.reading() as uow:
        report = await preview_answers(uow, signed(request).actor, rows)
    context = {"stage": "preview", "report": report, "text": text, "source": source, "tr": tr}
    return web.pages.render(request, "desk/answers.html", context)


@requires(MODERATE)
async def confirm(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    source = text_field(form, "source")[-64:] or "web-upload.csv"
    try:
        rows = read_answers(text_field(form, "text"), source)
    except RequestError as error:
        return _problem(request, error.render(tr))
    report = await import_answers(web.services, signed(request).actor, rows, source, via=VIA)
    return web.pages.render(request, "desk/answers.html", {"stage": "done", "report": report, "tr": tr})


def _problem(request: Request, problem: str) -> Response:
    return state(request).pages.render(
        request, "desk/answers.html", {"stage": "upload", "problem": problem}, status=422
    )


ROUTES = [
    Route("/desk/answers", upload_page),
    Route("/desk/answers/preview", preview, methods=["POST"]),
    Route("/desk/answers/import", confirm, methods=["POST"]),
]
