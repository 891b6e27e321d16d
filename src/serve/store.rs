//! Server state that is not report data — accounts, sessions, drafts, revisions and the audit
//! log — in one embedded SQLite database under `<data>/.ducha-serve/` (a hidden folder that
//! `check`, the archive and git leave alone: it has its own `.gitignore`).
//!
//! Secrets: passwords are kept only as Argon2id hashes, session ids only as SHA-256 digests, so
//! a copy of the database opens no account. The audit table is append-only (triggers refuse
//! UPDATE and DELETE).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// Name of the hidden state folder inside the data directory.
pub const STATE_DIR: &str = ".ducha-serve";

/// A session's sliding end is written again once it would move by at least this much (seconds).
pub const SESSION_SLIDE_STEP_SECS: i64 = 60;

/// A role (角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 单位填报: a lead unit's liaison.
    Unit,
    /// 督查室: the supervision office.
    Office,
    /// 领导: read-only.
    Leader,
}

impl Role {
    /// Machine id as stored.
    pub fn id(self) -> &'static str {
        match self {
            Role::Unit => "unit",
            Role::Office => "office",
            Role::Leader => "leader",
        }
    }

    /// Chinese name (as in the CSV of initial passwords).
    pub fn label(self) -> &'static str {
        match self {
            Role::Unit => "单位",
            Role::Office => "督查室",
            Role::Leader => "领导",
        }
    }

    /// Parses an id or a Chinese name.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "unit" | "单位" => Some(Role::Unit),
            "office" | "督查室" => Some(Role::Office),
            "leader" | "领导" => Some(Role::Leader),
            _ => None,
        }
    }
}

/// One account.
#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub role: Role,
    /// The unit for [`Role::Unit`].
    pub unit: Option<String>,
    pub hash: String,
    /// Still on an initial password: must set a new one before anything else.
    pub must_change: bool,
    pub disabled: bool,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

/// One stored revision of a submitted report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revision {
    pub id: i64,
    /// `YYYY-MM-DD HH:MM:SS` in UTC ([`timestamp`]); pages show [`Revision::unix`] in office time.
    pub at: String,
    /// When, in seconds since the Unix epoch.
    pub unix: i64,
    pub who: String,
    pub sha256: String,
}

/// The database (one connection behind a mutex for writes, which are small and rare, and one for
/// the session lookups).
pub struct Store {
    conn: Mutex<Connection>,
    /// A second, read-only connection for the session lookup of every request: in WAL mode it
    /// reads the last committed state while the first connection writes, so page views do not
    /// queue behind the writes of many units submitting at once (issue 18).
    reader: Mutex<Connection>,
    /// Seconds added to the system time: the server's office clock (`DUCHA_NOW`), so that session
    /// expiry and revision times agree with the dates the pages show ([`Store::follow`]).
    shift: std::sync::atomic::AtomicI64,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for a Unix time.
pub fn timestamp(secs: i64) -> String {
    let day = crate::data::model::Date { year: 1970, month: 1, day: 1 }.add_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{day} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    unit TEXT,
    hash TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 1,
    disabled INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    unit TEXT NOT NULL,
    period TEXT NOT NULL,
    form TEXT NOT NULL,
    rev INTEGER NOT NULL,
    who TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (unit, period)
);
CREATE TABLE IF NOT EXISTS revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit TEXT NOT NULL,
    period TEXT NOT NULL,
    yaml TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    who TEXT NOT NULL,
    at INTEGER NOT NULL
);
-- A unit's revisions are listed on its form and on the office's task page.
CREATE INDEX IF NOT EXISTS revisions_by_report ON revisions (unit, period);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    addr TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
";

/// Adds the sessions' absolute end (`ends`, login + [`super::SESSION_MAX_SECS`]) to a database
/// made before sessions slid; their sessions keep a NULL `ends` and expire as before.
fn add_session_cap(c: &Connection) -> rusqlite::Result<()> {
    let has = c.prepare("SELECT 1 FROM pragma_table_info('sessions') WHERE name = 'ends'")?.exists([])?;
    if !has {
        c.execute_batch("ALTER TABLE sessions ADD COLUMN ends INTEGER")?;
    }
    Ok(())
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(1)?;
    Ok(User {
        username: r.get(0)?,
        role: Role::parse(&role).unwrap_or(Role::Leader),
        unit: r.get(2)?,
        hash: r.get(3)?,
        must_change: r.get::<_, i64>(4)? != 0,
        disabled: r.get::<_, i64>(5)? != 0,
    })
}

/// One line of the audit log: (time, who, address, action, detail).
pub type AuditRow = (String, String, String, String, String);

/// A failure of the state database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("无法创建目录 {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error("无法打开数据库 {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("无法初始化数据库")]
    Schema(#[source] rusqlite::Error),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Makes the state folder (0700) and the database with its WAL and shared-memory files (0600)
/// readable by the server's user only: they hold password hashes, session digests and drafts.
/// The database is created here, empty, with that mode; SQLite gives the `-wal` and `-shm` files
/// it creates the database's mode. Existing files (from an older version) are narrowed too.
#[cfg(unix)]
fn owner_only(dir: &Path, db: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // Narrowed only when group or others have access, so a folder already right is left alone.
    let narrow = |p: &Path, mode: u32| -> std::io::Result<()> {
        match std::fs::metadata(p) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            }
            _ => Ok(()),
        }
    };
    narrow(dir, 0o700)?;
    std::fs::OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(db)?;
    for suffix in ["", "-wal", "-shm"] {
        narrow(&PathBuf::from(format!("{}{suffix}", db.display())), 0o600)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_dir: &Path, _db: &Path) -> std::io::Result<()> {
    Ok(())
}

const USER_COLS: &str = "username, role, unit, hash, must_change, disabled";

impl Store {
    /// The state folder of a data directory.
    pub fn dir(data: &Path) -> PathBuf {
        data.join(STATE_DIR)
    }

    /// Opens (creating when missing) the database of `data`.
    pub fn open(data: &Path) -> Result<Store, StoreError> {
        let dir = Store::dir(data);
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::CreateDir { dir: dir.clone(), source })?;
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            crate::fsutil::write_atomic(
                &ignore,
                "# ducha serve: accounts, sessions, drafts, audit. Never commit.\n*\n".as_bytes(),
            )?;
        }
        let path = dir.join("state.sqlite3");
        owner_only(&dir, &path).map_err(|source| StoreError::CreateDir { dir: dir.clone(), source })?;
        let conn = Connection::open(&path).map_err(|source| StoreError::Open { path: path.clone(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA).map_err(StoreError::Schema)?;
        add_session_cap(&conn).map_err(StoreError::Schema)?;
        let reader = Connection::open(&path).map_err(|source| StoreError::Open { path: path.clone(), source })?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        reader.pragma_update(None, "query_only", true)?;
        Ok(Store { conn: Mutex::new(conn), reader: Mutex::new(reader), shift: Default::default() })
    }

    /// Keeps this store's time on `clock` (the server's office clock).
    pub fn follow(&self, clock: &crate::clock::OfficeClock) {
        self.shift.store(clock.now() - now(), std::sync::atomic::Ordering::Relaxed);
    }

    /// Seconds since the Unix epoch on this store's clock.
    pub fn now(&self) -> i64 {
        now() + self.shift.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    // -- users ------------------------------------------------------------------------------

    /// The account `username`.
    pub fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let c = self.conn();
        Ok(c.query_row(&format!("SELECT {USER_COLS} FROM users WHERE username = ?1"), [username], user_row)
            .optional()?)
    }

    /// Every account, ordered by role then name.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY role, username"))?;
        let rows = st.query_map([], user_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Creates an account; false when the name is taken.
    pub fn add_user(&self, username: &str, role: Role, unit: Option<&str>, hash: &str) -> Result<bool, StoreError> {
        let c = self.conn();
        let n = c.execute(
            "INSERT OR IGNORE INTO users (username, role, unit, hash, must_change, disabled, created)
             VALUES (?1, ?2, ?3, ?4, 1, 0, ?5)",
            params![username, role.id(), unit, hash, self.now()],
        )?;
        Ok(n == 1)
    }

    /// Sets a password hash; `must_change` for an initial (reset) password. Ends the account's
    /// sessions.
    pub fn set_password(&self, username: &str, hash: &str, must_change: bool) -> Result<bool, StoreError> {
        let c = self.conn();
        let n = c.execute(
            "UPDATE users SET hash = ?2, must_change = ?3 WHERE username = ?1",
            params![username, hash, must_change as i64],
        )?;
        c.execute("DELETE FROM sessions WHERE username = ?1", [username])?;
        Ok(n == 1)
    }

    /// Disables (or enables) an account and ends its sessions.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<bool, StoreError> {
        let c = self.conn();
        let n = c.execute("UPDATE users SET disabled = ?2 WHERE username = ?1", params![username, disabled as i64])?;
        c.execute("DELETE FROM sessions WHERE username = ?1", [username])?;
        Ok(n == 1)
    }

    // -- sessions ---------------------------------------------------------------------------

    /// Stores a new session (by the digest of its id).
    pub fn create_session(&self, id: &str, username: &str, csrf: &str, ttl_secs: i64) -> Result<(), StoreError> {
        let c = self.conn();
        let now = self.now();
        c.execute("DELETE FROM sessions WHERE expires < ?1", [now])?;
        c.execute(
            "INSERT INTO sessions (id_hash, username, csrf, expires, ends) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256_hex(id.as_bytes()), username, csrf, now + ttl_secs, now + super::SESSION_MAX_SECS],
        )?;
        Ok(())
    }

    /// The live session with this id and its (enabled) account. A session in use lives on: each
    /// use moves its end to [`super::SESSION_TTL_SECS`] from now (sliding expiry), never past
    /// [`super::SESSION_MAX_SECS`] after login (the absolute cap).
    ///
    /// The end moves only when it would move by [`SESSION_SLIDE_STEP_SECS`] or more: a page view
    /// is then a read, not a write of the database (each write may wait for a checkpoint's flush
    /// while many units reply at once; issue 18), and an 8-hour idle time ends at most a minute
    /// early.
    pub fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let (hash, now) = (sha256_hex(id.as_bytes()), self.now());
        let row = self
            .reader
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .query_row(
                "SELECT u.username, u.role, u.unit, u.hash, u.must_change, u.disabled, s.csrf, s.expires
                 FROM sessions s JOIN users u ON u.username = s.username
                 WHERE s.id_hash = ?1 AND s.expires >= ?2 AND (s.ends IS NULL OR s.ends >= ?2) AND u.disabled = 0",
                params![hash, now],
                |r| Ok((Session { user: user_row(r)?, csrf: r.get(6)? }, r.get::<_, i64>(7)?)),
            )
            .optional()?;
        let Some((session, expires)) = row else { return Ok(None) };
        let end = now + super::SESSION_TTL_SECS;
        if end - expires >= SESSION_SLIDE_STEP_SECS {
            self.conn().execute(
                "UPDATE sessions SET expires = MIN(?2, COALESCE(ends, ?2)) WHERE id_hash = ?1",
                params![hash, end],
            )?;
        }
        Ok(Some(session))
    }

    /// Ends a session.
    pub fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM sessions WHERE id_hash = ?1", [sha256_hex(id.as_bytes())])?;
        Ok(())
    }

    // -- drafts and revisions ----------------------------------------------------------------

    /// The saved draft of a unit's report: (form fields as JSON, revision number).
    pub fn draft(&self, unit: &str, period: &str) -> Result<Option<(String, i64)>, StoreError> {
        let c = self.conn();
        Ok(c.query_row("SELECT form, rev FROM drafts WHERE unit = ?1 AND period = ?2", params![unit, period], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
    }

    /// Stores a draft, bumping its revision number.
    pub fn save_draft(&self, unit: &str, period: &str, form: &str, who: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO drafts (unit, period, form, rev, who, at) VALUES (?1, ?2, ?3, 1, ?4, ?5)
             ON CONFLICT (unit, period) DO UPDATE SET form = ?3, rev = rev + 1, who = ?4, at = ?5",
            params![unit, period, form, who, self.now()],
        )?;
        Ok(())
    }

    /// Removes the draft once submitted (the revision number lives on in `draft_rev`).
    pub fn clear_draft(&self, unit: &str, period: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE drafts SET form = '', rev = rev + 1, at = ?3 WHERE unit = ?1 AND period = ?2",
            params![unit, period, self.now()],
        )?;
        Ok(())
    }

    /// Records a submitted report's text.
    pub fn add_revision(&self, unit: &str, period: &str, yaml: &str, who: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO revisions (unit, period, yaml, sha256, who, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![unit, period, yaml, sha256_hex(yaml.as_bytes()), who, self.now()],
        )?;
        Ok(())
    }

    /// Every revision of a unit's report, newest first.
    pub fn revisions(&self, unit: &str, period: &str) -> Result<Vec<Revision>, StoreError> {
        let c = self.conn();
        let mut st =
            c.prepare("SELECT id, at, who, sha256 FROM revisions WHERE unit = ?1 AND period = ?2 ORDER BY id DESC")?;
        let rows = st
            .query_map(params![unit, period], |r| {
                let unix: i64 = r.get(1)?;
                Ok(Revision { id: r.get(0)?, at: timestamp(unix), unix, who: r.get(2)?, sha256: r.get(3)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    // -- audit ------------------------------------------------------------------------------

    /// Appends to the audit log. Never pass a secret here.
    pub fn audit(&self, who: &str, addr: &str, action: &str, detail: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO audit (at, who, addr, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![self.now(), who, addr, action, detail],
        )?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditRow>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT at, who, addr, action, detail FROM audit ORDER BY id")?;
        let rows = st
            .query_map([], |r| Ok((timestamp(r.get(0)?), r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Runs raw SQL (tests use it to prove the audit log refuses changes).
    pub fn execute_raw(&self, sql: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(sql, [])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page view within the step reads the session without writing; past the step it slides
    /// the end; the end never passes the absolute cap.
    #[test]
    fn a_session_slides_in_steps() {
        let dir = std::env::temp_dir().join(format!("ducha-store-slide-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).unwrap();
        assert!(store.add_user("office", Role::Office, None, "x").unwrap());
        let ttl = crate::serve::SESSION_TTL_SECS;
        store.create_session("sid", "office", "csrf", ttl).unwrap();
        let expires = || -> i64 { store.conn().query_row("SELECT expires FROM sessions", [], |r| r.get(0)).unwrap() };
        let shift = |s: i64| store.shift.store(s, std::sync::atomic::Ordering::Relaxed);
        let first = expires();
        shift(SESSION_SLIDE_STEP_SECS - 5);
        assert!(store.session("sid").unwrap().is_some());
        assert_eq!(expires(), first, "within the step: no write");
        shift(SESSION_SLIDE_STEP_SECS + 5);
        assert!(store.session("sid").unwrap().is_some());
        let moved = expires();
        assert!(moved >= first + SESSION_SLIDE_STEP_SECS && moved <= store.now() + ttl, "{first} → {moved}");
        // Idle past the end (less the step it may have lagged): gone.
        shift(SESSION_SLIDE_STEP_SECS + 5 + ttl + 1);
        assert!(store.session("sid").unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
