"""Fast multi-row INSERT inside the caller's transaction: COPY on PostgreSQL, DBAPI executemany elsewhere.

Values are converted with SQLAlchemy's own bind processors for each column type, so what is stored is
exactly what an ordinary ``insert()`` would store; only the per-row statement overhead is avoided. The
conversion runs column by column and once per distinct value (a timestamp shared by 100,000 audit rows
is formatted once), and rows are handed to the driver as a stream (no second copy of the data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table

__all__ = ["bulk_insert", "bulk_insert_columns"]

#: PostgreSQL types of binary COPY for the SQLAlchemy types the registry uses (binary COPY needs no text
#: parsing on the server; any other type falls back to text COPY). Values must be of the Python type
#: (int for INTEGER, float for DOUBLE PRECISION), which the store and restore paths provide.
_PG_BINARY = {
    "Integer": "int4",
    "Float": "float8",
    "Date": "date",
    "DateTime": "timestamp",
    "String": "text",
    "Text": "text",
    "Boolean": "bool",
}


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
        names = list(first.keys())
        data = {c: [r[c] for r in rows] for c in names}  # type: ignore[call-overload]
    else:
        if columns is None:
            raise ValueError("columns: got None; allowed: the column names of tuple rows")
        names = list(columns)
        data = dict(zip(names, (list(col) for col in zip(*rows, strict=True)), strict=True))
    bulk_insert_columns(conn, table, data)


def _convert(values: Sequence[Any], proc: Any) -> list[Any]:
    memo: dict[Any, Any] = {}
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        try:
            converted = memo[value]
        except KeyError:
            converted = memo[value] = proc(value)
        except TypeError:  # unhashable
            converted = proc(value)
        out.append(converted)
    return out


def bulk_insert_columns(conn: Connection, table: Table, data: Mapping[str, Sequence[Any]]) -> None:
    """Insert the rows given column by column (``{column: values}``, equal lengths) into ``table``."""
    names = list(data)
    if not names:
        return
    lengths = {len(v) for v in data.values()}
    if len(lengths) != 1:
        raise ValueError(f"data: got columns of lengths {sorted(lengths)}; allowed: equal lengths")
    if lengths == {0}:
        return
    driver_conn = conn.connection.driver_connection
    assert driver_conn is not None
    dialect = conn.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        from psycopg import sql

        types = [_PG_BINARY.get(type(table.c[c].type).__name__) for c in names]
        binary = all(types)
        stmt = sql.SQL("COPY {} ({}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")).format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in names)
        )
        with driver_conn.cursor() as cursor, cursor.copy(stmt) as copy:
            if binary:
                copy.set_types(types)
            for row in zip(*(data[c] for c in names), strict=True):
                copy.write_row(row)
        return
    if dialect.name != "sqlite":  # pragma: no cover - only SQLite and PostgreSQL are supported
        rows = [dict(zip(names, r, strict=True)) for r in zip(*(data[c] for c in names), strict=True)]
        conn.execute(table.insert(), rows)
        return
    columns: list[Sequence[Any]] = []
    for c in names:
        proc = table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(data[c] if proc is None else _convert(data[c], proc))
    quote = dialect.identifier_preparer.quote
    sql_text = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    cursor = driver_conn.cursor()
    try:
        rows_iter: Iterable[tuple[Any, ...]] = zip(*columns, strict=True)
        cursor.executemany(sql_text, rows_iter)
    finally:
        cursor.close()
