"""Commitments on the desk: the list with the export in the OGP template, one commitment's page (its
template to edit, its proposals and the people behind them, milestones, progress, undoing a merge), and
the actions that make commitments from proposals (draft, add, split).

Every action is the use case the command line calls (``handlers.consolidation.commitments``), audited as
done from the web; a refusal changes nothing and is shown, translated, on the page the form was on."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from handlers.consolidation.commitment_edit import TEXT_FIELDS
from handlers.consolidation.commitment_export import SUGGESTED, check_export_format
from handlers.consolidation.commitments import (
    FIELDS,
    FORMATS,
    OGP_VALUES,
    CommitmentEdit,
    CommitmentRefused,
    add_milestone,
    draft,
    export_commitments,
    find_commitment,
    list_commitments,
    merge_into,
    record_progress,
    show_commitment,
    split,
    undo_merge,
    update_commitment,
)
from handlers.i18n import Translator
from handlers.staff.labels import labeler
from handlers.staff.permissions import MODERATE, READ, allowed
from handlers.staff.requests import RequestError, check_lang
from web.desk.common import VIA, notice, signed
from web.desk.proposals import proposal_page
from web.forms import text_field
from web.security import requires
from web.state import state

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
}
assert set(MEDIA_TYPES) == set(FORMATS)
EDITED_TEXTS = ("title", *TEXT_FIELDS, "lead_institution")
"""The edit form's text fields: the names of ``CommitmentEdit``."""
_SEPARATORS = re.compile(r"[\s,;]+")


# --- reading ---------------------------------------------------------------------------------------


@requires(READ)
async def index(request: Request) -> Response:
    return await list_page(request)


async def list_page(
    request: Request, *, error: str = "", typed: Mapping[str, str] | None = None, status: int = 200
) -> Response:
    web = state(request)
    async with web.services.reading() as uow:
        views = await list_commitments(uow, web.services)
    context = {
        "views": views,
        "formats": FORMATS,
        "may_moderate": allowed(signed(request).member.role, MODERATE),
        "notice": notice(request),
        "error": error,
        "typed": typed or {},
    }
    return web.pages.render(request, "desk/commitments.html", context, status=status)


@requires(READ)
async def commitment(request: Request) -> Response:
    return await commitment_page(request, request.path_params["code"])


async def commitment_page(
    request: Request,
    code: str,
    *,
    error: str = "",
    typed: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    try:
        async with services.reading() as uow:
            view = await show_commitment(uow, services, code)
    except CommitmentRefused as refused:
        return _problem(request, refused.render(tr), 404)
    label = labeler(services.consultation, services.catalogs, tr.language)
    c = view.commitment
    context = {
        "view": view,
        "c": c,
        "sources": [(p, label(p.consultation, "axis", p.axis_id or "")) for p in view.sources],
        "any_hidden": any(p.hidden for p in view.sources),
        "fields": FIELDS,
        "ogp_values": OGP_VALUES,
        "suggested": SUGGESTED,
        "titles": {m.number: m.title for m in view.milestones},
        "may_moderate": allowed(signed(request).member.role, MODERATE),
        "notice": notice(request),
        "error": error,
        "typed": typed or {},
    }
    return web.pages.render(request, "desk/commitment.html", context, status=status)


@requires(READ)
async def export(request: Request) -> Response:
    """The commitments in the OGP template (csv, xlsx, json, docx, md), recorded in the audit log like
    ``cocrea commitments export``. A plan has tens of commitments: the file is written whole, then sent."""
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    query = request.query_params
    try:
        format = check_export_format(query.get("format", "csv"))
        lang = check_lang(services.consultation, services.catalogs, query.get("export_lang", tr.language))
    except RequestError as error:
        return _problem(request, error.render(tr), 400)
    now = services.clock().astimezone(ZoneInfo(services.consultation.timezone))
    name = f"cocrea-{services.consultation.slug}-{now:%Y%m%d-%H%M}-commitments.{format}"
    out = io.BytesIO()
    async with services.uow() as uow:
        await export_commitments(
            uow, services, signed(request).actor, format, services.translator(lang), out, target=name, via=VIA
        )
        await uow.commit()
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(out.getvalue(), media_type=MEDIA_TYPES[format], headers=headers)


# --- from proposals to commitments --------------------------------------------------------------------


@requires(MODERATE)
async def draft_from(request: Request) -> Response:
    """Draft a commitment from the proposals ticked on the list (``code``, repeated) or typed (``codes``)."""
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    codes, title, answer = picked_codes(form), text_field(form, "title"), multiline(form, "answer")
    error = ""
    async with web.services.uow() as uow:
        try:
            result = await draft(uow, web.services, signed(request).actor, codes, title, answer=answer, via=VIA)
            await uow.commit()
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error:
        typed = {"codes": ", ".join(codes), "title": title, "answer": answer}
        return await list_page(request, error=error, typed=typed, status=422)
    return _done(result.commitment.code, "drafted" if result.created else "already_drafted")


@requires(MODERATE)
async def add(request: Request) -> Response:
    """Merge the proposals ticked or typed into the commitment chosen (``commitment``)."""
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    into, codes = text_field(form, "commitment"), picked_codes(form)
    error, known = "", False
    async with web.services.uow() as uow:
        try:
            await find_commitment(uow, web.services, into)
            known = True
            await merge_into(uow, web.services, signed(request).actor, into, codes, via=VIA)
            await uow.commit()
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error and not known:
        return await list_page(request, error=error, typed={"codes": ", ".join(codes)}, status=422)
    if error:
        return await commitment_page(request, into, error=error, typed={"codes": ", ".join(codes)}, status=422)
    return _done(into, "merged")


@requires(MODERATE)
async def split_proposal(request: Request) -> Response:
    """A proposal covering two topics: link it to a further commitment as well."""
    web = state(request)
    tr = web.pages.translator(request)
    code = request.path_params["code"]
    into = text_field(await request.form(), "into")
    error = ""
    async with web.services.uow() as uow:
        try:
            await split(uow, web.services, signed(request).actor, code, into, via=VIA)
            await uow.commit()
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error:
        return await proposal_page(request, error=error, typed={"into": into}, status=422)
    return RedirectResponse(f"/desk/proposals/{code}?done=split", status_code=303)


# --- one commitment -------------------------------------------------------------------------------


@requires(MODERATE)
async def edit(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    code = request.path_params["code"]
    form = await request.form()
    error, what = "", "saved"
    async with web.services.uow() as uow:
        try:
            current = await find_commitment(uow, web.services, code)
            changes = edit_of(form, current.answer)
            result = await update_commitment(uow, web.services, signed(request).actor, code, changes, via=VIA)
            await uow.commit()
            if not result.changed:
                what = "unchanged"
            elif result.told:
                what = "answer_told"
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error:
        return await commitment_page(request, code, error=error, typed=_typed_edit(form), status=422)
    return _done(code, what)


@requires(MODERATE)
async def milestone(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    code = request.path_params["code"]
    form = await request.form()
    title, due = text_field(form, "milestone_title"), text_field(form, "due")
    error = ""
    async with web.services.uow() as uow:
        try:
            await add_milestone(uow, web.services, signed(request).actor, code, title, due or None, via=VIA)
            await uow.commit()
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error:
        typed = {"milestone_title": title, "due": due}
        return await commitment_page(request, code, error=error, typed=typed, status=422)
    return _done(code, "milestone")


@requires(MODERATE)
async def progress(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    code = request.path_params["code"]
    form = await request.form()
    raw, done, note = text_field(form, "milestone"), text_field(form, "done") == "on", multiline(form, "note")
    number = int(raw) if raw.isdigit() and len(raw) < 6 else None
    error = ""
    async with web.services.uow() as uow:
        try:
            await record_progress(
                uow, web.services, signed(request).actor, code, milestone=number, done=done, note=note, via=VIA
            )
            await uow.commit()
        except CommitmentRefused as refused:
            error = refused_text(tr, refused)
    if error:
        typed = {"milestone": raw, "done": done, "note": note}
        return await commitment_page(request, code, error=error, typed=typed, status=422)
    return _done(code, "progress")


@requires(MODERATE)
async def undo(request: Request) -> Response:
    """Take one proposal (``proposal``) or, confirmed, every proposal out of the commitment."""
    web = state(request)
    tr = web.pages.translator(request)
    code = request.path_params["code"]
    form = await request.form()
    one = text_field(form, "proposal")
    error = ""
    if not one and text_field(form, "confirm") != "on":
        error = tr._("Nothing was changed: tick the box to confirm that every proposal leaves this commitment.")
    else:
        async with web.services.uow() as uow:
            try:
                chosen = [one] if one else None
                await undo_merge(uow, web.services, signed(request).actor, code, proposals=chosen, via=VIA)
                await uow.commit()
            except CommitmentRefused as refused:
                error = refused_text(tr, refused)
    if error:
        return await commitment_page(request, code, error=error, status=422)
    return _done(code, "undone")


# --- reading forms ----------------------------------------------------------------------------------


def picked_codes(form: FormData) -> list[str]:
    """The proposals' codes ticked (``code``, repeated) and typed (``codes``: commas, spaces or lines)."""
    ticked = [value for value in form.getlist("code") if isinstance(value, str)]
    typed = _SEPARATORS.split(text_field(form, "codes"))
    return list(dict.fromkeys(code.strip().upper() for code in [*ticked, *typed] if code.strip()))


def multiline(form: FormData, name: str) -> str:
    """A textarea's text with the line breaks browsers send (CRLF) as they are stored (LF)."""
    return text_field(form, name).replace("\r\n", "\n").replace("\r", "\n")


def edit_of(form: FormData, answer_now: str) -> CommitmentEdit:
    """What the edit form changes. A field the form did not send is left as it is; an answer sent back as
    it was is not a new answer (so the default answer keeps following the title)."""

    def given(name: str) -> str | None:
        return multiline(form, name) if isinstance(form.get(name), str) else None

    answer = given("answer")
    ogp = [value for value in form.getlist("ogp_values") if isinstance(value, str)]
    return CommitmentEdit(
        **{name: given(name) for name in EDITED_TEXTS},
        ogp_values=ogp if "ogp_shown" in form else None,
        confirm_lead=text_field(form, "confirm_lead") == "on",
        starts_on=given("starts_on"),
        ends_on=given("ends_on"),
        answer=None if answer is None or answer.strip() == answer_now.strip() else answer,
    )


def _typed_edit(form: FormData) -> dict[str, object]:
    typed: dict[str, object] = {name: multiline(form, name) for name in (*EDITED_TEXTS, "answer")}
    typed.update(starts_on=text_field(form, "starts_on"), ends_on=text_field(form, "ends_on"))
    typed["ogp_values"] = [value for value in form.getlist("ogp_values") if isinstance(value, str)]
    typed["edited"] = True
    return typed


def refused_text(tr: Translator, refused: CommitmentRefused) -> str:
    return tr._("Nothing was changed: {reason}").format(reason=refused.render(tr))


def _problem(request: Request, problem: str, status: int) -> Response:
    return state(request).pages.render(request, "desk/problem.html", {"problem": problem}, status=status)


def _done(code: str, what: str) -> Response:
    return RedirectResponse(f"/desk/commitments/{code.strip().upper()}?done={what}", status_code=303)


ROUTES = [
    Route("/desk/commitments", index),
    Route("/desk/commitments/export", export),
    Route("/desk/commitments/draft", draft_from, methods=["POST"]),
    Route("/desk/commitments/add", add, methods=["POST"]),
    Route("/desk/commitments/{code}", commitment),
    Route("/desk/commitments/{code}/edit", edit, methods=["POST"]),
    Route("/desk/commitments/{code}/milestones", milestone, methods=["POST"]),
    Route("/desk/commitments/{code}/progress", progress, methods=["POST"]),
    Route("/desk/commitments/{code}/undo", undo, methods=["POST"]),
    Route("/desk/proposals/{code}/split", split_proposal, methods=["POST"]),
]
