"""Exact backups: every row of every data table, as JSON-safe records, and back.

`dump(store)` reads all tables in one consistent snapshot and returns a header record followed by
one record per row, `{"table": name, "row": {column: value}}`, tables in foreign-key order and rows
in primary-key order (so two dumps of equal databases are equal). Timestamps are ISO 8601 UTC
strings; JSON columns stay JSON. `restore(store, records)` writes them into an EMPTY database
at the same schema revision, in one transaction, and moves PostgreSQL's id sequences past the
restored ids. `to_jsonl` / `from_jsonl` turn records into a file's bytes and back.

The `leases` table is left out: it coordinates running processes and means nothing in a backup.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, Table, func, select, text
from sqlalchemy.engine import Connection

from .exchange import _export_salt as export_salt  # made on first use; a backup makes it first
from .migrate import head_revision
from .records import StorageError
from .schema import Base, UTCDateTime

FORMAT = "arenabot-backup"
VERSION = 1
# Bookkeeping, not data: leases, and the boards' versions (set after a restore).
NOT_BACKED_UP = frozenset({"leases", "board_versions"})
# Each board's version past every restored row's stamp (and past 0, "nothing yet"), so a warm
# board sees the restored rows as changed.
_VERSIONS_PAST_ROWS = (
    "INSERT INTO board_versions (scope_key, version)"
    " SELECT scope_key, 1 + max(version) FROM battle_patterns GROUP BY scope_key"
    " ON CONFLICT (scope_key) DO UPDATE SET version = excluded.version"
)


class BackupError(StorageError):
    """The backup cannot be restored here (wrong format or schema, target not empty, bad record)."""


def backed_up_tables() -> list[Table]:
    """Every data table, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_BACKED_UP]


def _encode(column: Any, value: Any) -> Any:
    if value is not None and isinstance(column.type, UTCDateTime):
        return value.isoformat()
    return value


def _decode(column: Any, value: Any) -> Any:
    """The column's value from JSON, or BackupError naming what is wrong with it: a database
    would otherwise store a wrongly typed value as it is (SQLite) or fail mid-restore."""
    if value is None:
        if not column.nullable:
            raise BackupError(f"{column.name} is null, but it must have a value")
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise BackupError(f"{column.name} must be an ISO 8601 timestamp string, got {value!r}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BackupError(f"{column.name} is not an ISO 8601 timestamp: {value[:40]!r}") from None
        if parsed.tzinfo is None:
            raise BackupError(f"{column.name} has no time zone: {value[:40]!r} (backups write UTC times)")
        return parsed
    if isinstance(kind, JSON):
        return value
    try:
        python_type = kind.python_type
    except NotImplementedError:  # a type without one: the database judges
        return value
    expected = _PYTHON_TYPES.get(python_type)
    if expected is not None and (not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))):
        raise BackupError(f"{column.name} must be {_TYPE_WORDS[python_type]}, got {value!r}"[:200])
    if isinstance(value, float) and not math.isfinite(value):
        raise BackupError(f"{column.name} must be a finite number, got {value!r}")
    return value


_PYTHON_TYPES: dict[type, tuple[type, ...]] = {int: (int,), float: (int, float), str: (str,), bool: (bool,)}
_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _snapshot(conn: Connection) -> list[dict[str, Any]]:
    if conn.dialect.name == "postgresql":
        # One snapshot for all tables, so a vote never appears without its battle's new state.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    records: list[dict[str, Any]] = []
    for table in backed_up_tables():
        columns = list(table.columns)
        stmt = select(table).order_by(*table.primary_key.columns)
        for row in conn.execute(stmt):
            records.append({"table": table.name, "row": {c.name: _encode(c, row._mapping[c.name]) for c in columns}})
    return records


async def dump(store: Any) -> list[dict[str, Any]]:
    """The whole database as records: a header, then every row (see the module docstring)."""
    header = {"format": FORMAT, "version": VERSION, "schema": head_revision(), "tables": [t.name for t in backed_up_tables()]}
    # The export pseudonyms' salt is made on first use; made now, a backup taken before any
    # export carries it, so a restored database exports the same judges as this one.
    await store.run_write(export_salt)
    return [header, *await store.run_read(_snapshot)]


def _check_header(header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"not an arenabot backup: the first record must be the {FORMAT!r} header written by dump()")
    if header.get("version") != VERSION:
        raise BackupError(
            f"backup format version {header.get('version')!r} is not supported (this arenabot reads version {VERSION})"
        )
    if header.get("schema") != head_revision():
        raise BackupError(
            f"the backup was taken at schema {header.get('schema')!r} but this arenabot is at {head_revision()!r}; "
            "restore it with the arenabot version that made it, then upgrade"
        )


def _rows_by_table(records: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    tables = {t.name: t for t in backed_up_tables()}
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    for number, record in enumerate(records, start=2):
        name = record.get("table") if isinstance(record, dict) else None
        row = record.get("row") if isinstance(record, dict) else None
        if name not in tables or not isinstance(row, dict):
            raise BackupError(
                f"record {number}: expected {{'table': <one of {sorted(tables)}>, 'row': {{...}}}}, got {str(record)[:120]}"
            )
        table = tables[name]
        if set(row) != set(table.columns.keys()):
            raise BackupError(
                f"record {number}: the {name} row has columns {sorted(row)}, expected {sorted(table.columns.keys())}"
            )
        try:
            grouped[name].append({c.name: _decode(c, row[c.name]) for c in table.columns})
        except BackupError as exc:
            raise BackupError(f"record {number} ({name}): {exc}") from None
    return grouped


def _non_empty(conn: Connection) -> list[str]:
    found = []
    for table in backed_up_tables():
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            found.append(f"{table.name}: {count} row{'s' if count != 1 else ''}")
    return found


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which inserting explicit ids does not advance."""
    for table in backed_up_tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement is True:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {table.name}"
                    )
                )


def _write_all(conn: Connection, grouped: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    occupied = _non_empty(conn)
    if occupied:
        raise BackupError(
            "refusing to restore into a database that already holds data (" + ", ".join(occupied) + "); "
            "restore into a new, empty database (it may have the schema already, but no rows)"
        )
    for table in backed_up_tables():
        rows = grouped[table.name]
        if rows:
            conn.execute(table.insert(), rows)
    conn.execute(text(_VERSIONS_PAST_ROWS))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn)
    return {name: len(rows) for name, rows in grouped.items()}


async def restore(store: Any, records: Sequence[Any]) -> dict[str, int]:
    """Write a `dump()` into an empty database (at the same schema); returns rows per table.
    Raises BackupError, changing nothing, if the target holds any data or a record is malformed."""
    if not records:
        raise BackupError("the backup is empty: it has no header record")
    _check_header(records[0])
    grouped = _rows_by_table(records[1:])
    return await store.run_write(_write_all, grouped)


def to_jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    """One JSON object per line (UTF-8), the file form of a backup."""
    return b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows a key twice (the last wins); in a backup that hides which value was meant."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return found


def from_jsonl(data: bytes) -> list[dict[str, Any]]:
    records = []
    try:
        text_ = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BackupError(f"the backup is not UTF-8 text (byte {exc.start})") from None
    for number, line in enumerate(text_.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line, object_pairs_hook=_no_duplicate_keys))
            except ValueError as exc:
                raise BackupError(f"line {number} of the backup is not JSON: {exc}") from None
            except RecursionError:
                raise BackupError(f"line {number} of the backup is nested too deeply to be a backup record") from None
    return records
