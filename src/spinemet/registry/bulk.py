"""Fast multi-row INSERT inside the caller's transaction: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table

__all__ = ["bulk_insert"]


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` on ``conn``'s open transaction."""
    if not rows:
        return
    columns = list(rows[0].keys())
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        from psycopg import sql

        driver_conn = conn.connection.driver_connection
        assert driver_conn is not None
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with driver_conn.cursor() as cursor, cursor.copy(stmt) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    conn.execute(table.insert(), list(rows))
