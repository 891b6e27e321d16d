//! `ducha ledger`: the office's 工作台账 for a year as one .xlsx.
//!
//! Sheet 汇总 counts the tasks per status for every quarter (the same figures as
//! `ducha stats --json` `by_status`, computed by [`crate::aggregate::summarize`]), then per section
//! and per lead unit for the latest quarter. One sheet per plan section lists every task with its
//! targets and lead units and, for each quarter Q1–Q4, the status (cell colour = light: green,
//! yellow, red; grey for a quarter not yet reported), the progress in percent and the figures.
//! Header rows are frozen and the task tables have autofilters. The last sheet, 督办, lists the
//! 督办 register's items as they stood on a date ([`orders`], docs/rules.md §19).

use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::{colour, light_colour, sheet_name};
use crate::aggregate::{self, Reporting, Summary};
use crate::data::model::{Dataset, Period, Section, Status, Task};
use crate::numerals;
use crate::status::{self, fmt_num, Basis, PeriodStatus, TaskStatus};

/// The sheet 督办.
#[path = "ledger_orders.rs"]
pub mod orders;

/// Name of the summary sheet.
pub const SUMMARY_SHEET: &str = "汇总";

/// The periods of `year` that can be evaluated: Q1 up to the latest quarter with reports.
pub fn evaluated(ds: &Dataset, year: i32) -> Option<Period> {
    ds.periods().into_iter().rev().find(|p| p.year == year)
}

struct Styles {
    title: Format,
    note: Format,
    header: Format,
    cell: Format,
    center: Format,
    number: Format,
    grey: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = super::cell_format().set_align(FormatAlign::Top);
        Styles {
            title: super::title_format(),
            note: Format::new().set_font_name("宋体").set_font_size(10),
            header: base
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(colour::HEADER)),
            center: base.clone().set_align(FormatAlign::Center),
            number: base.clone().set_align(FormatAlign::Center).set_num_format("0.0"),
            grey: base.clone().set_align(FormatAlign::Center).set_background_color(Color::RGB(colour::GREY)),
            cell: base,
        }
    }

    fn status(&self, ts: &TaskStatus) -> Format {
        self.center.clone().set_background_color(Color::RGB(light_colour(ts.light)))
    }
}

/// Builds the ledger of `year` (the plan's year). `None` when no quarter of the year has reports.
/// `orders`: the 督办 register and the date it is read at (the office's today), for the sheet
/// 督办; without it there is no such sheet.
pub fn build_ledger(
    ds: &Dataset,
    year: i32,
    orders: Option<(&crate::orders::Register, crate::data::model::Date)>,
) -> Result<Option<Vec<u8>>, XlsxError> {
    let Some(latest) = evaluated(ds, year) else { return Ok(None) };
    let statuses = status::evaluate_year(ds, latest);
    let summaries: Vec<Summary> = (1..=statuses.len()).map(|q| aggregate::summarize(ds, &statuses[..q])).collect();
    let st = Styles::new();
    let mut wb = Workbook::new();
    let issued = ds.office.issue_date(latest);
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{}工作台账", ds.plan.title))
            .set_author("ducha")
            .set_company(&ds.office.supervision_office)
            .set_creation_datetime(&ExcelDateTime::from_ymd(issued.year as u16, issued.month, issued.day)?),
    );

    let mut ws = Worksheet::new();
    ws.set_name(SUMMARY_SHEET)?;
    write_summary(&mut ws, &st, ds, year, &summaries)?;
    wb.push_worksheet(ws);

    let mut taken = vec![SUMMARY_SHEET.to_string()];
    for sec in &ds.plan.sections {
        let name = sheet_name(&format!("{}、{}", numerals::chinese(sec.number), sec.title), &taken);
        taken.push(name.clone());
        let mut ws = Worksheet::new();
        ws.set_name(&name)?;
        write_section(&mut ws, &st, ds, year, sec, &statuses)?;
        wb.push_worksheet(ws);
    }
    if let Some((register, as_of)) = orders {
        let mut ws = Worksheet::new();
        ws.set_name(orders::ORDERS_SHEET)?;
        orders::write_orders(&mut ws, register, year, as_of, &ds.office.orders, &ds.plan.title)?;
        wb.push_worksheet(ws);
    }
    Ok(Some(wb.save_to_buffer()?))
}

fn reporting_label(r: Reporting) -> &'static str {
    match r {
        Reporting::OnTime => "按时报送",
        Reporting::Late => "迟报",
        Reporting::Missing => "未报送",
        Reporting::NotRequired => "无需报送",
    }
}

fn write_summary(
    ws: &mut Worksheet,
    st: &Styles,
    ds: &Dataset,
    year: i32,
    summaries: &[Summary],
) -> Result<(), XlsxError> {
    let n = ds.plan.tasks.len();
    let last_col = 11u16;
    ws.merge_range(0, 0, 0, last_col, &format!("{}工作台账汇总", ds.plan.title), &st.title)?;
    ws.set_row_height(0, 32)?;
    ws.merge_range(
        1,
        0,
        1,
        last_col,
        &format!("各季度状态按 ducha 状态规则核定，与 ducha stats 的统计口径相同；占比以计划任务数（{n} 项）为分母。"),
        &st.note,
    )?;

    // Counts and shares per quarter.
    let r = 2;
    ws.write_string_with_format(r, 0, "状态", &st.header)?;
    ws.write_string_with_format(r, 1, "灯色", &st.header)?;
    for q in 0..4u16 {
        ws.write_string_with_format(r, 2 + q, format!("{year}Q{}", q + 1), &st.header)?;
        ws.write_string_with_format(r, 6 + q, format!("{year}Q{} 占比（%）", q + 1), &st.header)?;
    }
    for (k, s) in Status::ALL.iter().enumerate() {
        let r = 3 + k as u32;
        let f = st.center.clone().set_background_color(Color::RGB(light_colour(s.light())));
        ws.write_string_with_format(r, 0, s.label(), &f)?;
        ws.write_string_with_format(r, 1, s.light().label(), &st.center)?;
        for q in 0..4u16 {
            match summaries.get(usize::from(q)) {
                Some(sum) => {
                    ws.write_number_with_format(r, 2 + q, sum.by_status.get(*s) as f64, &st.center)?;
                    ws.write_number_with_format(r, 6 + q, sum.shares.get(*s), &st.number)?;
                }
                None => {
                    ws.write_string_with_format(r, 2 + q, "—", &st.grey)?;
                    ws.write_string_with_format(r, 6 + q, "—", &st.grey)?;
                }
            }
        }
    }
    let total_row = 3 + Status::ALL.len() as u32;
    ws.write_string_with_format(total_row, 0, "合计", &st.header)?;
    ws.write_blank(total_row, 1, &st.header)?;
    for q in 0..4u16 {
        match summaries.get(usize::from(q)) {
            Some(sum) => {
                ws.write_number_with_format(total_row, 2 + q, sum.by_status.total() as f64, &st.center)?;
                ws.write_number_with_format(total_row, 6 + q, 100.0, &st.number)?;
            }
            None => {
                ws.write_string_with_format(total_row, 2 + q, "—", &st.grey)?;
                ws.write_string_with_format(total_row, 6 + q, "—", &st.grey)?;
            }
        }
    }

    let Some(latest) = summaries.last() else { return Ok(()) };
    // Per section, latest quarter.
    let mut r = total_row + 2;
    ws.merge_range(r, 0, r, last_col, &format!("各章节任务状态（{}）", latest.period), &st.note)?;
    r += 1;
    let head: Vec<String> = ["章节".to_string(), "任务数".to_string()]
        .into_iter()
        .chain(Status::ALL.iter().map(|s| s.label().to_string()))
        .chain(["达序时率（%）".to_string()])
        .collect();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, h, &st.header)?;
    }
    r += 1;
    for sec in &latest.sections {
        ws.write_string_with_format(r, 0, format!("{}、{}", numerals::chinese(sec.number), sec.title), &st.cell)?;
        ws.write_number_with_format(r, 1, sec.tasks as f64, &st.center)?;
        for (k, s) in Status::ALL.iter().enumerate() {
            ws.write_number_with_format(r, 2 + k as u16, sec.by_status.get(*s) as f64, &st.center)?;
        }
        let rate =
            if sec.tasks == 0 { 0.0 } else { status::round1(sec.by_status.good() as f64 * 100.0 / sec.tasks as f64) };
        ws.write_number_with_format(r, 10, rate, &st.number)?;
        r += 1;
    }

    // Per lead unit, latest quarter.
    r += 1;
    ws.merge_range(r, 0, r, last_col, &format!("各牵头单位任务状态及排名（{}）", latest.period), &st.note)?;
    r += 1;
    let head: Vec<String> = ["单位".to_string(), "任务数".to_string()]
        .into_iter()
        .chain(Status::ALL.iter().map(|s| s.label().to_string()))
        .chain(["达序时率（%）".to_string(), "排名".to_string(), "本期报送".to_string()])
        .collect();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, h, &st.header)?;
    }
    r += 1;
    for u in &latest.units {
        ws.write_string_with_format(r, 0, &u.name, &st.cell)?;
        ws.write_number_with_format(r, 1, u.tasks as f64, &st.center)?;
        for (k, s) in Status::ALL.iter().enumerate() {
            ws.write_number_with_format(r, 2 + k as u16, u.by_status.get(*s) as f64, &st.center)?;
        }
        ws.write_number_with_format(r, 10, u.good_rate, &st.number)?;
        ws.write_number_with_format(r, 11, u.rank as f64, &st.center)?;
        let rep = match u.submitted {
            Some(d) => format!("{}（{d}）", reporting_label(u.reporting)),
            None => reporting_label(u.reporting).to_string(),
        };
        ws.write_string_with_format(r, 12, rep, &st.cell)?;
        r += 1;
    }

    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 8)?;
    for c in 2..=11 {
        ws.set_column_width(c, 11)?;
    }
    ws.set_column_width(12, 22)?;
    ws.set_freeze_panes(3, 1)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_active(true);
    Ok(())
}

/// The figures of a task in a quarter: `4 / 5 家`, `形象进度 Q3`, `自报 76%`.
fn figures(task: &Task, ts: &TaskStatus, period: Period) -> String {
    let mut lines = Vec::new();
    let several = ts.targets.len() > 1;
    for t in &ts.targets {
        let prefix = if several { format!("{}. ", t.index) } else { String::new() };
        let unit = if t.unit.is_empty() || t.unit.starts_with('%') { t.unit.clone() } else { format!(" {}", t.unit) };
        let line = match (t.reported, t.target_value) {
            (Some(v), Some(goal)) => format!("{prefix}{} / {}{unit}", fmt_num(v), fmt_num(goal)),
            (Some(v), None) => format!("{prefix}{}{unit}", fmt_num(v)),
            (None, _) => format!("{prefix}未报数"),
        };
        lines.push(line);
    }
    if task.milestones.is_some() {
        match ts.milestone_reached {
            Some(q) => lines.push(format!("形象进度 Q{q}")),
            None if ts.status != Status::NotReported => lines.push("未达节点".into()),
            None => {}
        }
    }
    if ts.basis == Basis::SelfReported {
        if let Some(p) = ts.progress {
            lines.push(format!("自报 {}%", status::fmt_pct(p)));
        }
    }
    if let Some(p) = ts.completed_in.filter(|p| *p != period) {
        lines.push(format!("{p} 已完成"));
    }
    lines.join("\n")
}

fn write_section(
    ws: &mut Worksheet,
    st: &Styles,
    ds: &Dataset,
    year: i32,
    sec: &Section,
    statuses: &[PeriodStatus],
) -> Result<(), XlsxError> {
    const FIRST_Q: u16 = 5;
    let notes_col = FIRST_Q + 12;
    ws.merge_range(
        0,
        0,
        0,
        notes_col,
        &format!("{}工作台账　{}、{}", ds.plan.title, numerals::chinese(sec.number), sec.title),
        &st.title,
    )?;
    ws.set_row_height(0, 32)?;
    ws.merge_range(1, 0, 1, 4, "任务", &st.header)?;
    for (c, h) in ["编号", "任务", "指标（目标）", "牵头单位", "参与单位"].iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &st.header)?;
    }
    for q in 0..4u16 {
        let c = FIRST_Q + q * 3;
        let p = Period { year, quarter: q as u8 + 1 };
        ws.merge_range(
            1,
            c,
            1,
            c + 2,
            &format!("{}（{p}，序时 {}%）", p.chinese_quarter(), p.checkpoint()),
            &st.header,
        )?;
        ws.write_string_with_format(2, c, "状态", &st.header)?;
        ws.write_string_with_format(2, c + 1, "进度（%）", &st.header)?;
        ws.write_string_with_format(2, c + 2, "完成情况", &st.header)?;
    }
    let latest = statuses.last().map(|s| s.period);
    ws.write_string_with_format(1, notes_col, "说明", &st.header)?;
    ws.write_string_with_format(2, notes_col, latest.map(|p| format!("{p} 核定情况")).unwrap_or_default(), &st.header)?;

    let mut r = 3u32;
    for n in &sec.tasks {
        let Some(task) = ds.plan.task(*n) else { continue };
        ws.write_number_with_format(r, 0, f64::from(task.number), &st.center)?;
        ws.write_string_with_format(r, 1, &task.title, &st.cell)?;
        let targets: Vec<String> = if task.targets.is_empty() {
            task.milestones
                .as_ref()
                .map(|m| m.iter().enumerate().map(|(i, s)| format!("Q{} {s}", i + 1)).collect())
                .unwrap_or_default()
        } else {
            task.targets.iter().map(|t| t.text.clone()).collect()
        };
        ws.write_string_with_format(r, 2, targets.join("\n"), &st.cell)?;
        ws.write_string_with_format(r, 3, task.lead_units.join("、"), &st.cell)?;
        ws.write_string_with_format(r, 4, task.participating_units.join("、"), &st.cell)?;
        for q in 0..4u16 {
            let c = FIRST_Q + q * 3;
            match statuses.get(usize::from(q)).and_then(|ps| ps.task(task.number)) {
                Some(ts) => {
                    ws.write_string_with_format(r, c, ts.label, &st.status(ts))?;
                    match ts.progress {
                        Some(p) => ws.write_number_with_format(r, c + 1, p, &st.number)?,
                        None => ws.write_blank(r, c + 1, &st.center)?,
                    };
                    ws.write_string_with_format(
                        r,
                        c + 2,
                        figures(task, ts, statuses[usize::from(q)].period),
                        &st.cell,
                    )?;
                }
                None => {
                    ws.write_string_with_format(r, c, "—", &st.grey)?;
                    ws.write_blank(r, c + 1, &st.grey)?;
                    ws.write_blank(r, c + 2, &st.grey)?;
                }
            }
        }
        let reason =
            statuses.last().and_then(|ps| ps.task(task.number)).map(|ts| ts.reason.clone()).unwrap_or_default();
        ws.write_string_with_format(r, notes_col, reason, &st.cell)?;
        r += 1;
    }

    let widths: [f64; 5] = [6.0, 22.0, 30.0, 16.0, 16.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for q in 0..4u16 {
        let c = FIRST_Q + q * 3;
        ws.set_column_width(c, 9)?;
        ws.set_column_width(c + 1, 8)?;
        ws.set_column_width(c + 2, 18)?;
    }
    ws.set_column_width(notes_col, 40)?;
    ws.set_freeze_panes(3, 2)?;
    ws.autofilter(2, 0, r.saturating_sub(1).max(2), notes_col)?;
    ws.set_repeat_rows(1, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
