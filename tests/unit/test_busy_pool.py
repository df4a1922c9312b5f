"""A worker whose every database connection stays busy too long says "try again later" to the channel (which
sends the update again), never an apology for a step that was never tried."""

from __future__ import annotations

from sqlalchemy.exc import TimeoutError as NoFreeConnection

from storage.errors import DatabaseUnavailable, translate


def test_a_pool_with_no_free_connection_means_try_again_later() -> None:
    busy = NoFreeConnection("QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00")
    assert isinstance(translate(busy), DatabaseUnavailable)
