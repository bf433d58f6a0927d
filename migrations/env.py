"""Alembic environment. arenabot runs migrations in code (`Store.open`, `arenabot db upgrade`),
handing the connection over in `config.attributes["connection"]`; see arenabot/storage/migrate.py."""
from __future__ import annotations

from alembic import context

from arenabot.storage.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `arenabot db upgrade`, which supplies the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
