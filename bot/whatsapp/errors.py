"""What Meta's error codes mean for the outbox: wait, retry later, wait for the person, or give up.

Codes and their families follow pywa's table (``pywa/errors.py``, 2026): throttling errors are retried
(130429, the number's throughput, holds every chat; 131056, too many messages to one person, holds
that chat), 131047 (more than 24 hours since the person wrote) waits for the person, account and
authorisation problems are retried with backoff while an operator fixes them, and errors about the
message itself are final.
"""

from __future__ import annotations

from bot.outbox.sending import BadMessage, RetryAfter, SendError, Temporary, Unreachable, WaitForPerson

OUTSIDE_WINDOW = 131047
EVERYONE_WAITS: dict[int, float] = {
    130429: 1.0,  # Cloud API throughput (80 messages/s by default): the next second
    4: 60.0,  # the app's API call rate
    80007: 60.0,  # the WhatsApp Business Account's rate
    131064: 600.0,  # messaging limit reached
}
PERSON_WAITS: dict[int, float] = {131056: 6.0}  # pair rate: about one message per 6 s to one person
UNREACHABLE = frozenset({131026, 131050, 130472, 131030})
"""Not a WhatsApp user / old app / opted out / in an experiment group / not an allowed test number."""
TRANSIENT = frozenset(
    {1, 2, 131000, 131016, 131048, 131042, 131045, 131057, 133016, 368, 131031, 135000}
    | {0, 3, 10, 190}  # authorisation: the operator fixes the token or the permissions
    | set(range(200, 300))
)


def classify(code: int | None, *, status: int = 400, transient: bool | None = None, message: str = "") -> SendError:
    """The outbox's view of an error answer (HTTP ``status``) or a failed status carrying ``code``."""
    described = f"WhatsApp {code or status}: {message}".strip().rstrip(":")
    if code == OUTSIDE_WINDOW:
        return WaitForPerson(f"{described} (more than 24 hours since the person wrote)")
    if code in EVERYONE_WAITS:
        return RetryAfter(EVERYONE_WAITS[code], everyone=True)
    if code in PERSON_WAITS:
        return RetryAfter(PERSON_WAITS[code])
    if code in UNREACHABLE:
        return Unreachable(described)
    if code in TRANSIENT or transient or status >= 500 or status in (401, 403, 429):
        return Temporary(described)
    return BadMessage(described)
