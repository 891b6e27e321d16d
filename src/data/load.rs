//! Stage 1, load: find the data files with walkdir, read them, parse the YAML into raw structs.
//!
//! YAML is read here alone, with serde-saphyr (see ARCHITECTURE.md, "YAML"): its errors are
//! structured (unknown field, missing field, wrong type … each with line and column), so they are
//! turned into Chinese diagnostics without reading an English message, and the same parser gives
//! the span mirror of each file ([`super::spans`]) that later stages use to locate semantic errors
//! (for the plan and the reports, from the same single parse: `data/located.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::raw::{RawOffice, RawPlan, RawReport};
use super::spans::HasSpans;
use crate::diag::{closest, Diagnostic, Diagnostics, Loc, SourceMap};

/// A file as read from disk: its data-dir-relative name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the data dir's parent, e.g. `data/reports/2023Q2/县科技局.yaml`.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// A parsed YAML file with its source and where each of its values is.
#[derive(Debug, Clone)]
pub struct Parsed<T: HasSpans> {
    pub source: SourceFile,
    pub value: T,
    /// The positions of the values (same parser, same text).
    pub spans: T::Spans,
}

/// Everything read from a data directory, before validation. The parsed files are shared
/// (`Arc`): a long-running process keeps them across loads while they are unchanged.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub plan: Option<Arc<Parsed<RawPlan>>>,
    pub office: Option<Arc<Parsed<RawOffice>>>,
    /// Reports with the period named by their directory (`reports/2023Q2/…`).
    pub reports: Vec<(String, Arc<Parsed<RawReport>>)>,
    /// `assessment.yaml`, the optional 年度考核 rules (docs/rules.md §17).
    pub assessment: Option<Arc<Parsed<crate::assess::rules::RawAssessment>>>,
    /// Markdown overrides per period: (period dir, file name, source).
    pub markdown: Vec<(String, SourceFile)>,
    /// Every file read, for snippets.
    pub sources: SourceMap,
    /// The evidence index (`evidence/index/`), validated on its own (docs/rules.md §21).
    pub evidence: crate::evidence::Reviews,
}

/// Reads and parses everything under `dir`. Problems are collected, never fatal: a file that
/// cannot be read or parsed is reported and left out.
pub fn load(dir: &Path) -> (Loaded, Diagnostics) {
    load_with(dir, None)
}

/// What a long-running process knows of a file without reading it: size, modification time,
/// status-change time (ctime, which no user can set back: restoring the modification time after
/// an edit changes it) and inode. A file replaced by rename (as every ducha write is) changes its
/// inode even within one tick of the file system's clock. An edit in place within one tick of
/// the last look keeps every field: such a stamp is [`FileStamp::ambiguous_at`] that look, and a
/// file with an ambiguous stamp is read again and compared by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    changed: Option<std::time::SystemTime>,
    inode: u64,
}

/// How close to a look a file's times must be for its stamp to be untrusted: the coarsest
/// timestamp resolution of the file systems data may sit on (FAT's 2 s; ext4 and XFS stamp in
/// kernel ticks, a few milliseconds), so an edit in the same tick as the look shows.
pub const STAMP_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(2);

/// The window for a stamp whose times carry sub-second digits: the file system stamps finely
/// (ext4, XFS, btrfs, NTFS: a kernel tick, at most 10 ms, or finer), so an edit in the same tick
/// as a look is within this much of it. Times of whole seconds (FAT, ext3, or a fine clock that
/// happened to land on a second) keep [`STAMP_RESOLUTION`]. While a unit submits every few
/// seconds, the server then re-reads only what changed in the last moments instead of every
/// file written in the last two seconds.
pub const FINE_STAMP_RESOLUTION: std::time::Duration = std::time::Duration::from_millis(50);

impl FileStamp {
    /// The stamp of a file's metadata.
    pub fn of(m: &std::fs::Metadata) -> FileStamp {
        #[cfg(unix)]
        let (inode, changed) = {
            use std::os::unix::fs::MetadataExt;
            let ctime = u64::try_from(m.ctime())
                .ok()
                .map(|s| std::time::UNIX_EPOCH + std::time::Duration::new(s, m.ctime_nsec() as u32));
            (m.ino(), ctime)
        };
        #[cfg(not(unix))]
        let (inode, changed) = (0, None);
        FileStamp { len: m.len(), modified: m.modified().ok(), changed, inode }
    }

    /// The stamp of the file at `path` (following links, as reading it does).
    pub fn at(path: &Path) -> Option<FileStamp> {
        std::fs::metadata(path).ok().map(|m| FileStamp::of(&m))
    }

    /// True when this stamp, taken at `look` (wall clock, read before the stamp), cannot tell a
    /// later edit: the file's modification or status-change time is within [`STAMP_RESOLUTION`]
    /// ([`FINE_STAMP_RESOLUTION`] when both times have sub-second digits) of the look (or after it, or unknown), so an edit in the same clock tick would leave the
    /// stamp as it is.
    pub fn ambiguous_at(&self, look: std::time::SystemTime) -> bool {
        let sub_second = |t: &Option<std::time::SystemTime>| {
            t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).is_some_and(|d| d.subsec_nanos() != 0)
        };
        let window = if sub_second(&self.modified) && (self.changed.is_none() || sub_second(&self.changed)) {
            FINE_STAMP_RESOLUTION
        } else {
            STAMP_RESOLUTION
        };
        [self.modified, self.changed].iter().any(|t| match t {
            Some(t) => t.checked_add(window).is_none_or(|t| t > look),
            None => cfg!(unix),
        })
    }
}

/// Parse results of earlier loads, by file: a long-running process (`ducha serve`) keeps one so
/// that a file whose stamp ([`FileStamp`]) has not changed, and was not ambiguous when taken, is
/// neither read nor parsed again, and one whose text has not changed is not parsed again.
#[derive(Default)]
pub struct ParseMemo {
    plan: Memo<RawPlan>,
    office: Memo<RawOffice>,
    reports: Memo<RawReport>,
}

/// One file as last read: its stamp taken before the read (and whether it was ambiguous then),
/// its text, what parsing it gave.
struct Remembered<T: HasSpans> {
    stamp: Option<FileStamp>,
    ambiguous: bool,
    text: String,
    parsed: Option<Arc<Parsed<T>>>,
    diags: Diagnostics,
}

/// Per display name, the file as last read.
type Memo<T> = std::sync::Mutex<std::collections::HashMap<String, Remembered<T>>>;

/// Reads and parses one YAML file (its text goes into `sources`); with a memo, a file whose stamp
/// is the one recorded is answered without reading it, and a text seen before without parsing.
fn load_yaml<T: HasSpans + serde::de::DeserializeOwned + Clone>(
    path: &Path,
    name: String,
    memo: Option<&Memo<T>>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Arc<Parsed<T>>>
where
    T::Spans: Clone,
{
    let Some(memo) = memo else {
        let source = read_source(path, name, diags)?;
        sources.insert(source.name.clone(), source.text.clone());
        return parse_yaml(source, diags).map(Arc::new);
    };
    // The stamp is taken before the read: a change after it gives the file another stamp, so the
    // next load reads it again.
    let look = std::time::SystemTime::now();
    let stamp = FileStamp::at(path);
    let ambiguous = stamp.is_none_or(|s| s.ambiguous_at(look));
    let mut map = memo.lock().unwrap_or_else(|e| e.into_inner());
    let source = match map.get(&name) {
        // An ambiguous stamp is not trusted: the file is read again and its text compared.
        Some(r) if stamp.is_some() && r.stamp == stamp && !r.ambiguous => {
            SourceFile { name, path: path.to_path_buf(), text: r.text.clone() }
        }
        _ => read_source(path, name, diags)?,
    };
    sources.insert(source.name.clone(), source.text.clone());
    if let Some(r) = map.get_mut(&source.name).filter(|r| r.text == source.text) {
        r.stamp = stamp;
        r.ambiguous = ambiguous;
        diags.extend(r.diags.clone());
        // The same text under the same name: only the path may differ (a moved folder).
        return r.parsed.clone().map(|p| match p.source.path == source.path {
            true => p,
            false => Arc::new(Parsed { source, ..(*p).clone() }),
        });
    }
    let mut found = Diagnostics::default();
    let parsed = parse_yaml(source.clone(), &mut found).map(Arc::new);
    map.insert(
        source.name.clone(),
        Remembered { stamp, ambiguous, text: source.text, parsed: parsed.clone(), diags: found.clone() },
    );
    diags.extend(found);
    parsed
}

/// [`load`], reusing what `memo` has for files whose stamp or text is unchanged ([`ParseMemo`]).
pub fn load_with(dir: &Path, memo: Option<&ParseMemo>) -> (Loaded, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut loaded = Loaded::default();
    let cwd = std::env::current_dir().ok();
    let name_of = |p: &Path| -> String { display_name_in(p, cwd.as_deref()) };

    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(format!("找不到数据目录 {}", dir.display()))
                .hint("用 --data 指定数据目录，目录中应有 plan.yaml、office.yaml 和 reports/"),
        );
        return (loaded, diags);
    }

    // What to read, in the order messages are given: plan, office, then the reports folder in
    // file-name order. The files are read and parsed on every core (parsing is most of loading a
    // city-sized data set, issue 22 §8), then taken in this order.
    enum Item {
        Plan(PathBuf),
        Office(PathBuf),
        Report(String, PathBuf),
        Markdown(String, PathBuf),
        Problem(Diagnostic),
    }
    let mut items = Vec::new();
    for file in ["plan.yaml", "office.yaml"] {
        let path = dir.join(file);
        if !path.exists() {
            items.push(Item::Problem(Diagnostic::error(format!("缺少 {}", name_of(&path))).hint(
                if file == "plan.yaml" {
                    "先用 `ducha plan import 通知.txt -o data/plan.yaml` 生成计划"
                } else {
                    "参照 README 中 office.yaml 的示例新建该文件"
                },
            )));
        } else if file == "plan.yaml" {
            items.push(Item::Plan(path));
        } else {
            items.push(Item::Office(path));
        }
    }

    // Optional: without it the default 考核 rules apply. Small and rarely edited, so not memoised.
    let path = dir.join(crate::assess::rules::FILE);
    if path.exists() {
        loaded.assessment = load_yaml(&path, name_of(&path), None, &mut loaded.sources, &mut diags);
    }
    // The evidence index (docs/rules.md §21): small files written by ducha, not memoised.
    loaded.evidence = crate::evidence::index::load(dir, &name_of, &mut loaded.sources, &mut diags);

    let reports = dir.join("reports");
    if reports.is_dir() {
        let walker = walkdir::WalkDir::new(&reports).sort_by_file_name().follow_links(false);
        // `<单位>.files/` folders hold evidence files, never reports (docs/rules.md §21).
        let walker = walker.into_iter().filter_entry(|e| !crate::evidence::beside::is_files_dir(e.path()));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    items.push(Item::Problem(Diagnostic::error(format!("无法读取目录：{e}"))));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let period_dir = path
                .strip_prefix(&reports)
                .ok()
                .and_then(|r| r.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
                "yaml" | "yml" => items.push(Item::Report(period_dir, path.to_path_buf())),
                "md" => items.push(Item::Markdown(period_dir, path.to_path_buf())),
                // Evidence files, office documents and the like may sit beside reports.
                _ => {}
            }
        }
    }
    let read = crate::par::map(&items, |item| {
        let mut part = Loaded::default();
        let mut found = Diagnostics::default();
        let sources = &mut part.sources;
        match item {
            Item::Plan(path) => part.plan = load_yaml(path, name_of(path), memo.map(|m| &m.plan), sources, &mut found),
            Item::Office(path) => {
                part.office = load_yaml(path, name_of(path), memo.map(|m| &m.office), sources, &mut found)
            }
            Item::Report(period, path) => {
                let reports = memo.map(|m| &m.reports);
                if let Some(p) = load_yaml(path, name_of(path), reports, sources, &mut found) {
                    part.reports.push((period.clone(), p));
                }
            }
            Item::Markdown(period, path) => {
                if let Some(source) = read_source(path, name_of(path), &mut found) {
                    sources.insert(source.name.clone(), source.text.clone());
                    part.markdown.push((period.clone(), source));
                }
            }
            Item::Problem(d) => found.push(d.clone()),
        }
        (part, found)
    });
    for (part, found) in read {
        loaded.plan = loaded.plan.or(part.plan);
        loaded.office = loaded.office.or(part.office);
        loaded.reports.extend(part.reports);
        loaded.markdown.extend(part.markdown);
        loaded.sources.extend(part.sources);
        diags.extend(found);
    }
    (loaded, diags)
}

/// How a data file is named in messages, and the key of its text in the [`SourceMap`]: a path
/// that opens it from where ducha was started — relative to the working directory when the file
/// lies under it, else absolute (as rustc and typst print paths). `--data data` gives
/// `data/reports/2023Q1/县科技局.yaml`; `--data /srv/xdata` run from elsewhere gives
/// `/srv/xdata/reports/…`, never a `xdata/…` that would point at another folder.
pub fn display_name(path: &Path) -> String {
    display_name_in(path, std::env::current_dir().ok().as_deref())
}

/// [`display_name`] as seen from `cwd` (without one, the path as given, tidied).
pub fn display_name_in(path: &Path, cwd: Option<&Path>) -> String {
    let shown = match cwd {
        Some(cwd) => {
            let abs = lexical(&cwd.join(path));
            match abs.strip_prefix(lexical(cwd)) {
                Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
                _ => abs,
            }
        }
        None => lexical(path),
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// `path` without `.` components and with `..` folded into the component before it (as the
/// path was typed; nothing is read from the disk).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Reads a file as UTF-8, accepting and stripping a BOM; reports non-UTF-8 and empty files.
pub fn read_source(path: &Path, name: String, diags: &mut Diagnostics) -> Option<SourceFile> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::error(format!("无法读取文件：{e}")).at(Loc::file(name)));
            return None;
        }
    };
    source_from_bytes(path, name, &bytes, diags)
}

/// [`read_source`] of bytes already read from `path` (a caller that keys a cache by them).
pub fn source_from_bytes(path: &Path, name: String, bytes: &[u8], diags: &mut Diagnostics) -> Option<SourceFile> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            if text.trim().is_empty() {
                diags.push(Diagnostic::error("文件为空").at(Loc::file(name)).hint("填写内容，或删除这个文件"));
                return None;
            }
            Some(SourceFile { name, path: path.to_path_buf(), text: text.to_owned() })
        }
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let col = String::from_utf8_lossy(valid.rsplit(|b| *b == b'\n').next().unwrap_or(&[])).chars().count() + 1;
            diags.push(
                Diagnostic::error("文件不是 UTF-8 编码")
                    .at(Loc::new(name, line, col))
                    .hint("用记事本或 WPS “另存为” UTF-8 编码（GBK/GB2312 编码的文件无法读取）"),
            );
            None
        }
    }
}

/// Parses YAML into `T` and its span mirror; a problem becomes a Chinese diagnostic with its
/// location and a hint.
pub fn parse_yaml<T: HasSpans + serde::de::DeserializeOwned>(
    source: SourceFile,
    diags: &mut Diagnostics,
) -> Option<Parsed<T>> {
    // The plan and the reports, most of the text, are read with their mirror in one pass.
    if let Some((value, spans)) = T::parse_located(&source.text) {
        return Some(Parsed { source, value, spans });
    }
    match serde_saphyr::from_str::<T>(&source.text) {
        Ok(value) => {
            // The mirror accepts whatever the raw parse accepted; should it ever fail, values are
            // still located at their file.
            let spans = serde_saphyr::from_str::<T::Spans>(&source.text).unwrap_or_default();
            Some(Parsed { source, value, spans })
        }
        Err(e) => {
            diags.push(translate_yaml_error(&e, &source));
            None
        }
    }
}

/// Turns a serde-saphyr error into a Chinese diagnostic located in `source`.
fn translate_yaml_error(e: &serde_saphyr::Error, source: &SourceFile) -> Diagnostic {
    use serde_saphyr::Error as E;
    let file = source.name.as_str();
    let (loc, len) = match e.location() {
        Some(l) if l.line() > 0 => {
            (Loc::new(file, l.line() as usize, l.column() as usize), (l.span().len() as usize).max(1))
        }
        _ => (Loc::file(file), 1),
    };
    // The text under the location, for "实际为 …".
    let found_text = || -> String {
        let line = source.text.lines().nth(loc.line.saturating_sub(1)).unwrap_or("");
        let rest: String = line.chars().skip(loc.column.saturating_sub(1)).collect();
        let rest = rest.split(" #").next().unwrap_or("").trim_end();
        rest.chars().take(40).collect()
    };
    match e.without_snippet() {
        E::SerdeUnknownField { field, expected, .. } => {
            let mut d = Diagnostic::error(format!("未知字段 `{field}`")).at_span(loc, field.chars().count());
            if let Some(best) = closest(field, expected.iter().copied()) {
                d = d.hint(format!("是否应为 `{best}`？"));
            }
            if !expected.is_empty() {
                d = d.hint(format!("可用字段：{}", expected.join("、")));
            }
            d
        }
        E::SerdeMissingField { field, .. } => {
            Diagnostic::error(format!("缺少必填字段 `{field}`")).at(loc).hint(format!("在这一项中补上 `{field}: …`"))
        }
        E::DuplicateMappingKey { key, .. } => {
            let key = key.clone().unwrap_or_else(|| "?".into());
            Diagnostic::error(format!("字段 `{key}` 重复出现"))
                .at_span(loc, len)
                .hint("同一层级每个字段只能写一次，删除多余的一行")
        }
        E::InvalidScalar { ty, .. } => type_error(describe_expected(ty), format!("“{}”", found_text()), loc, len),
        E::SerdeInvalidType { unexpected, expected, .. } => {
            type_error(describe_expected(expected), describe_found(unexpected), loc, len)
        }
        E::Unexpected { expected, .. } => {
            type_error(describe_expected(expected), describe_node(&found_text()), loc, len)
        }
        E::NullIntoString { .. } => Diagnostic::error("类型错误：应为文字，实际为空值")
            .at_span(loc, len)
            .hint("在冒号后填写内容；确实没有内容的可选项，删除这一行"),
        E::SerdeInvalidValue { unexpected, expected, .. } => {
            Diagnostic::error(format!("取值无效：{unexpected}（应为 {expected}）")).at_span(loc, len)
        }
        E::SerdeUnknownVariant { variant, expected, .. } => Diagnostic::error(format!("取值 “{variant}” 无效"))
            .at_span(loc, len)
            .hint(format!("可选：{}", expected.join("、"))),
        E::MultipleDocuments { .. } => Diagnostic::error("一个文件中有多个 YAML 文档（`---` 分隔）")
            .at(loc)
            .hint("每个文件只写一份计划或报告；删除多余的 `---` 及其后的内容，或分成两个文件"),
        other => {
            let msg = other.to_string();
            let what = describe_syntax(&msg);
            let d = Diagnostic::error(format!("YAML 格式错误：{}", what.unwrap_or("无法解析这一行")))
                .at(loc)
                .hint("检查缩进（用空格，不用 Tab）、冒号后的空格，以及引号是否成对");
            match what {
                Some(_) => d,
                // An unusual slip: the parser's own words help whoever helps the user.
                None => d.hint(format!("解析器原文：{}", msg.split(" at line ").next().unwrap_or(&msg))),
            }
        }
    }
}

/// A type error with a hint suited to the expected type.
fn type_error(expected: String, found: String, loc: Loc, len: usize) -> Diagnostic {
    let hint = match expected.as_str() {
        "数字" => "只填阿拉伯数字，不带单位和文字，例如 `value: 12.5`",
        "列表" => "列表的每一项以 `- ` 开头，另起一行",
        "文字" => "文字直接写在冒号后；以 [ { 开头的文字要加引号",
        _ => "检查这一行的值和缩进",
    };
    Diagnostic::error(format!("类型错误：应为{expected}，实际为{found}")).at_span(loc, len).hint(hint)
}

/// The kind of YAML node that starts `text` (for "实际为 …" when only the text is known).
fn describe_node(text: &str) -> String {
    let t = text.trim_start();
    if t.starts_with('[') || t.starts_with("- ") || t == "-" {
        "列表".into()
    } else if t.starts_with('{') || t.contains(": ") || t.ends_with(':') {
        "键值对".into()
    } else if t.is_empty() {
        "空值".into()
    } else {
        format!("“{t}”")
    }
}

/// A parser message in Chinese, for the usual syntax slips; otherwise a general description.
fn describe_syntax(msg: &str) -> Option<&'static str> {
    let m = msg.to_ascii_lowercase();
    if m.contains("tab") {
        Some("用了 Tab 缩进")
    } else if m.contains("quote") {
        Some("引号没有闭合")
    } else if m.contains("end of stream") || m.contains("flow") {
        Some("括号或引号没有闭合，文件在此结束")
    } else if m.contains("mapping values are not allowed") {
        Some("这一行的冒号位置不对（值中含“: ”时整段加引号）")
    } else if m.contains("did not find expected") || m.contains("indent") {
        Some("缩进不一致")
    } else {
        None
    }
}

fn describe_expected(e: &str) -> String {
    let e = e.trim();
    let l = e.to_ascii_lowercase();
    if ["f64", "f32", "u8", "u16", "u32", "u64", "i32", "i64", "usize"].iter().any(|t| l.starts_with(t))
        || l.contains("integer")
        || l.contains("float")
        || l.contains("number")
    {
        "数字".into()
    } else if l.contains("string") || l.contains("char") {
        "文字".into()
    } else if l.contains("sequence") {
        "列表".into()
    } else if l.starts_with("struct") || l.contains("map") {
        "键值对（字段: 值）".into()
    } else if l.contains("bool") {
        "是/否（true 或 false）".into()
    } else {
        e.into()
    }
}

fn describe_found(f: &str) -> String {
    let f = f.trim();
    if let Some(s) = f.strip_prefix("string ") {
        format!("文字 {s}")
    } else if f.starts_with("sequence") {
        "列表".into()
    } else if f.starts_with("map") {
        "键值对".into()
    } else if f.starts_with("unit value") || f.starts_with("null") {
        "空值".into()
    } else if let Some(n) = f.strip_prefix("floating point ").or_else(|| f.strip_prefix("integer ")) {
        format!("数字 {n}")
    } else if f.starts_with("boolean") {
        format!("是/否 {}", f.trim_start_matches("boolean").trim())
    } else {
        f.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a load gives, comparable: every parsed value with its file, and the diagnostics.
    #[allow(clippy::type_complexity)]
    fn seen(
        l: &(Loaded, Diagnostics),
    ) -> (Option<RawPlan>, Option<RawOffice>, Vec<(String, String, RawReport)>, Diagnostics) {
        (
            l.0.plan.as_ref().map(|p| p.value.clone()),
            l.0.office.as_ref().map(|p| p.value.clone()),
            l.0.reports.iter().map(|(d, p)| (d.clone(), p.source.name.clone(), p.value.clone())).collect(),
            l.1.clone(),
        )
    }

    /// A load through a memo equals a fresh load, after a report is changed, broken, mended and
    /// removed: the memo never answers for text it has not seen.
    #[test]
    fn memo_load_equals_fresh_load() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal");
        let tmp = tempdir_copy(&root);
        let dir = tmp.join("minimal");
        let memo = ParseMemo::default();
        let report = std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .map(|f| f.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "yaml"))
            .unwrap();
        let original = std::fs::read_to_string(&report).unwrap();
        let steps: Vec<Option<String>> = vec![
            None,
            Some(original.replacen("progress: ", "progress: 改过的", 1)),
            Some(format!("{original}\nnot_a_field: 1\n")),
            Some("unit: [".into()),
            Some(original.clone()),
        ];
        for (i, text) in steps.into_iter().enumerate() {
            if let Some(t) = text {
                assert!(i != 1 || t != original, "step 1 changes a value");
                std::fs::write(&report, t).unwrap();
            }
            assert_eq!(seen(&load_with(&dir, Some(&memo))), seen(&load(&dir)), "step {i}");
        }
        // Replaced by rename (as ducha writes) with a text of the same length, at once: the new
        // inode tells the change even when the clock has not moved.
        let at = original.find("progress: ").unwrap() + "progress: ".len();
        let first = original[at..].chars().next().unwrap();
        assert_eq!(first.len_utf8(), 3, "a CJK character starts the progress text");
        let other = if first == '改' { '变' } else { '改' };
        let same_len = format!("{}{other}{}", &original[..at], &original[at + 3..]);
        assert_eq!(same_len.len(), original.len());
        assert_ne!(same_len, original);
        crate::fsutil::write_atomic(&report, same_len.as_bytes()).unwrap();
        assert_eq!(seen(&load_with(&dir, Some(&memo))), seen(&load(&dir)), "renamed over");
        std::fs::remove_file(&report).unwrap();
        assert_eq!(seen(&load_with(&dir, Some(&memo))), seen(&load(&dir)), "removed");
        let _ = std::fs::remove_dir_all(&tmp);
    }

    /// Names open the file from the working directory: relative under it, absolute elsewhere.
    #[test]
    fn display_names_are_relative_to_the_working_directory_or_absolute() {
        let cwd = Some(Path::new("/home/office"));
        let name = |p: &str| display_name_in(Path::new(p), cwd);
        assert_eq!(name("data/plan.yaml"), "data/plan.yaml");
        assert_eq!(name("./data/../data/plan.yaml"), "data/plan.yaml");
        assert_eq!(name("/home/office/data/plan.yaml"), "data/plan.yaml");
        assert_eq!(name("/srv/xdata/plan.yaml"), "/srv/xdata/plan.yaml");
        assert_eq!(name("../xdata/plan.yaml"), "/home/xdata/plan.yaml");
        assert_eq!(display_name_in(Path::new("./a/./b.yaml"), None), "a/b.yaml");
    }

    /// A stamp is ambiguous while either of its times is within the resolution of the look (an
    /// edit in the same tick would leave it unchanged), or after it; settled otherwise.
    #[test]
    fn stamps_near_the_look_are_ambiguous() {
        let look = std::time::SystemTime::now();
        let ago = |ms: u64| Some(look - std::time::Duration::from_millis(ms));
        let stamp = |m, c| FileStamp { len: 1, modified: m, changed: c, inode: 1 };
        assert!(!stamp(ago(3000), ago(2500)).ambiguous_at(look));
        assert!(stamp(ago(3000), ago(1)).ambiguous_at(look), "status changed just now");
        assert!(stamp(ago(10), ago(3000)).ambiguous_at(look), "modified just now");
        assert!(stamp(Some(look + std::time::Duration::from_secs(60)), ago(3000)).ambiguous_at(look), "future");
        // Times with sub-second digits come from a finely stamping file system: settled after
        // FINE_STAMP_RESOLUTION. Whole seconds (FAT, ext3) keep the two seconds.
        let whole = |t: std::time::SystemTime| {
            let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(d.as_secs()))
        };
        let fine = ago(200).filter(|t| t.duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() != 0);
        assert!(!stamp(fine, fine).ambiguous_at(look), "a fine stamp 200 ms old is settled");
        assert!(stamp(ago(20), ago(20)).ambiguous_at(look), "a fine stamp 20 ms old is not");
        let second = whole(look - std::time::Duration::from_millis(200));
        assert!(stamp(second, second).ambiguous_at(look), "whole seconds: under a second old, within two seconds");
        assert!(!stamp(
            whole(look - std::time::Duration::from_secs(4)),
            second.map(|t| t - std::time::Duration::from_secs(2))
        )
        .ambiguous_at(look));
        // The stamp of a file on disk sees a time put back: ctime moves.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("plan.yaml");
        std::fs::write(&f, "year: 2023\n").unwrap();
        let before = FileStamp::at(&f).unwrap();
        let time = std::fs::metadata(&f).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::File::options().write(true).open(&f).unwrap().set_modified(time).unwrap();
        assert_ne!(FileStamp::at(&f).unwrap(), before, "ctime differs");
    }

    fn tempdir_copy(from: &Path) -> std::path::PathBuf {
        let tmp = std::env::temp_dir().join(format!("ducha-memo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        crate::fsutil::copy_tree(from, &tmp.join("minimal"));
        tmp
    }

    fn source(text: &str) -> SourceFile {
        SourceFile { name: "a.yaml".into(), path: "a.yaml".into(), text: text.into() }
    }

    fn error_of(text: &str) -> Diagnostic {
        let mut diags = Diagnostics::default();
        assert!(parse_yaml::<RawReport>(source(text), &mut diags).is_none(), "{text} parsed");
        diags.0.pop().unwrap()
    }

    #[test]
    fn unknown_field_is_translated_with_hint_and_location() {
        let d =
            error_of("unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 5\n    progres: 好\n");
        assert!(d.message.contains("未知字段 `progres`"), "{d:?}");
        assert!(d.hints.iter().any(|h| h.contains("`progress`")), "{d:?}");
        assert_eq!(d.loc, Some(Loc::new("a.yaml", 6, 5)));
        assert_eq!(d.span_len, 7);
    }

    #[test]
    fn type_error_names_the_found_text() {
        let d = error_of(
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 5\n    progress: 好\n    values:\n      - target: 1\n        value: 四家\n",
        );
        assert!(d.message.contains("应为数字") && d.message.contains("四家"), "{d:?}");
        assert_eq!(d.loc, Some(Loc::new("a.yaml", 9, 16)));
    }

    #[test]
    fn missing_field_points_at_its_item() {
        let d = error_of("unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 5\n");
        assert!(d.message.contains("缺少必填字段 `progress`"), "{d:?}");
        assert_eq!(d.loc.as_ref().map(|l| l.line), Some(5));
    }

    /// `ducha plan import` writes plan.yaml with serde_yaml's serializer; the loader reads it with
    /// serde-saphyr. Every fixture notice, and awkward text, must read back to the same plan.
    #[test]
    fn imported_plans_read_back_identically_through_the_loader() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut r = crate::import::import_notice(&text);
            if let Some(t) = r.plan.sections.first_mut().and_then(|s| s.tasks.first_mut()) {
                t.participating_units =
                    ["yes", "15", "- x", "a: b", "#c", "null", "~", " lead", "2023-06-12", "'q'", "\"d\""]
                        .map(String::from)
                        .to_vec();
            }
            r.plan.cc = ["", "多行\n文本", "0635-7321456", "1e3", "0x1F", "1_000", "+1", ".inf", "on", "2023Q3"]
                .map(String::from)
                .to_vec();
            let yaml = crate::import::to_yaml(&r);
            let mut diags = Diagnostics::default();
            let back = parse_yaml::<RawPlan>(source(&yaml), &mut diags);
            assert!(diags.is_empty(), "{}: {diags:?}", path.display());
            assert_eq!(back.unwrap().value, r.plan, "{}", path.display());
            seen += 1;
        }
        assert!(seen >= 7, "only {seen} fixtures");
    }

    #[test]
    fn spans_of_list_items_ignore_text_inside_block_scalars() {
        let text = "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 1\n    progress: |\n      - task: 9\n      number: 3\n  - task: 2\n    progress: 好\n";
        let mut diags = Diagnostics::default();
        let p = parse_yaml::<RawReport>(source(text), &mut diags).expect("parses");
        let lines: Vec<usize> = p.spans.entries.iter().map(|e| e.fields.task.unwrap().line).collect();
        assert_eq!(lines, vec![5, 9]);
        assert_eq!(p.spans.unit.unwrap().column, 7);
    }
}
