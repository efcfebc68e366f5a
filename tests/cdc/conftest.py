"""A real PostgreSQL (wal_level=logical, wal2json) for the whole session; a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lake.cli import main
from lake.runtime.context import Context
from tests.cdc.postgres import Server, start_server

APPLICATIONS = """CREATE TABLE applications (
    application_id bigint PRIMARY KEY, account_id text, candidate_email text, stage text,
    updated_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE applications REPLICA IDENTITY FULL"""


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    try:
        server = start_server()
    except RuntimeError as err:  # CI must run these tests: a missing server fails, never skips
        pytest.fail(str(err), pytrace=False)
    yield server
    server.stop()


@dataclass
class Source:
    """One test's database on the shared server, with the lake that captures it."""

    dsn: str
    slot: str
    home: Path
    config: Path

    def sql(self, statement: str, *args: Any) -> list[tuple]:
        import psycopg2

        with closing(psycopg2.connect(self.dsn)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statement, args or None)
                return cur.fetchall() if cur.description else []

    def cdc(self, *extra: str) -> int:
        """``lake cdc`` in this process (so tests can make it crash where they want)."""
        return main(["cdc", "--home", str(self.home), "--config", str(self.config), "--dsn", self.dsn,
                     "--zone", "customer_success", "--dataset", "applications", "--slot", self.slot,
                     "--batch-seconds", "0.5", *extra])

    def ctx(self) -> Context:
        return Context.local(self.home, self.config)

    def confirmed(self) -> int:
        from lake.cdc.envelope import parse_lsn

        rows = self.sql("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s", self.slot)
        return parse_lsn(rows[0][0]) if rows and rows[0][0] else 0


@pytest.fixture
def source(postgres: Server, tmp_path: Path, zones_copy: Path) -> Iterator[Source]:
    import psycopg2

    db = "t_" + uuid.uuid4().hex[:10]
    admin = psycopg2.connect(postgres.dsn())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {db}")
    src = Source(postgres.dsn(db), f"lake_{db}", tmp_path / "home", zones_copy)
    src.sql(APPLICATIONS)
    try:
        yield src
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                        "WHERE database = %s AND active_pid IS NOT NULL", (db,))
            cur.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = %s",
                        (db,))
            cur.execute(f"DROP DATABASE {db} WITH (FORCE)")
        admin.close()
