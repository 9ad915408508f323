"""The generated benchmark database on PostgreSQL, loaded once and copied for every run.

``bench.generate`` writes SQLite. For a PostgreSQL run (``--database postgresql+asyncpg://…/
NAME``) the generated file is loaded into ``NAME_data``: the schema from the real migrations,
then every table streamed from the SQLite file with asyncpg's ``copy_records_to_table`` (binary
COPY, in batches), the id sequences moved past the copied ids, and ``ANALYZE``. A comment on
that database records the size, seed and schema revision, so later runs reuse it while they
match. Each run then works on ``NAME_run``, made with ``CREATE DATABASE … TEMPLATE NAME_data``
(a file-level copy, seconds) and dropped afterwards. The database ``NAME`` itself is not touched.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

from bench.generate import Generated, schema_head
from storage.migrate import upgrade
from storage.models import Base

BATCH_ROWS = 50_000

Converter = Callable[[Any], Any]


def _timestamp_tz(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _timestamp(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _date(value: Any) -> Any:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _time(value: Any) -> Any:
    return None if value is None else dtime.fromisoformat(str(value))


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _decimal(value: Any) -> Any:
    return None if value is None else Decimal(str(value))


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def _float(value: Any) -> Any:
    return None if value is None else float(value)


def _json_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _array(value: Any) -> Any:
    return None if value is None else json.loads(value) if isinstance(value, str) else value


def _text(value: Any) -> Any:
    return None if value is None else str(value)


CONVERTERS: dict[str, Converter] = {
    "timestamp with time zone": _timestamp_tz,
    "timestamp without time zone": _timestamp,
    "date": _date,
    "time without time zone": _time,
    "boolean": _bool,
    "numeric": _decimal,
    "integer": _int,
    "bigint": _int,
    "smallint": _int,
    "double precision": _float,
    "real": _float,
    "json": _json_text,
    "jsonb": _json_text,
    "ARRAY": _array,
}


def _connect_args(url: URL, database: str) -> dict[str, Any]:
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "database": database,
    }


def _rows(path: str, table: str, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield batch
    finally:
        conn.close()


async def _load(generated: Generated, url: URL, name: str, marker: str, progress: Any) -> None:
    admin = await asyncpg.connect(**_connect_args(url, "postgres"))
    try:
        await _drop(admin, name)
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    target = url.set(drivername="postgresql+asyncpg", database=name)
    await upgrade(target.render_as_string(hide_password=False))
    conn = await asyncpg.connect(**_connect_args(url, name))
    source = sqlite3.connect(generated.path)
    try:
        tables = [t.name for t in Base.metadata.sorted_tables]
        await conn.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        for table in tables:
            in_sqlite = {row[1] for row in source.execute(f'PRAGMA table_info("{table}")')}
            if not in_sqlite:
                continue
            described = await conn.fetch(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                table,
            )
            columns = [str(r["column_name"]) for r in described if r["column_name"] in in_sqlite]
            kinds = {str(r["column_name"]): str(r["data_type"]) for r in described}
            convert = [CONVERTERS.get(kinds[c], _text) for c in columns]
            copied = 0
            started = time.perf_counter()
            for batch in _rows(str(generated.path), table, columns):
                records = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in batch]
                await conn.copy_records_to_table(table, records=records, columns=columns)
                copied += len(records)
            if copied:
                progress(f"{table}: {copied:,} rows in {time.perf_counter() - started:.0f} s")
            if "id" in columns:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false) '
                    f"WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL"
                )
        await conn.execute("ANALYZE")
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    finally:
        source.close()
        await conn.close()


async def _drop(admin: asyncpg.Connection, name: str) -> None:
    await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid()",
        name,
    )
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


async def run_database(
    generated: Generated, url_text: str, *, progress: Callable[[str], None] = print
) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh copy of the generated data on PostgreSQL: its URL, and how to drop it."""
    url = make_url(url_text)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"not a PostgreSQL URL: {url.drivername}; use postgresql+asyncpg://…")
    base = url.database or "spotter_bench"
    data, run = f"{base}_data", f"{base}_run"
    marker = f"spotter bench {generated.size.label} seed {generated.seed} schema {schema_head()}"
    admin = await asyncpg.connect(**_connect_args(url, "postgres"))
    try:
        found = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            data,
        )
    finally:
        await admin.close()
    if found != marker:
        progress(f"loading {generated.path.name} into PostgreSQL database {data} …")
        started = time.perf_counter()
        await _load(generated, url, data, marker, progress)
        progress(f"loaded in {time.perf_counter() - started:.0f} s")
    else:
        progress(f"reusing PostgreSQL database {data}")
    admin = await asyncpg.connect(**_connect_args(url, "postgres"))
    try:
        await _drop(admin, run)
        await admin.execute(f'CREATE DATABASE "{run}" TEMPLATE "{data}"')
    finally:
        await admin.close()

    async def drop() -> None:
        conn = await asyncpg.connect(**_connect_args(url, "postgres"))
        try:
            await _drop(conn, run)
        finally:
            await conn.close()

    run_url = url.set(drivername="postgresql+asyncpg", database=run)
    return run_url.render_as_string(hide_password=False), drop
