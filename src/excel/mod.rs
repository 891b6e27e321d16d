//! Excel in and out: the departments' report forms (`forms`), their returns read back into report
//! YAML (`import`), and the office's 工作台账 (`ledger`).
//!
//! Departments work in Excel or WPS, so ducha meets them there: [`forms`] writes one protected
//! workbook per lead unit with rust_xlsxwriter, [`import`] reads the filled workbooks with calamine
//! and writes `reports/<期间>/<单位>.yaml` in exactly the shape of [`crate::data::raw::RawReport`],
//! and [`ledger`] writes the year's task × quarter ledger with the status lights as cell colours.
//!
//! This module holds what the writer and the reader must agree on: sheet names, the column layout
//! of the form (the reader checks the header row against [`FORM_HEADERS`]), the row keys in the
//! hidden 行标识 column and the metadata sheet that identifies unit and period.

pub mod assess;
pub mod forms;
pub mod import;
pub mod ledger;

use crate::data::model::{Light, Plan, TargetKind, Task};

/// The sheet a unit fills in.
pub const FORM_SHEET: &str = "进展填报";
/// The instructions sheet.
pub const GUIDE_SHEET: &str = "填报说明";
/// The very hidden sheet that identifies the form (unit, period) for `ducha import`.
pub const META_SHEET: &str = "ducha";
/// The value of the metadata sheet's B1: marks a workbook as a ducha report form.
pub const FORM_KIND: &str = "ducha-report-form";
/// Layout version of the form, in the metadata sheet's B2.
pub const FORM_VERSION: u32 = 1;

/// Metadata sheet cells (row, column), 0-based: kind, version, unit, period.
pub mod meta {
    /// B1: [`super::FORM_KIND`].
    pub const KIND: (u32, u16) = (0, 1);
    /// B2: [`super::FORM_VERSION`].
    pub const VERSION: (u32, u16) = (1, 1);
    /// B3: the reporting unit.
    pub const UNIT: (u32, u16) = (2, 1);
    /// B4: the period, `2023Q3`.
    pub const PERIOD: (u32, u16) = (3, 1);
}

/// Columns of the 进展填报 sheet (0-based).
pub mod col {
    /// 任务编号 (prefilled)
    pub const TASK: u16 = 0;
    /// 任务 (prefilled)
    pub const TITLE: u16 = 1;
    /// 指标（目标） (prefilled)
    pub const TARGET: u16 = 2;
    /// 上期完成数值 (prefilled)
    pub const PREV_VALUE: u16 = 3;
    /// 上期状态 (prefilled)
    pub const PREV_STATUS: u16 = 4;
    /// 进展情况 (input, required)
    pub const PROGRESS: u16 = 5;
    /// 完成数值 (input, one per target row)
    pub const VALUE: u16 = 6;
    /// 形象进度 (input: Q1–Q4, or a percentage)
    pub const STAGE: u16 = 7;
    /// 单位自评 (input, list)
    pub const CLAIM: u16 = 8;
    /// 存在问题 (input)
    pub const PROBLEMS: u16 = 9;
    /// 下步打算 (input)
    pub const NEXT_STEPS: u16 = 10;
    /// 佐证材料 (input, one file name per line)
    pub const EVIDENCE: u16 = 11;
    /// 指标调整说明 (input, optional)
    pub const ADJUSTMENT: u16 = 12;
    /// 行标识 (hidden): `任务-指标`, e.g. `12-1`, `12-0` for a task without targets.
    pub const KEY: u16 = 13;
    /// The last column.
    pub const LAST: u16 = KEY;
}

/// Header texts of the 进展填报 sheet, by column.
pub const FORM_HEADERS: [&str; 14] = [
    "任务编号",
    "任务",
    "指标（目标）",
    "上期完成数值",
    "上期状态",
    "进展情况",
    "完成数值",
    "形象进度",
    "单位自评",
    "存在问题",
    "下步打算",
    "佐证材料",
    "指标调整说明",
    "行标识",
];

/// Rows of the 进展填报 sheet (0-based).
pub mod row {
    /// Title.
    pub const TITLE: u32 = 0;
    /// 填报单位 / 填报期间 / 报送截止.
    pub const INFO: u32 = 1;
    /// 联系人 / 联系电话 / 审核领导 / 报送日期.
    pub const CONTACT: u32 = 2;
    /// Column headers.
    pub const HEADER: u32 = 3;
    /// The first task row.
    pub const FIRST_DATA: u32 = 4;
}

/// Input cells of the contact block (row, column), 0-based.
pub mod contact {
    /// C3 联系人
    pub const NAME: (u32, u16) = (super::row::CONTACT, 2);
    /// F3 联系电话
    pub const PHONE: (u32, u16) = (super::row::CONTACT, 5);
    /// I3 审核领导 (merged I3:J3)
    pub const REVIEWER: (u32, u16) = (super::row::CONTACT, 8);
    /// L3 报送日期
    pub const DATE: (u32, u16) = (super::row::CONTACT, 11);
}

/// The cell that shows the unit (A2) and the period (C2) on the form.
pub const UNIT_CELL: (u32, u16) = (row::INFO, 0);
/// See [`UNIT_CELL`].
pub const PERIOD_CELL: (u32, u16) = (row::INFO, 2);

/// What the 形象进度 column takes for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The task has planned milestones: the highest reached, `Q1`…`Q4`.
    Milestone,
    /// No numeric target and no milestones: the unit's own percentage (0–100).
    Percent,
    /// The task is measured by its targets: not used.
    NotUsed,
}

impl Stage {
    /// What the 形象进度 column means for `task` (the status engine's rules, `status.rs`).
    pub fn of(task: &Task) -> Stage {
        if task.milestones.is_some() {
            Stage::Milestone
        } else if task.targets.iter().all(|t| t.kind == TargetKind::Text) {
            Stage::Percent
        } else {
            Stage::NotUsed
        }
    }
}

/// One row of a unit's form: a task and one of its targets (`None` for a task without targets).
#[derive(Debug, Clone, Copy)]
pub struct FormRow<'a> {
    pub task: &'a Task,
    /// 0-based target index.
    pub target: Option<usize>,
}

impl FormRow<'_> {
    /// The hidden row key, `12-1` (target 1 of task 12) or `12-0`.
    pub fn key(&self) -> String {
        row_key(self.task.number, self.target)
    }
}

/// The row key for task `task` and 0-based target `target`.
pub fn row_key(task: u32, target: Option<usize>) -> String {
    format!("{task}-{}", target.map_or(0, |t| t + 1))
}

/// Parses a row key into (task, 0-based target).
pub fn parse_row_key(key: &str) -> Option<(u32, Option<usize>)> {
    let (t, i) = key.trim().split_once('-')?;
    let task: u32 = t.parse().ok()?;
    let index: usize = i.parse().ok()?;
    Some((task, index.checked_sub(1)))
}

/// The rows of `unit`'s form: every task it leads, in plan order, one row per target.
pub fn form_rows<'a>(plan: &'a Plan, unit: &str) -> Vec<FormRow<'a>> {
    let mut rows = Vec::new();
    for task in plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == unit)) {
        if task.targets.is_empty() {
            rows.push(FormRow { task, target: None });
        } else {
            rows.extend((0..task.targets.len()).map(|i| FormRow { task, target: Some(i) }));
        }
    }
    rows
}

/// Excel column letters for a 0-based column: 0 → `A`, 27 → `AB`.
pub fn col_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// A1-style reference of a 0-based cell: (4, 5) → `F5`.
pub fn cell_name(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

/// Background colours (RGB).
pub mod colour {
    /// 绿灯
    pub const GREEN: u32 = 0xC6EFCE;
    /// 黄灯
    pub const YELLOW: u32 = 0xFFEB9C;
    /// 红灯
    pub const RED: u32 = 0xFFC7CE;
    /// Not evaluated (no reports yet).
    pub const GREY: u32 = 0xD9D9D9;
    /// Prefilled, locked cells.
    pub const PREFILLED: u32 = 0xF2F2F2;
    /// Header of prefilled columns.
    pub const HEADER: u32 = 0xD9E1F2;
    /// Header of input columns.
    pub const HEADER_INPUT: u32 = 0xFCE4D6;
}

/// The fill colour of a traffic light.
pub fn light_colour(light: Light) -> u32 {
    match light {
        Light::Green => colour::GREEN,
        Light::Yellow => colour::YELLOW,
        Light::Red => colour::RED,
    }
}

/// Makes a valid, unique Excel sheet name (at most 31 characters, none of `[]:*?/\`).
pub fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String =
        wanted.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).filter(|c| *c != '\'').collect();
    let base: String = clean.chars().take(31).collect();
    if !taken.iter().any(|t| t == &base) {
        return base;
    }
    for n in 2.. {
        let suffix = format!("({n})");
        let head: String = clean.chars().take(31 - suffix.chars().count()).collect();
        let name = format!("{head}{suffix}");
        if !taken.iter().any(|t| t == &name) {
            return name;
        }
    }
    unreachable!()
}

/// Cell format shared by the forms and the ledger: 五号宋体, thin border, wrapped.
pub(crate) fn cell_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new()
        .set_font_name("宋体")
        .set_font_size(10.5)
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap()
}

/// Sheet title format shared by the forms and the ledger: 黑体 16, centred.
pub(crate) fn title_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_align(rust_xlsxwriter::FormatAlign::Center)
        .set_align(rust_xlsxwriter::FormatAlign::VerticalCenter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(cell_name(4, 5), "F5");
        assert_eq!(parse_row_key("12-1"), Some((12, Some(0))));
        assert_eq!(parse_row_key("3-0"), Some((3, None)));
        assert_eq!(row_key(3, None), "3-0");
        let long = "一、".to_string() + &"长".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let first = sheet_name("a", &[]);
        assert_eq!(sheet_name("a", &[first]), "a(2)");
    }
}
