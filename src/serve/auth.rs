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

/// Failed-login counters per account and per client address, in a sliding window.
pub struct RateLimiter {
    window: Duration,
    per_account: usize,
    per_address: usize,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    /// At most `per_account` failures per account and `per_address` per address in `window`.
    pub fn new(window: Duration, per_account: usize, per_address: usize) -> RateLimiter {
        RateLimiter { window, per_account, per_address, failures: Mutex::new(HashMap::new()) }
    }

    fn count(&self, key: &str) -> usize {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let list = map.entry(key.to_string()).or_default();
        list.retain(|t| now.duration_since(*t) < self.window);
        list.len()
    }

    /// True when another attempt for this account from this address may be tried.
    pub fn allowed(&self, account: &str, addr: &str) -> bool {
        self.count(&format!("u:{account}")) < self.per_account && self.count(&format!("a:{addr}")) < self.per_address
    }

    /// Records a failed attempt.
    pub fn failed(&self, account: &str, addr: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.entry(format!("u:{account}")).or_default().push(now);
        map.entry(format!("a:{addr}")).or_default().push(now);
    }

    /// Clears the account's failures after a successful login.
    pub fn succeeded(&self, account: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&format!("u:{account}"));
    }

    /// The window, in minutes (for the message).
    pub fn window_minutes(&self) -> u64 {
        self.window.as_secs().div_ceil(60)
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

    #[test]
    fn rate_limit_per_account_and_address() {
        let r = RateLimiter::new(Duration::from_secs(60), 2, 3);
        assert!(r.allowed("a", "1"));
        r.failed("a", "1");
        r.failed("a", "1");
        assert!(!r.allowed("a", "2"), "account locked from any address");
        assert!(r.allowed("b", "1"));
        r.failed("b", "1");
        assert!(!r.allowed("c", "1"), "address locked for any account");
        assert!(r.allowed("c", "2"));
        r.succeeded("a");
        assert!(r.allowed("a", "2"));
    }
}
