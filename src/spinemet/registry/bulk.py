"""Fast multi-row INSERT inside the caller's transaction: COPY on PostgreSQL, DBAPI executemany elsewhere.

Values are converted with SQLAlchemy's own bind processors for each column type, so what is stored is
exactly what an ordinary ``insert()`` would store; only the per-row statement overhead is avoided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table

__all__ = ["bulk_insert"]


def bulk_insert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    columns: Sequence[str] | None = None,
) -> None:
    """Insert ``rows`` into ``table`` on ``conn``'s open transaction.

    ``rows`` are dicts with the same keys, or tuples in the order of ``columns``.
    """
    if not rows:
        return
    first = rows[0]
    if isinstance(first, Mapping):
        columns = list(first.keys())
        tuples: Sequence[Sequence[Any]] = [tuple(r[c] for c in columns) for r in rows]  # type: ignore[index]
    else:
        if columns is None:
            raise ValueError("columns: got None; allowed: the column names of tuple rows")
        columns = list(columns)
        tuples = rows  # type: ignore[assignment]
    driver_conn = conn.connection.driver_connection
    assert driver_conn is not None
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        from psycopg import sql

        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with driver_conn.cursor() as cursor, cursor.copy(stmt) as copy:
            for row in tuples:
                copy.write_row(row)
        return
    if conn.dialect.name != "sqlite":  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in tuples])
        return
    dialect = conn.dialect
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    for k, proc in enumerate(processors):
        if proc is not None:
            tuples = [
                row if row[k] is None else (*row[:k], proc(row[k]), *row[k + 1 :])  # type: ignore[misc]
                for row in tuples
            ]
    quote = dialect.identifier_preparer.quote
    sql_text = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    cursor = driver_conn.cursor()
    try:
        cursor.executemany(sql_text, tuples)
    finally:
        cursor.close()
