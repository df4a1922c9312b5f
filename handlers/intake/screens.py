"""Ask the current question again: the step's question, the review, or what a follow-up waits for."""

from __future__ import annotations

from handlers.context import Context
from handlers.intake.questions import question
from handlers.intake.review import review_screen
from handlers.messages import Choices

IDLE = "idle"
REVIEW = "review"
ANSWERING = "answering"
ASKING = "asking"
FOLLOW_UP_STEPS = (ANSWERING, ASKING)


def prompt(ctx: Context, problem: str = "") -> None:
    """Ask the current step's question, after an optional explanation of what went wrong."""
    text, choices = screen(ctx)
    ctx.say(f"{problem}\n\n{text}" if problem else text, choices)
    if ctx.step == REVIEW:
        ctx.review_shown = (len(ctx.replies) - 1, problem)


def screen(ctx: Context) -> tuple[str, Choices]:
    step = ctx.steps.get(ctx.step)
    if step is not None:
        return question(ctx, step)
    if ctx.step == REVIEW:
        return review_screen(ctx)
    if ctx.step == ANSWERING:
        code = ctx.state.code or ""
        return ctx.tr._("Write your answer to the team about {code} (or /cancel).").format(code=code), ()
    if ctx.step == ASKING:
        return ctx.tr._("Write your question for the team (or /cancel)."), ()
    return ctx.tr._("Send /new to write a new proposal, or /mine to see the ones you sent."), ()
