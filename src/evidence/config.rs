//! `evidence:` in `office.yaml`: the limits on 佐证材料 files and the counting rule
//! (docs/rules.md §21). Raw serde struct with `deny_unknown_fields`, its span mirror, and
//! [`validate`] into [`EvidenceConfig`], which cannot be invalid.

use serde::{Deserialize, Serialize};

use crate::data::spans::At;
use crate::diag::{Diagnostic, Diagnostics};

/// `evidence:` as written in office.yaml; every key optional (defaults in [`EvidenceConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEvidence {
    /// 单个文件上限，MB (default 20)
    #[serde(default)]
    pub max_file_mb: Option<u64>,
    /// 每份报告合计上限，MB (default 100)
    #[serde(default)]
    pub max_report_mb: Option<u64>,
    /// 每项任务最多文件数 (default 10)
    #[serde(default)]
    pub max_files_per_task: Option<u32>,
    /// `submitted` (default) | `accepted`: which files count towards 已完成.
    #[serde(default)]
    pub rule: Option<String>,
    /// Strip the EXIF location of photos (default true).
    #[serde(default)]
    pub strip_location: Option<bool>,
    /// 归档包上限，MB (default 2048): the archive of one period may not exceed it.
    #[serde(default)]
    pub archive_max_mb: Option<u64>,
}

/// Positions of `evidence:` in office.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EvidenceSpans {
    pub max_file_mb: Option<At>,
    pub max_report_mb: Option<At>,
    pub max_files_per_task: Option<At>,
    pub rule: Option<At>,
    pub strip_location: Option<At>,
    pub archive_max_mb: Option<At>,
}

/// Which evidence counts towards 已完成 (`evidence.rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Every file not returned (采信 or not yet reviewed), and typed names without a file.
    #[default]
    Submitted,
    /// Only files the office accepted (采信).
    Accepted,
}

impl Rule {
    /// The word as office.yaml writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Submitted => "submitted",
            Rule::Accepted => "accepted",
        }
    }
}

const MB: u64 = 1024 * 1024;

/// The validated `evidence:` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EvidenceConfig {
    /// Largest file, bytes.
    pub max_file: u64,
    /// Largest total of one report's files, bytes.
    pub max_report: u64,
    /// Most files per task of one report.
    pub max_files_per_task: u32,
    pub rule: Rule,
    pub strip_location: bool,
    /// Largest archive of one period, bytes.
    pub archive_max: u64,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig {
            max_file: 20 * MB,
            max_report: 100 * MB,
            max_files_per_task: 10,
            rule: Rule::Submitted,
            strip_location: true,
            archive_max: 2048 * MB,
        }
    }
}

/// Bytes as people read them: `20 MB`, `512 KB`, `300 字节`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= MB && bytes % MB == 0 {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} 字节")
    }
}

/// `evidence:` → [`EvidenceConfig`]; each bad value is an error located at it (`file`: office.yaml
/// as shown in messages), and its default is used so validation continues.
pub fn validate(raw: &RawEvidence, sp: &EvidenceSpans, file: &str, diags: &mut Diagnostics) -> EvidenceConfig {
    let d = EvidenceConfig::default();
    let mut mb = |v: Option<u64>, at: &Option<At>, key: &str, max: u64, default: u64| -> u64 {
        match v {
            None => default,
            Some(n) if (1..=max).contains(&n) => n * MB,
            Some(n) => {
                let mut e =
                    Diagnostic::error(format!("`evidence.{key}: {n}` 超出范围：应为 1 到 {max} 之间的整数（单位 MB）"))
                        .hint(format!("不写则为 {}", human_size(default)));
                if let Some(at) = at {
                    let (loc, len) = at.loc(file);
                    e = e.at_span(loc, len);
                }
                diags.push(e);
                default
            }
        }
    };
    let max_file = mb(raw.max_file_mb, &sp.max_file_mb, "max_file_mb", 1024, d.max_file);
    let max_report = mb(raw.max_report_mb, &sp.max_report_mb, "max_report_mb", 10 * 1024, d.max_report);
    let archive_max = mb(raw.archive_max_mb, &sp.archive_max_mb, "archive_max_mb", 1024 * 1024, d.archive_max);
    let locate = |e: Diagnostic, at: &Option<At>| match at {
        Some(at) => {
            let (loc, len) = at.loc(file);
            e.at_span(loc, len)
        }
        None => e,
    };
    if max_report < max_file {
        diags.push(locate(
            Diagnostic::error(format!(
                "`evidence.max_report_mb`（{}）小于单个文件上限 `max_file_mb`（{}）",
                human_size(max_report),
                human_size(max_file)
            ))
            .hint("每份报告的合计上限应不小于单个文件上限"),
            &sp.max_report_mb,
        ));
    }
    let max_files_per_task = match raw.max_files_per_task {
        None => d.max_files_per_task,
        Some(n) if (1..=100).contains(&n) => n,
        Some(n) => {
            diags.push(locate(
                Diagnostic::error(format!("`evidence.max_files_per_task: {n}` 超出范围：应为 1 到 100 之间的整数"))
                    .hint("不写则为 10"),
                &sp.max_files_per_task,
            ));
            d.max_files_per_task
        }
    };
    let rule = match raw.rule.as_deref().map(str::trim) {
        None | Some("submitted") => Rule::Submitted,
        Some("accepted") => Rule::Accepted,
        Some(other) => {
            diags.push(locate(
                Diagnostic::error(format!("`evidence.rule: {other}` 无法识别"))
                    .hint("应为 submitted（未被退回的材料即可认定）或 accepted（仅认定已采信的材料）"),
                &sp.rule,
            ));
            d.rule
        }
    };
    EvidenceConfig {
        max_file,
        max_report,
        max_files_per_task,
        rule,
        strip_location: raw.strip_location.unwrap_or(d.strip_location),
        archive_max,
    }
}

/// Longest slot name (characters).
pub const SLOT_MAX_CHARS: usize = 20;
/// Most slots per task.
pub const SLOTS_MAX: usize = 5;

/// A task's `evidence:` list in plan.yaml (所需佐证材料) → its slot names: each non-empty, at most
/// [`SLOT_MAX_CHARS`] characters, no path or control characters, no duplicates, at most
/// [`SLOTS_MAX`] (evidence stays few). Each problem is an error at the item.
pub fn validate_slots(task: u32, raw: &[String], spans: &[At], file: &str, diags: &mut Diagnostics) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let name = s.trim();
        let problem = if name.is_empty() {
            Some("是空的".to_string())
        } else if name.chars().count() > SLOT_MAX_CHARS {
            Some(format!("超过 {SLOT_MAX_CHARS} 个字"))
        } else if name.chars().any(|c| c.is_control() || "/\\\\:*?\"<>|".contains(c)) {
            Some("含有不能用于名称的字符（/ \\ : * ? \" < > | 或控制字符）".to_string())
        } else if out.iter().any(|o| o == name) {
            Some("与前面的名目重复".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            let mut e = Diagnostic::error(format!("第 {task} 项任务的所需佐证材料第 {} 项“{name}”{p}", i + 1))
                .hint("evidence 列出材料名目，如 验收报告、批复文件；每项不超过 20 个字");
            if let Some(at) = spans.get(i) {
                let (loc, len) = at.loc(file);
                e = e.at_span(loc, len);
            }
            diags.push(e);
            continue;
        }
        out.push(name.to_string());
    }
    if out.len() > SLOTS_MAX {
        let mut e =
            Diagnostic::error(format!("第 {task} 项任务列出了 {} 项所需佐证材料，最多 {SLOTS_MAX} 项", out.len()))
                .hint("佐证材料应精简（整治形式主义为基层减负），只列能证明完成情况的关键材料");
        if let Some(at) = spans.get(SLOTS_MAX) {
            let (loc, len) = at.loc(file);
            e = e.at_span(loc, len);
        }
        diags.push(e);
    }
    out
}
