"""What every desk page needs: who is signed in, and the notice after an action."""

from __future__ import annotations

from starlette.requests import Request

from handlers.staff.web_sign_in import SignedIn
from web.headings import NOTICES

VIA = "web"
"""How the audit log names where a staff action came from."""


def signed(request: Request) -> SignedIn:
    found = getattr(request.state, "staff", None)
    assert isinstance(found, SignedIn), "a desk endpoint runs behind @requires"
    return found


def notice(request: Request) -> str:
    """The message id of the notice named in ``?done=``, if any (only known ones: nothing typed is echoed)."""
    return NOTICES.get(request.query_params.get("done", ""), "")
