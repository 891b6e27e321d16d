//! The 工作台账's sheet 督办 (docs/rules.md §19): every item of the register of the plan year's
//! quarters as it stood on a date, one row each, with the fields of `ducha orders list --json`
//! (number, kind, task, units, issued, deadline in force, state, colour, date closed, chases,
//! returns), read by the same functions (`Register::as_of`, `orders::timing::timing`).

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, Worksheet, XlsxError};

use super::super::colour;
use crate::data::model::Date;
use crate::orders::timing::{timing, Colour, OrdersConfig};
use crate::orders::{Phase, Register};

/// Name of the sheet.
pub const ORDERS_SHEET: &str = "督办";

/// The column heads, in order.
pub const HEADS: [&str; 16] = [
    "编号",
    "类别",
    "任务编号",
    "事项",
    "承办单位",
    "协办单位",
    "期间",
    "交办日期",
    "办理时限（现行）",
    "状态",
    "颜色",
    "逾期（工作日）",
    "办结日期",
    "中止日期",
    "催办次数",
    "退回次数",
];

/// The fill of a colour of the ladder (none: no fill).
fn fill(c: Colour) -> Option<u32> {
    match c {
        Colour::Red => Some(colour::RED),
        Colour::Yellow => Some(colour::YELLOW),
        Colour::Blue => Some(0xBDD7EE),
        Colour::None => None,
    }
}

fn date_cell(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)
}

/// Writes the sheet: the items of `register` whose period lies in `year`, as they stood at the
/// end of `as_of`, in register order.
pub fn write_orders(
    ws: &mut Worksheet,
    register: &Register,
    year: i32,
    as_of: Date,
    cfg: &OrdersConfig,
    title: &str,
) -> Result<(), XlsxError> {
    let base = super::super::cell_format().set_align(FormatAlign::Top);
    let header = base
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(colour::HEADER));
    let center = base.clone().set_align(FormatAlign::Center);
    let date = center.clone().set_num_format("yyyy-mm-dd");
    let last = HEADS.len() as u16 - 1;
    ws.merge_range(
        0,
        0,
        0,
        last,
        &format!("{title}督办台账（截至{}）", as_of.chinese()),
        &super::super::title_format(),
    )?;
    ws.set_row_height(0, 32)?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        "状态由各事项的办理记录推出（docs/rules.md §19），与 ducha orders list --as-of 同一日期的结果相同；办理时限、逾期按工作日计。",
        &Format::new().set_font_name("宋体").set_font_size(10),
    )?;
    for (c, h) in HEADS.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &header)?;
    }
    let mut r = 3u32;
    for item in register.as_of(as_of).items.iter().filter(|i| i.period.year == year) {
        let t = &item.track;
        let tm = timing(item, as_of, cfg);
        ws.write_string_with_format(r, 0, item.number.to_string(), &base)?;
        ws.write_string_with_format(r, 1, item.kind.label(), &center)?;
        match item.task {
            Some(n) => ws.write_number_with_format(r, 2, f64::from(n), &center)?,
            None => ws.write_blank(r, 2, &center)?,
        };
        ws.write_string_with_format(r, 3, &item.title, &base)?;
        ws.write_string_with_format(r, 4, item.lead(), &base)?;
        ws.write_string_with_format(r, 5, item.units.get(1..).unwrap_or_default().join("、"), &base)?;
        ws.write_string_with_format(r, 6, item.period.to_string(), &center)?;
        ws.write_datetime_with_format(r, 7, date_cell(item.issued)?, &date)?;
        ws.write_datetime_with_format(r, 8, date_cell(t.deadline)?, &date)?;
        ws.write_string_with_format(r, 9, t.phase.label(), &center)?;
        let colour_format = match fill(tm.colour) {
            Some(rgb) => center.clone().set_background_color(Color::RGB(rgb)),
            None => center.clone(),
        };
        ws.write_string_with_format(r, 10, tm.colour.label(), &colour_format)?;
        ws.write_number_with_format(r, 11, f64::from(tm.overdue_days), &center)?;
        for (c, phase) in [(12u16, Phase::Closed), (13, Phase::Stopped)] {
            match t.ended.filter(|_| t.phase == phase) {
                Some(d) => ws.write_datetime_with_format(r, c, date_cell(d)?, &date)?,
                None => ws.write_blank(r, c, &center)?,
            };
        }
        ws.write_number_with_format(r, 14, f64::from(t.chases), &center)?;
        ws.write_number_with_format(r, 15, f64::from(t.returns), &center)?;
        r += 1;
    }
    let widths: [f64; 16] = [16.0, 11.0, 8.0, 40.0, 18.0, 18.0, 9.0, 12.0, 12.0, 9.0, 6.0, 8.0, 12.0, 12.0, 8.0, 8.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(3, 1)?;
    ws.autofilter(2, 0, r.saturating_sub(1).max(2), last)?;
    ws.set_repeat_rows(2, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
