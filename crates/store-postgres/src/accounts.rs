//! Accounts, members and sessions: rows only. What a password is, how long a
//! session lives and when a login is slowed are decided by the application
//! layer; tokens arrive here already hashed, so the database never holds one
//! that opens a session.

use casefile_store::{Result, StoreError};
use uuid::Uuid;

use crate::{PgStore, engine};

/// A member of a workspace, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub workspace: String,
    pub email: String,
    pub role: String,
    pub sessions: i64,
    pub added_ms: i64,
}

/// An account as a login needs it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    /// The password's PHC string; empty until the account's invite is used.
    pub password: String,
    pub failed: i32,
    pub locked_until_ms: i64,
}

/// Who a live session is: checked against the membership on every request,
/// so a removed member's session opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOf {
    pub account: Uuid,
    pub email: String,
    pub workspace: Uuid,
    pub workspace_name: String,
    pub role: String,
}

impl PgStore {
    fn client(&mut self) -> &mut postgres::Client {
        &mut self.conn.get_mut().client
    }

    /// The account with this email (already lower-cased), made if new with
    /// the password given (or none yet). An existing account's password is
    /// replaced only when one is given.
    pub fn put_account(
        &mut self,
        email: &str,
        password: Option<&str>,
        now_ms: i64,
    ) -> Result<Uuid> {
        let row = self
            .client()
            .query_one(
                "INSERT INTO accounts (account, email, password, created_ms) VALUES ($1, $2, coalesce($3, ''), $4)
                 ON CONFLICT (email) DO UPDATE SET password = coalesce($3, accounts.password)
                 RETURNING account",
                &[&Uuid::now_v7(), &email, &password, &now_ms],
            )
            .map_err(engine)?;
        Ok(row.get(0))
    }

    pub fn account(&mut self, email: &str) -> Result<Option<Account>> {
        Ok(self
            .client()
            .query_opt(
                "SELECT account, email, password, failed, locked_until_ms FROM accounts WHERE email = $1",
                &[&email],
            )
            .map_err(engine)?
            .map(|r| Account {
                id: r.get(0),
                email: r.get(1),
                password: r.get(2),
                failed: r.get(3),
                locked_until_ms: r.get(4),
            }))
    }

    pub fn set_password(&mut self, account: Uuid, phc: &str) -> Result<()> {
        self.client()
            .execute(
                "UPDATE accounts SET password = $2, failed = 0, locked_until_ms = 0 WHERE account = $1",
                &[&account, &phc],
            )
            .map_err(engine)?;
        Ok(())
    }

    /// Counts a failed login; the account is locked until `locked_until_ms`.
    pub fn login_failed(&mut self, account: Uuid, locked_until_ms: i64) -> Result<()> {
        self.client()
            .execute(
                "UPDATE accounts SET failed = failed + 1, locked_until_ms = $2 WHERE account = $1",
                &[&account, &locked_until_ms],
            )
            .map_err(engine)?;
        Ok(())
    }

    pub fn login_succeeded(&mut self, account: Uuid) -> Result<()> {
        self.client()
            .execute(
                "UPDATE accounts SET failed = 0, locked_until_ms = 0 WHERE account = $1",
                &[&account],
            )
            .map_err(engine)?;
        Ok(())
    }

    /// Makes `account` a member of the workspace with `role` (or changes its role).
    pub fn put_member(
        &mut self,
        workspace: Uuid,
        account: Uuid,
        role: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.client()
            .execute(
                "INSERT INTO members (workspace, account, role, added_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (workspace, account) DO UPDATE SET role = excluded.role",
                &[&workspace, &account, &role, &now_ms],
            )
            .map_err(engine)?;
        Ok(())
    }

    /// Removes a member and ends their sessions in that workspace, at once.
    /// Says whether they were a member.
    pub fn remove_member(&mut self, workspace: Uuid, email: &str) -> Result<bool> {
        let mut tx = self.client().transaction().map_err(engine)?;
        let gone = tx
            .execute(
                "DELETE FROM members m USING accounts a WHERE m.workspace = $1 AND m.account = a.account AND a.email = $2",
                &[&workspace, &email],
            )
            .map_err(engine)?;
        tx.execute(
            "DELETE FROM sessions s USING accounts a WHERE s.workspace = $1 AND s.account = a.account AND a.email = $2",
            &[&workspace, &email],
        )
        .map_err(engine)?;
        tx.execute(
            "DELETE FROM pairings p USING accounts a WHERE p.workspace = $1 AND p.account = a.account AND a.email = $2",
            &[&workspace, &email],
        )
        .map_err(engine)?;
        tx.commit().map_err(engine)?;
        Ok(gone > 0)
    }

    /// Members of one workspace, or of every workspace; by workspace, then email.
    pub fn members(&mut self, workspace: Option<Uuid>, now_ms: i64) -> Result<Vec<Member>> {
        Ok(self
            .client()
            .query(
                "SELECT w.name, a.email, m.role,
                        (SELECT count(*) FROM sessions s WHERE s.account = m.account AND s.workspace = m.workspace AND s.expires_ms > $2),
                        m.added_ms
                 FROM members m JOIN accounts a ON a.account = m.account JOIN workspaces w ON w.workspace = m.workspace
                 WHERE $1::uuid IS NULL OR m.workspace = $1
                 ORDER BY w.name, a.email",
                &[&workspace, &now_ms],
            )
            .map_err(engine)?
            .iter()
            .map(|r| Member {
                workspace: r.get(0),
                email: r.get(1),
                role: r.get(2),
                sessions: r.get(3),
                added_ms: r.get(4),
            })
            .collect())
    }

    /// The workspaces an account belongs to: (id, name, role), by name.
    pub fn memberships(&mut self, account: Uuid) -> Result<Vec<(Uuid, String, String)>> {
        Ok(self
            .client()
            .query(
                "SELECT w.workspace, w.name, m.role FROM members m JOIN workspaces w ON w.workspace = m.workspace
                 WHERE m.account = $1 ORDER BY w.name",
                &[&account],
            )
            .map_err(engine)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    pub fn create_session(
        &mut self,
        token_hash: &str,
        account: Uuid,
        workspace: Uuid,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        self.client()
            .execute(
                "INSERT INTO sessions (token_hash, account, workspace, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &account, &workspace, &now_ms, &expires_ms],
            )
            .map_err(engine)?;
        Ok(())
    }

    /// The live session with this token hash, if its account is still a member.
    pub fn session(&mut self, token_hash: &str, now_ms: i64) -> Result<Option<SessionOf>> {
        Ok(self
            .client()
            .query_opt(
                "SELECT s.account, a.email, s.workspace, w.name, m.role
                 FROM sessions s
                 JOIN members m ON m.workspace = s.workspace AND m.account = s.account
                 JOIN accounts a ON a.account = s.account
                 JOIN workspaces w ON w.workspace = s.workspace
                 WHERE s.token_hash = $1 AND s.expires_ms > $2",
                &[&token_hash, &now_ms],
            )
            .map_err(engine)?
            .map(|r| SessionOf {
                account: r.get(0),
                email: r.get(1),
                workspace: r.get(2),
                workspace_name: r.get(3),
                role: r.get(4),
            }))
    }

    pub fn end_session(&mut self, token_hash: &str) -> Result<()> {
        self.client()
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .map_err(engine)?;
        Ok(())
    }

    pub fn create_pairing(
        &mut self,
        token_hash: &str,
        account: Uuid,
        workspace: Uuid,
        expires_ms: i64,
    ) -> Result<()> {
        self.client()
            .execute(
                "INSERT INTO pairings (token_hash, account, workspace, expires_ms) VALUES ($1, $2, $3, $4)",
                &[&token_hash, &account, &workspace, &expires_ms],
            )
            .map_err(engine)?;
        Ok(())
    }

    /// Uses up a one-time link: it opens at most once, and never after it expires.
    pub fn take_pairing(&mut self, token_hash: &str, now_ms: i64) -> Result<Option<(Uuid, Uuid)>> {
        let row = self
            .client()
            .query_opt(
                "DELETE FROM pairings WHERE token_hash = $1 RETURNING account, workspace, expires_ms",
                &[&token_hash],
            )
            .map_err(engine)?;
        Ok(row
            .filter(|r| r.get::<_, i64>(2) > now_ms)
            .map(|r| (r.get(0), r.get(1))))
    }

    /// The workspace's name.
    pub fn workspace_name(&mut self, workspace: Uuid) -> Result<String> {
        self.client()
            .query_opt(
                "SELECT name FROM workspaces WHERE workspace = $1",
                &[&workspace],
            )
            .map_err(engine)?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::Engine(format!("no workspace {workspace}")))
    }
}
