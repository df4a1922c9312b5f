"""What storage tells its callers, without SQLAlchemy in sight."""


class AlreadyRecorded(Exception):
    """This update id was recorded by another worker first: it is being, or was, processed."""


class Conflict(Exception):
    """Another writer changed the row since it was read: redo the work on fresh data."""
