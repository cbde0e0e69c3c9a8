//! The server's schema: versioned migrations, run under an advisory lock so
//! that servers starting together migrate once. An older database is upgraded
//! on connect; a newer one is refused.
//!
//! Every table but the small reference tables (`casefile_schema`,
//! `workspaces`, and the accounts tables) has a primary key that starts with
//! the workspace, and every unique constraint includes it: a deployment that
//! outgrows one primary distributes them by that column on Citus (see
//! docs/postgres.md), and no query crosses workspaces.

use postgres::Transaction;

use casefile_store::{Result, StoreError};

use crate::engine;

const MIGRATIONS: &[&str] = &[
    // 1: the journal, its projections and the word index for search.
    "
    CREATE TABLE casefile_schema (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        version integer NOT NULL,
        device uuid NOT NULL
    );
    INSERT INTO casefile_schema (version, device) VALUES (0, gen_random_uuid());
    CREATE TABLE workspaces (
        workspace uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        created_ms bigint NOT NULL
    );
    CREATE TABLE streams (
        workspace uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('case', 'company')),
        handle bigint NOT NULL,
        head_seq bigint NOT NULL,
        head_hash text NOT NULL,
        PRIMARY KEY (workspace, id),
        UNIQUE (workspace, kind, handle)
    );
    CREATE TABLE entries (
        workspace uuid NOT NULL,
        stream uuid NOT NULL,
        seq bigint NOT NULL,
        id uuid NOT NULL,
        device uuid NOT NULL,
        at text NOT NULL,
        recorded text NOT NULL,
        author text NOT NULL,
        kind text NOT NULL,
        event text NOT NULL,
        prev text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (workspace, stream, seq),
        UNIQUE (workspace, id)
    );
    CREATE TABLE cases (
        workspace uuid NOT NULL,
        id uuid NOT NULL,
        handle bigint NOT NULL,
        title text NOT NULL,
        company uuid,
        status text NOT NULL,
        opened_ms bigint,
        last_ms bigint,
        next_due_ms bigint,
        entries bigint NOT NULL,
        header text NOT NULL,
        PRIMARY KEY (workspace, id),
        UNIQUE (workspace, handle)
    );
    CREATE INDEX cases_by_status ON cases (workspace, status, last_ms);
    CREATE INDEX cases_by_company ON cases (workspace, company, last_ms);
    CREATE INDEX cases_by_last ON cases (workspace, last_ms);
    CREATE TABLE case_items (
        workspace uuid NOT NULL,
        case_id uuid NOT NULL,
        seq bigint NOT NULL,
        entry uuid NOT NULL,
        kind text NOT NULL,
        item text NOT NULL,
        open boolean NOT NULL,
        PRIMARY KEY (workspace, case_id, seq),
        UNIQUE (workspace, entry)
    );
    CREATE INDEX case_items_by_kind ON case_items (workspace, case_id, kind, open);
    CREATE TABLE companies (
        workspace uuid NOT NULL,
        id uuid NOT NULL,
        handle bigint NOT NULL,
        name text NOT NULL,
        state text NOT NULL,
        PRIMARY KEY (workspace, id),
        UNIQUE (workspace, handle)
    );
    CREATE TABLE company_names (
        workspace uuid NOT NULL,
        norm text NOT NULL,
        company uuid NOT NULL,
        PRIMARY KEY (workspace, norm, company)
    );
    CREATE INDEX company_names_by_company ON company_names (workspace, company);
    CREATE TABLE due_items (
        workspace uuid NOT NULL,
        item uuid NOT NULL,
        case_id uuid NOT NULL,
        seq bigint NOT NULL,
        kind text NOT NULL,
        what text NOT NULL,
        due_ms bigint NOT NULL,
        due text NOT NULL,
        open boolean NOT NULL,
        PRIMARY KEY (workspace, item)
    );
    CREATE INDEX due_by_time ON due_items (workspace, open, due_ms);
    CREATE INDEX due_by_case ON due_items (workspace, case_id, due_ms);
    -- Search: each entry's words, folded (lower case, no diacritics) in Rust,
    -- so matching does not depend on the server's locale or an extension.
    CREATE TABLE entry_words (
        workspace uuid NOT NULL,
        stream uuid NOT NULL,
        seq bigint NOT NULL,
        words text[] NOT NULL,
        PRIMARY KEY (workspace, stream, seq)
    );
    CREATE INDEX entry_words_gin ON entry_words USING gin (words);
    ",
    // 2: accounts, the workspaces they belong to with a role, their sessions
    // (only a hash of each token is kept) and one-time links.
    "
    CREATE TABLE accounts (
        account uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        password text NOT NULL,
        created_ms bigint NOT NULL,
        failed integer NOT NULL DEFAULT 0,
        locked_until_ms bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE members (
        workspace uuid NOT NULL,
        account uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'helper', 'viewer')),
        added_ms bigint NOT NULL,
        PRIMARY KEY (workspace, account)
    );
    CREATE INDEX members_by_account ON members (account);
    CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        account uuid NOT NULL,
        workspace uuid NOT NULL,
        created_ms bigint NOT NULL,
        expires_ms bigint NOT NULL
    );
    CREATE INDEX sessions_by_account ON sessions (account, workspace);
    CREATE TABLE pairings (
        token_hash text PRIMARY KEY,
        account uuid NOT NULL,
        workspace uuid NOT NULL,
        expires_ms bigint NOT NULL
    );
    ",
    // 3: who a case is for and the helper working it, for "my cases".
    "
    ALTER TABLE cases ADD COLUMN client text;
    ALTER TABLE cases ADD COLUMN helper text;
    CREATE INDEX cases_by_helper ON cases (workspace, helper, last_ms);
    ",
    // 4: seals, every head at a moment, proved later against a digest kept
    // outside the database. Not a view: rebuild leaves them alone.
    "
    CREATE TABLE seals (
        workspace uuid NOT NULL,
        made_ms bigint NOT NULL,
        seal text NOT NULL,
        digest text NOT NULL,
        PRIMARY KEY (workspace, digest)
    );
    ",
    // 5: the server's signatures: each journal's head, and values a
    // workspace keeps about itself (the signed list of its journals).
    "
    CREATE TABLE head_signatures (
        workspace uuid NOT NULL,
        stream uuid NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        key text NOT NULL,
        sig text NOT NULL,
        PRIMARY KEY (workspace, stream)
    );
    CREATE TABLE workspace_meta (
        workspace uuid NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (workspace, key)
    );
    ",
    // Each device writes its own series of a journal (sync): the series and
    // the place in it, hashed; the position stays the merged order.
    "
    ALTER TABLE entries ADD COLUMN series uuid;
    ALTER TABLE entries ADD COLUMN n bigint;
    CREATE UNIQUE INDEX entries_by_series ON entries (workspace, stream, series, n);
    ",
    // The lessons of a company's cases, found without a look into each of
    // its cases (a company may have thousands, and lessons are few).
    "
    CREATE INDEX case_items_lessons ON case_items (workspace, case_id) WHERE kind = 'lesson';
    ",
];

/// The schema version this build writes.
pub const LATEST_SCHEMA: i64 = MIGRATIONS.len() as i64;

/// Any number will do, so long as it is casefile's alone.
const MIGRATION_LOCK: i64 = 0x6361_7365_6669_6c65;

/// The schema's version and the device id, when the schema is already this
/// build's: one statement, no lock (what every pooled connection does).
pub(crate) fn current(client: &mut postgres::Client) -> Result<Option<uuid::Uuid>> {
    match client.query_opt("SELECT version::bigint, device FROM casefile_schema", &[]) {
        Ok(row) => Ok(row.and_then(|r| (r.get::<_, i64>(0) == LATEST_SCHEMA).then(|| r.get(1)))),
        // A new database: the migration makes it.
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) => Err(engine(e)),
    }
}

/// Brings the schema up to date; refuses a newer one. Returns the device id
/// this database's entries are written under.
pub(crate) fn migrate(tx: &mut Transaction<'_>) -> Result<uuid::Uuid> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(engine)?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('casefile_schema') IS NOT NULL", &[])
        .map_err(engine)?
        .get(0);
    let version: i64 = if exists {
        tx.query_one("SELECT version::bigint FROM casefile_schema", &[])
            .map_err(engine)?
            .get(0)
    } else {
        0
    };
    if version > LATEST_SCHEMA {
        return Err(StoreError::NewerSchema {
            found: version,
            known: LATEST_SCHEMA,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).map_err(engine)?;
        tx.execute(
            "UPDATE casefile_schema SET version = $1",
            &[&(i as i32 + 1)],
        )
        .map_err(engine)?;
    }
    Ok(tx
        .query_one("SELECT device FROM casefile_schema", &[])
        .map_err(engine)?
        .get(0))
}
