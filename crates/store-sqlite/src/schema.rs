//! The file's schema: versioned migrations, each moving it up one version.
//! An older file is upgraded on open; a newer one is refused.

use rusqlite::Connection;

use casefile_store::{Result, StoreError};

use crate::engine;

/// Each migration moves the schema up one version. `rebuild` asks for the
/// projections to be folded again afterwards.
struct Migration {
    sql: &'static str,
    rebuild: bool,
}

const MIGRATIONS: &[Migration] = &[
    // 1: the journal itself.
    Migration {
        sql: "
        CREATE TABLE streams (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('case', 'company')),
            handle INTEGER NOT NULL,
            head_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            UNIQUE (kind, handle)
        );
        CREATE TABLE entries (
            stream TEXT NOT NULL REFERENCES streams(id),
            seq INTEGER NOT NULL,
            id TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            recorded TEXT NOT NULL,
            author TEXT NOT NULL,
            kind TEXT NOT NULL,
            event TEXT NOT NULL,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (stream, seq)
        ) WITHOUT ROWID;",
        rebuild: false,
    },
    // 2: projections, folded in Rust from the journal.
    Migration {
        sql: "
        CREATE TABLE cases (
            id TEXT PRIMARY KEY REFERENCES streams(id),
            handle INTEGER NOT NULL UNIQUE,
            title TEXT NOT NULL,
            company TEXT,
            status TEXT NOT NULL,
            opened_ms INTEGER,
            last_ms INTEGER,
            next_due_ms INTEGER,
            entries INTEGER NOT NULL,
            state TEXT NOT NULL
        );
        CREATE INDEX cases_by_status ON cases (status, last_ms);
        CREATE INDEX cases_by_company ON cases (company, last_ms);
        CREATE INDEX cases_by_last ON cases (last_ms);
        CREATE TABLE companies (
            id TEXT PRIMARY KEY REFERENCES streams(id),
            handle INTEGER NOT NULL UNIQUE,
            name TEXT NOT NULL,
            state TEXT NOT NULL
        );
        CREATE TABLE company_names (
            norm TEXT NOT NULL,
            company TEXT NOT NULL REFERENCES companies(id),
            PRIMARY KEY (norm, company)
        );
        CREATE TABLE due_items (
            item TEXT PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id),
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            due_ms INTEGER NOT NULL,
            due TEXT NOT NULL
        );
        CREATE INDEX due_by_time ON due_items (due_ms);
        CREATE INDEX due_by_case ON due_items (case_id);
        CREATE VIRTUAL TABLE entry_text USING fts5(
            body, stream UNINDEXED, seq UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );",
        rebuild: true,
    },
    // 3: every table keyed first by its workspace, every entry naming its
    // device, and a case's state kept as a header and one row per item, so an
    // append writes what it changed rather than the whole case.
    Migration {
        sql: "
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        WITH r(k, h) AS (VALUES ('workspace', hex(randomblob(16))), ('device', hex(randomblob(16))))
        INSERT INTO meta SELECT k, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3)
            || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)) FROM r;
        DROP TABLE due_items;
        DROP TABLE company_names;
        DROP TABLE cases;
        DROP TABLE companies;
        DROP TABLE entry_text;
        ALTER TABLE entries RENAME TO entries_v2;
        ALTER TABLE streams RENAME TO streams_v2;
        CREATE TABLE streams (
            workspace TEXT NOT NULL,
            id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('case', 'company')),
            handle INTEGER NOT NULL,
            head_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            PRIMARY KEY (workspace, id),
            UNIQUE (workspace, kind, handle)
        ) WITHOUT ROWID;
        CREATE TABLE entries (
            workspace TEXT NOT NULL,
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            id TEXT NOT NULL,
            device TEXT NOT NULL,
            at TEXT NOT NULL,
            recorded TEXT NOT NULL,
            author TEXT NOT NULL,
            kind TEXT NOT NULL,
            event TEXT NOT NULL,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (workspace, stream, seq),
            UNIQUE (workspace, id),
            FOREIGN KEY (workspace, stream) REFERENCES streams (workspace, id)
        ) WITHOUT ROWID;
        INSERT INTO streams SELECT (SELECT value FROM meta WHERE key = 'workspace'),
            id, kind, handle, head_seq, head_hash FROM streams_v2;
        INSERT INTO entries SELECT (SELECT value FROM meta WHERE key = 'workspace'), stream, seq, id,
            (SELECT value FROM meta WHERE key = 'device'), at, recorded, author, kind, event, prev, hash
            FROM entries_v2;
        DROP TABLE entries_v2;
        DROP TABLE streams_v2;
        CREATE TABLE cases (
            workspace TEXT NOT NULL,
            id TEXT NOT NULL,
            handle INTEGER NOT NULL,
            title TEXT NOT NULL,
            company TEXT,
            status TEXT NOT NULL,
            opened_ms INTEGER,
            last_ms INTEGER,
            next_due_ms INTEGER,
            entries INTEGER NOT NULL,
            header TEXT NOT NULL,
            PRIMARY KEY (workspace, id),
            UNIQUE (workspace, handle)
        );
        CREATE INDEX cases_by_status ON cases (workspace, status, last_ms);
        CREATE INDEX cases_by_company ON cases (workspace, company, last_ms);
        CREATE INDEX cases_by_last ON cases (workspace, last_ms);
        CREATE TABLE case_items (
            workspace TEXT NOT NULL,
            case_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            entry TEXT NOT NULL,
            kind TEXT NOT NULL,
            item TEXT NOT NULL,
            -- A contact still under way, so a writer finds it without reading the case.
            open INTEGER NOT NULL,
            PRIMARY KEY (workspace, case_id, seq),
            UNIQUE (workspace, entry)
        ) WITHOUT ROWID;
        CREATE INDEX case_items_by_kind ON case_items (workspace, case_id, kind, open);
        CREATE TABLE companies (
            workspace TEXT NOT NULL,
            id TEXT NOT NULL,
            handle INTEGER NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (workspace, id),
            UNIQUE (workspace, handle)
        );
        CREATE TABLE company_names (
            workspace TEXT NOT NULL,
            norm TEXT NOT NULL,
            company TEXT NOT NULL,
            PRIMARY KEY (workspace, norm, company)
        ) WITHOUT ROWID;
        CREATE TABLE due_items (
            workspace TEXT NOT NULL,
            item TEXT NOT NULL,
            case_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            due_ms INTEGER NOT NULL,
            due TEXT NOT NULL,
            open INTEGER NOT NULL,
            PRIMARY KEY (workspace, item)
        ) WITHOUT ROWID;
        CREATE INDEX due_by_time ON due_items (workspace, open, due_ms);
        CREATE INDEX due_by_case ON due_items (workspace, case_id, due_ms);
        CREATE VIRTUAL TABLE entry_text USING fts5(
            body, workspace UNINDEXED, stream UNINDEXED, seq UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );",
        rebuild: true,
    },
    // 4: who a case is for and the helper working it, for "my cases".
    Migration {
        sql: "
        ALTER TABLE cases ADD COLUMN client TEXT;
        ALTER TABLE cases ADD COLUMN helper TEXT;
        CREATE INDEX cases_by_helper ON cases (workspace, helper, last_ms);",
        rebuild: true,
    },
    // 5: seals, every head at a moment, proved later against a digest kept
    // outside the file. Not a view: rebuild leaves them alone.
    Migration {
        sql: "
        CREATE TABLE seals (
            workspace TEXT NOT NULL,
            made_ms INTEGER NOT NULL,
            seal TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (workspace, digest)
        ) WITHOUT ROWID;",
        rebuild: false,
    },
    // 6: each journal's head as this device signed it (Ed25519, the key kept
    // outside the file). Not a view: rebuild leaves it alone.
    Migration {
        sql: "
        CREATE TABLE head_signatures (
            workspace TEXT NOT NULL,
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            key TEXT NOT NULL,
            sig TEXT NOT NULL,
            PRIMARY KEY (workspace, stream)
        ) WITHOUT ROWID;",
        rebuild: false,
    },
    // Each device writes its own series of a journal (sync): the series and
    // the place in it, hashed; the position stays the merged order.
    Migration {
        sql: "
        ALTER TABLE entries ADD COLUMN series TEXT;
        ALTER TABLE entries ADD COLUMN n INTEGER;
        CREATE UNIQUE INDEX entries_by_series ON entries (workspace, stream, series, n);",
        rebuild: false,
    },
    // The lessons of a company's cases, found without a look into each of
    // its cases (a company may have thousands, and lessons are few).
    Migration {
        sql: "
        CREATE INDEX case_items_lessons ON case_items (workspace, case_id) WHERE kind = 'lesson';",
        rebuild: false,
    },
];

/// The schema version this build writes.
pub const LATEST_SCHEMA: i64 = MIGRATIONS.len() as i64;

/// Runs the migrations from version `from` up to `to`; says whether the
/// projections must be folded again.
pub(crate) fn migrate(conn: &Connection, from: i64, to: i64) -> Result<bool> {
    let mut rebuild = false;
    for (i, m) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        conn.execute_batch(m.sql).map_err(engine)?;
        conn.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(engine)?;
        rebuild |= m.rebuild;
    }
    Ok(rebuild)
}

/// The workspace and device this file was made for.
pub(crate) fn identity(conn: &Connection) -> Result<(String, String)> {
    let get = |k: &str| -> Result<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .map_err(|_| StoreError::Corrupt(format!("the file names no {k}")))
    };
    Ok((get("workspace")?, get("device")?))
}
