//! Diagnostics: one type for every problem ducha reports, rendered with a source snippet.
//!
//! Data errors (YAML syntax, types, semantic checks), missing glyphs and Typst errors all become
//! a [`Diagnostic`]; [`Diagnostics::render`] prints them in the same style as typst's own
//! (`error: …` / `--> file:line:col` / snippet / `= hint: …`), in Chinese, so office staff see
//! where the problem is and how to fix it. Stages collect diagnostics and keep going, so one run
//! reports every problem.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// A place in a source file: data-dir-relative path, 1-based line and column (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Loc {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Loc {
    /// A location in `file` at `line`:`column` (1-based).
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Loc {
        Loc { file: file.into(), line, column }
    }

    /// The whole file (no line known).
    pub fn file(file: impl Into<String>) -> Loc {
        Loc { file: file.into(), line: 0, column: 0 }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// What is wrong, in Chinese.
    pub message: String,
    pub loc: Option<Loc>,
    /// Length of the underlined span in characters (at least 1).
    pub span_len: usize,
    /// How to fix it, in Chinese.
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), loc: None, span_len: 1, hints: vec![] }
    }

    /// A new warning.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    /// Attaches a location.
    pub fn at(mut self, loc: Loc) -> Diagnostic {
        self.loc = Some(loc);
        self
    }

    /// Attaches a location with an underline of `len` characters.
    pub fn at_span(mut self, loc: Loc, len: usize) -> Diagnostic {
        self.loc = Some(loc);
        self.span_len = len.max(1);
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of every file diagnostics may point into, keyed by the path used in [`Loc::file`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: BTreeMap<String, String>,
}

impl SourceMap {
    /// Registers a file's text.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }

    /// The text of a file.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Merges another map into this one.
    pub fn extend(&mut self, other: SourceMap) {
        self.files.extend(other.files);
    }
}

/// A list of diagnostics collected by a stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when any is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts errors first, then by file and position (stable for snapshots).
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| (a.severity, &a.loc).cmp(&(b.severity, &b.loc)));
    }

    /// Renders every diagnostic with snippets, plus a summary line.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&render_one(d, sources));
            out.push('\n');
        }
        let (e, w) = (self.error_count(), self.warning_count());
        if e + w > 0 {
            let _ = writeln!(out, "共 {e} 个错误，{w} 个警告。");
        }
        out
    }
}

/// Renders one diagnostic in typst's style, in Chinese.
pub fn render_one(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    let label = match d.severity {
        Severity::Error => "错误",
        Severity::Warning => "警告",
    };
    let _ = writeln!(out, "{label}: {}", d.message);
    if let Some(loc) = &d.loc {
        let _ = writeln!(out, "  --> {loc}");
        if loc.line > 0 {
            if let Some(line) = sources.get(&loc.file).and_then(|t| t.lines().nth(loc.line - 1)) {
                let line = line.trim_end_matches('\r').trim_start_matches('\u{feff}');
                let num = loc.line.to_string();
                let pad = " ".repeat(num.len());
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{num} | {line}");
                // Underline under the columns, counting display width so CJK lines up.
                let prefix: String = line.chars().take(loc.column.saturating_sub(1)).collect();
                let under: String = line.chars().skip(loc.column.saturating_sub(1)).take(d.span_len).collect();
                let indent = unicode_width::UnicodeWidthStr::width(prefix.as_str());
                let width = unicode_width::UnicodeWidthStr::width(under.as_str()).max(1);
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(indent), "^".repeat(width));
            }
        }
    }
    for h in &d.hints {
        let _ = writeln!(out, "  = 提示: {h}");
    }
    out
}

/// An error and its causes, `outer: inner: …` (what `anyhow` prints with `{:#}`), for messages
/// built from the library's typed errors.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

/// The candidate closest to `word` by edit distance (Levenshtein over characters, `strsim`), if it
/// is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wlen = word.chars().count();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| *d > 0 && *d <= (wlen.max(c.chars().count()) / 2).max(1))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_follow_the_source_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = crate::fsutil::WriteError::Write { path: "a/b.pdf".into(), source: io };
        assert_eq!(causes(&e), "无法写入 a/b.pdf: denied");
    }

    #[test]
    fn closest_finds_typo() {
        let units = ["县科技局", "县财政局", "县工业和信息化局"];
        assert_eq!(closest("县科技局局", units), Some("县科技局"));
        assert_eq!(closest("完全不同的名字很长", units), None);
    }

    #[test]
    fn renders_snippet_with_cjk_width() {
        let mut s = SourceMap::default();
        s.insert("a.yaml", "unit: 县科技局\n  task: 88\n");
        let d = Diagnostic::error("任务编号 88 不存在").at_span(Loc::new("a.yaml", 2, 9), 2).hint("改为 1–87");
        let r = render_one(&d, &s);
        assert!(r.contains("--> a.yaml:2:9"), "{r}");
        assert!(r.contains("2 |   task: 88"), "{r}");
        assert!(r.contains("  |         ^^"), "{r}");
        assert!(r.contains("= 提示: 改为 1–87"), "{r}");
    }
}
