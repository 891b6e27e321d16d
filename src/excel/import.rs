//! `ducha import`: filled report forms (.xlsx) → `reports/<期间>/<单位>.yaml`.
//!
//! Each workbook is read with calamine and checked against the form layout ([`super::FORM_HEADERS`],
//! the hidden row keys) and the plan: which unit and period it is for (the very hidden `ducha`
//! sheet), that no sheet was renamed, no row deleted or inserted, that numbers are numbers, dates
//! are dates and every task that was filled in has its 进展情况. Every problem is a
//! [`Diagnostic`] located at `工作簿!工作表!单元格` (`县科技局.xlsx!进展填报!F5`), all files are read
//! before anything is decided, and nothing is written when any has errors.
//!
//! An existing report is never overwritten silently: without `--replace` the import is refused; with
//! it the old file is first copied to `<name>.yaml.bak-<n>`. The YAML is written by hand in the
//! exact shape of [`RawReport`] (Markdown narratives as `|` block scalars, so paragraphs stay
//! paragraphs), parsed back to make sure it says what was read, and after writing the whole data
//! directory must pass [`crate::data::check`]; if it does not, every file is put back as it was.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Range, Reader};

use super::{cell_name, col, contact, form_rows, meta, parse_row_key, row, FormRow, Stage, FORM_HEADERS};
use crate::data::model::{Dataset, Date, Period, Plan, Status, Task};
use crate::data::raw::{RawEntry, RawReport, RawValue};
use crate::diag::{closest, Diagnostic, Diagnostics, Loc, SourceMap};
use crate::numerals;

/// A form that was read without errors.
#[derive(Debug, Clone)]
pub struct ReadForm {
    /// The file as given.
    pub path: PathBuf,
    /// Its file name, as used in messages.
    pub book: String,
    pub unit: String,
    pub period: Period,
    /// The report, in the shape of the YAML file.
    pub report: RawReport,
}

/// A sheet of a workbook being read: cell access and locations for messages.
struct Sheet<'a> {
    range: &'a Range<Data>,
    book: &'a str,
    name: &'a str,
}

const EMPTY: Data = Data::Empty;

impl Sheet<'_> {
    fn get(&self, r: u32, c: u16) -> &Data {
        self.range.get_value((r, u32::from(c))).unwrap_or(&EMPTY)
    }

    fn loc(&self, r: u32, c: u16) -> Loc {
        Loc::file(format!("{}!{}!{}", self.book, self.name, cell_name(r, c)))
    }

    fn sheet_loc(&self) -> Loc {
        Loc::file(format!("{}!{}", self.book, self.name))
    }

    /// The cell as text (trimmed, line breaks normalised); `None` when empty.
    fn text(&self, r: u32, c: u16) -> Option<String> {
        let s = match self.get(r, c) {
            Data::Empty => return None,
            Data::String(s) => s.replace("\r\n", "\n").replace('\r', "\n"),
            Data::Float(f) => numerals::shortest(*f),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Data::DateTime(d) => {
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{day:02}")
            }
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        };
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    }

    /// A number cell: `Ok(None)` when empty; `Err(text)` when it holds something else.
    fn number(&self, r: u32, c: u16) -> Result<Option<f64>, String> {
        match self.get(r, c) {
            Data::Empty => Ok(None),
            Data::Float(f) if f.is_finite() => Ok(Some(*f)),
            Data::Int(i) => Ok(Some(*i as f64)),
            _ => {
                let Some(t) = self.text(r, c) else { return Ok(None) };
                numerals::parse_typed(&t).map(Some).ok_or(t)
            }
        }
    }
}

/// Parses the 报送日期 cell.
fn parse_date(d: &Data, text: &str) -> Option<Date> {
    match d {
        Data::DateTime(dt) => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            Date::parse(&format!("{y:04}-{m:02}-{day:02}"))
        }
        // A date typed into a cell whose format Excel did not mark as a date.
        Data::Float(f) if (20_000.0..80_000.0).contains(f) => {
            Some(Date { year: 1899, month: 12, day: 30 }.add_days(f.floor() as i64))
        }
        Data::Int(i) if (20_000..80_000).contains(i) => Some(Date { year: 1899, month: 12, day: 30 }.add_days(*i)),
        _ => {
            let t = text.split(['T', ' ']).next().unwrap_or(text).replace(['.', '．'], "-");
            Date::parse(&t)
        }
    }
}

/// Parses a 形象进度 node: `Q3`, `q3`, `三季度`, `第三季度`.
fn parse_milestone(s: &str) -> Option<&'static str> {
    let t = s.trim().trim_start_matches('第');
    Some(match t {
        "Q1" | "q1" | "一季度" | "1季度" => "Q1",
        "Q2" | "q2" | "二季度" | "2季度" => "Q2",
        "Q3" | "q3" | "三季度" | "3季度" => "Q3",
        "Q4" | "q4" | "四季度" | "4季度" => "Q4",
        _ => return None,
    })
}

/// True for a cell that is empty or holds the form's `—` placeholder.
fn is_blank(t: &Option<String>) -> bool {
    t.as_deref().is_none_or(|s| matches!(s, "—" | "-" | "－" | "/"))
}

/// Reads one filled form. Problems go to `diags`; `None` when the form has errors.
///
/// `want`: the period given on the command line, if any. `prev_completed`: tasks already
/// 已完成 before the form's period (they may be left blank without a warning).
///
/// The steps, each stopping the read when it finds an error: open the workbook and its two
/// sheets ([`open_form`]), whose form it is ([`form_identity`]), the header row
/// ([`check_header`]), the task rows by their hidden keys ([`find_rows`]); then the contact block
/// ([`read_contact`]) and each task ([`read_task`]).
pub fn read_form(
    path: &Path,
    ds: &Dataset,
    want: Option<Period>,
    prev_completed: &dyn Fn(Period) -> Vec<u32>,
    diags: &mut Diagnostics,
) -> Option<ReadForm> {
    let book = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let before = diags.error_count();
    let (meta_range, range) = open_form(path, &book, diags)?;
    let m = Sheet { range: &meta_range, book: &book, name: super::META_SHEET };
    let s = Sheet { range: &range, book: &book, name: super::FORM_SHEET };
    let (unit, period) = form_identity(&m, &s, path, ds, want, diags)?;
    check_header(&s, diags)?;
    let expected = form_rows(&ds.plan, &unit);
    let (found, missing_tasks) = find_rows(&s, &expected, &unit, diags);
    let contact = read_contact(&s, ds, period, diags);
    let completed = prev_completed(period);
    let mut entries = Vec::new();
    for group in expected.chunk_by(|a, b| a.task.number == b.task.number) {
        if missing_tasks.contains(&group[0].task.number) {
            continue;
        }
        if let Some(entry) = read_task(&s, &unit, group, &found, &completed, diags) {
            entries.push(entry);
        }
    }
    if entries.is_empty() && missing_tasks.is_empty() && diags.error_count() == before {
        diags.push(
            Diagnostic::error("表格中没有填写任何任务的进展")
                .at(s.sheet_loc())
                .hint("在“进展填报”工作表的白色单元格中填写后再导入"),
        );
    }
    if diags.error_count() > before {
        return None;
    }
    Some(ReadForm {
        path: path.to_path_buf(),
        book,
        unit: unit.clone(),
        period,
        report: RawReport {
            unit,
            period: period.to_string(),
            submitted: contact.submitted?.to_string(),
            contact: contact.name,
            phone: contact.phone,
            reviewed_by: contact.reviewer,
            entries,
        },
    })
}

/// The workbook's hidden `ducha` sheet and its form sheet; `None` (with the reason) when the file
/// is missing, unreadable, or not a form ducha made.
fn open_form(path: &Path, book: &str, diags: &mut Diagnostics) -> Option<(Range<Data>, Range<Data>)> {
    let before = diags.error_count();
    let book_loc = Loc::file(book);
    if !path.is_file() {
        diags.push(Diagnostic::error(format!("找不到文件 {}", path.display())).at(book_loc));
        return None;
    }
    let mut wb = match open_workbook_auto(path) {
        Ok(w) => w,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("无法读取 Excel 文件：{e}"))
                    .at(book_loc)
                    .hint("用 ducha forms 生成的 .xlsx 表格填报；WPS 保存时选择“Excel 工作簿(*.xlsx)”"),
            );
            return None;
        }
    };
    let names = wb.sheet_names();
    let has = |n: &str| names.iter().any(|s| s == n);
    if !has(super::META_SHEET) {
        diags.push(
            Diagnostic::error("不是 ducha 生成的填报表：缺少隐藏的核对信息（工作表 “ducha”）")
                .at(book_loc.clone())
                .hint("用 ducha forms 生成的表格填报，不要把内容复制到新建的工作簿"),
        );
    }
    if !has(super::FORM_SHEET) {
        let visible: Vec<&str> =
            names.iter().map(String::as_str).filter(|n| *n != super::META_SHEET && *n != super::GUIDE_SHEET).collect();
        let mut d = Diagnostic::error(format!("找不到工作表 “{}”（工作表被改名或删除）", super::FORM_SHEET))
            .at(book_loc.clone());
        if !visible.is_empty() {
            d = d.hint(format!("现有工作表：{}；把填报的工作表名称改回 “{}”", visible.join("、"), super::FORM_SHEET));
        }
        diags.push(d);
    }
    if diags.error_count() > before {
        return None;
    }
    let meta_range = match wb.worksheet_range(super::META_SHEET) {
        Ok(r) => r,
        Err(e) => {
            diags.push(Diagnostic::error(format!("无法读取工作表 “ducha”：{e}")).at(book_loc));
            return None;
        }
    };
    match wb.worksheet_range(super::FORM_SHEET) {
        Ok(r) => Some((meta_range, r)),
        Err(e) => {
            diags.push(Diagnostic::error(format!("无法读取工作表 “{}”：{e}", super::FORM_SHEET)).at(book_loc));
            None
        }
    }
}

/// The unit and period the form was made for (hidden sheet): a form of this program's version or
/// older, a lead unit of the plan, a quarter of the plan year (and the one asked for), in a file
/// not named after another unit.
fn form_identity(
    m: &Sheet,
    s: &Sheet,
    path: &Path,
    ds: &Dataset,
    want: Option<Period>,
    diags: &mut Diagnostics,
) -> Option<(String, Period)> {
    let before = diags.error_count();
    if m.text(meta::KIND.0, meta::KIND.1).as_deref() != Some(super::FORM_KIND) {
        diags.push(
            Diagnostic::error("不是 ducha 生成的填报表：核对信息已被改动")
                .at(m.loc(meta::KIND.0, meta::KIND.1))
                .hint("用 ducha forms 重新生成表格后填报"),
        );
        return None;
    }
    let version = m.number(meta::VERSION.0, meta::VERSION.1).ok().flatten().unwrap_or(0.0);
    if version > f64::from(super::FORM_VERSION) {
        diags.push(
            Diagnostic::error(format!("表格版本 {version} 比本程序支持的版本 {} 新", super::FORM_VERSION))
                .at(m.loc(meta::VERSION.0, meta::VERSION.1))
                .hint("升级 ducha 后再导入"),
        );
        return None;
    }
    let unit = m.text(meta::UNIT.0, meta::UNIT.1).unwrap_or_default();
    let period_text = m.text(meta::PERIOD.0, meta::PERIOD.1).unwrap_or_default();
    let unit_loc = s.loc(super::UNIT_CELL.0, super::UNIT_CELL.1);
    let period_loc = s.loc(super::PERIOD_CELL.0, super::PERIOD_CELL.1);
    let lead_units = ds.plan.lead_units();
    if !lead_units.contains(&unit.as_str()) {
        let mut d = Diagnostic::error(format!("表格的填报单位 “{unit}” 不是计划中的牵头单位")).at(unit_loc.clone());
        if let Some(best) = closest(&unit, lead_units.iter().copied()) {
            d = d.hint(format!("是否应为 “{best}” 的表格？"));
        }
        diags.push(d.hint("用 ducha forms 按现行计划重新生成表格"));
    }
    let period = Period::parse(&period_text);
    match period {
        None => diags.push(
            Diagnostic::error(format!("表格的填报期间 “{period_text}” 无法识别"))
                .at(period_loc.clone())
                .hint("用 ducha forms 重新生成表格"),
        ),
        Some(p) if p.year != ds.plan.year => diags.push(
            Diagnostic::error(format!("表格是 {p} 的填报表，不在计划年度 {} 年内", ds.plan.year))
                .at(period_loc.clone())
                .hint("确认表格年份；用 ducha forms 生成本年度的表格"),
        ),
        Some(p) => {
            if let Some(w) = want.filter(|w| *w != p) {
                diags.push(
                    Diagnostic::error(format!("表格是 {p} 的填报表，与 --period {w} 不符"))
                        .at(period_loc.clone())
                        .hint(format!("让单位用 {w} 的表格重新填报（ducha forms --period {w}），或改用 --period {p}")),
                );
            }
        }
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    // Forms are saved as `<file_name(unit)>.xlsx` (crate::names): a unit named with `/` is
    // recognised by its file-name form too.
    let names_unit = |u: &str| stem.contains(u) || stem.contains(crate::names::file_name(u).as_str());
    if stem != unit && !names_unit(&unit) {
        if let Some(other) = lead_units.iter().find(|u| names_unit(u) && **u != unit) {
            diags.push(
                Diagnostic::error(format!("文件名是 “{other}” 的，表格却是 {unit} 的填报表"))
                    .at(unit_loc.clone())
                    .hint(format!("确认报送单位：{other} 应使用自己的表格填报；表格中的单位不能更改")),
            );
        }
    }
    if diags.error_count() > before {
        return None;
    }
    Some((unit, period?))
}

/// The header row: columns inserted, deleted or moved break everything below.
fn check_header(s: &Sheet, diags: &mut Diagnostics) -> Option<()> {
    let before = diags.error_count();
    for (c, want_h) in FORM_HEADERS.iter().enumerate() {
        let c = c as u16;
        let got = s.text(row::HEADER, c).unwrap_or_default();
        if got != *want_h {
            diags.push(
                Diagnostic::error(format!("表头应为 “{want_h}”，实际为 “{got}”（列被插入、删除或移动）"))
                    .at(s.loc(row::HEADER, c))
                    .hint("不要插入、删除或移动列；用原表格重新填写"),
            );
        }
    }
    (diags.error_count() == before).then_some(())
}

/// The sheet row of each expected row key (rows found by their hidden key, so sorting the sheet
/// is harmless), and the tasks some of whose rows are missing. Rows without a key that hold
/// something, unknown keys and copied rows are errors.
fn find_rows(
    s: &Sheet,
    expected: &[FormRow<'_>],
    unit: &str,
    diags: &mut Diagnostics,
) -> (HashMap<String, u32>, Vec<u32>) {
    let expected_keys: Vec<String> = expected.iter().map(|r| r.key()).collect();
    let mut found: HashMap<String, u32> = HashMap::new();
    let last_row = s.range.end().map(|(r, _)| r).unwrap_or(0);
    for r in row::FIRST_DATA..=last_row.max(row::FIRST_DATA) {
        let Some(k) = s.text(r, col::KEY) else {
            if let Some(c) = (col::PROGRESS..=col::ADJUSTMENT).find(|c| !is_blank(&s.text(r, *c))) {
                diags.push(
                    Diagnostic::error(format!("第 {} 行不是表格生成的任务行（缺少行标识），其中的内容无法导入", r + 1))
                        .at(s.loc(r, c))
                        .hint("不要插入行；把内容填到对应任务的行里"),
                );
            }
            continue;
        };
        let known = parse_row_key(&k).map(|(t, i)| super::row_key(t, i)).filter(|k| expected_keys.contains(k));
        match known {
            None => diags.push(
                Diagnostic::error(format!("行标识 “{k}” 与 {unit} 牵头的任务不符"))
                    .at(s.loc(r, col::KEY))
                    .hint("表格不是按现行计划生成的，或行被复制、移动；用 ducha forms 重新生成表格"),
            ),
            Some(k) => {
                if let Some(first) = found.insert(k.clone(), r) {
                    diags.push(
                        Diagnostic::error(format!("第 {} 行与第 {} 行是同一任务行（行被复制）", r + 1, first + 1))
                            .at(s.loc(r, col::KEY))
                            .hint("删除复制出的行，或用原表格重新填写"),
                    );
                }
            }
        }
    }
    let mut missing_tasks = Vec::new();
    for fr in expected {
        if !found.contains_key(&fr.key()) {
            let what = match fr.target {
                Some(i) if fr.task.targets.len() > 1 => format!("的第 {} 个指标（{}）", i + 1, fr.task.targets[i].text),
                _ => String::new(),
            };
            diags.push(
                Diagnostic::error(format!(
                    "缺少第 {} 项任务（{}）{what}所在的行（行被删除？）",
                    fr.task.number, fr.task.title
                ))
                .at(s.sheet_loc())
                .hint("不要删除行；用 ducha forms 生成的原表格重新填写"),
            );
            missing_tasks.push(fr.task.number);
        }
    }
    (found, missing_tasks)
}

/// The contact block above the table.
struct Contact {
    name: Option<String>,
    phone: Option<String>,
    reviewer: Option<String>,
    /// 报送日期, `None` (with an error) when empty, unreadable or outside the reporting window.
    submitted: Option<Date>,
}

fn read_contact(s: &Sheet, ds: &Dataset, period: Period, diags: &mut Diagnostics) -> Contact {
    let text_of = |c: (u32, u16)| s.text(c.0, c.1);
    let date_cell = s.get(contact::DATE.0, contact::DATE.1);
    let date_loc = s.loc(contact::DATE.0, contact::DATE.1);
    let example = ds.office.deadline(period);
    let submitted = match text_of(contact::DATE) {
        None => {
            diags.push(
                Diagnostic::error("报送日期为空")
                    .at(date_loc)
                    .hint(format!("在表头下方的“报送日期”栏填写日期，如 {example}")),
            );
            None
        }
        Some(t) => match parse_date(date_cell, &t) {
            None => {
                diags.push(
                    Diagnostic::error(format!("报送日期 “{t}” 无法识别"))
                        .at(date_loc)
                        .hint(format!("日期写成 {example}")),
                );
                None
            }
            Some(d) if d < period.start() || d > period.end().add_days(90) => {
                diags.push(Diagnostic::error(format!("报送日期 {d} 不在 {period} 的报送时段内")).at(date_loc).hint(
                    format!(
                        "{period} 的报告应在 {} 至 {} 之间报送；检查年份和月份",
                        period.start(),
                        period.end().add_days(90)
                    ),
                ));
                None
            }
            Some(d) => Some(d),
        },
    };
    Contact {
        name: text_of(contact::NAME),
        phone: text_of(contact::PHONE),
        reviewer: text_of(contact::REVIEWER),
        submitted,
    }
}

/// One task's rows (`group`: the task's expected rows, one per target): `None` when it was left
/// blank (a warning, unless the task was completed before) or has an error.
fn read_task(
    s: &Sheet,
    unit: &str,
    group: &[FormRow<'_>],
    found: &HashMap<String, u32>,
    completed: &[u32],
    diags: &mut Diagnostics,
) -> Option<RawEntry> {
    let task = group[0].task;
    let r0 = found[&group[0].key()];
    let t = |c: u16| s.text(r0, c);
    let progress = t(col::PROGRESS);
    let claim = t(col::CLAIM);
    let stage_text = t(col::STAGE);
    let problems = t(col::PROBLEMS);
    let next_steps = t(col::NEXT_STEPS);
    let evidence_text = t(col::EVIDENCE);
    let adjustment = t(col::ADJUSTMENT);
    let rows: Vec<(Option<usize>, u32)> = group.iter().map(|fr| (fr.target, found[&fr.key()])).collect();
    let (values, any_value) = read_values(s, task, &rows, diags);
    let filled = any_value
        || [&progress, &claim, &problems, &next_steps, &evidence_text, &adjustment].iter().any(|x| x.is_some())
        || !is_blank(&stage_text);
    if !filled {
        if !completed.contains(&task.number) {
            diags.push(
                Diagnostic::warning(format!(
                    "{unit} 未填写第 {} 项任务（{}），本期视为未报送该任务",
                    task.number, task.title
                ))
                .at(s.loc(r0, col::PROGRESS)),
            );
        }
        return None;
    }
    let Some(progress) = progress else {
        diags.push(
            Diagnostic::error(format!("第 {} 项任务（{}）的进展情况为空", task.number, task.title))
                .at(s.loc(r0, col::PROGRESS))
                .hint("用数据说明本季度的进展；尚未启动的也要写明原因"),
        );
        return None;
    };
    if let Some(c) = &claim {
        if Status::parse(c).is_none() {
            let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
            let mut d = Diagnostic::error(format!("单位自评 “{c}” 不是有效的状态")).at(s.loc(r0, col::CLAIM));
            if let Some(best) = closest(c, labels.iter().copied()) {
                d = d.hint(format!("是否应为 “{best}”？"));
            }
            diags.push(d.hint(format!("从下拉列表选择：{}", labels.join("、"))));
        }
    }
    let (milestone, percent) = read_stage(s, r0, task, stage_text.as_deref(), diags);
    let evidence: Vec<String> = evidence_text
        .map(|e| e.split(['\n', ';', '；']).map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect())
        .unwrap_or_default();
    Some(RawEntry {
        task: task.number,
        claim,
        progress: format!("{progress}\n"),
        values,
        milestone,
        percent,
        adjustment,
        problems,
        next_steps,
        evidence,
        coordination: Vec::new(),
    })
}

/// The 完成数值 of each of the task's rows (`rows`: target index, sheet row), and whether any
/// value cell holds anything: numbers only, not absurdly large, and nothing in the row of a task
/// without numeric targets.
fn read_values(
    s: &Sheet,
    task: &Task,
    rows: &[(Option<usize>, u32)],
    diags: &mut Diagnostics,
) -> (Vec<RawValue>, bool) {
    let mut values = Vec::new();
    let mut any_value = false;
    for &(target, r) in rows {
        match target {
            Some(k) => match s.number(r, col::VALUE) {
                Ok(None) => {}
                Ok(Some(v)) if v.abs() >= 1e15 => {
                    any_value = true;
                    diags.push(
                        Diagnostic::error(format!("第 {} 项任务的完成数值 {v} 过大", task.number))
                            .at(s.loc(r, col::VALUE))
                            .hint("核对数值和单位"),
                    );
                }
                Ok(Some(v)) => {
                    any_value = true;
                    values.push(RawValue { target: k as u32 + 1, value: v });
                }
                Err(text) => {
                    any_value = true;
                    diags.push(
                        Diagnostic::error(format!(
                            "第 {} 项任务 “{}” 的完成数值应为数字，实际为 “{text}”",
                            task.number, task.targets[k].text
                        ))
                        .at(s.loc(r, col::VALUE))
                        .hint("只填数字（累计数），不带单位、百分号和文字；说明写在进展情况里"),
                    );
                }
            },
            None => {
                let v = s.text(r, col::VALUE);
                if !is_blank(&v) {
                    any_value = true;
                    diags.push(
                        Diagnostic::error(format!("第 {} 项任务没有数值指标，完成数值栏应为空", task.number))
                            .at(s.loc(r, col::VALUE))
                            .hint("进展写在进展情况里"),
                    );
                }
            }
        }
    }
    (values, any_value)
}

/// The 形象进度 cell, read as the task's [`Stage`] says: a milestone node, a self-reported
/// percentage, or nothing (the task is judged by its figures).
fn read_stage(
    s: &Sheet,
    r0: u32,
    task: &Task,
    stage_text: Option<&str>,
    diags: &mut Diagnostics,
) -> (Option<String>, Option<f64>) {
    let Some(x) = stage_text else { return (None, None) };
    match Stage::of(task) {
        Stage::Milestone => match parse_milestone(x) {
            Some(q) => return (Some(q.to_string()), None),
            None => diags.push(
                Diagnostic::error(format!("形象进度节点 “{x}” 无法识别"))
                    .at(s.loc(r0, col::STAGE))
                    .hint("从下拉列表选择已达到的计划节点 Q1、Q2、Q3 或 Q4；未达到任何节点则留空"),
            ),
        },
        Stage::Percent => {
            let v = s
                .number(r0, col::STAGE)
                .ok()
                .flatten()
                .or_else(|| numerals::parse_typed(x.trim_end_matches(['%', '％'])));
            match v {
                Some(v) if (0.0..=100.0).contains(&v) => return (None, Some(v)),
                _ => diags.push(
                    Diagnostic::error(format!("自报完成进度 “{x}” 应为 0 到 100 之间的数字"))
                        .at(s.loc(r0, col::STAGE))
                        .hint("填百分比的数字部分，如 60"),
                ),
            }
        }
        Stage::NotUsed => {
            if !is_blank(&Some(x.to_string())) {
                diags.push(
                    Diagnostic::error(format!("第 {} 项任务按数值指标评价，形象进度栏应为空", task.number))
                        .at(s.loc(r0, col::STAGE))
                        .hint("把完成情况填在完成数值栏"),
                );
            }
        }
    }
    (None, None)
}

// ---------------------------------------------------------------------------------------------
// YAML

/// True when `s` can be written as a plain YAML scalar and reads back as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.trim() != s
        || s.chars().any(|c| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
    {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~") {
        return false;
    }
    // Numbers and the like: plain only when the parser reads it back as this very string
    // (`0635-7321456` and `2023Q3` are strings, `13812345678` and `1e3` are not).
    // (Read with the parser `ducha check` uses; resolving into a JSON value keeps its typing.)
    matches!(serde_saphyr::from_str::<serde_json::Value>(s), Ok(serde_json::Value::String(v)) if v == s)
}

/// A double-quoted YAML scalar.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A single-line scalar: plain when safe, else double-quoted.
fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// True when `s` (without its final newline) can be a literal block scalar.
fn block_ok(s: &str) -> bool {
    let first = s.lines().next().unwrap_or("");
    !s.is_empty()
        && !first.starts_with([' ', '\t'])
        && !s.starts_with('\n')
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
        && s.lines().all(|l| l.is_empty() || !l.trim().is_empty())
        && s.lines().all(|l| l.trim_end() == l)
}

/// Writes `key: value` at `indent`. `keep` = the value ends with one newline (`|`), else it has
/// none (`|-`); multi-line values become literal blocks so Markdown paragraphs stay as typed.
fn field(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    let body = value.strip_suffix('\n').unwrap_or(value);
    let keep = value.ends_with('\n');
    let multiline = keep || body.contains('\n');
    if multiline && block_ok(body) && !body.ends_with('\n') {
        let _ = writeln!(out, "{pad}{key}: {}", if keep { "|" } else { "|-" });
        for line in body.split('\n') {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{pad}  {line}");
            }
        }
    } else {
        let _ = writeln!(out, "{pad}{key}: {}", scalar(value));
    }
}

/// The report as YAML text in the bundled files' style: a heading comment, keys in the order of
/// [`RawReport`], a `# 第N项 短标题` comment above each entry, Markdown as `|` blocks.
pub fn report_yaml(r: &RawReport, plan: &Plan, source: &str) -> Result<String, ReportYamlError> {
    let mut out = String::new();
    let period = Period::parse(&r.period);
    let when = period.map(|p| format!("{}年{}", p.year, p.chinese_quarter())).unwrap_or_else(|| r.period.clone());
    let _ = writeln!(out, "# {} {when}重点工作任务进展情况", r.unit);
    let _ = writeln!(out, "# 由 ducha import 从 {source} 导入");
    field(&mut out, 0, "unit", &r.unit);
    field(&mut out, 0, "period", &r.period);
    // The date as the bundled files write it (plain; read back as a string).
    if Date::parse(&r.submitted).is_some_and(|d| d.to_string() == r.submitted) {
        let _ = writeln!(out, "submitted: {}", r.submitted);
    } else {
        field(&mut out, 0, "submitted", &r.submitted);
    }
    for (k, v) in [("contact", &r.contact), ("phone", &r.phone), ("reviewed_by", &r.reviewed_by)] {
        if let Some(v) = v {
            field(&mut out, 0, k, v);
        }
    }
    out.push_str("entries:\n");
    for e in &r.entries {
        if let Some(t) = plan.task(e.task) {
            let _ = writeln!(out, "  # 第{}项 {}", e.task, t.title.replace('\n', " "));
        }
        let _ = writeln!(out, "  - task: {}", e.task);
        if let Some(c) = &e.claim {
            field(&mut out, 4, "claim", c);
        }
        field(&mut out, 4, "progress", &e.progress);
        if !e.values.is_empty() {
            out.push_str("    values:\n");
            for v in &e.values {
                let _ = writeln!(out, "      - target: {}", v.target);
                let _ = writeln!(out, "        value: {}", numerals::shortest(v.value));
            }
        }
        if let Some(m) = &e.milestone {
            field(&mut out, 4, "milestone", m);
        }
        if let Some(p) = e.percent {
            let _ = writeln!(out, "    percent: {}", numerals::shortest(p));
        }
        for (k, v) in [("adjustment", &e.adjustment), ("problems", &e.problems), ("next_steps", &e.next_steps)] {
            if let Some(v) = v {
                field(&mut out, 4, k, v);
            }
        }
        if !e.evidence.is_empty() {
            out.push_str("    evidence:\n");
            for x in &e.evidence {
                let _ = writeln!(out, "      - {}", scalar(x));
            }
        }
        if !e.coordination.is_empty() {
            out.push_str("    coordination:\n");
            for c in &e.coordination {
                let _ = writeln!(out, "      - level: {}", scalar(&c.level));
                field(&mut out, 8, "text", &c.text);
            }
        }
    }
    // Read it back: what is written must be exactly what was read from the form.
    let back: RawReport = serde_saphyr::from_str(&out).map_err(ReportYamlError::Unreadable)?;
    if back != *r {
        return Err(ReportYamlError::Differs(r.unit.clone()));
    }
    Ok(out)
}

/// The report YAML did not read back as the report it was written from: a bug of the writer,
/// caught before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum ReportYamlError {
    #[error("生成的 YAML 无法读回（程序错误）")]
    Unreadable(#[source] serde_saphyr::Error),
    #[error("生成的 YAML 与表格内容不一致（程序错误）：{0}")]
    Differs(String),
}

/// An import that failed for a reason other than the data (those are diagnostics in the
/// [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Name(#[from] crate::names::NameError),
    #[error(transparent)]
    Yaml(#[from] ReportYamlError),
    /// A file operation failed while writing; every touched file was put back as far as possible
    /// (`rollback` says how far).
    #[error("{rollback}")]
    Interrupted {
        rollback: String,
        #[source]
        cause: FileError,
    },
}

/// A file operation of the import's write step.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("无法读取 {}", .0.display())]
    Read(PathBuf, #[source] std::io::Error),
    #[error("无法写入备份 {}", .0.display())]
    Backup(PathBuf, #[source] std::io::Error),
    #[error("无法删除 {}", .0.display())]
    Remove(PathBuf, #[source] std::io::Error),
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
}

// ---------------------------------------------------------------------------------------------
// The import as a whole

/// Options of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The data directory.
    pub data: PathBuf,
    /// Only accept forms for this period.
    pub period: Option<Period>,
    /// Replace existing reports (after a backup).
    pub replace: bool,
}

/// One report written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The workbook's file name.
    pub book: String,
    pub unit: String,
    pub period: Period,
    /// The YAML file written.
    pub path: PathBuf,
    /// Number of tasks in the report.
    pub entries: usize,
    /// Backups of the reports it replaced.
    pub backups: Vec<PathBuf>,
}

/// The result of an import.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Reports written (empty when there were errors).
    pub written: Vec<Written>,
    /// Every error and warning.
    pub diagnostics: Diagnostics,
    /// Texts of data files, for rendering diagnostics that point into them.
    pub sources: SourceMap,
    /// Files a rollback could not put back (path and reason); empty when every file is as before.
    pub unrestored: Vec<String>,
}

impl Outcome {
    /// True when the import went through.
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

/// What was on disk before the import touched a path, to put it back.
struct Undo {
    path: PathBuf,
    before: Option<Vec<u8>>,
}

/// The first free `<name>.bak-<n>` beside `path`.
fn backup_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (1..).map(|n| path.with_file_name(format!("{name}.bak-{n}"))).find(|p| !p.exists()).expect("a free name")
}

/// Puts every touched path back as it was; returns every path it could not put back, with the
/// reason. The backups made are removed only when everything was restored: otherwise they may be
/// the only copy left, and they stay.
fn restore(undo: &[Undo], backups: &[PathBuf]) -> Vec<String> {
    let mut failed = Vec::new();
    for u in undo.iter().rev() {
        let res = match &u.before {
            Some(bytes) => crate::fsutil::write_durable(&u.path, bytes).map_err(|e| crate::diag::causes(&e)),
            None => match std::fs::remove_file(&u.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
                _ => Ok(()),
            },
        };
        if let Err(e) = res {
            failed.push(format!("{}（{e}）", u.path.display()));
        }
    }
    if failed.is_empty() {
        for b in backups {
            let _ = std::fs::remove_file(b);
        }
    }
    failed
}

/// The message after a rollback: “已恢复原有文件” only when every file was put back; otherwise
/// every file not restored and where the backups are.
fn rollback_message(what: &str, failed: &[String], backups: &[PathBuf]) -> String {
    if failed.is_empty() {
        return format!("{what}，已恢复原有文件");
    }
    let mut msg = format!("{what}；以下 {} 个文件未能恢复：{}", failed.len(), failed.join("、"));
    if !backups.is_empty() {
        let list: Vec<String> = backups.iter().map(|b| b.display().to_string()).collect();
        msg.push_str(&format!("。原文件的备份保留在：{}，请手工复原", list.join("、")));
    }
    msg
}

/// Imports `files` into the data directory: all or nothing.
pub fn import(files: &[PathBuf], opts: &ImportOptions) -> Result<Outcome, ImportError> {
    let mut out = Outcome::default();
    let checked = crate::data::check(&opts.data);
    out.sources = checked.sources;
    let Some(ds) = checked.dataset else {
        out.diagnostics = checked.diagnostics;
        out.diagnostics.push(
            Diagnostic::error(format!("数据目录 {} 有错误，无法导入", opts.data.display()))
                .hint("先用 ducha check 修正数据中的错误"),
        );
        return Ok(out);
    };
    let paths: HashMap<String, PathBuf> = checked.files.into_iter().collect();

    // Tasks already completed before a period: they may be left blank.
    let prev_completed = |p: Period| -> Vec<u32> {
        super::forms::previous(&ds, p)
            .map(|ps| ps.tasks.iter().filter(|t| t.status == Status::Completed).map(|t| t.task).collect())
            .unwrap_or_default()
    };

    let mut diags = Diagnostics::default();
    let mut forms: Vec<ReadForm> = Vec::new();
    for f in files {
        if let Some(form) = read_form(f, &ds, opts.period, &prev_completed, &mut diags) {
            forms.push(form);
        }
    }

    // One form per unit and period.
    let mut seen: HashMap<(String, Period), String> = HashMap::new();
    for f in &forms {
        if let Some(other) = seen.insert((f.unit.clone(), f.period), f.book.clone()) {
            diags.push(
                Diagnostic::error(format!("{} 的 {} 填报表重复（另见 {other}）", f.unit, f.period))
                    .at(Loc::file(f.book.clone()))
                    .hint("每个单位每期只导入一份表格"),
            );
        }
    }

    // Existing reports.
    let mut plans: Vec<(usize, PathBuf, Vec<PathBuf>)> = Vec::new();
    for (k, f) in forms.iter().enumerate() {
        let dir = opts.data.join("reports").join(f.period.to_string());
        let target = crate::names::join_inside(&dir, &format!("{}.yaml", crate::names::file_name(&f.unit)))?;
        let mut existing: Vec<PathBuf> = ds
            .reports_for(f.period)
            .iter()
            .filter(|r| r.unit == f.unit)
            .filter_map(|r| paths.get(&r.file).cloned())
            .collect();
        if target.exists() && !existing.iter().any(|p| same_file(p, &target)) {
            existing.push(target.clone());
        }
        existing.sort();
        existing.dedup();
        if !existing.is_empty() && !opts.replace {
            let list: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
            diags.push(
                Diagnostic::error(format!("{} 的 {} 报告已存在：{}", f.unit, f.period, list.join("、")))
                    .at(Loc::file(f.book.clone()))
                    .hint("确认要用表格内容替换时加 --replace（原文件先备份为 .bak-N）"),
            );
        }
        plans.push((k, target, existing));
    }
    if diags.has_errors() {
        out.diagnostics = diags;
        return Ok(out);
    }

    // The YAML texts, before touching the disk.
    // The form has no column for 需协调事项: those the replaced report raised stay in the record.
    let mut texts = Vec::new();
    for f in &forms {
        let mut report = f.report.clone();
        for old in ds.reports_for(f.period).iter().filter(|r| r.unit == f.unit) {
            crate::orders::keep_coordination(&mut report, &crate::orders::raised_in(old));
        }
        texts.push(report_yaml(&report, &ds.plan, &f.book)?);
    }

    // Write: back up, replace, write.
    let mut undo: Vec<Undo> = Vec::new();
    let mut backups: Vec<PathBuf> = Vec::new();
    let mut written = Vec::new();
    let result: Result<(), FileError> = (|| {
        for ((k, target, existing), text) in plans.iter().zip(&texts) {
            let f = &forms[*k];
            let mut mine = Vec::new();
            for old in existing {
                let bytes = std::fs::read(old).map_err(|e| FileError::Read(old.clone(), e))?;
                let bak = backup_path(old);
                std::fs::write(&bak, &bytes).map_err(|e| FileError::Backup(bak.clone(), e))?;
                backups.push(bak.clone());
                mine.push(bak);
                if !same_file(old, target) {
                    undo.push(Undo { path: old.clone(), before: Some(bytes) });
                    std::fs::remove_file(old).map_err(|e| FileError::Remove(old.clone(), e))?;
                }
            }
            // A target that exists but cannot be read must not be treated as absent: the rollback
            // would delete it.
            let before = match std::fs::read(target) {
                Ok(b) => Some(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(FileError::Read(target.clone(), e)),
            };
            undo.push(Undo { path: target.clone(), before });
            crate::fsutil::write_durable(target, text.as_bytes())?;
            written.push(Written {
                book: f.book.clone(),
                unit: f.unit.clone(),
                period: f.period,
                path: target.clone(),
                entries: f.report.entries.len(),
                backups: mine,
            });
        }
        Ok(())
    })();
    if let Err(cause) = result {
        let failed = restore(&undo, &backups);
        return Err(ImportError::Interrupted { rollback: rollback_message("导入中断", &failed, &backups), cause });
    }

    // The data directory as a whole must still be valid.
    let after = crate::data::check(&opts.data);
    if after.diagnostics.has_errors() || after.dataset.is_none() {
        let failed = restore(&undo, &backups);
        let mut d = after.diagnostics;
        d.0.retain(Diagnostic::is_error);
        d.push(
            Diagnostic::error(rollback_message("导入后的数据未通过校验", &failed, &backups))
                .hint("按上面的提示修正表格后重新导入"),
        );
        out.diagnostics = d;
        out.sources = after.sources;
        out.unrestored = failed;
        return Ok(out);
    }
    // Warnings about the files just written (迟报, 自评与数值不符 …) and the forms.
    let names: Vec<String> = after
        .files
        .iter()
        .filter(|(_, p)| written.iter().any(|w: &Written| same_file(p, &w.path)))
        .map(|(n, _)| n.clone())
        .collect();
    let mut warnings = diags;
    for d in after.diagnostics.0 {
        if d.loc.as_ref().is_some_and(|l| names.contains(&l.file)) {
            warnings.push(d);
        }
    }
    out.diagnostics = warnings;
    out.sources = after.sources;
    out.written = written;
    Ok(out)
}

/// True when two paths name the same file (compared after canonicalising when possible).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new().prefix(&format!("ducha-unit-rollback-{name}-")).tempdir().unwrap()
    }

    #[test]
    fn rollback_restores_and_says_so() {
        let tmp = scratch("ok");
        let dir = tmp.path();
        let (old, new) = (dir.join("old.yaml"), dir.join("new.yaml"));
        std::fs::write(&old, "changed").unwrap();
        std::fs::write(&new, "written by the import").unwrap();
        let bak = dir.join("old.yaml.bak-1");
        std::fs::write(&bak, "before").unwrap();
        let undo =
            [Undo { path: old.clone(), before: Some(b"before".to_vec()) }, Undo { path: new.clone(), before: None }];
        let failed = restore(&undo, std::slice::from_ref(&bak));
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "before");
        assert!(!new.exists() && !bak.exists());
        assert_eq!(rollback_message("导入中断", &failed, &[bak]), "导入中断，已恢复原有文件");
    }

    #[test]
    fn rollback_reports_every_file_it_could_not_restore() {
        let tmp = scratch("fail");
        let dir = tmp.path();
        // A path under a regular file cannot be written; a non-empty directory cannot be removed
        // as a file. Both fail for root too.
        std::fs::write(dir.join("plain"), "x").unwrap();
        let unwritable = dir.join("plain/a.yaml");
        let busy = dir.join("busy.yaml");
        std::fs::create_dir_all(busy.join("inside")).unwrap();
        let fine = dir.join("fine.yaml");
        std::fs::write(&fine, "changed").unwrap();
        let bak = dir.join("a.yaml.bak-1");
        std::fs::write(&bak, "the only copy").unwrap();
        let undo = [
            Undo { path: unwritable.clone(), before: Some(b"before".to_vec()) },
            Undo { path: busy.clone(), before: None },
            Undo { path: fine.clone(), before: Some(b"before".to_vec()) },
        ];
        let failed = restore(&undo, std::slice::from_ref(&bak));
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(failed.iter().any(|f| f.contains("plain/a.yaml")), "{failed:?}");
        assert!(failed.iter().any(|f| f.contains("busy.yaml")), "{failed:?}");
        assert_eq!(std::fs::read_to_string(&fine).unwrap(), "before", "what can be restored is");
        assert!(bak.exists(), "the backup stays when a file was not restored");
        let msg = rollback_message("导入中断", &failed, std::slice::from_ref(&bak));
        assert!(!msg.contains("已恢复"), "{msg}");
        assert!(msg.contains("2 个文件未能恢复") && msg.contains("busy.yaml") && msg.contains("plain/a.yaml"), "{msg}");
        assert!(msg.contains(&bak.display().to_string()), "{msg}");
    }

    fn entry(progress: &str) -> RawEntry {
        RawEntry { task: 1, progress: progress.into(), ..RawEntry::default() }
    }

    #[test]
    fn yaml_round_trips_awkward_text() {
        let plan = Plan {
            title: "t".into(),
            doc_number: None,
            issuer: None,
            date: None,
            year: 2023,
            sections: vec![],
            tasks: vec![],
        };
        let mut e = entry("第一段 **加粗**：\n\n- 列表一\n- 列表二\n\n# 不是标题\n");
        e.problems = Some("yes".into());
        e.next_steps = Some("两行\n文字".into());
        e.adjustment = Some("  前导空格".into());
        e.claim = Some("序时推进".into());
        e.evidence = vec!["a: b.pdf".into(), "#1.pdf".into(), "普通.pdf".into()];
        e.values = vec![RawValue { target: 1, value: 12.4 }, RawValue { target: 2, value: 3.0 }];
        e.percent = Some(76.0);
        let mut e2 = entry("\"引号\" 和 \\ 反斜杠\t制表\n");
        e2.task = 2;
        let mut e3 = entry("  缩进开头\n   \n空白行\n");
        e3.task = 3;
        let r = RawReport {
            unit: "县科技局".into(),
            period: "2023Q3".into(),
            submitted: "2023-09-28".into(),
            contact: Some("王明".into()),
            phone: Some("0635-7321456".into()),
            reviewed_by: Some("13812345678".into()),
            entries: vec![e, e2, e3],
        };
        let y = report_yaml(&r, &plan, "x.xlsx").unwrap();
        assert!(y.contains("    progress: |\n      第一段 **加粗**：\n\n      - 列表一\n"), "{y}");
        assert!(y.contains("submitted: 2023-09-28\n"), "{y}");
    }

    #[test]
    fn dates_and_milestones() {
        assert_eq!(
            parse_date(&Data::String("2023.9.28".into()), "2023.9.28").map(|d| d.to_string()).as_deref(),
            Some("2023-09-28")
        );
        assert_eq!(parse_date(&Data::Float(45197.0), "").map(|d| d.to_string()).as_deref(), Some("2023-09-28"));
        assert_eq!(parse_milestone("第三季度"), Some("Q3"));
    }
}
