//! Passwords (Argon2id), random tokens, cookies and login rate limits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ducha_session";
/// Name of the cookie that carries the login form's CSRF token (before there is a session).
pub const LOGIN_COOKIE: &str = "ducha_login";
/// Shortest new password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// `n` random bytes from the operating system.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator failing is not recoverable: no session may be made without it.
    getrandom::fill(&mut buf).expect("操作系统随机数生成器不可用");
    buf
}

/// A random token of 32 bytes (256 bits) as hex: session ids and CSRF tokens.
pub fn token() -> String {
    random_bytes::<32>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A random initial password of 12 characters, without look-alikes (0/O, 1/l/I).
pub fn initial_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // 256 is not a multiple of the alphabet's size: reject the top bytes so every character is
    // equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::new();
    while out.len() < 12 {
        for b in random_bytes::<32>() {
            if (b as usize) < limit && out.len() < 12 {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The Argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("Argon2 with default parameters").to_string()
}

/// True when `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the account does not exist, so the answer takes as long.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("ducha-dummy-password"))
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: always `HttpOnly; SameSite=Strict; Path=/`, `Secure` over TLS.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The most common passwords (lower case), refused as new passwords: the top of the leaked
/// lists, keyboard walks, number runs and dates, and the pinyin ones Chinese users pick
/// (`common_passwords.txt`, one per line). Only those of [`MIN_PASSWORD_CHARS`] characters or more
/// matter (shorter ones are refused anyway).
fn common_passwords() -> impl Iterator<Item = &'static str> {
    include_str!("common_passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Why `new` may not be a new password of `username`, if it may not: shorter than
/// [`MIN_PASSWORD_CHARS`], one of the most common passwords (ignoring case), one character
/// repeated, or the username itself.
pub fn check_new_password(new: &str, username: &str) -> Result<(), String> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("新密码至少要 {MIN_PASSWORD_CHARS} 个字符。"));
    }
    let lower = new.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if common_passwords().any(|p| p == lower) || chars.all(|c| Some(c) == first) {
        return Err("新密码太常见，很容易被猜到：请换一个，例如几个不相关的词加数字。".into());
    }
    if lower == username.to_lowercase() {
        return Err("新密码不能与用户名相同。".into());
    }
    Ok(())
}

/// How the login limiter counts (docs/rules.md §16). [`Limits::STANDARD`] is the server's.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures of one (account, address) pair before it has to wait: after the `free`-th, the
    /// pair waits [`Limits::delay`], doubling with each further failure up to
    /// [`Limits::max_delay`].
    pub free: u32,
    /// The first wait.
    pub delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Counters untouched this long are forgotten.
    pub forget: Duration,
    /// Failures from one address (on any accounts) before its pairs lose their free attempts.
    pub per_address: u32,
    /// Failures on one existing account (from any addresses) before its pairs lose their free
    /// attempts.
    pub per_account: u32,
    /// Most counters kept in each table (pairs, addresses, accounts).
    pub capacity: usize,
    /// Most failures of one address written to the audit log per [`Limits::forget`].
    pub audit_per_address: u32,
    /// Most failures written to the audit log per [`Limits::forget`] in all.
    pub audit_total: u32,
}

impl Limits {
    /// The server's limits: 5 free failures per account and address, then 30 s doubling up to
    /// 15 min; an address's or an account's pairs lose their free attempts after 100 / 20
    /// failures in an hour; 10 000 counters per table; at most 50 audit rows per address and
    /// 1 000 in all per hour.
    pub const STANDARD: Limits = Limits {
        free: 5,
        delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(15 * 60),
        forget: Duration::from_secs(3600),
        per_address: 100,
        per_account: 20,
        capacity: 10_000,
        audit_per_address: 50,
        audit_total: 1000,
    };
}

/// Longest account name kept by the limiter and written to the audit log, in characters (a
/// username is at most a unit's name; a longer one is cut).
pub const MAX_NAME_CHARS: usize = 64;

/// `name` cut to [`MAX_NAME_CHARS`] characters (`…` marks a cut).
pub fn short_name(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_string(),
    }
}

/// One counter: failures since it was last cleared, the last one's time.
#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    last: Instant,
    /// Audit rows written for this counter (addresses only).
    audited: u32,
}

/// A table of counters with a bounded size: when full, forgotten counters go first, then those
/// with the fewest failures (an attacker's flood of fresh names evicts its own one-failure
/// entries before a pair that is being made to wait).
#[derive(Debug, Default)]
struct Table(HashMap<String, Counter>);

impl Table {
    fn get(&self, key: &str, now: Instant, forget: Duration) -> Option<Counter> {
        self.0.get(key).copied().filter(|c| now.saturating_duration_since(c.last) < forget)
    }

    fn entry(&mut self, key: &str, now: Instant, lim: &Limits) -> &mut Counter {
        if !self.0.contains_key(key) && self.0.len() >= lim.capacity {
            self.0.retain(|_, c| now.saturating_duration_since(c.last) < lim.forget);
            if self.0.len() >= lim.capacity {
                // Keep the half with the most failures (newest first among equals): amortised,
                // one sort per capacity/2 insertions.
                let mut all: Vec<(String, Counter)> = self.0.drain().collect();
                all.sort_by(|a, b| b.1.failures.cmp(&a.1.failures).then(b.1.last.cmp(&a.1.last)));
                all.truncate(lim.capacity / 2);
                self.0.extend(all);
            }
        }
        let c = self.0.entry(key.to_string()).or_insert(Counter { failures: 0, last: now, audited: 0 });
        if now.saturating_duration_since(c.last) >= lim.forget {
            *c = Counter { failures: 0, last: now, audited: 0 };
        }
        c
    }
}

#[derive(Debug, Default)]
struct Tables {
    pairs: Table,
    addresses: Table,
    accounts: Table,
    /// Audit rows written in the current period, and when it began.
    audited: (u32, Option<Instant>),
}

/// Failed-login counters (docs/rules.md §16): per (account, address) pair with an exponential
/// wait, so a stranger guessing at an account makes only their own pair wait and a correct
/// password from an address that has not failed on that account always works; per address and
/// per existing account, only to take the free attempts away from a source that floods. Memory
/// is bounded ([`Limits::capacity`]); a refusal says how long to wait instead of holding a
/// thread.
pub struct RateLimiter {
    limits: Limits,
    tables: Mutex<Tables>,
}

fn pair_key(account: &str, addr: &str) -> String {
    format!("{}\u{0}{addr}", short_name(account))
}

impl RateLimiter {
    /// A limiter counting by `limits`.
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter { limits, tables: Mutex::new(Tables::default()) }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// May `account` be tried from `addr` now? `Err(wait)` when not yet.
    pub fn check(&self, account: &str, addr: &str) -> Result<(), Duration> {
        self.check_at(account, addr, Instant::now())
    }

    /// [`RateLimiter::check`] at a given time (tests).
    pub fn check_at(&self, account: &str, addr: &str, now: Instant) -> Result<(), Duration> {
        let lim = &self.limits;
        let t = self.tables();
        let Some(pair) = t.pairs.get(&pair_key(account, addr), now, lim.forget) else {
            // A clean pair: its first attempt is always answered.
            return Ok(());
        };
        let flooded = t.addresses.get(addr, now, lim.forget).is_some_and(|c| c.failures >= lim.per_address)
            || t.accounts.get(&short_name(account), now, lim.forget).is_some_and(|c| c.failures >= lim.per_account);
        // A flooded address or account keeps only the clean pair's first attempt.
        let free = if flooded { 1 } else { lim.free.max(1) };
        if pair.failures < free {
            return Ok(());
        }
        // From the free ones on, each failure doubles the wait: delay · 2^(failures − free).
        let wait = lim.delay.saturating_mul(1u32 << (pair.failures - free).min(20)).min(lim.max_delay);
        let until = pair.last + wait;
        if now >= until {
            Ok(())
        } else {
            Err(until - now)
        }
    }

    /// Records a failed attempt; `known` when the account exists (only existing accounts get a
    /// counter of their own, so made-up names cannot fill that table). True when this failure
    /// should still be written to the audit log (at most [`Limits::audit_per_address`] per
    /// address and [`Limits::audit_total`] in all per [`Limits::forget`]).
    pub fn failed(&self, account: &str, addr: &str, known: bool) -> bool {
        self.failed_at(account, addr, known, Instant::now())
    }

    /// [`RateLimiter::failed`] at a given time (tests).
    pub fn failed_at(&self, account: &str, addr: &str, known: bool, now: Instant) -> bool {
        let lim = self.limits;
        let mut t = self.tables();
        let p = t.pairs.entry(&pair_key(account, addr), now, &lim);
        p.failures += 1;
        p.last = now;
        if known {
            let a = t.accounts.entry(&short_name(account), now, &lim);
            a.failures += 1;
            a.last = now;
        }
        let a = t.addresses.entry(addr, now, &lim);
        a.failures += 1;
        a.last = now;
        let address_ok = a.audited < lim.audit_per_address;
        self.audit_slot(&mut t, address_ok, addr, now)
    }

    /// Takes one audit row from the address's and the global allowance when both have one.
    fn audit_slot(&self, t: &mut Tables, address_ok: bool, addr: &str, now: Instant) -> bool {
        let lim = &self.limits;
        let (count, since) = &mut t.audited;
        if since.is_none_or(|s| now.saturating_duration_since(s) >= lim.forget) {
            (*count, *since) = (0, Some(now));
        }
        if !address_ok || *count >= lim.audit_total {
            return false;
        }
        *count += 1;
        if let Some(a) = t.addresses.0.get_mut(addr) {
            a.audited += 1;
        }
        true
    }

    /// True when a refusal (the pair must still wait) should be written to the audit log, under
    /// the same allowance as [`RateLimiter::failed`].
    pub fn audit_refusal(&self, addr: &str) -> bool {
        let lim = self.limits;
        let now = Instant::now();
        let mut t = self.tables();
        let a = t.addresses.entry(addr, now, &lim);
        let address_ok = a.audited < lim.audit_per_address;
        self.audit_slot(&mut t, address_ok, addr, now)
    }

    /// Clears the pair's failures after a successful login (the account's and the address's
    /// counts stay: they only ever take free attempts away).
    pub fn succeeded(&self, account: &str, addr: &str) {
        self.tables().pairs.0.remove(&pair_key(account, addr));
    }

    /// How many counters are kept in all (pairs, addresses, accounts): bounded by 3 ×
    /// [`Limits::capacity`].
    pub fn len(&self) -> usize {
        let t = self.tables();
        t.pairs.0.len() + t.addresses.0.len() + t.accounts.0.len()
    }

    /// True when nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A wait as the login page says it: “请 N 秒后再试” or “请 N 分钟后再试”.
pub fn wait_message(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if secs <= 90 {
        format!("请 {} 秒后再试", secs.max(1))
    } else {
        format!("请 {} 分钟后再试", secs.div_ceil(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse");
        let b = hash_password("correct horse");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horsE", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_and_passwords_are_random() {
        assert_eq!(token().len(), 64);
        assert_ne!(token(), token());
        let p = initial_password();
        assert_eq!(p.chars().count(), 12);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)), "{p}");
        assert_ne!(initial_password(), initial_password());
    }

    #[test]
    fn cookies_parse() {
        assert_eq!(cookie("a=1; ducha_session=abc ; b=2", "ducha_session"), Some("abc"));
        assert_eq!(cookie("xducha_session=abc", "ducha_session"), None);
        let c = set_cookie("s", "v", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(!set_cookie("s", "v", 60, false).contains("Secure"));
    }

    fn limits() -> Limits {
        Limits { capacity: 100, ..Limits::STANDARD }
    }

    /// Wrong passwords from one address make only that (account, address) pair wait; the right
    /// password from another address works at once (on main, 5 failures locked the account
    /// from every address).
    #[test]
    fn a_stranger_cannot_lock_out_the_office() {
        let r = RateLimiter::new(limits());
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(r.check_at("office", "6.6.6.6", t0), Ok(()), "free attempt {i}");
            r.failed_at("office", "6.6.6.6", true, t0);
        }
        let wait = r.check_at("office", "6.6.6.6", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(30));
        assert_eq!(r.check_at("office", "10.0.0.2", t0), Ok(()), "another address is clean");
        // The attacker's pair waits 30 s, then 60 s, 120 s … up to 15 minutes.
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            let w = r.check_at("office", "6.6.6.6", now).unwrap_err();
            waits.push(w.as_secs());
            now += w;
            assert_eq!(r.check_at("office", "6.6.6.6", now), Ok(()));
            r.failed_at("office", "6.6.6.6", true, now);
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        // 20+ failures on the account: pairs that already failed lose their free attempts, but a
        // clean pair still gets its first answer.
        assert_eq!(r.check_at("office", "10.0.0.3", now), Ok(()));
        for i in 0..20 {
            r.failed_at("office", &format!("7.7.7.{i}"), true, now);
        }
        assert_eq!(r.check_at("office", "10.0.0.3", now), Ok(()), "clean pair");
        r.failed_at("office", "10.0.0.3", true, now);
        assert!(r.check_at("office", "10.0.0.3", now).is_err(), "flooded account: no free attempts");
    }

    /// A shared (NAT) address: many failures on other accounts do not stop a clean pair, and a
    /// success clears the pair's count.
    #[test]
    fn a_shared_address_is_not_locked() {
        let r = RateLimiter::new(limits());
        let t0 = Instant::now();
        for i in 0..150 {
            r.failed_at(&format!("guess{i}"), "10.1.1.1", false, t0);
        }
        assert_eq!(r.check_at("县科技局", "10.1.1.1", t0), Ok(()), "clean pair behind the NAT");
        // A pair of a normal address: 4 failures, a success, 4 more failures: never waits.
        for _ in 0..4 {
            r.failed_at("leader", "10.2.2.2", true, t0);
        }
        r.succeeded("leader", "10.2.2.2");
        for _ in 0..4 {
            r.failed_at("leader", "10.2.2.2", true, t0);
            assert_eq!(r.check_at("leader", "10.2.2.2", t0), Ok(()));
        }
        // Forgotten after an hour.
        for _ in 0..10 {
            r.failed_at("x", "10.3.3.3", false, t0);
        }
        assert!(r.check_at("x", "10.3.3.3", t0).is_err());
        assert_eq!(r.check_at("x", "10.3.3.3", t0 + Duration::from_secs(3600)), Ok(()));
    }

    /// Hammering with made-up names keeps the tables bounded, and keeps a pair that is being made
    /// to wait; the audit allowance runs out.
    #[test]
    fn memory_and_audit_are_bounded() {
        let r = RateLimiter::new(limits());
        let t0 = Instant::now();
        for _ in 0..8 {
            r.failed_at("office", "6.6.6.6", true, t0);
        }
        let mut audited = 0;
        for i in 0..20_000 {
            let name = format!("{i}-{}", "x".repeat(1000));
            if r.failed_at(&name, &format!("9.{}.{}.{}", i / 65536, i / 256 % 256, i % 256), false, t0) {
                audited += 1;
            }
        }
        assert!(r.len() <= 3 * 100, "{} counters", r.len());
        assert!(r.check_at("office", "6.6.6.6", t0).is_err(), "the waiting pair survived the flood");
        assert_eq!(audited, Limits::STANDARD.audit_total - 8);
        let one = RateLimiter::new(limits());
        let n = (0..200).filter(|i| one.failed_at(&format!("u{i}"), "5.5.5.5", false, t0)).count();
        assert_eq!(n as u32, Limits::STANDARD.audit_per_address);
        assert_eq!(short_name(&"名".repeat(100)).chars().count(), MAX_NAME_CHARS + 1);
    }

    /// Common passwords, keyboard walks and pinyin ones are refused in any case; an unusual one
    /// passes.
    #[test]
    fn common_passwords_are_refused() {
        for p in ["12345678", "Password1", "QWERTYUIOP", "woaini1314", "ZhangSan123", "1qaz2wsx", "aaaaaaaaa"] {
            assert!(check_new_password(p, "office").is_err(), "{p}");
        }
        assert!(check_new_password("Office-Room", "office-room").is_err(), "the username");
        assert!(check_new_password("short", "office").unwrap_err().contains("至少要 8 个字符"));
        assert_eq!(check_new_password("河边-柳树-42", "office"), Ok(()));
        assert!(common_passwords().count() > 100);
        assert!(common_passwords().all(|p| p.chars().count() >= MIN_PASSWORD_CHARS && p == p.to_lowercase()));
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_message(Duration::from_millis(29_500)), "请 30 秒后再试");
        assert_eq!(wait_message(Duration::from_secs(900)), "请 15 分钟后再试");
    }
}
