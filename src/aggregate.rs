//! Aggregates for a period (docs/rules.md §6–§8): counts and shares per status, per section and
//! per lead unit, the unit ranking, the change against the previous quarter, missing and late
//! reports, and the escalation list; plus `ducha stats` output ([`stats_json`], [`stats_table`]).
//!
//! Pure functions over the [`Dataset`] and the statuses from [`crate::status::evaluate_year`].
//!
//! Definitions used throughout:
//!
//! - **Shares** are of the task count of the table (the plan's tasks overall, the section's tasks,
//!   the unit's tasks), one decimal place, largest-remainder rounding so that they add up to exactly
//!   100.0 (ties go to the status listed first in [`Status::ALL`]).
//! - **Lagging** = 滞后, 严重滞后, 未启动 ([`crate::status::is_lagging`]); 未报送 is counted as a
//!   reporting failure instead.
//! - **Good** = 已完成 + 超序时 + 序时推进.
//! - **A unit must report** in a period when it leads at least one task that was not already 已完成
//!   in the previous quarter (a completed, closed task needs no further report).
//! - **Missing**: a unit that must report has no report file for the period. **Late**: its earliest
//!   report file of the period was submitted after `Office::deadline`.
//! - A task with several lead units counts once for each of its units in the unit table, and once
//!   in the totals and section table.

use std::fmt::Write as _;
use std::ops::{Index, IndexMut};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use unicode_width::UnicodeWidthStr;

use crate::data::model::{Dataset, Date, Light, Period, Status};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::numerals;
use crate::status::{fmt_pct, is_lagging, PeriodStatus, TaskStatus};

/// One value per status, indexed by the status itself (`counts[Status::Behind]`; stored at
/// `status as usize`); iterated and serialized in [`Status::ALL`] order, as `{"已完成": v, …}` with
/// every status present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerStatus<T>([T; Status::COUNT]);

/// Task counts per status.
pub type Counts = PerStatus<usize>;
/// Shares in percent, one decimal, per status (see [`Shares::of`]).
pub type Shares = PerStatus<f64>;
/// Differences in counts per status against the previous quarter.
pub type Deltas = PerStatus<i64>;

impl<T> Index<Status> for PerStatus<T> {
    type Output = T;
    fn index(&self, s: Status) -> &T {
        &self.0[s as usize]
    }
}

impl<T> IndexMut<Status> for PerStatus<T> {
    fn index_mut(&mut self, s: Status) -> &mut T {
        &mut self.0[s as usize]
    }
}

impl<T: Copy + Default> PerStatus<T> {
    /// The value of each status from `f`, called in [`Status::ALL`] order.
    pub fn from_fn(mut f: impl FnMut(Status) -> T) -> Self {
        let mut out = PerStatus::default();
        for s in Status::ALL {
            out[s] = f(s);
        }
        out
    }
}

impl<T: Copy> PerStatus<T> {
    /// The value of one status.
    pub fn get(&self, s: Status) -> T {
        self[s]
    }

    /// Every status with its value, in [`Status::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Status, T)> + '_ {
        Status::ALL.into_iter().map(|s| (s, self[s]))
    }

    /// The values, in [`Status::ALL`] order.
    pub fn values(&self) -> impl Iterator<Item = T> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

impl<T: Copy + Serialize> PerStatus<T> {
    fn json(&self) -> Value {
        let mut m = Map::new();
        for (s, v) in self.iter() {
            m.insert(s.label().into(), json!(v));
        }
        Value::Object(m)
    }
}

impl<T: Copy + Serialize> Serialize for PerStatus<T> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(Status::COUNT))?;
        for (s, v) in self.iter() {
            m.serialize_entry(s.label(), &v)?;
        }
        m.end()
    }
}

impl Counts {
    /// Counts a list of statuses.
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            c[s] += 1;
        }
        c
    }

    pub fn add(&mut self, s: Status) {
        self[s] += 1;
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// 已完成 + 超序时 + 序时推进.
    pub fn good(&self) -> usize {
        self[Status::Completed] + self[Status::Ahead] + self[Status::OnTrack]
    }

    /// 滞后 + 严重滞后 + 未启动.
    pub fn lagging(&self) -> usize {
        self.iter().filter(|(s, _)| is_lagging(*s)).map(|(_, n)| n).sum()
    }
}

impl Shares {
    /// Largest-remainder shares of `denominator` in tenths of a percent: when the counts add up to
    /// the denominator the shares add up to exactly 100.0. All zero when `denominator` is 0.
    pub fn of(counts: &Counts, denominator: usize) -> Shares {
        if denominator == 0 {
            return Shares::default();
        }
        let den = denominator as u128;
        let mut tenths = PerStatus::<u128>::from_fn(|s| counts[s] as u128 * 1000 / den);
        let want = (counts.total() as u128 * 1000 + den / 2) / den;
        let have: u128 = tenths.values().sum();
        let mut left = want.saturating_sub(have);
        // Largest remainder first; ties to the status listed first in `Status::ALL`.
        let mut rems: Vec<(u128, usize, Status)> =
            Status::ALL.iter().enumerate().map(|(i, &s)| (counts[s] as u128 * 1000 % den, i, s)).collect();
        rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(r, _, s) in &rems {
            if left == 0 || r == 0 {
                break;
            }
            tenths[s] += 1;
            left -= 1;
        }
        PerStatus::from_fn(|s| tenths[s] as f64 / 10.0)
    }
}

/// One section (一、…) of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionSummary {
    pub number: u32,
    pub title: String,
    pub tasks: usize,
    pub by_status: Counts,
    pub shares: Shares,
}

/// How a unit reported in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporting {
    OnTime,
    Late,
    Missing,
    /// Nothing left to report (every task already completed) and no file.
    NotRequired,
}

/// One lead unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSummary {
    pub name: String,
    /// Tasks it leads (alone or with others).
    pub tasks: usize,
    pub by_status: Counts,
    /// 1-based; see [`summarize`] for the rule.
    pub rank: usize,
    /// 已完成 + 超序时 + 序时推进.
    pub good: usize,
    /// `good` ÷ `tasks` in percent, one decimal.
    pub good_rate: f64,
    /// 滞后 + 严重滞后 + 未启动.
    pub lagging: usize,
    /// Late or missing reports in the year up to this period.
    pub late_or_missing: usize,
    /// This period.
    pub reporting: Reporting,
    /// Earliest submission this period.
    pub submitted: Option<Date>,
}

/// A task named as lagging.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaggingTask {
    pub task: u32,
    pub section: u32,
    pub title: String,
    pub units: Vec<String>,
    pub status: Status,
    pub light: Light,
    pub gap_points: Option<f64>,
    pub reason: String,
}

/// A report submitted after the deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LateReport {
    pub unit: String,
    pub submitted: Date,
    pub deadline: Date,
    pub days_late: i64,
}

/// A late or missing report in some period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFailure {
    pub period: Period,
    /// [`Reporting::Late`] or [`Reporting::Missing`] (serialized `late` / `missing`).
    pub kind: Reporting,
}

/// An item for 督办 (docs/rules.md §8), rules from `office.yaml` `escalation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EscalationItem {
    /// A task lagging (滞后/严重滞后/未启动) in `lagging_quarters` or more consecutive quarters up
    /// to this one.
    Task {
        task: u32,
        title: String,
        units: Vec<String>,
        status: Status,
        /// The consecutive lagging quarters, oldest first.
        quarters: Vec<Period>,
        reason: String,
    },
    /// A unit late or missing `late_reports` or more times in the year, this period included.
    Unit { unit: String, count: usize, periods: Vec<ReportFailure>, reason: String },
}

/// The change against the previous quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub previous: Option<Period>,
    /// Count now − count then, per status (all 0 without a previous quarter).
    pub by_status: Deltas,
    /// Tasks whose status got better / worse (by the order of badness, `Status`'s `Ord`).
    pub improved: Vec<u32>,
    pub worsened: Vec<u32>,
}

/// Everything `ducha stats` and the documents need about one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub period: Period,
    pub checkpoint: f64,
    /// The plan's task count (the denominator of the shares).
    pub tasks: usize,
    pub by_status: Counts,
    pub shares: Shares,
    pub sections: Vec<SectionSummary>,
    /// Ranked, best first.
    pub units: Vec<UnitSummary>,
    /// 滞后, 严重滞后, 未启动 tasks in plan order.
    pub lagging: Vec<LaggingTask>,
    /// Units that had to report and sent nothing, in plan order.
    pub missing_reports: Vec<String>,
    pub late_reports: Vec<LateReport>,
    pub escalations: Vec<EscalationItem>,
    pub change: Change,
    /// Tasks whose unit claimed better than computed: (task, explanation).
    pub claim_mismatches: Vec<(u32, String)>,
    /// Tasks met but without evidence.
    pub evidence_missing: Vec<u32>,
}

/// Per-period reporting of one unit.
fn reporting(ds: &Dataset, unit: &str, period: Period, prev: Option<&PeriodStatus>) -> (Reporting, Option<Date>) {
    let first = ds.reports_for(period).iter().filter(|r| r.unit == unit).map(|r| r.submitted).min();
    let required = ds
        .plan
        .tasks
        .iter()
        .filter(|t| t.lead_units.iter().any(|u| u == unit))
        .any(|t| prev.and_then(|p| p.task(t.number)).is_none_or(|s| s.status != Status::Completed));
    match first {
        Some(d) if d > ds.office.deadline(period) => (Reporting::Late, Some(d)),
        Some(d) => (Reporting::OnTime, Some(d)),
        None if required => (Reporting::Missing, None),
        None => (Reporting::NotRequired, None),
    }
}

/// The 未报送 and 迟报 warnings of every quarter that has reports, decided by [`reporting`] — the
/// same rule that fills `missing_reports` and `late_reports` (and the unit table), so stderr never
/// contradicts the figures: a unit whose lead tasks were all 已完成 in the previous quarter (by
/// any of their lead units) is not asked for a report; a unit with several report files in a
/// quarter is late only when its earliest file is. A late report is located at the `submitted:`
/// of that earliest file.
pub fn reporting_warnings(ds: &Dataset) -> Diagnostics {
    reporting_warnings_with_year(ds).0
}

/// [`reporting_warnings`], with the statuses of Q1 … the latest period with reports they were
/// decided with ([`crate::status::evaluate_year`]; empty without reports), so that a caller
/// that needs them too does not evaluate every task a second time.
pub fn reporting_warnings_with_year(ds: &Dataset) -> (Diagnostics, Vec<PeriodStatus>) {
    let mut out = Diagnostics::default();
    let Some(last) = ds.latest_period() else { return (out, Vec::new()) };
    let year = crate::status::evaluate_year(ds, last);
    for (i, ps) in year.iter().enumerate() {
        let period = ps.period;
        if ds.reports_for(period).is_empty() {
            continue;
        }
        let prev = i.checked_sub(1).map(|j| &year[j]);
        for unit in ds.plan.lead_units() {
            match reporting(ds, unit, period, prev) {
                (Reporting::Missing, _) => {
                    let tasks: Vec<String> = ds
                        .plan
                        .tasks
                        .iter()
                        .filter(|t| t.lead_units.iter().any(|u| u == unit))
                        .filter(|t| prev.and_then(|p| p.task(t.number)).is_none_or(|s| s.status != Status::Completed))
                        .map(|t| t.number.to_string())
                        .collect();
                    out.push(
                        Diagnostic::warning(format!(
                            "{unit} 未报送 {period} 进展（牵头任务：第 {} 项）",
                            tasks.join("、")
                        ))
                        .hint(format!("催报后把报告放入 reports/{period}/")),
                    );
                }
                (Reporting::Late, Some(d)) => {
                    let deadline = ds.office.deadline(period);
                    let first = ds.reports_for(period).iter().filter(|r| r.unit == unit).min_by_key(|r| r.submitted);
                    let mut w = Diagnostic::warning(format!(
                        "{unit} 的 {period} 报告于 {d} 报送，晚于截止日 {deadline}（迟报）"
                    ));
                    if let Some(r) = first {
                        let key = format!("report.{}.submitted", r.file);
                        let loc = ds.places.get(&key).cloned().unwrap_or_else(|| Loc::file(r.file.clone()));
                        w = w.at_span(loc, 10);
                    }
                    out.push(w);
                }
                _ => {}
            }
        }
    }
    (out, year)
}

/// How `unit` reported in each quarter of `year` (the output of
/// [`crate::status::evaluate_year`]), with its earliest submission date: the rule behind
/// `missing_reports`, `late_reports` and the unit table (docs/rules.md §6), shared with the 年度考核
/// (`assess::score`) so its report deductions cannot disagree with `ducha stats`.
pub fn reporting_of(ds: &Dataset, unit: &str, year: &[PeriodStatus]) -> Vec<(Period, Reporting, Option<Date>)> {
    year.iter()
        .enumerate()
        .map(|(i, ps)| {
            let prev = i.checked_sub(1).map(|j| &year[j]);
            let (r, d) = reporting(ds, unit, ps.period, prev);
            (ps.period, r, d)
        })
        .collect()
}

/// Late or missing reports of `unit` over the quarters in `year`.
fn failures(ds: &Dataset, unit: &str, year: &[PeriodStatus]) -> Vec<ReportFailure> {
    reporting_of(ds, unit, year)
        .into_iter()
        .filter(|(_, r, _)| matches!(r, Reporting::Late | Reporting::Missing))
        .map(|(period, kind, _)| ReportFailure { period, kind })
        .collect()
}

fn quarter_name(p: Period) -> &'static str {
    p.chinese_quarter()
}

impl Summary {
    /// Task numbers on the escalation list, in list order.
    pub fn escalated_tasks(&self) -> Vec<u32> {
        self.escalations
            .iter()
            .filter_map(|e| match e {
                EscalationItem::Task { task, .. } => Some(*task),
                EscalationItem::Unit { .. } => None,
            })
            .collect()
    }

    /// Units on the escalation list (late or missing reports), in list order.
    pub fn escalated_units(&self) -> Vec<&str> {
        self.escalations
            .iter()
            .filter_map(|e| match e {
                EscalationItem::Unit { unit, .. } => Some(unit.as_str()),
                EscalationItem::Task { .. } => None,
            })
            .collect()
    }
}

/// The summary for the last period in `year` (the output of [`crate::status::evaluate_year`]).
///
/// **Unit ranking rule** (best first): the good rate — (已完成 + 超序时 + 序时推进) ÷ the unit's
/// tasks — descending (compared exactly, as fractions); then the number of lagging tasks (滞后 +
/// 严重滞后 + 未启动) ascending; then the number of late or missing reports in the year up to this
/// period ascending; then the unit name (Unicode order). Ranks are 1, 2, 3 … with no ties.
///
/// Escalation (`office.escalation`; a value of 0 switches the rule off): a task is listed when its
/// status was lagging in `lagging_quarters` or more consecutive quarters ending with this one; a
/// unit when it was late or missing `late_reports` or more times in the year and also this period.
///
/// # Panics
/// When `year` is empty.
pub fn summarize(ds: &Dataset, year: &[PeriodStatus]) -> Summary {
    let cur = year.last().expect("summarize needs at least one period");
    let prev = year.len().checked_sub(2).map(|i| &year[i]);
    let period = cur.period;
    let n = ds.plan.tasks.len();
    let by_status = Counts::of(cur.tasks.iter().map(|t| t.status));
    let shares = Shares::of(&by_status, n);

    let sections = ds
        .plan
        .sections
        .iter()
        .map(|sec| {
            let counts = Counts::of(cur.tasks.iter().filter(|t| t.section == sec.number).map(|t| t.status));
            SectionSummary {
                number: sec.number,
                title: sec.title.clone(),
                tasks: counts.total(),
                by_status: counts,
                shares: Shares::of(&counts, counts.total()),
            }
        })
        .collect();

    let mut units: Vec<UnitSummary> = ds
        .plan
        .lead_units()
        .into_iter()
        .map(|name| {
            let mine: Vec<&TaskStatus> = cur.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == name)).collect();
            let counts = Counts::of(mine.iter().map(|t| t.status));
            let (rep, submitted) = reporting(ds, name, period, prev);
            let tasks = mine.len();
            let good = counts.good();
            UnitSummary {
                name: name.to_string(),
                tasks,
                by_status: counts,
                rank: 0,
                good,
                good_rate: if tasks == 0 { 0.0 } else { crate::status::percent(good as f64, tasks as f64) },
                lagging: counts.lagging(),
                late_or_missing: failures(ds, name, year).len(),
                reporting: rep,
                submitted,
            }
        })
        .collect();
    units.sort_by(|a, b| {
        // good_a / tasks_a > good_b / tasks_b  ⇔  good_a · tasks_b > good_b · tasks_a
        let ra = a.good * b.tasks.max(1);
        let rb = b.good * a.tasks.max(1);
        rb.cmp(&ra)
            .then(a.lagging.cmp(&b.lagging))
            .then(a.late_or_missing.cmp(&b.late_or_missing))
            .then(a.name.cmp(&b.name))
    });
    for (i, u) in units.iter_mut().enumerate() {
        u.rank = i + 1;
    }

    let lagging = cur
        .tasks
        .iter()
        .filter(|t| is_lagging(t.status))
        .map(|t| LaggingTask {
            task: t.task,
            section: t.section,
            title: t.title.clone(),
            units: t.lead_units.clone(),
            status: t.status,
            light: t.light,
            gap_points: t.gap_points,
            reason: t.reason.clone(),
        })
        .collect();

    let mut missing_reports = Vec::new();
    let mut late_reports = Vec::new();
    for name in ds.plan.lead_units() {
        match reporting(ds, name, period, prev) {
            (Reporting::Missing, _) => missing_reports.push(name.to_string()),
            (Reporting::Late, Some(d)) => {
                let deadline = ds.office.deadline(period);
                late_reports.push(LateReport {
                    unit: name.to_string(),
                    submitted: d,
                    deadline,
                    days_late: d.days_since_epoch() - deadline.days_since_epoch(),
                });
            }
            _ => {}
        }
    }

    let escalations = escalations(ds, year);

    let change = match prev {
        Some(p) => {
            let before = Counts::of(p.tasks.iter().map(|t| t.status));
            let d = Deltas::from_fn(|s| by_status[s] as i64 - before[s] as i64);
            let mut improved = Vec::new();
            let mut worsened = Vec::new();
            for t in &cur.tasks {
                if let Some(b) = p.task(t.task) {
                    match t.status.cmp(&b.status) {
                        std::cmp::Ordering::Less => improved.push(t.task),
                        std::cmp::Ordering::Greater => worsened.push(t.task),
                        std::cmp::Ordering::Equal => {}
                    }
                }
            }
            Change { previous: Some(p.period), by_status: d, improved, worsened }
        }
        None => Change { previous: None, by_status: Deltas::default(), improved: vec![], worsened: vec![] },
    };

    Summary {
        period,
        checkpoint: cur.checkpoint,
        tasks: n,
        by_status,
        shares,
        sections,
        units,
        lagging,
        missing_reports,
        late_reports,
        escalations,
        change,
        claim_mismatches: cur.tasks.iter().filter_map(|t| t.claim_mismatch.clone().map(|m| (t.task, m))).collect(),
        evidence_missing: cur.tasks.iter().filter(|t| t.evidence_missing).map(|t| t.task).collect(),
    }
}

fn escalations(ds: &Dataset, year: &[PeriodStatus]) -> Vec<EscalationItem> {
    let esc = ds.office.escalation;
    let cur = year.last().expect("non-empty");
    let mut out = Vec::new();
    if esc.lagging_quarters > 0 {
        for t in &cur.tasks {
            let mut streak: Vec<(Period, Status)> = Vec::new();
            for ps in year.iter().rev() {
                match ps.task(t.task) {
                    Some(s) if is_lagging(s.status) => streak.push((ps.period, s.status)),
                    _ => break,
                }
            }
            if streak.len() >= esc.lagging_quarters as usize {
                streak.reverse();
                let detail: Vec<String> =
                    streak.iter().map(|(p, s)| format!("{}“{}”", quarter_name(*p), s.label())).collect();
                out.push(EscalationItem::Task {
                    task: t.task,
                    title: t.title.clone(),
                    units: t.lead_units.clone(),
                    status: t.status,
                    quarters: streak.iter().map(|(p, _)| *p).collect(),
                    reason: format!("连续 {} 个季度进展滞后（{}）", streak.len(), detail.join("、")),
                });
            }
        }
    }
    if esc.late_reports > 0 {
        for name in ds.plan.lead_units() {
            let f = failures(ds, name, year);
            let now = f.last().is_some_and(|x| x.period == cur.period);
            if now && f.len() >= esc.late_reports as usize {
                let detail: Vec<String> = f
                    .iter()
                    .map(|x| {
                        format!(
                            "{}{}",
                            quarter_name(x.period),
                            if x.kind == Reporting::Late { "迟报" } else { "未报送" }
                        )
                    })
                    .collect();
                out.push(EscalationItem::Unit {
                    unit: name.to_string(),
                    count: f.len(),
                    reason: format!("{}年内 {} 次迟报或未报送（{}）", cur.period.year, f.len(), detail.join("、")),
                    periods: f,
                });
            }
        }
    }
    out
}

/// The `ducha stats --json` shape (stable; more fields may be added):
///
/// ```text
/// {"period": "2023Q2", "checkpoint": 50, "tasks": 87,
///  "by_status": {"已完成": n, "超序时": n, "序时推进": n, "滞后": n, "严重滞后": n, "未启动": n, "未报送": n, "其他": n},
///  "shares": {same keys: percent, one decimal, adding up to 100.0},
///  "sections": [{"number", "title", "tasks", "by_status", "shares"}],
///  "units": [{"name", "tasks", "by_status", "rank", "good_rate", "lagging", "late_or_missing", "reporting", "submitted"}],   (rank order)
///  "lagging": [{"task", "title", "units", "status" (label), "status_id", "light", "gap_points", "reason"}],
///  "missing_reports": [unit, …],
///  "late_reports": [{"unit", "submitted", "deadline", "days_late"}],
///  "escalations": [{"kind": "task", "task", "title", "units", "status", "quarters", "reason"}
///                 | {"kind": "unit", "unit", "count", "periods": [{"period", "kind": "late"|"missing"}], "reason"}],
///  "change": {"previous": "2023Q1"|null, "by_status": {label: delta}, "improved": [task], "worsened": [task]},
///  "claim_mismatches": [{"task", "explanation"}], "evidence_missing": [task]}
/// ```
/// Every status key is always present (0 when none). Dates are `YYYY-MM-DD`.
pub fn stats_json(s: &Summary) -> Value {
    json!({
        "period": s.period.to_string(),
        "checkpoint": s.checkpoint,
        "tasks": s.tasks,
        "by_status": s.by_status.json(),
        "shares": s.shares.json(),
        "sections": s.sections.iter().map(|x| json!({
            "number": x.number,
            "title": x.title,
            "tasks": x.tasks,
            "by_status": x.by_status.json(),
            "shares": x.shares.json(),
        })).collect::<Vec<_>>(),
        "units": s.units.iter().map(|u| json!({
            "name": u.name,
            "tasks": u.tasks,
            "by_status": u.by_status.json(),
            "rank": u.rank,
            "good_rate": u.good_rate,
            "lagging": u.lagging,
            "late_or_missing": u.late_or_missing,
            "reporting": u.reporting,
            "submitted": u.submitted.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "lagging": s.lagging.iter().map(|t| json!({
            "task": t.task,
            "title": t.title,
            "units": t.units,
            "status": t.status.label(),
            "status_id": t.status.id(),
            "light": t.light,
            "gap_points": t.gap_points,
            "reason": t.reason,
        })).collect::<Vec<_>>(),
        "missing_reports": s.missing_reports,
        "late_reports": s.late_reports.iter().map(|l| json!({
            "unit": l.unit,
            "submitted": l.submitted.to_string(),
            "deadline": l.deadline.to_string(),
            "days_late": l.days_late,
        })).collect::<Vec<_>>(),
        "escalations": s.escalations.iter().map(|e| match e {
            EscalationItem::Task { task, title, units, status, quarters, reason } => json!({
                "kind": "task",
                "task": task,
                "title": title,
                "units": units,
                "status": status.label(),
                "quarters": quarters.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                "reason": reason,
            }),
            EscalationItem::Unit { unit, count, periods, reason } => json!({
                "kind": "unit",
                "unit": unit,
                "count": count,
                "periods": periods.iter().map(|f| json!({"period": f.period.to_string(), "kind": f.kind})).collect::<Vec<_>>(),
                "reason": reason,
            }),
        }).collect::<Vec<_>>(),
        "change": {
            "previous": s.change.previous.map(|p| p.to_string()),
            "by_status": s.change.by_status.json(),
            "improved": s.change.improved,
            "worsened": s.change.worsened,
        },
        "claim_mismatches": s.claim_mismatches.iter().map(|(t, m)| json!({"task": t, "explanation": m})).collect::<Vec<_>>(),
        "evidence_missing": s.evidence_missing,
    })
}

/// Which breakdown [`stats_table`] prints after the overall table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Section,
    Unit,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// A plain-text table aligned by display width (CJK characters are two columns wide).
fn table(headers: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let cols = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(c.width());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.width());
            if i > 0 {
                s.push_str("  ");
            }
            match align[i] {
                Align::Left => {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
                Align::Right => {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    let total: usize = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
    // ASCII rule: box-drawing characters are ambiguous-width and double in some CJK terminals.
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// A readable Chinese summary for the terminal: the overall table, the breakdown by section or by
/// unit, then lagging tasks, missing and late reports and escalations.
pub fn stats_table(s: &Summary, by: By) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}年{}重点任务推进情况（{}）：共 {} 项，序时进度 {}%",
        s.period.year,
        s.period.chinese_quarter(),
        s.period.chinese_span(),
        s.tasks,
        fmt_pct(s.checkpoint)
    );
    out.push('\n');

    let with_change = s.change.previous.is_some();
    let mut headers = vec!["状态", "项数", "占比"];
    if with_change {
        headers.push("较上季度");
    }
    let align: Vec<Align> =
        headers.iter().enumerate().map(|(i, _)| if i == 0 { Align::Left } else { Align::Right }).collect();
    let mut rows: Vec<Vec<String>> = Status::ALL
        .iter()
        .map(|&st| {
            let mut r =
                vec![st.label().to_string(), s.by_status.get(st).to_string(), format!("{:.1}%", s.shares.get(st))];
            if with_change {
                let d = s.change.by_status.get(st);
                r.push(if d > 0 { format!("+{d}") } else { d.to_string() });
            }
            r
        })
        .collect();
    let mut total =
        vec!["合计".to_string(), s.by_status.total().to_string(), format!("{:.1}%", s.shares.values().sum::<f64>())];
    if with_change {
        total.push(String::new());
    }
    rows.push(total);
    out.push_str(&table(&headers, &align, &rows));
    out.push('\n');

    let status_headers: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
    match by {
        By::Section => {
            out.push_str("按任务部分：\n");
            let mut headers = vec!["部分", "任务数"];
            headers.extend(&status_headers);
            let mut align = vec![Align::Left];
            align.extend(std::iter::repeat_n(Align::Right, headers.len() - 1));
            let rows: Vec<Vec<String>> = s
                .sections
                .iter()
                .map(|x| {
                    let mut r = vec![format!("{}、{}", numerals::chinese(x.number), x.title), x.tasks.to_string()];
                    r.extend(Status::ALL.iter().map(|st| x.by_status.get(*st).to_string()));
                    r
                })
                .collect();
            out.push_str(&table(&headers, &align, &rows));
        }
        By::Unit => {
            out.push_str("按牵头单位（排名：达序时率降序，滞后项数、迟报未报次数升序）：\n");
            let mut headers = vec!["排名", "牵头单位", "任务数"];
            headers.extend(&status_headers);
            headers.extend(["达序时率", "迟报/未报", "本期报送"]);
            let mut align = vec![Align::Right, Align::Left];
            align.extend(std::iter::repeat_n(Align::Right, headers.len() - 2));
            let rows: Vec<Vec<String>> = s
                .units
                .iter()
                .map(|u| {
                    let mut r = vec![u.rank.to_string(), u.name.clone(), u.tasks.to_string()];
                    r.extend(Status::ALL.iter().map(|st| u.by_status.get(*st).to_string()));
                    r.push(format!("{:.1}%", u.good_rate));
                    r.push(u.late_or_missing.to_string());
                    r.push(
                        match u.reporting {
                            Reporting::OnTime => "按时",
                            Reporting::Late => "迟报",
                            Reporting::Missing => "未报",
                            Reporting::NotRequired => "无需报送",
                        }
                        .to_string(),
                    );
                    r
                })
                .collect();
            out.push_str(&table(&headers, &align, &rows));
        }
    }

    if !s.lagging.is_empty() {
        out.push_str("\n滞后任务：\n");
        let rows: Vec<Vec<String>> = s
            .lagging
            .iter()
            .map(|t| {
                vec![
                    format!("{}.", t.task),
                    t.title.clone(),
                    t.units.join("、"),
                    t.status.label().to_string(),
                    t.gap_points.map(fmt_pct).unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        out.push_str(&table(
            &["编号", "任务", "牵头单位", "状态", "差距（百分点）"],
            &[Align::Right, Align::Left, Align::Left, Align::Left, Align::Right],
            &rows,
        ));
    }
    if !s.missing_reports.is_empty() {
        let _ = writeln!(out, "\n未报送单位：{}", s.missing_reports.join("、"));
    }
    if !s.late_reports.is_empty() {
        let list: Vec<String> = s
            .late_reports
            .iter()
            .map(|l| format!("{}（{} 报送，截止 {}，迟 {} 天）", l.unit, l.submitted, l.deadline, l.days_late))
            .collect();
        let _ = writeln!(out, "\n迟报单位：{}", list.join("；"));
    }
    if !s.escalations.is_empty() {
        out.push_str("\n建议督办：\n");
        for e in &s.escalations {
            match e {
                EscalationItem::Task { task, title, units, reason, .. } => {
                    let _ = writeln!(out, "  第{task}项 {title}（{}）：{reason}", units.join("、"));
                }
                EscalationItem::Unit { unit, reason, .. } => {
                    let _ = writeln!(out, "  {unit}：{reason}");
                }
            }
        }
    }
    if !s.claim_mismatches.is_empty() {
        out.push_str("\n自评与核定不符：\n");
        for (t, m) in &s.claim_mismatches {
            let _ = writeln!(out, "  第{t}项：{m}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::model::*;
    use crate::status::evaluate_year;
    use crate::status::fixtures::*;

    const KJ: &str = "县科技局";
    const GX: &str = "县工业和信息化局";
    const FG: &str = "县发展改革局";

    #[test]
    fn largest_remainder_shares_add_to_100() {
        // 1, 1, 1 of 3: 33.3 each plus one tenth to the first → 33.4 + 33.3 + 33.3.
        let c = Counts::of([Status::Completed, Status::Ahead, Status::OnTrack]);
        let s = Shares::of(&c, 3);
        assert_eq!([s[Status::Completed], s[Status::Ahead], s[Status::OnTrack]], [33.4, 33.3, 33.3]);
        // Exactly 1000 tenths (the f64 sum may differ in the last bit).
        assert_eq!(s.values().map(|x| (x * 10.0).round() as i64).sum::<i64>(), 1000);
        // A published county notice's figures (docs/rules.md §7): 222 items → 17, 10, 24, 9, 162.
        // Floors in tenths: 7.6, 4.5, 10.8, 4.0, 72.9 (= 99.8); the two largest remainders (72.97…,
        // 7.657…) get the missing tenths. (The published notice printed 4.1 and 72.9: rounded each,
        // then trimmed the largest.)
        let n = [
            (Status::Completed, 24),
            (Status::Ahead, 10),
            (Status::OnTrack, 162),
            (Status::Behind, 17),
            (Status::Other, 9),
        ];
        let c = Counts::from_fn(|s| n.iter().find(|(t, _)| *t == s).map_or(0, |(_, k)| *k));
        let s = Shares::of(&c, 222);
        assert_eq!(s.get(Status::Behind), 7.7);
        assert_eq!(s.get(Status::Ahead), 4.5);
        assert_eq!(s.get(Status::Completed), 10.8);
        assert_eq!(s.get(Status::Other), 4.0);
        assert_eq!(s.get(Status::OnTrack), 73.0);
        assert!((s.values().sum::<f64>() - 100.0).abs() < 1e-9);
        // 2 of 7 and 5 of 7: 28.57… → 28.6, 71.43… → 71.4.
        let c = Counts::of([[Status::Completed; 2].as_slice(), &[Status::Ahead; 5]].concat());
        let s = Shares::of(&c, 7);
        assert_eq!([s[Status::Completed], s[Status::Ahead]], [28.6, 71.4]);
        assert_eq!(Shares::of(&Counts::default(), 0), Shares::default());
        // Equal remainders go to the status listed first: 其他 is listed after 滞后.
        let s = Shares::of(&Counts::of([Status::Other, Status::Behind, Status::OnTrack]), 3);
        assert_eq!([s[Status::OnTrack], s[Status::Behind], s[Status::Other]], [33.4, 33.3, 33.3]);
    }

    /// Three units, four tasks in two sections.
    fn sample() -> Dataset {
        let c = |v| vec![target(TargetKind::Count, v, "家")];
        let mut ds = dataset(vec![
            task(1, 1, &[KJ], c(10.0)),
            task(2, 1, &[KJ, GX], c(20.0)),
            task(3, 2, &[GX], c(4.0)),
            task(4, 2, &[FG], c(8.0)),
        ]);
        // Q1 (25): 1: 3/10 on track; 2: 2/20 = 10 % behind; 3: 0 not started; 4 (FG): nothing sent.
        report(&mut ds, q(1), KJ, vec![entry(1, &[(1, 3.0)]), entry(2, &[(1, 2.0)])]);
        report(&mut ds, q(1), GX, vec![entry(3, &[(1, 0.0)])]);
        // Q2 (50): 1: 6/10 = 60 % ahead; 2: 3/20 = 15 % seriously behind; 3: 1/4 = 25 % behind;
        // 4: FG reports late: 4/8 = 50 % on track.
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 6.0)]), entry(2, &[(1, 3.0)])]);
        report(&mut ds, q(2), GX, vec![entry(3, &[(1, 1.0)])]);
        report(&mut ds, q(2), FG, vec![entry(4, &[(1, 4.0)])]);
        let late = ds.office.deadline(q(2)).add_days(3);
        ds.reports.get_mut(&q(2)).unwrap().iter_mut().find(|r| r.unit == FG).unwrap().submitted = late;
        ds
    }

    #[test]
    fn summary_counts_sections_units() {
        let ds = sample();
        let y = evaluate_year(&ds, q(2));
        let st: Vec<Status> = y[1].tasks.iter().map(|t| t.status).collect();
        assert_eq!(st, vec![Status::Ahead, Status::SeriouslyBehind, Status::Behind, Status::OnTrack]);
        let s = summarize(&ds, &y);
        assert_eq!(s.tasks, 4);
        assert_eq!(s.by_status.total(), 4);
        assert_eq!(s.shares.get(Status::Ahead), 25.0);
        // Section 1: tasks 1, 2; section 2: tasks 3, 4.
        assert_eq!(s.sections[0].tasks, 2);
        assert_eq!(s.sections[0].by_status.get(Status::SeriouslyBehind), 1);
        assert_eq!(s.sections[1].by_status.get(Status::OnTrack), 1);
        // Units: task 2 counts for both KJ and GX.
        let u = |n: &str| s.units.iter().find(|u| u.name == n).unwrap().clone();
        assert_eq!(u(KJ).tasks, 2);
        assert_eq!(u(GX).tasks, 2);
        assert_eq!(u(FG).tasks, 1);
        // Ranking: FG 1/1 good (100 %, late twice: Q1 missing, Q2 late); KJ 1/2 (50 %, 1 lagging);
        // GX 0/2 good.
        let order: Vec<&str> = s.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(order, vec![FG, KJ, GX]);
        assert_eq!(u(FG).late_or_missing, 2);
        assert_eq!(u(FG).reporting, Reporting::Late);
        assert_eq!(s.missing_reports, Vec::<String>::new());
        assert_eq!(s.late_reports.len(), 1);
        assert_eq!(s.late_reports[0].days_late, 3);
        // Change Q1 → Q2: Q1 was OnTrack, Behind, NotStarted, NotReported.
        assert_eq!(s.change.previous, Some(q(1)));
        assert_eq!(s.change.by_status.get(Status::NotReported), -1);
        assert_eq!(s.change.by_status.get(Status::SeriouslyBehind), 1);
        assert_eq!(s.change.improved, vec![1, 3, 4]);
        assert_eq!(s.change.worsened, vec![2]);
    }

    #[test]
    fn escalations_for_tasks_and_units() {
        let ds = sample();
        let y = evaluate_year(&ds, q(2));
        let s = summarize(&ds, &y);
        // Task 2: Behind (Q1) then SeriouslyBehind (Q2) → 2 consecutive lagging quarters.
        // Task 3: NotStarted then Behind → also. FG: missing Q1 + late Q2 → 2 failures.
        let tasks: Vec<u32> = s
            .escalations
            .iter()
            .filter_map(|e| match e {
                EscalationItem::Task { task, .. } => Some(*task),
                _ => None,
            })
            .collect();
        assert_eq!(tasks, vec![2, 3]);
        let units: Vec<&str> = s
            .escalations
            .iter()
            .filter_map(|e| match e {
                EscalationItem::Unit { unit, .. } => Some(unit.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(units, vec![FG]);
        // Three quarters required: nothing.
        let mut ds3 = ds.clone();
        ds3.office.escalation = Escalation { lagging_quarters: 3, late_reports: 3 };
        let s3 = summarize(&ds3, &evaluate_year(&ds3, q(2)));
        assert!(s3.escalations.is_empty());
        // Switched off with 0.
        ds3.office.escalation = Escalation { lagging_quarters: 0, late_reports: 0 };
        assert!(summarize(&ds3, &evaluate_year(&ds3, q(2))).escalations.is_empty());
    }

    #[test]
    fn missing_report_and_completed_units_need_not_report() {
        let mut ds = sample();
        // Q3: only KJ reports; task 1 reaches 10/10 with evidence.
        let mut e = entry(1, &[(1, 10.0)]);
        e.evidence = vec!["a.pdf".into()];
        report(&mut ds, q(3), KJ, vec![e, entry(2, &[(1, 15.0)])]);
        let y = evaluate_year(&ds, q(3));
        let s = summarize(&ds, &y);
        assert_eq!(s.missing_reports, vec![GX.to_string(), FG.to_string()]);
        // FG: missing Q1, late Q2, missing Q3 → escalated with count 3.
        assert!(s.escalations.iter().any(|e| matches!(e, EscalationItem::Unit { unit, count: 3, .. } if unit == FG)));
        // Q4: task 1 completed in Q3; a unit leading only completed tasks need not report.
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Count, 1.0, "个")])]);
        let mut e = entry(1, &[(1, 1.0)]);
        e.evidence = vec!["a.pdf".into()];
        report(&mut ds, q(1), KJ, vec![e]);
        let s = summarize(&ds, &evaluate_year(&ds, q(2)));
        assert!(s.missing_reports.is_empty());
        assert_eq!(s.units[0].reporting, Reporting::NotRequired);
        assert_eq!(s.by_status.get(Status::Completed), 1);
    }

    #[test]
    fn json_shape_is_stable() {
        let ds = sample();
        let s = summarize(&ds, &evaluate_year(&ds, q(2)));
        let v = stats_json(&s);
        for key in [
            "period",
            "tasks",
            "by_status",
            "shares",
            "sections",
            "units",
            "lagging",
            "missing_reports",
            "late_reports",
            "escalations",
            "change",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["period"], "2023Q2");
        assert_eq!(v["tasks"], 4);
        let labels: Vec<&String> = v["by_status"].as_object().unwrap().keys().collect();
        assert_eq!(labels, vec!["已完成", "超序时", "序时推进", "滞后", "严重滞后", "未启动", "未报送", "其他"]);
        assert_eq!(v["by_status"]["未启动"], 0);
        assert_eq!(v["shares"]["超序时"], 25.0);
        assert_eq!(v["sections"][0]["number"], 1);
        assert_eq!(v["sections"][0]["by_status"]["严重滞后"], 1);
        assert_eq!(v["units"][0]["name"], FG);
        assert_eq!(v["units"][0]["rank"], 1);
        assert_eq!(v["lagging"][0]["task"], 2);
        assert_eq!(v["lagging"][0]["status"], "严重滞后");
        assert_eq!(v["lagging"][0]["gap_points"], 35.0);
        assert_eq!(v["lagging"][0]["units"], json!([KJ, GX]));
        assert_eq!(v["late_reports"][0]["unit"], FG);
        assert_eq!(v["late_reports"][0]["deadline"], "2023-07-05");
        assert_eq!(v["late_reports"][0]["submitted"], "2023-07-08");
        assert_eq!(v["escalations"][0]["kind"], "task");
        assert_eq!(v["escalations"][2]["kind"], "unit");
        assert_eq!(v["change"]["previous"], "2023Q1");
        assert_eq!(v["change"]["by_status"]["未报送"], -1);
    }

    #[test]
    fn table_aligns_cjk() {
        let ds = sample();
        let s = summarize(&ds, &evaluate_year(&ds, q(2)));
        let t = stats_table(&s, By::Unit);
        assert!(t.starts_with("2023年第二季度重点任务推进情况（上半年）：共 4 项，序时进度 50%"), "{t}");
        // Every row of the unit table has the same display width up to its last column's end.
        let block: Vec<&str> =
            t.lines().skip_while(|l| !l.starts_with("按牵头单位")).skip(1).take_while(|l| !l.is_empty()).collect();
        assert_eq!(block.len(), 2 + 3, "{t}");
        let w: Vec<usize> = block.iter().map(|l| l.width()).collect();
        assert!(w.iter().all(|x| *x == w[0]), "{w:?}\n{t}");
        assert!(block[2].contains("县发展改革局"));
        let sec = stats_table(&s, By::Section);
        assert!(sec.contains("一、第1部分"), "{sec}");
        assert!(sec.contains("滞后任务："));
        assert!(sec.contains("迟报单位：县发展改革局（2023-07-08 报送，截止 2023-07-05，迟 3 天）"), "{sec}");
    }
}
