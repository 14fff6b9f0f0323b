"""SQLite state of one simulator process.

One connection, shared by the HTTP threads and the job runner and serialised by
a re-entrant lock: every backend operation runs inside :meth:`Store.tx`, a
``BEGIN IMMEDIATE`` transaction, so a ``kill -9`` loses at most the operation
in flight and never leaves half of one behind. The database runs in WAL mode.
"""

import json
import sqlite3
import threading
from contextlib import contextmanager

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS v2_apps (
    client_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    application_name TEXT NOT NULL,
    icon_url TEXT,
    website_url TEXT,
    redirect_uris TEXT NOT NULL DEFAULT '[]',
    integrations TEXT NOT NULL DEFAULT '[]',
    webhooks TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS v2_accounts (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    provider TEXT NOT NULL,
    authentication_type TEXT NOT NULL,
    sync_state TEXT NOT NULL,
    billing_state TEXT NOT NULL,
    trial INTEGER NOT NULL DEFAULT 0,
    linked_at INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    objects TEXT
);
CREATE INDEX IF NOT EXISTS v2_accounts_by_app ON v2_accounts (client_id, linked_at, ord);
CREATE TABLE IF NOT EXISTS v3_apps (
    application_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    api_key TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    branding TEXT NOT NULL DEFAULT '{}',
    hosted_authentication TEXT,
    callback_uris TEXT NOT NULL DEFAULT '[]',
    v2_application_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS connectors (
    application_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    scope TEXT,
    active_credential_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (application_id, provider)
);
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    account_id TEXT,
    email TEXT,
    name TEXT,
    provider TEXT NOT NULL,
    grant_status TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS grants_one_per_account ON grants (application_id, account_id);
CREATE TABLE IF NOT EXISTS clone_attempts (
    application_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (application_id, account_id)
);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    secret TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    application_id TEXT NOT NULL,
    status TEXT NOT NULL,
    count_all INTEGER NOT NULL DEFAULT 0,
    count_success INTEGER NOT NULL DEFAULT 0,
    count_failed INTEGER NOT NULL DEFAULT 0,
    count_warning INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at REAL,
    linked_job_id TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    cursor INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS snapshot_records (
    job_id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, pos)
);
"""

#: Tables emptied by a reset (``meta`` keeps the schema version).
DATA_TABLES = (
    "v2_apps", "v2_accounts", "v3_apps", "connectors", "grants", "clone_attempts",
    "webhooks", "jobs", "snapshot_records",
)


class Store:
    """The SQLite database of one simulator process."""

    def __init__(self, path):
        self.path = str(path)
        self.lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        columns = {row["name"] for row in self.conn.execute("PRAGMA table_info(v2_accounts)")}
        if "objects" not in columns:  # a state file written before v2 objects existed
            self.conn.execute("ALTER TABLE v2_accounts ADD COLUMN objects TEXT")
        with self.tx() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))

    @contextmanager
    def tx(self):
        """Run a block in one transaction under the store lock; yields the connection.

        Nested calls join the outer transaction.
        """
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def get_meta(self, key, default=None):
        """Return a value of the ``meta`` table."""
        with self.tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key, value):
        """Set a value of the ``meta`` table."""
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))

    def wipe(self):
        """Delete all simulated data (keeps the schema)."""
        with self.tx() as db:
            for table in DATA_TABLES:
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            db.execute("DELETE FROM meta WHERE key != 'schema_version'")

    def close(self):
        """Close the connection (checkpoints the WAL)."""
        with self.lock:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self.conn.close()


def dumps(value):
    """JSON-encode a value for a TEXT column."""
    return json.dumps(value, sort_keys=True)


def loads(text, default=None):
    """Decode a JSON TEXT column (``None`` → ``default``)."""
    if text is None:
        return default
    return json.loads(text)
