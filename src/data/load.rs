//! Stage 1, load: find the data files with walkdir, read them, parse the YAML into raw structs.
//!
//! YAML is kept behind this module alone. We use `serde_yaml` 0.9 (declared by the project and
//! already in the tree through typst): its errors carry line and column, which is what users
//! need for syntax and type errors. Semantic errors found later (unknown task, unknown unit) are
//! located by [`YamlIndex`], a cheap text index of the file's keys, rather than by switching to a
//! span-keeping parser — a one-file change if we ever move to serde-saphyr or serde_norway.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::raw::{RawOffice, RawPlan, RawReport};
use crate::diag::{closest, Diagnostic, Diagnostics, Loc, SourceMap};

/// A file as read from disk: its data-dir-relative name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the data dir's parent, e.g. `data/reports/2023Q2/县科技局.yaml`.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// A parsed YAML file with its source.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub source: SourceFile,
    pub value: T,
}

/// Everything read from a data directory, before validation.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub plan: Option<Parsed<RawPlan>>,
    pub office: Option<Parsed<RawOffice>>,
    /// Reports with the period named by their directory (`reports/2023Q2/…`).
    pub reports: Vec<(String, Parsed<RawReport>)>,
    /// Markdown overrides per period: (period dir, file name, source).
    pub markdown: Vec<(String, SourceFile)>,
    /// Every file read, for snippets.
    pub sources: SourceMap,
}

/// Reads and parses everything under `dir`. Problems are collected, never fatal: a file that
/// cannot be read or parsed is reported and left out.
pub fn load(dir: &Path) -> (Loaded, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut loaded = Loaded::default();
    let display_root = dir.parent().filter(|p| !p.as_os_str().is_empty());
    let name_of = |p: &Path| -> String {
        let rel = display_root.and_then(|r| p.strip_prefix(r).ok()).unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    };

    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(format!("找不到数据目录 {}", dir.display()))
                .hint("用 --data 指定数据目录，目录中应有 plan.yaml、office.yaml 和 reports/"),
        );
        return (loaded, diags);
    }

    for (file, required) in [("plan.yaml", true), ("office.yaml", true)] {
        let path = dir.join(file);
        if !path.exists() {
            if required {
                diags.push(Diagnostic::error(format!("缺少 {}", name_of(&path))).hint(if file == "plan.yaml" {
                    "先用 `ducha plan import 通知.txt -o data/plan.yaml` 生成计划"
                } else {
                    "参照 README 中 office.yaml 的示例新建该文件"
                }));
            }
            continue;
        }
        let Some(source) = read_source(&path, name_of(&path), &mut diags) else { continue };
        loaded.sources.insert(source.name.clone(), source.text.clone());
        if file == "plan.yaml" {
            loaded.plan = parse_yaml(source, &mut diags);
        } else {
            loaded.office = parse_yaml(source, &mut diags);
        }
    }

    let reports = dir.join("reports");
    if reports.is_dir() {
        let walker = walkdir::WalkDir::new(&reports).sort_by_file_name().follow_links(false);
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    diags.push(Diagnostic::error(format!("无法读取目录：{e}")));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let period_dir = path
                .strip_prefix(&reports)
                .ok()
                .and_then(|r| r.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            match ext {
                "yaml" | "yml" => {
                    let Some(source) = read_source(path, name_of(path), &mut diags) else { continue };
                    loaded.sources.insert(source.name.clone(), source.text.clone());
                    if let Some(p) = parse_yaml(source, &mut diags) {
                        loaded.reports.push((period_dir, p));
                    }
                }
                "md" => {
                    let Some(source) = read_source(path, name_of(path), &mut diags) else { continue };
                    loaded.sources.insert(source.name.clone(), source.text.clone());
                    loaded.markdown.push((period_dir, source));
                }
                // Evidence files, office documents and the like may sit beside reports.
                _ => {}
            }
        }
    }
    (loaded, diags)
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
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
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

/// Parses YAML into `T`, translating serde_yaml's message into Chinese with a location and hint.
pub fn parse_yaml<T: DeserializeOwned>(source: SourceFile, diags: &mut Diagnostics) -> Option<Parsed<T>> {
    match serde_yaml::from_str::<T>(&source.text) {
        Ok(value) => Some(Parsed { source, value }),
        Err(e) => {
            let loc = e
                .location()
                .map(|l| Loc::new(source.name.clone(), l.line(), l.column()))
                .unwrap_or_else(|| Loc::file(source.name.clone()));
            diags.push(translate_yaml_error(&e.to_string(), loc));
            None
        }
    }
}

/// Turns a serde_yaml error message into a Chinese diagnostic.
fn translate_yaml_error(msg: &str, loc: Loc) -> Diagnostic {
    // serde_yaml messages look like "entries[0]: unknown field `progres`, expected one of ... at line 8 column 5".
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    let (path, body) = match msg.split_once(": ") {
        Some((p, b)) if !p.contains(' ') => (Some(p), b),
        _ => (None, msg),
    };
    let field_path = path.map(|p| format!("（位置 {p}）")).unwrap_or_default();
    let ticked: Vec<&str> = body.split('`').skip(1).step_by(2).collect();
    if let Some(rest) = body.strip_prefix("unknown field ") {
        let field = ticked.first().copied().unwrap_or(rest);
        let expected: Vec<&str> = ticked.iter().skip(1).copied().collect();
        let mut d = Diagnostic::error(format!("未知字段 `{field}`{field_path}")).at_span(loc, field.chars().count());
        if let Some(best) = closest(field, expected.iter().copied()) {
            d = d.hint(format!("是否应为 `{best}`？"));
        }
        if !expected.is_empty() {
            d = d.hint(format!("可用字段：{}", expected.join("、")));
        }
        return d;
    }
    if body.starts_with("missing field ") {
        let field = ticked.first().copied().unwrap_or("?");
        return Diagnostic::error(format!("缺少必填字段 `{field}`{field_path}"))
            .at(loc)
            .hint(format!("在此处补上 `{field}: …`"));
    }
    if let Some(rest) = body.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return Diagnostic::error(format!(
            "类型错误{field_path}：应为{}，实际为{}",
            describe_expected(expected),
            describe_found(found)
        ))
        .at(loc)
        .hint(match describe_expected(expected).as_str() {
            "数字" => "只填阿拉伯数字，不带单位和文字，例如 `value: 12.5`",
            "列表" => "列表的每一项以 `- ` 开头，另起一行",
            _ => "检查这一行的值和缩进",
        });
    }
    if body.starts_with("invalid value: ") || body.starts_with("unknown variant") {
        return Diagnostic::error(format!("取值无效{field_path}：{body}")).at(loc);
    }
    if body.starts_with("duplicate field") {
        let field = ticked.first().copied().unwrap_or("?");
        return Diagnostic::error(format!("字段 `{field}` 重复出现{field_path}"))
            .at(loc)
            .hint("同一层级每个字段只能写一次，删除多余的一行");
    }
    Diagnostic::error(format!("YAML 格式错误：{body}"))
        .at(loc)
        .hint("检查缩进（用空格，不用 Tab）、冒号后的空格，以及引号是否成对")
}

fn describe_expected(e: &str) -> String {
    let e = e.trim();
    if e.starts_with("f64")
        || e.starts_with("u32")
        || e.starts_with("i32")
        || e.starts_with("u8")
        || e.contains("integer")
        || e.contains("float")
    {
        "数字".into()
    } else if e.starts_with("a string") || e == "string" {
        "文字".into()
    } else if e.starts_with("a sequence") {
        "列表".into()
    } else if e.starts_with("struct") || e.contains("map") {
        "键值对（字段: 值）".into()
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
    } else if f.starts_with("unit value") {
        "空值".into()
    } else if let Some(n) = f.strip_prefix("floating point ").or_else(|| f.strip_prefix("integer ")) {
        format!("数字 {n}")
    } else {
        f.into()
    }
}

/// A cheap index of `key:` lines in a YAML file, used to locate semantic errors.
pub struct YamlIndex<'a> {
    lines: Vec<&'a str>,
}

impl<'a> YamlIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> YamlIndex<'a> {
        YamlIndex { lines: text.lines().collect() }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The first line in `from..to` (0-based, `to` exclusive) that holds `key:` as a mapping key,
    /// optionally as the first key of a list item (`- key:`). Returns the 1-based line, the
    /// 1-based column of the value (or of the key when the value is empty) and the value's length.
    pub fn find_key(&self, key: &str, from: usize, to: usize) -> Option<(usize, usize, usize)> {
        for i in from..to.min(self.lines.len()) {
            let line = self.lines[i];
            let trimmed = line.trim_start();
            let trimmed = trimmed.strip_prefix("- ").map(str::trim_start).unwrap_or(trimmed);
            let indent = line.chars().count() - trimmed.chars().count();
            if let Some(rest) = trimmed.strip_prefix(key) {
                if let Some(after) = rest.strip_prefix(':') {
                    let value = after.trim_start();
                    let value = value.split(" #").next().unwrap_or(value).trim_end();
                    let lead = after.chars().count() - after.trim_start().chars().count();
                    return Some(if value.is_empty() {
                        (i + 1, indent + 1, key.chars().count())
                    } else {
                        (i + 1, indent + key.chars().count() + 1 + lead + 1, value.chars().count())
                    });
                }
            }
        }
        None
    }

    /// Line ranges (0-based, end exclusive) of the items of a list whose items start with
    /// `- first_key:` — e.g. the entries of a report (`- task: 5`).
    pub fn items(&self, first_key: &str) -> Vec<(usize, usize)> {
        let starts: Vec<(usize, usize)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let t = l.trim_start();
                let indent = l.len() - t.len();
                t.strip_prefix("- ")
                    .map(str::trim_start)
                    .filter(|r| r.starts_with(first_key) && r[first_key.len()..].starts_with(':'))
                    .map(|_| (i, indent))
            })
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(k, (s, _))| (*s, starts.get(k + 1).map(|(n, _)| *n).unwrap_or(self.lines.len())))
            .collect()
    }

    /// A `Loc` for `key` within a range, or the range start when the key is absent.
    pub fn loc(&self, file: &str, key: &str, range: (usize, usize)) -> (Loc, usize) {
        match self.find_key(key, range.0, range.1) {
            Some((line, col, len)) => (Loc::new(file, line, col), len),
            None if range.0 < self.lines.len() => {
                let l = self.lines[range.0];
                (Loc::new(file, range.0 + 1, l.chars().count() - l.trim_start().chars().count() + 1), 1)
            }
            None => (Loc::file(file), 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_finds_keys_and_items() {
        let text = "unit: 县科技局\nentries:\n  - task: 5\n    progress: 好\n  - task: 88\n    progress: x\n";
        let idx = YamlIndex::new(text);
        assert_eq!(idx.items("task"), vec![(2, 4), (4, 6)]);
        assert_eq!(idx.find_key("task", 4, 6), Some((5, 11, 2)));
        assert_eq!(idx.find_key("unit", 0, 6), Some((1, 7, 4)));
    }

    #[test]
    fn unknown_field_is_translated_with_hint() {
        let d = translate_yaml_error(
            "entries[0]: unknown field `progres`, expected one of `task`, `claim`, `progress` at line 4 column 5",
            Loc::new("a.yaml", 4, 5),
        );
        assert!(d.message.contains("未知字段 `progres`"), "{d:?}");
        assert!(d.hints.iter().any(|h| h.contains("`progress`")), "{d:?}");
    }
}
