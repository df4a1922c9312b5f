"""The proposal steps: optional profile, axis, pillar, the three texts, extras.

Each step has a prompt and the answers it accepts. ``advance`` moves the
conversation on; while editing from the review, it goes back to the review.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.choices import AGE_RANGES, SECTORS
from handlers.consultation import Option
from handlers.context import Context, Keyboard, one_per_row, rows_of
from handlers.i18n import N_
from handlers.messages import Button
from handlers.text_input import Accepted, Bounds, check_text

PROFILE_STEPS = ("profile_sector", "profile_zone", "profile_age")
PROPOSAL_STEPS = ("axis", "pillar", "problem", "solution", "contribution", "extras", "review")
TEXT_BOUNDS: dict[str, Bounds] = {
    "problem": Bounds(20, 1200),
    "solution": Bounds(20, 1200),
    "contribution": Bounds(10, 800),
}
MAX_PHOTOS = 3


def conversation(ctx: Context) -> tuple[str, dict[str, object]]:
    assert ctx.conversation is not None
    return ctx.conversation.step, ctx.conversation.draft


def set_step(ctx: Context, step: str, draft: dict[str, object] | None = None) -> None:
    assert ctx.conversation is not None
    ctx.conversation.step = step
    if draft is not None:
        ctx.conversation.draft = dict(draft)  # a new object, so the JSON column is saved


def update_draft(ctx: Context, **values: object) -> None:
    assert ctx.conversation is not None
    ctx.conversation.draft = {**ctx.conversation.draft, **values}  # a new object, so the JSON is saved


def begin_proposal(ctx: Context, intro: str = "") -> None:
    assert ctx.participant is not None
    first = "axis" if ctx.participant.profile_done else PROFILE_STEPS[0]
    set_step(ctx, first, {})
    prompt(ctx, intro)


def welcome_after_consent(ctx: Context) -> str:
    """One message, not three: every message a citizen gets counts against Telegram's sending limits."""
    return ctx.tr._("Thank you! Your consent has been recorded.") + "\n\n" + ctx.tr._(
        "First, three optional questions about you. They help us understand who takes part; "
        "you can skip any of them.")


def advance(ctx: Context) -> None:
    """Go to the next step (or back to the review when editing) and prompt it."""
    step, draft = conversation(ctx)
    if draft.get("editing") and step in PROPOSAL_STEPS:
        set_step(ctx, "review", {**draft, "editing": False})
    else:
        set_step(ctx, _next_step(ctx, step))
    if ctx.conversation and ctx.conversation.step == "axis" and ctx.participant:
        ctx.participant.profile_done = True
    prompt(ctx)


def _next_step(ctx: Context, step: str) -> str:
    order = PROFILE_STEPS + PROPOSAL_STEPS
    following = order[order.index(step) + 1]
    if following == "profile_zone" and not ctx.consultation.zones:
        following = "profile_age"
    return following


def prompt(ctx: Context, problem: str = "") -> None:
    """Ask the current step's question again, after an optional explanation of what went wrong."""
    step, _ = conversation(ctx)
    text, buttons = PROMPTS.get(step, _idle_prompt)(ctx)
    ctx.say(f"{problem}\n\n{text}" if problem else text, buttons)


def _option_buttons(ctx: Context, prefix: str, options: tuple[Option, ...]) -> list[Button]:
    return [Button(option.label(ctx.language), f"{prefix}:{option.id}") for option in options]


def _skip(ctx: Context, prefix: str) -> Button:
    return Button(ctx.tr._("Prefer not to say"), f"{prefix}:skip")


def _prompt_sector(ctx: Context) -> tuple[str, Keyboard]:
    buttons = [Button(ctx.tr._(label), f"sector:{key}") for key, label in SECTORS.items()]
    return ctx.tr._("Which sector do you belong to?"), (*rows_of(buttons, 2), (_skip(ctx, "sector"),))


def _prompt_zone(ctx: Context) -> tuple[str, Keyboard]:
    buttons = _option_buttons(ctx, "zone", ctx.consultation.zones)
    question = ctx.consultation.zone_question.get(ctx.language) or ctx.consultation.zone_question.get("es", "")
    text = ctx.tr._("Where do you live? ({question})").format(question=question)
    return text, (*rows_of(buttons, 2), (_skip(ctx, "zone"),))


def _prompt_age(ctx: Context) -> tuple[str, Keyboard]:
    buttons = [Button(ctx.tr._(label), f"age:{key}") for key, label in AGE_RANGES.items()]
    return ctx.tr._("What is your age range?"), (*rows_of(buttons, 3), (_skip(ctx, "age"),))


def _prompt_axis(ctx: Context) -> tuple[str, Keyboard]:
    buttons = _option_buttons(ctx, "axis", ctx.consultation.axes)
    more = Button(ctx.tr._("What do these mean?"), "axis:help")
    return ctx.tr._("Which thematic axis of the development plan is your proposal about?"), one_per_row(
        [*buttons, more])


def _prompt_pillar(ctx: Context) -> tuple[str, Keyboard]:
    buttons = _option_buttons(ctx, "pillar", ctx.consultation.pillars)
    more = Button(ctx.tr._("What do these mean?"), "pillar:help")
    return ctx.tr._("Which open-government pillar does it strengthen?"), one_per_row([*buttons, more])


def _text_prompt(question: str, field: str) -> Callable[[Context], tuple[str, Keyboard]]:
    def render(ctx: Context) -> tuple[str, Keyboard]:
        _, draft = conversation(ctx)
        bounds = TEXT_BOUNDS[field]
        text = ctx.tr._(question) + "\n" + ctx.tr._("(between {minimum} and {maximum} characters)").format(
            minimum=bounds.minimum, maximum=bounds.maximum)
        current = draft.get(field)
        if draft.get("editing") and isinstance(current, str):
            text += "\n\n" + ctx.tr._("Your current text:") + "\n" + current
        return text, ()

    return render


PROBLEM_QUESTION = N_("Describe the problem: what happens, where, who is affected, and since when?")
SOLUTION_QUESTION = N_("What do you propose to solve it?")
CONTRIBUTION_QUESTION = N_("How would your proposal help? Who would benefit, and how?")


def _prompt_extras(ctx: Context) -> tuple[str, Keyboard]:
    _, draft = conversation(ctx)
    photos = draft.get("photos") or []
    has_extra = bool(photos) or draft.get("location") is not None
    label = ctx.tr._("Continue") if has_extra else ctx.tr._("Skip")
    text = ctx.tr._("Optional: send a location (📎 → Location) or up to {count} photos that show the problem. "
                    "When you are done, press the button.").format(count=MAX_PHOTOS)
    return text, ((Button(label, "extras:done"),),)


def _idle_prompt(ctx: Context) -> tuple[str, Keyboard]:
    return ctx.tr._("Send /new to write a new proposal, or /mine to see the ones you sent."), ()


def _prompt_review(ctx: Context) -> tuple[str, Keyboard]:
    from handlers.review import review_prompt

    return review_prompt(ctx)


def _prompt_answer(ctx: Context) -> tuple[str, Keyboard]:
    from handlers.followups import prompt_answer

    return prompt_answer(ctx)


def _prompt_question(ctx: Context) -> tuple[str, Keyboard]:
    from handlers.followups import prompt_question

    return prompt_question(ctx)


PROMPTS: dict[str, Callable[[Context], tuple[str, Keyboard]]] = {
    "profile_sector": _prompt_sector,
    "profile_zone": _prompt_zone,
    "profile_age": _prompt_age,
    "axis": _prompt_axis,
    "pillar": _prompt_pillar,
    "problem": _text_prompt(PROBLEM_QUESTION, "problem"),
    "solution": _text_prompt(SOLUTION_QUESTION, "solution"),
    "contribution": _text_prompt(CONTRIBUTION_QUESTION, "contribution"),
    "extras": _prompt_extras,
    "review": _prompt_review,
    "idle": _idle_prompt,
    "answering": _prompt_answer,
    "asking": _prompt_question,
}


# --- answers -------------------------------------------------------------------------------

def choose_profile(ctx: Context, kind: str, value: str) -> bool:
    """A profile button; returns False when the value is not one of the options."""
    assert ctx.participant is not None
    valid = {"sector": SECTORS, "age": AGE_RANGES}.get(kind)
    if kind == "zone":
        valid = {zone.id: "" for zone in ctx.consultation.zones}
    if valid is None or (value != "skip" and value not in valid):
        return False
    column = {"sector": "sector", "zone": "zone", "age": "age_range"}[kind]
    setattr(ctx.participant, column, None if value == "skip" else value)
    advance(ctx)
    return True


def choose_option(ctx: Context, kind: str, value: str) -> bool:
    """An axis or pillar button; ``help`` explains the options."""
    options = ctx.consultation.axes if kind == "axis" else ctx.consultation.pillars
    if value == "help":
        lines = [f"• {o.label(ctx.language)}: {o.description(ctx.language)}".rstrip(": ") for o in options]
        prompt(ctx, "\n".join(lines))
        return True
    if not any(option.id == value for option in options):
        return False
    update_draft(ctx, **{kind: value})
    advance(ctx)
    return True


def answer_text(ctx: Context, field: str, raw: str) -> None:
    verdict = check_text(raw, TEXT_BOUNDS[field], ctx.tr)
    if not isinstance(verdict, Accepted):
        prompt(ctx, verdict.reason)
        return
    update_draft(ctx, **{field: verdict.text})
    advance(ctx)


def add_location(ctx: Context, latitude: float, longitude: float) -> None:
    update_draft(ctx, location=[latitude, longitude])
    prompt(ctx, ctx.tr._("Location saved."))


def add_photos(ctx: Context, file_ids: tuple[str, ...]) -> None:
    _, draft = conversation(ctx)
    photos = list(draft.get("photos") or [])  # type: ignore[call-overload]
    if len(photos) >= MAX_PHOTOS:
        prompt(ctx, ctx.tr._("You have already added {count} photos, the maximum.").format(count=MAX_PHOTOS))
        return
    photos.append(file_ids[-1])
    update_draft(ctx, photos=photos)
    prompt(ctx, ctx.tr._("Photo saved."))
