//! `ducha forms`: one report form (.xlsx) per lead unit for a period.
//!
//! Sheet 进展填报 lists the unit's tasks, one row per task × target. The prefilled columns (任务编号,
//! 任务, 指标（目标）, 上期完成数值, 上期状态) are locked; the input columns (进展情况 … 指标调整说明)
//! are unlocked cells of a protected sheet, with data validation where the values are fixed
//! (numbers for 完成数值, Q1–Q4 or 0–100 for 形象进度, the eight status labels for 单位自评, a date
//! for 报送日期). Task-level inputs are merged over a task's target rows. A hidden column carries
//! each row's key (`任务-指标`) and a very hidden sheet `ducha` names the unit and period, so that
//! `ducha import` can tell a form for another unit or period, a deleted row or a renamed sheet.
//! Sheet 填报说明 explains it all in Chinese.
//!
//! The workbook is deterministic: its creation date is the period's last day.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Note, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use super::{col, colour, contact, form_rows, light_colour, meta, row, FormRow, Stage, FORM_HEADERS};
use crate::data::model::{Dataset, Period, Status, TargetKind, Task};
use crate::status::{self, fmt_num, PeriodStatus};

/// One generated form.
#[derive(Debug, Clone)]
pub struct Form {
    /// The reporting (lead) unit.
    pub unit: String,
    /// `<unit>.xlsx`
    pub file_name: String,
    /// Number of tasks listed.
    pub tasks: usize,
    /// The .xlsx bytes.
    pub bytes: Vec<u8>,
}

/// Builds the forms of every lead unit of the plan for `period`, in plan order.
pub fn build_forms(ds: &Dataset, period: Period) -> Result<Vec<Form>, XlsxError> {
    let prev = previous(ds, period);
    let mut out = Vec::new();
    for unit in ds.plan.lead_units() {
        let tasks = ds.plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == unit)).count();
        let bytes = build_form(ds, unit, period, prev.as_ref())?;
        out.push(Form {
            unit: unit.to_string(),
            file_name: format!("{}.xlsx", crate::names::file_name(unit)),
            tasks,
            bytes,
        });
    }
    Ok(out)
}

/// The previous quarter's evaluation, when it is in the same year and has reports.
pub fn previous(ds: &Dataset, period: Period) -> Option<PeriodStatus> {
    let p = period.prev_in_year()?;
    if ds.reports_for(p).is_empty() {
        return None;
    }
    Some(status::evaluate_period(ds, p))
}

/// Cell formats of a form.
struct Styles {
    title: Format,
    info: Format,
    label: Format,
    header: Format,
    header_input: Format,
    prefilled: Format,
    prefilled_center: Format,
    input: Format,
    input_center: Format,
    input_text: Format,
    input_date: Format,
    not_used: Format,
    hint: Format,
    key: Format,
}

fn base() -> Format {
    super::cell_format()
}

impl Styles {
    fn new() -> Styles {
        let prefilled = base().set_align(FormatAlign::Top).set_background_color(Color::RGB(colour::PREFILLED));
        let input = base().set_align(FormatAlign::Top).set_unlocked();
        Styles {
            title: super::title_format(),
            info: Format::new().set_font_name("宋体").set_font_size(10.5).set_align(FormatAlign::VerticalCenter),
            label: base()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(colour::HEADER)),
            header: base()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(colour::HEADER)),
            header_input: base()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(colour::HEADER_INPUT)),
            prefilled_center: prefilled.clone().set_align(FormatAlign::Center),
            prefilled,
            input_center: input.clone().set_align(FormatAlign::Center),
            input_text: input.clone().set_num_format("@").set_align(FormatAlign::VerticalCenter),
            input_date: input.clone().set_num_format("yyyy-mm-dd").set_align(FormatAlign::VerticalCenter),
            input,
            not_used: base()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::Top)
                .set_background_color(Color::RGB(colour::GREY)),
            hint: Format::new().set_font_name("宋体").set_font_size(9).set_font_color(Color::RGB(0x595959)),
            key: Format::new().set_font_size(9),
        }
    }
}

/// Cuts `s` to at most `n` characters (Excel's limits on validation titles and messages).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// A validation with a Chinese prompt and error message.
fn validation(dv: DataValidation, title: &str, prompt: &str, error: &str) -> Result<DataValidation, XlsxError> {
    dv.set_input_title(clip(title, 32))?
        .set_input_message(clip(prompt, 250))?
        .set_error_title(clip("输入有误", 32))?
        .set_error_message(clip(error, 250))
        .map(|d| d.set_error_style(DataValidationErrorStyle::Stop))
}

/// A validation that only shows a prompt when the cell is selected.
fn prompt(title: &str, message: &str) -> Result<DataValidation, XlsxError> {
    DataValidation::new().allow_any_value().set_input_title(clip(title, 32))?.set_input_message(clip(message, 250))
}

/// What to write into 完成数值 for a target: the hint shown under the target text.
fn target_hint(task: &Task, index: usize) -> String {
    let t = &task.targets[index];
    let unit = if t.unit.is_empty() { String::new() } else { format!("，单位：{}", t.unit) };
    match t.kind {
        TargetKind::Count | TargetKind::Amount => format!("填年度累计数{unit}"),
        TargetKind::Growth => format!("填年初至今增速{unit}"),
        TargetKind::Level => format!("填达到的水平{unit}"),
        TargetKind::Reduction => format!("填年初至今降幅{unit}"),
        TargetKind::Ceiling => format!("填实际值{unit}"),
        TargetKind::Text => "不作量化评价，可不填".to_string(),
    }
}

/// The planned milestones as text: `Q1 制定方案；Q2 平台上线；…`.
fn milestones_text(task: &Task, sep: &str) -> String {
    task.milestones
        .as_ref()
        .map(|m| m.iter().enumerate().map(|(i, s)| format!("Q{} {s}", i + 1)).collect::<Vec<_>>().join(sep))
        .unwrap_or_default()
}

/// The unit's own entry for a task in a period.
fn own_entry<'a>(ds: &'a Dataset, period: Period, unit: &str, task: u32) -> Option<&'a crate::data::model::Entry> {
    ds.reports_for(period).iter().filter(|r| r.unit == unit).flat_map(|r| &r.entries).find(|e| e.task == task)
}

/// Builds one unit's form.
pub fn build_form(ds: &Dataset, unit: &str, period: Period, prev: Option<&PeriodStatus>) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let end = period.end();
    let props = DocProperties::new()
        .set_title(format!("{unit}{}年{}重点工作任务进展情况填报表", period.year, period.chinese_quarter()))
        .set_author("ducha")
        .set_company(&ds.office.supervision_office)
        .set_creation_datetime(&ExcelDateTime::from_ymd(end.year as u16, end.month, end.day)?);
    wb.set_properties(&props);

    let mut ws = Worksheet::new();
    ws.set_name(super::FORM_SHEET)?;
    write_form_sheet(&mut ws, FormCtx { st: &st, ds, unit, period, prev })?;
    wb.push_worksheet(ws);

    let mut guide = Worksheet::new();
    guide.set_name(super::GUIDE_SHEET)?;
    write_guide(&mut guide, ds, unit, period)?;
    wb.push_worksheet(guide);

    let mut m = Worksheet::new();
    m.set_name(super::META_SHEET)?;
    let rows: [(&str, String); 6] = [
        ("表格类型", super::FORM_KIND.to_string()),
        ("版本", super::FORM_VERSION.to_string()),
        ("单位", unit.to_string()),
        ("期间", period.to_string()),
        ("计划", ds.plan.title.clone()),
        ("说明", "本工作表由 ducha forms 生成，ducha import 据此核对单位和期间，请勿修改。".to_string()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        m.write_string(i as u32, 0, *k)?;
        if i as u32 == meta::VERSION.0 {
            m.write_number(i as u32, 1, f64::from(super::FORM_VERSION))?;
        } else {
            m.write_string(i as u32, 1, v)?;
        }
    }
    m.set_column_width(0, 12)?.set_column_width(1, 40)?;
    m.set_very_hidden(true);
    m.protect();
    wb.push_worksheet(m);

    wb.save_to_buffer()
}

/// What every part of one unit's form sheet is written from.
#[derive(Clone, Copy)]
struct FormCtx<'a> {
    st: &'a Styles,
    ds: &'a Dataset,
    unit: &'a str,
    period: Period,
    /// The previous quarter's statuses (上期状态), when there is one.
    prev: Option<&'a PeriodStatus>,
}

fn write_form_sheet(ws: &mut Worksheet, cx: FormCtx<'_>) -> Result<(), XlsxError> {
    let FormCtx { st, ds, unit, period, .. } = cx;
    let end = period.end();
    let deadline = ds.office.deadline(period);
    let widths: [f64; 14] = [6.0, 20.0, 28.0, 10.0, 9.0, 46.0, 10.0, 10.0, 10.0, 24.0, 24.0, 20.0, 18.0, 8.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_column_hidden(col::KEY)?;

    // Title, unit and period, contact block.
    let title = format!("{unit}{}年{}重点工作任务进展情况填报表", period.year, period.chinese_quarter());
    ws.merge_range(row::TITLE, 0, row::TITLE, col::ADJUSTMENT, &title, &st.title)?;
    ws.set_row_height(row::TITLE, 32)?;
    ws.merge_range(row::INFO, 0, row::INFO, 1, &format!("填报单位：{unit}"), &st.info)?;
    ws.merge_range(
        row::INFO,
        2,
        row::INFO,
        4,
        &format!("填报期间：{}年{}（{period}）", period.year, period.chinese_quarter()),
        &st.info,
    )?;
    ws.write_string_with_format(
        row::INFO,
        5,
        format!("报送截止：{}；完成数值填截至{}月{}日的年度累计数", deadline.chinese(), end.month, end.day),
        &st.info,
    )?;
    ws.merge_range(
        row::INFO,
        6,
        row::INFO,
        col::ADJUSTMENT,
        "灰色单元格为预填内容（已锁定），白色单元格由单位填写；填法见“填报说明”工作表。",
        &st.info,
    )?;
    ws.set_row_height(row::INFO, 30)?;

    let r = row::CONTACT;
    ws.merge_range(r, 0, r, 1, "联系人", &st.label)?;
    ws.write_blank(contact::NAME.0, contact::NAME.1, &st.input_text)?;
    ws.merge_range(r, 3, r, 4, "联系电话", &st.label)?;
    ws.write_blank(contact::PHONE.0, contact::PHONE.1, &st.input_text)?;
    ws.merge_range(r, 6, r, 7, "审核领导", &st.label)?;
    ws.merge_range(r, contact::REVIEWER.1, r, contact::REVIEWER.1 + 1, "", &st.input_text)?;
    ws.write_string_with_format(r, 10, "报送日期", &st.label)?;
    ws.write_blank(contact::DATE.0, contact::DATE.1, &st.input_date)?;
    ws.write_string_with_format(r, 12, format!("日期写成 {deadline}"), &st.hint)?;
    ws.set_row_height(r, 24)?;
    let lo = ExcelDateTime::from_ymd(2000, 1, 1)?;
    let hi = ExcelDateTime::from_ymd(2099, 12, 31)?;
    let dv = validation(
        DataValidation::new().allow_date(DataValidationRule::Between(lo, hi)),
        "报送日期",
        &format!("填写报送日期，如 {deadline}。"),
        &format!("请填写日期，如 {deadline}。"),
    )?;
    ws.add_data_validation(contact::DATE.0, contact::DATE.1, contact::DATE.0, contact::DATE.1, &dv)?;
    for (c, title, note) in [
        (contact::NAME, "联系人", "填报本表的工作人员姓名。"),
        (contact::PHONE, "联系电话", "办公电话或手机，如 0635-7321456。"),
        (contact::REVIEWER, "审核领导", "审核本表的单位负责同志，可注明职务，如 李华（副局长）。"),
    ] {
        ws.add_data_validation(c.0, c.1, c.0, c.1, &prompt(title, note)?)?;
    }

    // Header.
    for (c, h) in FORM_HEADERS.iter().enumerate() {
        let c = c as u16;
        let f = if (col::PROGRESS..=col::ADJUSTMENT).contains(&c) { &st.header_input } else { &st.header };
        ws.write_string_with_format(row::HEADER, c, *h, f)?;
    }
    ws.set_row_height(row::HEADER, 30)?;

    // Task rows.
    let rows = form_rows(&ds.plan, unit);
    let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
    let claim_dv = validation(
        DataValidation::new().allow_list_strings(&labels)?,
        "单位自评",
        "从下拉列表选择本单位对该任务的自评状态；通报以按数据核定的结果为准。",
        &format!("请从下拉列表选择：{}。", labels.join("、")),
    )?;
    let value_dv = |task: &Task, i: usize| {
        validation(
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(-1e12, 1e12)),
            "完成数值",
            &format!("{}：{}。只填数字，不带单位、百分号和文字。", task.targets[i].text, target_hint(task, i)),
            "完成数值只能填数字（累计数），不带单位、百分号和文字；说明写在“进展情况”里。",
        )
    };
    let mut r = row::FIRST_DATA;
    let mut i = 0;
    while i < rows.len() {
        let task = rows[i].task;
        let n = rows[i..].iter().take_while(|x| x.task.number == task.number).count();
        let group = &rows[i..i + n];
        write_task(ws, cx, group, r, &value_dv)?;
        r += n as u32;
        i += n;
    }
    if r > row::FIRST_DATA {
        let last = r - 1;
        ws.add_data_validation(row::FIRST_DATA, col::CLAIM, last, col::CLAIM, &claim_dv)?;
        let dv = prompt(
            "进展情况（必填）",
            "用数据说明本季度进展；可分段（Alt+Enter 换行），可用 **加粗**、- 列表 等 Markdown 写法。尚未启动的也要写明原因。",
        )?;
        ws.add_data_validation(row::FIRST_DATA, col::PROGRESS, last, col::PROGRESS, &dv)?;
        let dv = prompt(
            "佐证材料",
            "列出佐证材料的文件名，每行一个（Alt+Enter 换行）；材料另行报送。没有佐证材料的任务不会判为“已完成”。",
        )?;
        ws.add_data_validation(row::FIRST_DATA, col::EVIDENCE, last, col::EVIDENCE, &dv)?;
    }

    ws.set_freeze_panes(row::FIRST_DATA, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(row::HEADER, row::HEADER)?;
    ws.set_default_note_author("ducha");
    let options = ProtectionOptions { format_columns: true, format_rows: true, ..ProtectionOptions::default() };
    ws.protect_with_options(&options);
    ws.set_active(true);
    ws.set_selection(row::FIRST_DATA, col::PROGRESS, row::FIRST_DATA, col::PROGRESS)?;
    Ok(())
}

fn write_task(
    ws: &mut Worksheet,
    cx: FormCtx<'_>,
    group: &[FormRow<'_>],
    r0: u32,
    value_dv: &dyn Fn(&Task, usize) -> Result<DataValidation, XlsxError>,
) -> Result<(), XlsxError> {
    let FormCtx { st, ds, unit, period, prev } = cx;
    let task = group[0].task;
    let last = r0 + group.len() as u32 - 1;
    let prev_period = period.prev_in_year();
    let prev_task = prev.and_then(|p| p.task(task.number));
    let prev_entry = prev.and(prev_period).and_then(|p| own_entry(ds, p, unit, task.number));

    // A task-level cell: merged over the task's rows when it has several targets.
    let mut cell = |c: u16, text: &str, f: &Format| -> Result<(), XlsxError> {
        if last > r0 {
            ws.merge_range(r0, c, last, c, text, f)?;
        } else {
            ws.write_string_with_format(r0, c, text, f)?;
        }
        Ok(())
    };
    cell(col::TASK, "", &st.prefilled_center)?;
    cell(col::TITLE, &task.title, &st.prefilled)?;
    match prev_task {
        Some(ts) => {
            let f = st.prefilled_center.clone().set_background_color(Color::RGB(light_colour(ts.light)));
            cell(col::PREV_STATUS, ts.label, &f)?;
        }
        None => cell(col::PREV_STATUS, "", &st.prefilled_center)?,
    }
    for c in [col::PROGRESS, col::PROBLEMS, col::NEXT_STEPS, col::EVIDENCE, col::ADJUSTMENT] {
        cell(c, "", &st.input)?;
    }
    cell(col::CLAIM, "", &st.input_center)?;
    let stage = Stage::of(task);
    match stage {
        Stage::Milestone | Stage::Percent => cell(col::STAGE, "", &st.input_center)?,
        Stage::NotUsed => cell(col::STAGE, "—", &st.not_used)?,
    }
    ws.write_number_with_format(r0, col::TASK, f64::from(task.number), &st.prefilled_center)?;
    ws.insert_note(
        r0,
        col::TITLE,
        &Note::new(format!("第{}项：{}", task.number, task.text)).set_width(400).set_height(200),
    )?;

    match stage {
        Stage::Milestone => {
            let dv = validation(
                DataValidation::new().allow_list_strings(&["Q1", "Q2", "Q3", "Q4"])?,
                "形象进度",
                &format!("选择已达到的计划节点，未达到任何节点则留空。计划：{}", milestones_text(task, "；")),
                "请从下拉列表选择 Q1、Q2、Q3 或 Q4。",
            )?;
            ws.add_data_validation(r0, col::STAGE, last, col::STAGE, &dv)?;
        }
        Stage::Percent => {
            let dv = validation(
                DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
                "自报完成进度（%）",
                "该任务没有数值指标和形象进度节点：填自报完成进度百分比的数字（0–100），如 60。",
                "请填写 0 到 100 之间的数字，不带百分号。",
            )?;
            ws.add_data_validation(r0, col::STAGE, last, col::STAGE, &dv)?;
        }
        Stage::NotUsed => {}
    }

    for (k, fr) in group.iter().enumerate() {
        let r = r0 + k as u32;
        ws.write_string_with_format(r, col::KEY, fr.key(), &st.key)?;
        match fr.target {
            Some(i) => {
                let t = &task.targets[i];
                ws.write_string_with_format(
                    r,
                    col::TARGET,
                    format!("{}\n（{}）", t.text, target_hint(task, i)),
                    &st.prefilled,
                )?;
                let own = prev_entry.and_then(|e| e.value(i));
                let counted = prev_task.and_then(|ts| ts.targets.get(i)).and_then(|s| s.reported);
                match own.or(counted) {
                    Some(v) => ws.write_number_with_format(r, col::PREV_VALUE, v, &st.prefilled_center)?,
                    None => ws.write_blank(r, col::PREV_VALUE, &st.prefilled_center)?,
                };
                ws.write_blank(r, col::VALUE, &st.input_center)?;
                ws.add_data_validation(r, col::VALUE, r, col::VALUE, &value_dv(task, i)?)?;
            }
            None => {
                let text = match stage {
                    Stage::Milestone => format!("形象进度节点：\n{}", milestones_text(task, "\n")),
                    _ => "无数值指标：在“形象进度”栏填自报完成进度（%）".to_string(),
                };
                ws.write_string_with_format(r, col::TARGET, text, &st.prefilled)?;
                let shown = match stage {
                    Stage::Milestone => prev_entry
                        .and_then(|e| e.milestone)
                        .or(prev_task.and_then(|ts| ts.milestone_reached))
                        .map(|q| format!("Q{q}")),
                    _ => prev_entry.and_then(|e| e.percent).map(|p| format!("{}%", fmt_num(p))),
                };
                ws.write_string_with_format(r, col::PREV_VALUE, shown.unwrap_or_default(), &st.prefilled_center)?;
                ws.write_string_with_format(r, col::VALUE, "—", &st.not_used)?;
            }
        }
    }
    Ok(())
}

fn write_guide(ws: &mut Worksheet, ds: &Dataset, unit: &str, period: Period) -> Result<(), XlsxError> {
    let title = Format::new().set_font_name("黑体").set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new().set_font_name("黑体").set_font_size(12);
    let text = Format::new().set_font_name("宋体").set_font_size(11).set_text_wrap().set_align(FormatAlign::Top);
    let cellf = text.clone().set_border(FormatBorder::Thin);
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 90)?;
    let deadline = ds.office.deadline(period);
    let end = period.end();
    let mut r = 0u32;
    ws.merge_range(r, 0, r, 2, "填报说明", &title)?;
    ws.set_row_height(r, 30)?;
    r += 2;
    let paragraphs: Vec<(String, String)> = vec![
        (
            "一、总体要求".into(),
            format!(
                "本表由{}用 ducha 生成，供{unit}报送{}年{}重点工作任务进展情况（计划：{}）。请于{}前报送，只报本单位牵头的任务。",
                ds.office.supervision_office,
                period.year,
                period.chinese_quarter(),
                ds.plan.title,
                deadline.chinese()
            ),
        ),
        (
            "二、表格结构".into(),
            "“进展填报”工作表每项任务一行，有多个数值指标的任务每个指标一行。灰色单元格（任务编号、任务、指标（目标）、上期完成数值、上期状态）为预填内容，已锁定；白色单元格由单位填写。把鼠标停在任务名称上可看到任务全文。".into(),
        ),
        (
            "三、不要改动结构".into(),
            "不要插入或删除行、列，不要修改工作表名称，不要把表格复制到其他工作簿。保存时选择 Excel 工作簿（*.xlsx）格式（WPS：文件—另存为—Excel 工作簿）。表格中隐藏了核对用的单位、期间和行标识，导入时据此检查，改动后将无法导入。".into(),
        ),
        (
            "四、联系人信息".into(),
            format!("联系人、联系电话、审核领导、报送日期填在表头下方一行。报送日期必填，写成 {deadline} 这样的日期。"),
        ),
        (
            "五、进展情况（必填）".into(),
            "用数据说明本季度的进展，写清做了什么、完成多少。可以分段（Alt+Enter 换行，WPS 相同），可用 Markdown 写法：**加粗**、- 开头的列表等。尚未启动的任务也要写明原因。".into(),
        ),
        (
            "六、完成数值".into(),
            format!(
                "每个数值指标一行，填截至{}月{}日的年度累计数，只填数字：不带单位、百分号，不写“约”“余”等字样（如 12.5）。增长、下降类指标填百分数的数字部分（增长 12.4% 填 12.4）。需要说明的写在进展情况里。",
                end.month, end.day
            ),
        ),
        (
            "七、形象进度".into(),
            "有计划形象进度节点的任务（节点列在“指标（目标）”栏），从下拉列表选择已达到的节点 Q1–Q4，未达到任何节点则留空；没有数值指标也没有节点的任务，填自报完成进度百分比（0–100 的数字）；其他任务不填（灰色）。".into(),
        ),
        (
            "八、单位自评".into(),
            "从下拉列表选择本单位对该任务的自评状态。通报以按报送数据核定的状态为准，自评好于核定结果的将标注“自评与实际不符”。".into(),
        ),
        (
            "九、存在问题、下步打算".into(),
            "简要写明存在的困难问题和下一步工作打算；需要县领导协调的事项请写明。".into(),
        ),
        (
            "十、佐证材料".into(),
            "列出佐证材料的文件名，每行一个，材料另行报送。没有佐证材料的任务不会判为“已完成”。".into(),
        ),
        (
            "十一、指标调整说明".into(),
            "仅在申请调整指标时填写调整内容和理由；填写后该任务本期状态为“其他”。".into(),
        ),
        (
            "十二、可以不填的任务".into(),
            "上期状态为“已完成”的任务可以整行不填；其他任务都应填写进展情况，整行不填的视为本期未报送该任务。".into(),
        ),
    ];
    for (h, p) in &paragraphs {
        ws.merge_range(r, 0, r, 2, h, &head)?;
        r += 1;
        ws.merge_range(r, 0, r, 2, p, &text)?;
        let lines = (p.chars().count() / 52 + 1) as f64;
        ws.set_row_height(r, 15.0 * lines + 4.0)?;
        r += 2;
    }
    ws.merge_range(r, 0, r, 2, "附：状态和灯色", &head)?;
    r += 1;
    let hdr = cellf.clone().set_bold().set_background_color(Color::RGB(colour::HEADER));
    ws.write_string_with_format(r, 0, "状态", &hdr)?;
    ws.write_string_with_format(r, 1, "灯色", &hdr)?;
    ws.write_string_with_format(r, 2, "含义", &hdr)?;
    r += 1;
    let th = ds.office.thresholds;
    for s in Status::ALL {
        let meaning = match s {
            Status::Completed => "全部指标已完成，且报送了佐证材料".to_string(),
            Status::Ahead => format!("进度超出序时进度 {} 个百分点及以上", fmt_num(th.ahead_margin)),
            Status::OnTrack => "进度达到序时进度（一季度 25%，二季度 50%，三季度 75%，四季度 100%）".to_string(),
            Status::Behind => format!("进度低于序时进度，差距不超过 {} 个百分点", fmt_num(th.yellow_max)),
            Status::SeriouslyBehind => format!("进度低于序时进度 {} 个百分点以上", fmt_num(th.yellow_max)),
            Status::NotStarted => "累计完成为零或未达到任何形象进度节点".to_string(),
            Status::NotReported => "牵头单位未报送该任务".to_string(),
            Status::Other => "申请调整指标或无法评价".to_string(),
        };
        let f = cellf.clone().set_background_color(Color::RGB(light_colour(s.light())));
        ws.write_string_with_format(r, 0, s.label(), &f)?;
        ws.write_string_with_format(r, 1, s.light().label(), &cellf)?;
        ws.write_string_with_format(r, 2, &meaning, &cellf)?;
        r += 1;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.protect();
    Ok(())
}
