"""SQLAlchemy models, repositories and unit of work, Alembic migrations, exports.

Nothing here imports the rest of cocrea.
"""
