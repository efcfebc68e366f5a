"""The PostgreSQL side: checks before we start, the slot, and the replication stream.

psycopg2's ``LogicalReplicationConnection`` speaks the replication protocol (psycopg 3 does not);
wal2json decodes each change to JSON on the server, so no protocol decoder of our own. Format 2
sends one message per change (format 1 sends a whole transaction as one JSON document, which
a bulk UPDATE of millions of rows would make too big to hold), plus BEGIN/COMMIT messages that
tell us where transactions end, the only positions worth acknowledging.
"""

from __future__ import annotations

import json
import re
import select
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.extras
from psycopg2 import sql

PLUGIN = "wal2json"


class SourceError(Exception):
    """The source is not set up for CDC (wal_level, table, replica identity, slot): exit 2."""


@dataclass(frozen=True)
class Table:
    schema: str
    name: str

    @classmethod
    def parse(cls, text: str) -> Table:
        schema, _, name = text.rpartition(".")
        return cls(schema or "public", name)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)

    @property
    def wal2json_filter(self) -> str:
        # wal2json's add-tables: space, quote, comma, period and asterisk are escaped with a backslash.
        def esc(s: str) -> str:
            return re.sub(r"([ ',.*\\])", r"\\\1", s)
        return f"{esc(self.schema)}.{esc(self.name)}"


def check(dsn: str, table: Table, keys: list[str], slot: str, create: bool) -> bool:
    """Refuse to start on a source that would lose or garble changes; True if the slot exists."""
    try:
        conn = psycopg2.connect(dsn)
    except psycopg2.OperationalError as err:
        raise SourceError(f"cannot connect: {str(err).strip()}") from err
    with closing(conn), conn.cursor() as cur:
        cur.execute("SHOW wal_level")
        if cur.fetchone()[0] != "logical":
            raise SourceError("the server's wal_level is not 'logical': set wal_level = logical in "
                              "postgresql.conf and restart PostgreSQL")
        cur.execute("SELECT c.relkind, c.relreplident, array_agg(a.attname::text) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                    "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p') GROUP BY 1, 2",
                    (table.schema, table.name))
        found = cur.fetchone()
        if found is None:
            raise SourceError(f"table {table} not found (give the source table with --table schema.name)")
        kind, identity, columns = found
        if kind == "p":
            # Changes are decoded per partition, under the partition's name: we would see none of them.
            raise SourceError(f"table {table} is partitioned: capture each partition (--table) into its own dataset")
        missing = [k for k in keys if k not in columns]
        if missing:
            raise SourceError(f"table {table} lacks the contract's primary key column(s) {missing}")
        if identity != "f":
            # Without it an UPDATE leaves unchanged TOASTed values out of the new row, and we would
            # write them as nulls; FULL also gives deletes their whole old row.
            raise SourceError(f"table {table} needs REPLICA IDENTITY FULL: "
                              f"ALTER TABLE {table} REPLICA IDENTITY FULL")
        cur.execute("SELECT plugin, database, current_database() FROM pg_replication_slots WHERE slot_name = %s",
                    (slot,))
        existing = cur.fetchone()
    if existing is None:
        if not create:
            raise SourceError(f"replication slot '{slot}' does not exist: run with --create-slot")
        return False
    plugin, database, current = existing
    if plugin != PLUGIN or database != current:
        raise SourceError(f"replication slot '{slot}' belongs to plugin {plugin} in database {database}; "
                          f"lake cdc needs a {PLUGIN} slot in {current}")
    return True


class Slot:
    """One logical replication connection: create the slot, then stream it, acknowledging as we go.

    Why ``busy``: psycopg2 moves the acknowledged position to the server's WAL end by itself when
    a keepalive arrives and the last message received was acknowledged. That assumes positions
    only grow; in logical decoding a transaction that began before the one we acknowledged
    starts at a lower position, and a keepalive sent while its changes are on the wire would
    acknowledge them unwritten. The server sends such a keepalive only after wal_sender_timeout/2
    without hearing from us, so we keep telling it our (true) position while we are busy writing
    and ingesting a batch, when we do not read.
    """

    def __init__(self, dsn: str, name: str, table: Table, status_interval: float = 10.0):
        self.name, self.table, self.status_interval = name, table, status_interval
        self.conn = psycopg2.connect(dsn, connection_factory=psycopg2.extras.LogicalReplicationConnection)
        self.cur = self.conn.cursor()
        self.acked = self.sent = 0
        self.lock = threading.Lock()  # the cursor is not for two threads at once
        self.started = False

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Send our status every few seconds while the caller is not reading (see the class doc)."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(min(self.status_interval, 5.0)):
                with self.lock:
                    if self.conn.closed or not self.started:
                        return
                    try:
                        self.cur.send_feedback(force=True)  # positions unchanged: only "still here"
                    except psycopg2.Error:
                        return  # the main thread meets the broken connection on its next call

        thread = threading.Thread(target=beat, name="lake-cdc-status", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def create(self) -> tuple[int, str]:
        """Create the slot; (its consistent point, the exported snapshot's name).

        The snapshot shows exactly the transactions the slot will not stream, and lives only until
        this connection's next command: read it (``snapshot.rows``) before ``start``.
        """
        from lake.cdc.envelope import parse_lsn

        self.cur.execute(sql.SQL("CREATE_REPLICATION_SLOT {} LOGICAL {} EXPORT_SNAPSHOT").format(
            sql.Identifier(self.name), sql.Identifier(PLUGIN)))
        _, consistent_point, snapshot, _ = self.cur.fetchone()
        return parse_lsn(consistent_point), snapshot

    def start(self) -> None:
        options = {"format-version": "2", "include-transaction": "1", "include-timestamp": "1",
                   "include-types": "1", "include-lsn": "1", "add-tables": self.table.wal2json_filter}
        self.cur.start_replication(slot_name=self.name, decode=False, options=options,
                                   status_interval=self.status_interval)
        self.started = True

    def poll(self, timeout: float) -> dict[str, Any] | None:
        """The next wal2json message, or None if none came within ``timeout`` seconds.

        ``read_message`` also sends the periodic status (with the last acknowledged position) that
        keeps the server from timing us out.
        """
        with self.lock:
            msg = self.cur.read_message()
        if msg is None:
            select.select([self.conn], [], [], timeout)
            with self.lock:
                msg = self.cur.read_message()
        if msg is None:
            return None
        return json.loads(msg.payload, parse_float=str, parse_constant=str)  # numerics keep their exact text

    def ack(self, lsn: int, now: bool = True) -> None:
        """Tell the server everything up to ``lsn`` is durably ours; it may recycle that WAL.

        ``now=False`` only records it: the next periodic status carries it (quiet commits of other
        tables would otherwise cost a message each)."""
        if lsn > self.acked:
            with self.lock:
                self.cur.send_feedback(flush_lsn=lsn, force=now)
            self.acked, self.sent = lsn, lsn if now else self.sent

    def close(self) -> None:
        try:
            if self.acked > self.sent and not self.conn.closed:
                self.cur.send_feedback(force=True)  # the position recorded but not yet sent
        except psycopg2.Error:
            pass  # a broken connection: the server keeps the last position it got and resends from there
        finally:
            self.conn.close()


def snapshot_rows(dsn: str, snapshot: str, table: Table, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` as the exported snapshot sees it, values typed as wal2json types them."""
    from lake.cdc.envelope import value

    with closing(psycopg2.connect(dsn)) as conn:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
            cur.execute("SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                        (str(table.ident.as_string(conn)),))
            cols = cur.fetchall()
        # Text output, as wal2json's: one type mapping (envelope.value) serves both paths.
        select_list = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(n)) for n, _ in cols)
        with conn.cursor(name="lake_cdc_snapshot") as rows:
            rows.itersize = batch
            rows.execute(sql.SQL("SELECT {} FROM {}").format(select_list, table.ident))
            for r in rows:
                yield {n: value(v, t) for (n, t), v in zip(cols, r, strict=True)}
