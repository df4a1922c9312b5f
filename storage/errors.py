"""What storage tells its callers, without SQLAlchemy in sight.

The unit of work turns driver errors raised inside it into these (``translate``), so callers
decide on meaning: redo the work (``Conflict``), try later and confirm nothing meanwhile
(``DatabaseUnavailable``), or nothing to do (``AlreadyRecorded``)."""

from __future__ import annotations

import socket

CONNECTING = (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError, TimeoutError, socket.gaierror)
"""What a driver raises while it cannot reach its server (not a broken pipe to our own output, nor a file)."""


class AlreadyRecorded(Exception):
    """This event id was recorded by another worker first: it is being, or was, processed."""


class Conflict(Exception):
    """Another writer changed the row since it was read: redo the work on fresh data."""


class DatabaseUnavailable(Exception):
    """The database cannot be used now: locked by a long write, not reachable, or not a database.
    Work that met it must be tried again later — never confirmed as done."""


def translate(error: BaseException) -> Exception | None:
    """Our meaning of a driver error raised inside a unit of work, or None when it has none."""
    from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as NoFreeConnection
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(error, Conflict | DatabaseUnavailable | AlreadyRecorded):
        return None
    if isinstance(error, StaleDataError):
        return Conflict(str(error))
    if isinstance(error, IntegrityError) and "uq_conversation_channel_chat" in str(error.orig):
        return Conflict("another worker created the conversation first")
    if isinstance(error, OperationalError | InterfaceError):
        return DatabaseUnavailable(str(error.orig).splitlines()[0] if error.orig else str(error))
    if isinstance(error, NoFreeConnection):  # every connection of the pool busy for pool_timeout seconds
        return DatabaseUnavailable(f"no free database connection: {error}")
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return DatabaseUnavailable(str(error.orig))
    if isinstance(error, CONNECTING):  # raised raw by the driver while connecting (no server, wrong host)
        return DatabaseUnavailable(f"{type(error).__name__}: {error}")
    return None


def unavailable(error: BaseException) -> DatabaseUnavailable | None:
    """The operator's view of an error, when it is about reaching the database."""
    if isinstance(error, DatabaseUnavailable):
        return error
    translated = translate(error)
    return translated if isinstance(translated, DatabaseUnavailable) else None
