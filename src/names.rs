//! Names are never paths: the one rule that turns a unit name or a document title into a file
//! name, and the check that a file name joined onto a folder stays inside it.
//!
//! Every writer (督办通知单, PNG previews, Excel forms, the archive, the web workbench) goes
//! through [`file_name`] and [`join_inside`]; nothing else builds a path from user text.
//!
//! The rule, in order:
//! 1. Characters Windows or POSIX cannot hold in a name, `/ \ : * ? " < > |`, become their
//!    full-width forms (`／ ＼ ： ＊ ？ ＂ ＜ ＞ ｜`), so `县委办（县政府办/外事办）` stays readable as
//!    `县委办（县政府办／外事办）`. Control characters (NUL included) and line breaks are dropped.
//! 2. Leading and trailing white space and trailing dots are trimmed; a leading dot becomes `＿`
//!    (no hidden files, never `.` or `..`).
//! 3. A Windows reserved device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`–`COM9`, `LPT1`–`LPT9`,
//!    in any case, with or without an extension) gets a leading `＿`.
//! 4. An empty result becomes `未命名`.
//! 5. The result is cut, on a character boundary, to at most [`MAX_BYTES`] bytes.
//!
//! Collisions: a name that passes the rule unchanged is used as it is. A name that any step
//! changed gets `-` and eight hex digits of the SHA-256 of the *original* name appended (inside
//! the byte limit). So two different units do not share a file name: two unchanged names differ
//! already; two changed names differ in their hashes (a clash of 32 bits between two units of one
//! plan is a one-in-four-billion chance); and an unchanged name equals a changed one only if it
//! was deliberately written as the cleaned form followed by that name's hash.
//!
//! [`join_inside`] is the second lock: even a name that did not go through [`file_name`] cannot
//! leave its folder, because anything but one plain path component is refused.

use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// Longest file-name stem [`file_name`] returns, in bytes (UTF-8). Callers add a prefix such as
/// `督办通知单-` and an extension, and stay well under the 255-byte limit of common file systems.
pub const MAX_BYTES: usize = 150;

/// Makes a safe, readable file-name stem from a unit name or a title (see the module docs).
pub fn file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '/' => out.push('／'),
            '\\' => out.push('＼'),
            ':' => out.push('：'),
            '*' => out.push('＊'),
            '?' => out.push('？'),
            '"' => out.push('＂'),
            '<' => out.push('＜'),
            '>' => out.push('＞'),
            '|' => out.push('｜'),
            c if c.is_control() => {}
            // Bidirectional overrides and zero-width characters make a name display as another.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    let trimmed = out.trim().trim_end_matches(['.', ' ']).trim();
    let mut clean = match trimmed.strip_prefix('.') {
        Some(rest) => format!("＿{rest}"),
        None => trimmed.to_string(),
    };
    if is_reserved(&clean) {
        clean.insert(0, '＿');
    }
    if clean.is_empty() {
        clean = "未命名".to_string();
    }
    if clean == name && clean.len() <= MAX_BYTES {
        return clean;
    }
    let digest = Sha256::digest(name.as_bytes());
    let suffix = format!("-{:02x}{:02x}{:02x}{:02x}", digest[0], digest[1], digest[2], digest[3]);
    let keep = floor_char_boundary(&clean, MAX_BYTES - suffix.len());
    format!("{}{suffix}", &clean[..keep])
}

/// Joins a single file name onto `dir`, refusing anything that is not exactly one plain path
/// component (`..`, `.`, an absolute path, a separator, an empty name, NUL).
pub fn join_inside(dir: &Path, name: &str) -> Result<PathBuf, NameError> {
    if is_plain_component(name) {
        Ok(dir.join(name))
    } else {
        Err(NameError { name: name.to_string() })
    }
}

/// Joins a relative path of plain components (as written in a manifest: `a/b.pdf`) onto `dir`,
/// refusing absolute paths, `..`, `.`, empty components, backslashes and NUL.
pub fn join_relative_inside(dir: &Path, rel: &str) -> Result<PathBuf, NameError> {
    let err = || NameError { name: rel.to_string() };
    if rel.is_empty() || rel.contains('\\') {
        return Err(err());
    }
    let mut path = dir.to_path_buf();
    for part in rel.split('/') {
        if !is_plain_component(part) {
            return Err(err());
        }
        path.push(part);
    }
    Ok(path)
}

/// True when `name` is one plain, non-hidden path component.
fn is_plain_component(name: &str) -> bool {
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name.starts_with('.') {
        return false;
    }
    let mut parts = Path::new(name).components();
    matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None))
}

/// Windows reserved device names, with or without an extension, in any case.
fn is_reserved(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((base.starts_with("COM") || base.starts_with("LPT"))
            && base.len() == 4
            && base.as_bytes()[3].is_ascii_digit()
            && base.as_bytes()[3] != b'0')
}

/// The largest index ≤ `max` that lies on a character boundary of `s`.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// A name that would leave its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// The offending name, as given.
    pub name: String,
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "文件名 “{}” 不是本目录内的普通文件名（含路径分隔符、“..” 或以 “.” 开头）", self.name)
    }
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_chinese_names_are_kept() {
        assert_eq!(file_name("县科技局"), "县科技局");
        assert_eq!(file_name("季度进展情况通报"), "季度进展情况通报");
    }

    #[test]
    fn separators_become_full_width_and_get_a_hash() {
        let n = file_name("县委办（县政府办/外事办）");
        assert!(n.starts_with("县委办（县政府办／外事办）-"), "{n}");
        assert_eq!(n.len(), "县委办（县政府办／外事办）".len() + 9);
        assert!(!n.contains('/'));
    }

    #[test]
    fn hostile_names_stay_inside() {
        for hostile in ["../../x", "..", ".", "a\\b", "CON", "con.txt", "LPT9", "", "\0", " . ", ".hidden", "a\nb"] {
            let n = file_name(hostile);
            assert!(join_inside(Path::new("/out"), &n).is_ok(), "{hostile:?} → {n:?}");
            assert!(!n.starts_with('.'), "{n}");
            assert!(!is_reserved(&n), "{n}");
        }
        assert_eq!(file_name("../../x"), format!("＿.／..／x-{}", &hex8("../../x")));
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let long = "很".repeat(300);
        let n = file_name(&long);
        assert!(n.len() <= MAX_BYTES, "{}", n.len());
        assert!(n.starts_with("很很"));
        assert_ne!(file_name(&"很".repeat(301)), n);
    }

    #[test]
    fn cleaned_names_do_not_collide() {
        assert_ne!(file_name("a/b"), file_name("a\\b"));
        assert_ne!(file_name("a/b"), file_name("a／b"));
        assert_ne!(file_name(""), file_name("\0"));
    }

    #[test]
    fn join_refuses_paths() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "/etc/passwd", ".x", "a\0b"] {
            assert!(join_inside(Path::new("/out"), bad).is_err(), "{bad:?}");
        }
        assert!(join_relative_inside(Path::new("/a"), "2023Q4/通报.pdf").is_ok());
        for bad in ["", "/x", "../x", "a/../b", "a//b", "a/./b", "a\\b"] {
            assert!(join_relative_inside(Path::new("/a"), bad).is_err(), "{bad:?}");
        }
    }

    fn hex8(s: &str) -> String {
        let d = Sha256::digest(s.as_bytes());
        format!("{:02x}{:02x}{:02x}{:02x}", d[0], d[1], d[2], d[3])
    }
}
