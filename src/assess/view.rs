//! What the 考核 outputs say: the JSON of `ducha assess --json` ([`json`]), the view model of the
//! PDF template `templates/assess.typ.j2` ([`SheetView`]) and the rows shared by the PDF table and
//! the .xlsx ([`sheet_rows`]), so the three cannot disagree.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};

use super::rules::fmt;
use super::score::{Assessment, Source};
use crate::data::model::{Dataset, Status};

/// A decimal as a JSON number (the shortest `f64` that prints as the decimal).
/// Whole numbers print without a fraction (`100`, not `100.0`).
fn num(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Some(i) = d.to_i64() {
            return Value::from(i);
        }
    }
    d.to_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
}

/// The JSON of `ducha assess --json` and of `考核结果.json`:
///
/// ```text
/// {"year": 2023, "period": "2023Q4", "as_of": "2024-01-15",
///  "rules": {"source": "data/assessment.yaml"|null, "base", "floor",
///            "status_points": {"已完成": 0, …every status…},
///            "reports": {"late", "missing"}, "orders": {"closed_late", "open_overdue", "returned"},
///            "grades": [{"name", "min"}], "lowest", "step_down"},
///  "units": [{"unit", "tasks", "plus", "minus", "score", "rank", "grade",
///             "stepped_down_from": str|null, "note",
///             "lines": [{"points", "kind", "source", …the fields of its kind…}]}],
///  "not_scored": [unit]}
/// ```
///
/// Line kinds and their fields: `task_status` (`task`, `status`, `status_id`, `period`),
/// `report_late` (`period`, `submitted`, `deadline`, `file`), `report_missing` (`period`,
/// `deadline`), `order_closed_late` (`order`, `closed`, `answered` (the accepted reply's date or null), `deadline`), `order_open_overdue`
/// (`order`, `deadline`, `as_of`), `order_returned` (`order`, `times`). Points are numbers
/// (negative = 扣分); dates `YYYY-MM-DD`; `units` ranked, best first.
pub fn json(a: &Assessment) -> Value {
    let r = &a.rules;
    json!({
        "year": a.year,
        "period": a.period.to_string(),
        "as_of": a.as_of.to_string(),
        "rules": {
            "source": r.source,
            "base": num(r.base),
            "floor": num(r.floor),
            "status_points": Value::Object(Status::ALL.iter().map(|s| (s.label().to_owned(), num(r.status(*s)))).collect()),
            "reports": {"late": num(r.report_late), "missing": num(r.report_missing)},
            "orders": {
                "closed_late": num(r.order_closed_late),
                "open_overdue": num(r.order_open_overdue),
                "returned": num(r.order_returned),
            },
            "grades": r.grades.iter().map(|g| json!({"name": g.name, "min": num(g.min)})).collect::<Vec<_>>(),
            "lowest": r.lowest,
            "step_down": r.step_down,
        },
        "units": a.units.iter().map(|u| json!({
            "unit": u.unit,
            "tasks": u.tasks,
            "plus": num(u.plus),
            "minus": num(u.minus),
            "score": num(u.score),
            "rank": u.rank,
            "grade": u.grade,
            "stepped_down_from": u.stepped_down_from,
            "note": u.note,
            "lines": u.lines.iter().map(|l| {
                let mut v = json!({"points": num(l.points), "kind": l.source.kind(), "source": l.source.describe()});
                let extra = match &l.source {
                    Source::Task { task, status, period } => json!({
                        "task": task, "status": status.label(), "status_id": status.id(), "period": period.to_string(),
                    }),
                    Source::LateReport { period, submitted, deadline, file } => json!({
                        "period": period.to_string(), "submitted": submitted.to_string(),
                        "deadline": deadline.to_string(), "file": file,
                    }),
                    Source::MissingReport { period, deadline } => json!({
                        "period": period.to_string(), "deadline": deadline.to_string(),
                    }),
                    Source::OrderClosedLate { number, closed, answered, deadline } => json!({
                        "order": number, "closed": closed.to_string(),
                        "answered": answered.map(|a| a.to_string()), "deadline": deadline.to_string(),
                    }),
                    Source::OrderOpenOverdue { number, deadline, as_of } => json!({
                        "order": number, "deadline": deadline.to_string(), "as_of": as_of.to_string(),
                    }),
                    Source::OrderReturned { number, times } => json!({"order": number, "times": times}),
                };
                if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
                    m.extend(e);
                }
                v
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "not_scored": a.not_scored,
    })
}

/// The column heads of the 汇总表 (PDF and .xlsx).
pub const HEADS: [&str; 8] = ["单位", "牵头任务数", "加分", "扣分", "得分", "排名", "等次", "说明"];

/// What a not-scored unit's row says.
pub const NOT_SCORED: &str = "未牵头任务，不参加评分";

/// One row of the 汇总表, as printed (a not-scored unit has only `unit` and `note`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetRow {
    pub unit: String,
    pub tasks: String,
    pub plus: String,
    pub minus: String,
    pub score: String,
    pub rank: String,
    pub grade: String,
    pub note: String,
}

impl SheetRow {
    /// The cells in [`HEADS`] order.
    pub fn cells(&self) -> [&str; 8] {
        [&self.unit, &self.tasks, &self.plus, &self.minus, &self.score, &self.rank, &self.grade, &self.note]
    }
}

/// The rows of the 汇总表: scored units ranked, then the units not scored.
pub fn sheet_rows(a: &Assessment) -> Vec<SheetRow> {
    let mut rows: Vec<SheetRow> = a
        .units
        .iter()
        .map(|u| SheetRow {
            unit: u.unit.clone(),
            tasks: u.tasks.to_string(),
            plus: fmt(u.plus),
            minus: fmt(u.minus),
            score: fmt(u.score),
            rank: u.rank.to_string(),
            grade: u.grade.clone(),
            note: u.note.clone(),
        })
        .collect();
    for unit in &a.not_scored {
        rows.push(SheetRow {
            unit: unit.clone(),
            tasks: "0".into(),
            plus: String::new(),
            minus: String::new(),
            score: String::new(),
            rank: String::new(),
            grade: String::new(),
            note: NOT_SCORED.into(),
        });
    }
    rows
}

/// One line of a unit's 扣分明细, as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetailLine {
    pub no: String,
    pub points: String,
    pub source: String,
}

/// One unit's 扣分明细.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    /// “县科技局：得分 96.5，排名 3，良好”
    pub head: String,
    pub lines: Vec<DetailLine>,
}

/// The 扣分明细 of every scored unit with at least one line, in ranking order.
pub fn details(a: &Assessment) -> Vec<Detail> {
    a.units
        .iter()
        .filter(|u| !u.lines.is_empty())
        .map(|u| Detail {
            head: format!(
                "{}：得分 {}（基础分 {}，加分 {}，扣分 {}），排名第 {}，{}",
                u.unit,
                fmt(u.score),
                fmt(a.rules.base),
                fmt(u.plus),
                fmt(u.minus),
                u.rank,
                u.grade
            ),
            lines: u
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| DetailLine {
                    no: (i + 1).to_string(),
                    points: fmt(l.points),
                    source: l.source.describe(),
                })
                .collect(),
        })
        .collect()
}

/// The view model of `templates/assess.typ.j2`.
#[derive(Debug, Clone, Serialize)]
pub struct SheetView {
    /// PDF metadata title.
    pub pdf_title: String,
    /// 发文机关 (the PDF's author) — the office that hands the sheet over.
    pub office: String,
    /// The label line above the title: 考核日期.
    pub label: String,
    pub title_lines: Vec<String>,
    pub rows: Vec<SheetRow>,
    /// The 附件's opening paragraph: the rules applied.
    pub basis: String,
    pub details: Vec<Detail>,
    /// Paragraph naming the not-scored units (empty when none).
    pub not_scored: String,
    /// Paragraph naming the scored units without any line (empty when none).
    pub clean: String,
}

/// The title of the sheet: `{county}{year}年度重点工作任务督查考核得分汇总表`.
pub fn title(ds: &Dataset, year: i32) -> String {
    format!("{}{year}年度重点工作任务督查考核得分汇总表", ds.office.county)
}

/// The view of the PDF.
pub fn sheet_view(ds: &Dataset, a: &Assessment) -> SheetView {
    let r = &a.rules;
    let title = title(ds, a.year);
    let status_part: Vec<String> = Status::ALL
        .iter()
        .filter(|s| !r.status(**s).is_zero())
        .map(|s| format!("{}{}分", s.label(), fmt(r.status(*s))))
        .collect();
    let bands: Vec<String> = r.grades.iter().map(|g| format!("{}分及以上为{}", fmt(g.min), g.name)).collect();
    let basis = format!(
        "依据{}，对{}个牵头单位计分：基础分{}分，最低{}分；牵头任务按{}年终状态计分（{}）；每份须报送的季度报告迟报{}分、未报送{}分；督办事项逾期办结每件{}分、考核日逾期未办结每件{}分、每退回一次{}分。{}，以下为{}。{}得分相同的名次并列。",
        r.source.as_deref().map(|s| format!("考核规则文件 {s}")).unwrap_or_else(|| "默认考核规则".into()),
        a.units.len(),
        fmt(r.base),
        fmt(r.floor),
        a.period,
        if status_part.is_empty() { "各状态均不计分".into() } else { status_part.join("，") },
        fmt(r.report_late),
        fmt(r.report_missing),
        fmt(r.order_closed_late),
        fmt(r.order_open_overdue),
        fmt(r.order_returned),
        bands.join("，"),
        r.lowest,
        if r.step_down {
            format!("考核日有逾期未办结督办事项的单位不评为{}（降一档）。", r.band_name(0))
        } else {
            String::new()
        },
    );
    let not_scored = if a.not_scored.is_empty() {
        String::new()
    } else {
        format!("以下单位未牵头任务，不参加评分：{}。", a.not_scored.join("、"))
    };
    let clean: Vec<&str> = a.units.iter().filter(|u| u.lines.is_empty()).map(|u| u.unit.as_str()).collect();
    let clean = if clean.is_empty() {
        String::new()
    } else {
        format!(
            "以下{}个单位无加分、扣分事项，得分均为{}分：{}。",
            clean.len(),
            fmt(r.base.max(r.floor)),
            clean.join("、")
        )
    };
    SheetView {
        clean,
        pdf_title: title.clone(),
        office: ds.office.supervision_office.clone(),
        label: format!("考核日期：{}", a.as_of.chinese()),
        title_lines: crate::render::title::break_title(&title, 26),
        rows: sheet_rows(a),
        basis,
        details: details(a),
        not_scored,
    }
}
