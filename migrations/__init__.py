"""Alembic migration scripts, installed as a package so the installed arenabot finds them."""
