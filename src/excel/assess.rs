//! `ducha assess`: the 考核得分汇总表 as .xlsx — sheet 汇总表, one row per unit (单位 | 牵头任务数 |
//! 加分 | 扣分 | 得分 | 排名 | 等次 | 说明; scored units ranked, then the units not scored), and
//! sheet 扣分明细, one row per line of every scored unit with its points and source. The rows are
//! the PDF's ([`crate::assess::view::sheet_rows`]).

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::colour;
use crate::assess::score::Assessment;
use crate::assess::view::{self, HEADS};
use crate::data::model::Dataset;

/// Name of the summary sheet.
pub const SHEET: &str = "汇总表";
/// Name of the detail sheet.
pub const DETAIL_SHEET: &str = "扣分明细";
/// The first data row (0-based) of both sheets: title, note, header come first.
pub const FIRST_ROW: u32 = 3;

/// The workbook of an assessment; its creation date is the assessment date (byte-identical
/// output for the same inputs).
pub fn workbook(ds: &Dataset, a: &Assessment) -> Result<Vec<u8>, XlsxError> {
    let base = super::cell_format().set_align(FormatAlign::VerticalCenter);
    let header =
        base.clone().set_bold().set_align(FormatAlign::Center).set_background_color(Color::RGB(colour::HEADER));
    let center = base.clone().set_align(FormatAlign::Center);
    let note = Format::new().set_font_name("宋体").set_font_size(10);
    let title = view::title(ds, a.year);
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author("ducha")
            .set_company(&ds.office.supervision_office)
            .set_creation_datetime(&ExcelDateTime::from_ymd(a.as_of.year as u16, a.as_of.month, a.as_of.day)?),
    );

    let mut ws = Worksheet::new();
    ws.set_name(SHEET)?;
    let last = (HEADS.len() - 1) as u16;
    ws.merge_range(0, 0, 0, last, &title, &super::title_format())?;
    ws.set_row_height(0, 32)?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        &format!("考核日期 {}；任务状态截至 {}；规则见“扣分明细”表和 docs/rules.md §17。", a.as_of, a.period),
        &note,
    )?;
    for (c, h) in HEADS.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &header)?;
    }
    for (c, w) in [24.0, 11.0, 8.0, 8.0, 8.0, 7.0, 8.0, 48.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    let rows = view::sheet_rows(a);
    for (i, row) in rows.iter().enumerate() {
        let r = FIRST_ROW + i as u32;
        ws.write_string_with_format(r, 0, &row.unit, &base)?;
        for (c, text) in row.cells().iter().enumerate().skip(1) {
            let c = c as u16;
            // Figures are numbers (a reader sums them); grade and note stay text.
            match text.parse::<f64>() {
                Ok(x) if c < 6 => ws.write_number_with_format(r, c, x, &center)?,
                _ if text.is_empty() => ws.write_blank(r, c, &center)?,
                _ if c == 7 => ws.write_string_with_format(r, c, *text, &base)?,
                _ => ws.write_string_with_format(r, c, *text, &center)?,
            };
        }
    }
    ws.set_freeze_panes(FIRST_ROW, 1)?;
    wb.push_worksheet(ws);

    let mut ws = Worksheet::new();
    ws.set_name(DETAIL_SHEET)?;
    let heads = ["单位", "序号", "分值", "来源"];
    ws.merge_range(0, 0, 0, 3, &format!("{title}：扣分明细"), &super::title_format())?;
    ws.set_row_height(0, 32)?;
    let basis = view::sheet_view(ds, a).basis;
    ws.merge_range(1, 0, 1, 3, &basis, &note.clone().set_text_wrap())?;
    ws.set_row_height(1, 60)?;
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &header)?;
    }
    for (c, w) in [24.0, 6.0, 8.0, 70.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    let mut r = FIRST_ROW;
    for u in &a.units {
        for (i, l) in u.lines.iter().enumerate() {
            ws.write_string_with_format(r, 0, &u.unit, &base)?;
            ws.write_number_with_format(r, 1, (i + 1) as f64, &center)?;
            ws.write_number_with_format(r, 2, l.points.to_f64().unwrap_or(0.0), &center)?;
            ws.write_string_with_format(r, 3, l.source.describe(), &base)?;
            r += 1;
        }
    }
    ws.set_freeze_panes(FIRST_ROW, 1)?;
    if r > FIRST_ROW {
        ws.autofilter(2, 0, r - 1, 3)?;
    }
    wb.push_worksheet(ws);
    wb.save_to_buffer()
}
