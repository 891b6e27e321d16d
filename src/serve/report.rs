//! A unit's report as a web form: prefill from the YAML, read the posted fields back into a
//! [`RawReport`], check it with the very rules of `ducha check` (the data is loaded as `check`
//! loads it, this report put in place of the file, and the rules run over it and every file they
//! compare it with: [`crate::data::validate::validate_one`]), map each problem back to its field,
//! and write the YAML that `ducha import` writes ([`crate::excel::import::report_yaml`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::data::load::{self, Parsed, SourceFile};
use crate::data::model::{Date, Period, Plan, Status};
use crate::data::raw::{RawEntry, RawReport, RawValue};
use crate::diag::Diagnostic;

/// Posted or prefilled form fields by name.
pub type Fields = BTreeMap<String, String>;

/// One problem shown next to a field (or at the top when `field` is empty).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub error: bool,
    pub message: String,
    pub hints: Vec<String>,
    /// `file:line:column` as `ducha check` prints it.
    pub at: String,
}

/// Where a unit's report for `period` is stored: `<data>/reports/<period>/<unit>.yaml`, the
/// unit's name made a file name by [`crate::names::file_name`].
pub fn report_path(data: &Path, period: Period, unit: &str) -> Result<PathBuf, crate::names::NameError> {
    let dir = data.join("reports").join(period.to_string());
    crate::names::join_inside(&dir, &format!("{}.yaml", crate::names::file_name(unit)))
}

/// A number as the form shows it: every digit the file holds, so that a form saved unchanged
/// writes the same figure back (`12.3456`, never `12.346`).
fn num(v: f64) -> String {
    crate::numerals::shortest(v)
}

/// The self-assessments (自评状态) a unit may choose: every status but 未报送, which only the
/// rules give (a unit that reports has reported).
pub fn claims() -> Vec<&'static str> {
    Status::ALL.iter().filter(|s| **s != Status::NotReported).map(|s| s.label()).collect()
}

/// Form fields from a report (the unit's own for this period, else its latest earlier one with
/// `today` as 报送日期, else only `today`). `today` is the office clock's date (docs/rules.md
/// §15): it decides 迟报.
pub fn fields_of(report: Option<&RawReport>, same_period: bool, today: Date) -> Fields {
    let mut f = Fields::new();
    let Some(r) = report else {
        f.insert("submitted".into(), today.to_string());
        return f;
    };
    f.insert("submitted".into(), if same_period { r.submitted.clone() } else { today.to_string() });
    for (k, v) in [("contact", &r.contact), ("phone", &r.phone), ("reviewed_by", &r.reviewed_by)] {
        f.insert(k.into(), v.clone().unwrap_or_default());
    }
    for e in &r.entries {
        let t = e.task;
        f.insert(format!("t{t}_progress"), e.progress.trim_end().to_string());
        f.insert(format!("t{t}_claim"), e.claim.clone().unwrap_or_default());
        for v in &e.values {
            f.insert(format!("t{t}_v{}", v.target), num(v.value));
        }
        f.insert(format!("t{t}_milestone"), e.milestone.clone().unwrap_or_default());
        f.insert(format!("t{t}_percent"), e.percent.map(num).unwrap_or_default());
        for (k, v) in [("adjustment", &e.adjustment), ("problems", &e.problems), ("next_steps", &e.next_steps)] {
            f.insert(format!("t{t}_{k}"), v.clone().unwrap_or_default());
        }
        f.insert(format!("t{t}_evidence"), e.evidence.join("\n"));
    }
    f
}

/// Text from a form field: CR LF made LF, trailing blanks dropped.
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn opt(f: &Fields, key: &str) -> Option<String> {
    f.get(key).map(|s| clean(s)).filter(|s| !s.is_empty())
}

/// The tasks `unit` leads, in plan order.
pub fn lead_tasks<'a>(plan: &'a Plan, unit: &str) -> Vec<&'a crate::data::model::Task> {
    plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == unit)).collect()
}

/// Reads the posted fields into a report. Fields that cannot even be written to YAML (a
/// 完成数值 that is not a number) come back as problems; the rest is left to validation.
pub fn read_fields(plan: &Plan, unit: &str, period: Period, f: &Fields) -> (RawReport, Vec<FieldProblem>) {
    let mut problems = Vec::new();
    let mut r = RawReport {
        unit: unit.to_string(),
        period: period.to_string(),
        submitted: f.get("submitted").map(|s| s.trim().to_string()).unwrap_or_default(),
        contact: opt(f, "contact"),
        phone: opt(f, "phone"),
        reviewed_by: opt(f, "reviewed_by"),
        entries: Vec::new(),
    };
    let problem = |field: String, error: bool, message: String, hint: &str| FieldProblem {
        field,
        error,
        message,
        hints: vec![hint.to_string()],
        at: String::new(),
    };
    if r.contact.is_none() {
        problems.push(problem(
            "contact".into(),
            true,
            "请填写联系人".into(),
            "填写负责本报告的同志姓名，督查室核实情况时联系",
        ));
    }
    match r.phone.as_deref() {
        None => problems.push(problem(
            "phone".into(),
            true,
            "请填写联系电话".into(),
            "填写手机或座机号码，如 13800000000 或 0571-88888888",
        )),
        Some(p) if !phone_like(p) => problems.push(problem(
            "phone".into(),
            true,
            format!("联系电话 “{p}” 不像电话号码"),
            "只填数字，可带区号连字符、括号或“转”分机号，如 0571-88888888 转 123",
        )),
        Some(_) => {}
    }
    let offered = claims();
    for task in lead_tasks(plan, unit) {
        let t = task.number;
        // 未报送 (or a word for it) is the rules' verdict on a missing report, never a unit's own;
        // other unknown words are left to the rules of `ducha check`, which name the choices.
        if let Some(c) = opt(f, &format!("t{t}_claim")).filter(|c| Status::parse(c) == Some(Status::NotReported)) {
            problems.push(problem(
                format!("t{t}_claim"),
                true,
                format!("第 {t} 项任务的自评状态 “{c}” 不是可选的状态"),
                &format!("从下拉框中选择：{}", offered.join("、")),
            ));
        }
        if task.lead_units.len() > 1 && opt(f, &format!("t{t}_adjustment")).is_some() {
            let others: Vec<&str> = task.lead_units.iter().map(String::as_str).filter(|u| *u != unit).collect();
            problems.push(problem(
                format!("t{t}_adjustment"),
                false,
                format!(
                    "第 {t} 项任务由本单位与{}共同牵头：填写指标调整说明后，这项任务本期对所有牵头单位都列为“其他”，不再按完成数值评价",
                    others.join("、")
                ),
                "确需调整指标时再填写，并与其他牵头单位沟通一致；否则请清空此栏",
            ));
        }
        let mut e = RawEntry {
            task: t,
            claim: opt(f, &format!("t{t}_claim")).filter(|c| Status::parse(c) != Some(Status::NotReported)),
            progress: opt(f, &format!("t{t}_progress")).map(|p| format!("{p}\n")).unwrap_or_default(),
            milestone: opt(f, &format!("t{t}_milestone")),
            adjustment: opt(f, &format!("t{t}_adjustment")),
            problems: opt(f, &format!("t{t}_problems")),
            next_steps: opt(f, &format!("t{t}_next_steps")),
            evidence: opt(f, &format!("t{t}_evidence"))
                .map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
                .unwrap_or_default(),
            ..RawEntry::default()
        };
        let mut typed_anything = false;
        for k in 1..=task.targets.len() as u32 {
            let key = format!("t{t}_v{k}");
            if let Some(text) = opt(f, &key) {
                typed_anything = true;
                match crate::numerals::parse_typed(&text) {
                    Some(value) => e.values.push(RawValue { target: k, value }),
                    None => problems.push(FieldProblem {
                        field: key,
                        error: true,
                        message: format!("第 {t} 项任务第 {k} 个指标的完成数值 “{text}” 不是有效数字"),
                        hints: vec!["只填数字，如 12 或 12.5；计量单位已在指标中写明".into()],
                        at: String::new(),
                    }),
                }
            }
        }
        let key = format!("t{t}_percent");
        if let Some(text) = opt(f, &key) {
            typed_anything = true;
            match crate::numerals::parse_typed(text.trim_end_matches(['%', '％'])) {
                Some(v) => e.percent = Some(v),
                None => problems.push(FieldProblem {
                    field: key,
                    error: true,
                    message: format!("第 {t} 项任务的形象进度百分比 “{text}” 不是有效数字"),
                    hints: vec!["填 0–100 之间的数字，如 75".into()],
                    at: String::new(),
                }),
            }
        }
        let empty = e.progress.is_empty()
            && e.claim.is_none()
            && e.milestone.is_none()
            && e.adjustment.is_none()
            && e.problems.is_none()
            && e.next_steps.is_none()
            && e.evidence.is_empty()
            && !typed_anything;
        if !empty {
            r.entries.push(e);
        }
    }
    (r, problems)
}

/// True when `s` reads as a telephone number: at least 7 digits, and otherwise only the marks
/// people write in numbers (area-code hyphen, brackets, spaces, `+`, `转` before an extension,
/// `、` or `/` between two numbers).
fn phone_like(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 7 && s.chars().all(|c| c.is_ascii_digit() || " -－—()（）+转、/,，".contains(c))
}

/// What the form's field `name` is called on the page (`第3项 进展情况`), for messages that list
/// fields.
pub fn field_label(name: &str) -> String {
    let plain = |k: &str| match k {
        "submitted" => "报送日期",
        "contact" => "联系人",
        "phone" => "联系电话",
        "reviewed_by" => "审核领导",
        "progress" => "进展情况",
        "claim" => "自评状态",
        "milestone" => "已达到的形象进度",
        "percent" => "形象进度百分比",
        "problems" => "存在问题",
        "next_steps" => "下步打算",
        "evidence" => "佐证材料",
        "adjustment" => "指标调整说明",
        _ => "",
    };
    if let Some((t, k)) = name.strip_prefix('t').and_then(|r| r.split_once('_')) {
        if let Some(i) = k.strip_prefix('v') {
            return format!("第{t}项 完成数值·指标{i}");
        }
        return format!("第{t}项 {}", plain(k));
    }
    plain(name).to_string()
}

/// One field that differs between two versions of a report's form.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub field: String,
    pub label: String,
    /// The value in the other version (the file on disk, or a draft saved elsewhere).
    pub theirs: String,
    /// The value in this form.
    pub mine: String,
}

/// The fields whose text differs between `theirs` and `mine` (blank-insensitive at line ends),
/// in form order: what a unit must see before its text replaces a newer version.
pub fn differences(plan: &Plan, unit: &str, theirs: &Fields, mine: &Fields) -> Vec<Difference> {
    let mut names: Vec<String> = ["submitted", "contact", "phone", "reviewed_by"].map(String::from).to_vec();
    for t in lead_tasks(plan, unit) {
        let n = t.number;
        names.push(format!("t{n}_progress"));
        names.extend((1..=t.targets.len()).map(|k| format!("t{n}_v{k}")));
        for k in ["milestone", "percent", "claim", "problems", "next_steps", "evidence", "adjustment"] {
            names.push(format!("t{n}_{k}"));
        }
    }
    let get = |f: &Fields, k: &str| f.get(k).map(|s| clean(s)).unwrap_or_default();
    names
        .into_iter()
        .filter_map(|k| {
            let (a, b) = (get(theirs, &k), get(mine, &k));
            (a != b).then(|| Difference { label: field_label(&k), field: k, theirs: a, mine: b })
        })
        .collect()
}

/// For each line of the YAML written by `report_yaml`, the form field it belongs to.
fn line_fields(yaml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut task: Option<u32> = None;
    let mut key = String::new();
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if let Some(n) = body.strip_prefix("- task: ").filter(|_| indent == 2) {
            task = n.trim().parse().ok();
            key.clear();
        } else if indent == 0 && !body.starts_with('#') && !body.is_empty() {
            task = None;
            key = body.split(':').next().unwrap_or("").to_string();
            if key == "entries" {
                key.clear();
            }
        } else if indent == 4 && !body.starts_with('#') {
            key = body.split(':').next().unwrap_or("").to_string();
        } else if let Some(k) = body.strip_prefix("- target: ").filter(|_| indent == 6) {
            key = format!("v{}", k.trim());
        }
        out.push(match (task, key.as_str()) {
            (Some(t), "") => format!("t{t}"),
            (Some(t), "values") => format!("t{t}_v1"),
            (Some(t), k) => format!("t{t}_{k}"),
            (None, k) => k.to_string(),
        });
    }
    out
}

/// The outcome of checking a report.
pub struct Checked {
    /// The YAML to write (when the report could be written at all).
    pub yaml: Option<String>,
    /// Errors and warnings, each by field.
    pub problems: Vec<FieldProblem>,
}

impl Checked {
    /// True when the report may be submitted.
    pub fn ok(&self) -> bool {
        self.yaml.is_some() && !self.problems.iter().any(|p| p.error)
    }
}

/// Checks `raw` as `ducha check` would if it were the file at `path`: the loaded data directory
/// with this report in that file's place, every rule run on it
/// ([`crate::data::validate::validate_one`]: the plan and the unit's other reports are all the
/// rules can compare it with). `plan` is the validated plan of `loaded`. Problems of this file are
/// returned by field.
pub fn check(
    loaded: &load::Loaded,
    plan: &Plan,
    raw: &RawReport,
    path: &Path,
    mut problems: Vec<FieldProblem>,
) -> Checked {
    if raw.entries.is_empty() {
        // Nothing typed for any task: say which fields to fill rather than write a report
        // without entries.
        for t in lead_tasks(plan, &raw.unit) {
            problems.push(FieldProblem {
                field: format!("t{}_progress", t.number),
                error: true,
                message: format!("第 {} 项任务尚未填写进展情况", t.number),
                hints: vec!["每项牵头任务都要填写本季度的进展情况；有数值指标的同时填写完成数值".into()],
                at: String::new(),
            });
        }
        return Checked { yaml: None, problems };
    }
    let yaml = match crate::excel::import::report_yaml(raw, plan, "网页填报") {
        Ok(y) => y,
        Err(e) => {
            problems.push(FieldProblem {
                field: String::new(),
                error: true,
                message: crate::diag::causes(&e),
                hints: Vec::new(),
                at: String::new(),
            });
            return Checked { yaml: None, problems };
        }
    };
    // Named as `ducha check` names it, so its diagnostics map back to the form.
    let name = crate::data::load::display_name(path);
    let source = SourceFile { name: name.clone(), path: path.to_path_buf(), text: yaml.clone() };
    // Re-read from the YAML just written so every diagnostic points at its line in that text.
    let spans = serde_saphyr::from_str(&yaml).unwrap_or_default();
    let parsed = Parsed { source, value: raw.clone(), spans };
    let diags = crate::data::validate::validate_one(plan, loaded, &raw.period, parsed);
    let lines = line_fields(&yaml);
    for d in diags.0.iter().filter(|d| concerns(d, &name)) {
        let field = match &d.loc {
            Some(l) if l.line >= 1 => lines.get(l.line - 1).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        problems.push(FieldProblem {
            field,
            error: d.is_error(),
            message: super::words::web(&d.message),
            hints: d.hints.iter().map(|h| super::words::web(h)).collect(),
            at: d.loc.as_ref().map(|l| l.to_string()).unwrap_or_default(),
        });
    }
    Checked { yaml: Some(yaml), problems }
}

/// True when a diagnostic is about this report's file.
fn concerns(d: &Diagnostic, name: &str) -> bool {
    d.loc.as_ref().is_some_and(|l| l.file == name)
}

/// The problems as `ducha check` would print them (for the audit detail and the tests).
pub fn summary(problems: &[FieldProblem]) -> String {
    let mut s = String::new();
    for p in problems {
        let _ = writeln!(s, "{} {}", if p.error { "错误" } else { "警告" }, p.message);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lines_map_to_fields() {
        let y = "# x\nunit: a\nsubmitted: 2023-01-01\nentries:\n  # 第1项\n  - task: 1\n    progress: |\n      a\n      b\n    values:\n      - target: 2\n        value: 3\n    claim: 滞后\n";
        let f = line_fields(y);
        assert_eq!(f[1], "unit");
        assert_eq!(f[2], "submitted");
        assert_eq!(f[5], "t1");
        assert_eq!(f[7], "t1_progress");
        assert_eq!(f[11], "t1_v2");
        assert_eq!(f[12], "t1_claim");
    }
}
