"""Names of the export's columns and other words the pages show, translated where shown."""

from __future__ import annotations

from handlers.i18n import N_

COLUMNS: dict[str, str] = {
    "code": N_("Tracking code"),
    "submitted_on": N_("Received on"),
    "submitted_at": N_("Received on"),
    "axis": N_("Thematic axis"),
    "pillar": N_("Open-government pillar"),
    "problem": N_("Problem"),
    "solution": N_("Proposed solution"),
    "contribution": N_("How it would help"),
    "lead_institution": N_("Suggested lead institution"),
    "status": N_("Status"),
    "status_reason": N_("The team's reasoned answer"),
    "answered_on": N_("Answered on"),
    "answered_at": N_("Answered on"),
    "zone": N_("Zone"),
    "sector": N_("Sector"),
    "age_range": N_("Age range"),
    "language": N_("Language"),
    "channel": N_("Channel"),
}

NOTICES: dict[str, str] = {
    "status": N_("The status was changed. The author will receive it with the answer, in their language."),
    "asked": N_("The question was sent to the author."),
    "hidden": N_("The proposal is hidden from the public site and the public exports."),
    "shown": N_("The proposal is public again."),
    "answered": N_("The answer was sent to the citizen."),
    "staff_added": N_("Saved."),
    "staff_removed": N_("Removed from the staff."),
    "drafted": N_(
        "The commitment was drafted. Its proposals are merged into it, and everyone behind them will hear of it, "
        "in their language."
    ),
    "already_drafted": N_("This commitment was already drafted from these proposals: nothing changed."),
    "merged": N_("The proposals were merged into this commitment. Everyone behind them will hear of it."),
    "split": N_("The proposal is now also part of that commitment. Everyone behind it will hear of it."),
    "saved": N_("The commitment was saved."),
    "unchanged": N_("Nothing to save: the commitment was already so."),
    "answer_told": N_("The commitment was saved. Everyone behind its proposals will receive the new answer."),
    "milestone": N_("The milestone was added."),
    "progress": N_("The progress was recorded. Everyone behind its proposals will hear of it, in their language."),
    "undone": N_(
        "The merge was undone: the proposals have their earlier status back, and whoever heard of the merge will "
        "hear of the correction."
    ),
}

THREAD: dict[str, str] = {
    "question": N_("Question from the team"),
    "answer": N_("Answer from the author"),
    "status": N_("Reasoned answer with a status change"),
    "ask": N_("Question from the citizen"),
    "reply": N_("Answer from the team"),
}

ROLES: dict[str, str] = {
    "admin": N_("Administrator"),
    "moderator": N_("Moderator"),
    "analyst": N_("Analyst"),
}
