//! The status engine: the office's verdict on every task for a quarter (docs/rules.md §2–§5).
//!
//! Pure functions over the validated [`Dataset`]: no I/O, no clock. [`evaluate_year`] walks Q1 … the
//! requested quarter so that completions and met targets carry forward; [`evaluate_period`] is its
//! last element. Every [`TaskStatus`] carries a short Chinese `reason` with the numbers behind the
//! verdict, so a notice never states a status it cannot explain.
//!
//! # Rules
//!
//! 序时进度 (checkpoint) `c` = Q1 25, Q2 50, Q3 75, Q4 100. Progress `p` is in percent, computed on
//! exact decimals (the figures as written: 74.85 is 74.85, not its binary neighbour) and rounded to
//! one decimal half away from zero (四舍五入: 74.85 of 300 → 24.95 → 25.0); gap = `c − p` in
//! percentage points. This rounded `p` is the figure printed **and** the figure judged: the gap
//! test, the thresholds and the `about` test (`p` ≥ 95) all use it, so a task printed "完成 95%"
//! is judged at 95. "met" for plain targets compares the raw figures (value ≥ target).

//! | target kind (comparison) | progress `p` | compared with | met |
//! |---|---|---|---|
//! | `count`, `amount` (`at_least`, `exactly`) | cumulative value ÷ target × 100 | `c` | value ≥ target (exceeding an `exactly` target is fine) |
//! | … `range` (1-2 项) | target = lower end (`value`; `value_max` only appears in the reason) | `c` | value ≥ lower end |
//! | … `about` (左右), any kind | as the kind | as the kind | `p` ≥ 95 ([`ABOUT_MET_PERCENT`]: within 5 % of the target counts as reached) |
//! | `growth` | YTD growth ÷ target rate × 100 (negative growth → negative `p`) | 100 in every quarter (a rate is compared with the rate, not pro rata) | growth ≥ target, **only at Q4** |
//! | `reduction` | YTD reduction ÷ target reduction × 100 | 100 in every quarter | reduction ≥ target, only at Q4 |
//! | `level` with a non-zero baseline `b` | (value − b) ÷ (target − b) × 100; expected level at the period = b + (target − b) × c/100 | `c` | `p` ≥ 100 |
//! | `level`, baseline absent or 0 | value ÷ target × 100 | `c` before Q4, 100 at Q4 (the checkpoint) — a lenient reading: a level is not cumulative, but without a baseline nothing better can be interpolated | value ≥ target |
//! | `ceiling`, or any kind with `at_most` | within the limit: `p` = 100; above it: `p` = 100 − excess, excess = (value − limit) ÷ limit × 100 (÷ 1 when the limit is 0) | 100 (gap = excess) | value ≤ limit, **only at Q4** (staying under a limit is not finished before the year is) |
//! | `text` | not assessed (standing `其他`, `assessed: false`) | — | — |
//! | no numeric target (none, or only `text`), milestones planned | 25 × highest milestone reached (`Entry.milestone`, kept from earlier quarters if the report omits it) | `c` | Q4 milestone reached |
//! | no numeric target, no milestones | the unit's own `percent`, else its own `claim` taken as the status; `unverified: true`; neither → 其他 (无法评价) | `c` | `percent` ≥ 100, or claim 已完成 |
//!
//! Gap test (thresholds from `office.yaml`, [`Thresholds`]): `p − c ≥ ahead_margin` → 超序时;
//! `gap ≤ tolerance` → 序时推进; `gap ≤ yellow_max` → 滞后; above → 严重滞后.
//!
//! Evaluation order for a task in a period (lights are [`Status::light`] except for 未启动):
//!
//! | # | condition | status | light |
//! |---|---|---|---|
//! | 1 | no lead unit in the plan | 其他, reason 未明确牵头单位 (not assessed) | yellow |
//! | 2 | 已完成 in the previous quarter of the same year | 已完成, carried (`completed_in` keeps the quarter), even without a report | green |
//! | 3 | no lead unit reported the task this period | 未报送 | red |
//! | 4 | a lead unit's entry has `adjustment` | 其他, reason = the adjustment text | yellow |
//! | 5 | every assessable target met (a target met earlier stays met) **and** this period's lead entries list evidence | 已完成 | green |
//! | 6 | all figures are zero on cumulative (count/amount) targets / no milestone reached / `percent` 0 | 未启动 | yellow in the first 3 months after the planned start (1 January, or the plan's date if later), red afterwards |
//! | 7 | gap test; a task with several targets takes the worst standing (order below); a met target counts as at least 序时推进 | 超序时 … 严重滞后 | green / yellow / red |
//! | 8 | Q4 and not 已完成 | at best 滞后: the year is over, so it is 未完成 (`year_end_unfinished`), whatever the tolerance | yellow / red |
//!
//! Further rules where published practice is silent (docs/rules.md §5):
//!
//! - **Figures with several lead units**: each target's figure comes from the first unit in the task's
//!   `lead_units` order that reported a figure for it; milestone, percent and claim likewise from the
//!   first lead unit that gave one. `reported_by` lists every lead unit that reported, `narratives`
//!   keeps everyone's text (participating units' entries are kept there with `lead: false` but never
//!   decide the status).
//! - **A report without a figure** for a numeric task: the targets without figures are listed as
//!   未报送 in `targets` and left out of the verdict; if no target has a figure the task is 其他
//!   ("未填报完成数值，无法评价"), never a status taken from the unit's claim.
//! - **Zero figures**: a cumulative target reported as 0 shows 未启动 in its own standing; the task
//!   is 未启动 only when every reported figure is (otherwise the zero target counts by its gap).
//!   `percent` is ignored for tasks with numeric targets or milestones.
//! - **Met but no evidence**: never 已完成; `evidence_missing: true`, status 序时推进/超序时 (at Q4:
//!   滞后, rule 8). Evidence must be listed in a lead unit's entry for *this* period.
//! - **Order of badness** (the derived `Ord` of [`Status`]): 已完成 < 超序时 < 序时推进 < 其他 < 滞后 < 严重滞后 < 未启动 < 未报送.
//!   未启动 is worse than 严重滞后 because any progress beats none; this keeps "more done never
//!   looks worse" true.
//! - **Claim mismatch**: flagged when the unit's claim (first lead unit that gave one) is better
//!   than the computed status in that order; not compared when either is 其他.
//! - An adjustment applies to the period whose report states it; it is not carried forward.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::data::model::{Comparison, Dataset, Entry, Light, Period, Status, Target, TargetKind, Task, Thresholds};

/// The share (percent) at which an `about` (左右) target counts as met.
pub const ABOUT_MET_PERCENT: f64 = 95.0;

const EPS: f64 = 1e-9;

/// Every task's status for one quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodStatus {
    pub period: Period,
    /// 序时进度 of the period (25/50/75/100).
    pub checkpoint: f64,
    /// One per plan task, in plan order.
    pub tasks: Vec<TaskStatus>,
}

impl PeriodStatus {
    /// The status of task `number`.
    pub fn task(&self, number: u32) -> Option<&TaskStatus> {
        // In plan order, which is by number: found by halving, with a scan should a caller have
        // built the list in another order.
        match self.tasks.binary_search_by_key(&number, |t| t.task) {
            Ok(i) => Some(&self.tasks[i]),
            Err(_) => self.tasks.iter().find(|t| t.task == number),
        }
    }
}

/// What a task's verdict was based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Numeric targets and the reported figures.
    Targets,
    /// The planned quarterly 形象进度 milestones.
    Milestones,
    /// The unit's own percent or claim (unverified).
    SelfReported,
    /// Nothing assessable (no lead unit, no report, an adjustment, no figure).
    None,
}

/// One unit's text for a task (narratives come from every reporting unit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Narrative {
    pub unit: String,
    /// True for a lead unit of the task.
    pub lead: bool,
    pub progress: String,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    pub evidence: Vec<String>,
}

/// A task's verdict for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStatus {
    /// Plan-wide task number.
    pub task: u32,
    pub section: u32,
    pub title: String,
    pub lead_units: Vec<String>,
    pub status: Status,
    /// Chinese label of `status` (已完成 …).
    pub label: &'static str,
    pub light: Light,
    pub basis: Basis,
    /// Progress in percent (one decimal), of the target that decided the verdict.
    pub progress: Option<f64>,
    /// What `progress` was compared with: the period's 序时进度, or 100 for rate and ceiling targets.
    pub checkpoint: f64,
    /// checkpoint − progress, percentage points (one decimal); negative when ahead.
    pub gap_points: Option<f64>,
    /// One per plan target, in plan order.
    pub targets: Vec<TargetStanding>,
    /// The target (1-based) whose standing decided a several-target verdict and gave `progress`.
    pub decided_by: Option<usize>,
    /// Highest planned milestone reached (1…4), for milestone tasks.
    pub milestone_reached: Option<u8>,
    /// The milestone planned for this quarter, for milestone tasks.
    pub milestone_planned: Option<String>,
    /// Lead units that reported the task this period, in `lead_units` order.
    pub reported_by: Vec<String>,
    /// Every reporting unit's text, lead units first.
    pub narratives: Vec<Narrative>,
    /// Evidence listed or uploaded by lead units this period that counts under the office's
    /// rule (docs/rules.md §21): returned files never do.
    pub evidence: Vec<String>,
    /// How the evidence was counted (returned, pending, accepted), for the reason texts.
    #[serde(skip)]
    pub evidence_counted: crate::evidence::Counted,
    /// The unit's own claim (first lead unit that gave one).
    pub claim: Option<Status>,
    /// Chinese explanation when the claim is better than the computed status.
    pub claim_mismatch: Option<String>,
    /// True when the verdict rests on the unit's own percent or claim.
    pub unverified: bool,
    /// Every target met (or the last milestone reached) but no evidence this period.
    pub evidence_missing: bool,
    /// Q4 and not completed: 未完成 for the year-end documents.
    pub year_end_unfinished: bool,
    /// The quarter the task was first 已完成 (this one or earlier).
    pub completed_in: Option<Period>,
    /// The adjustment text, when the status is 其他 because of it.
    pub adjustment: Option<String>,
    /// Short Chinese explanation with the numbers.
    pub reason: String,
}

/// One numeric target's standing in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStanding {
    /// 1-based, as `target:` in the report YAML.
    pub index: usize,
    pub text: String,
    pub kind: TargetKind,
    pub comparison: Comparison,
    pub target_value: Option<f64>,
    pub baseline: Option<f64>,
    /// The figure used (this period's, or the one that met the target earlier).
    pub reported: Option<f64>,
    /// The unit that reported `reported`.
    pub reported_by: Option<String>,
    /// Unit of measure (家, 亿元, %).
    pub unit: String,
    pub progress: Option<f64>,
    pub checkpoint: f64,
    pub gap_points: Option<f64>,
    /// 已完成 when met; 未报送 when there is no figure; 其他 when not assessable (`text`).
    pub status: Status,
    /// False for `text` targets.
    pub assessed: bool,
    pub met: bool,
    /// The quarter the target was first met.
    pub met_in: Option<Period>,
    pub reason: String,
}

/// True for the statuses that count as lagging progress: 滞后, 严重滞后, 未启动 (not 未报送,
/// which is a reporting failure counted separately).
pub fn is_lagging(s: Status) -> bool {
    matches!(s, Status::Behind | Status::SeriouslyBehind | Status::NotStarted)
}

/// The better of two statuses (the derived `Ord` is the order of badness).
pub fn better(a: Status, b: Status) -> Status {
    a.min(b)
}

/// The worse of two statuses.
pub fn worse(a: Status, b: Status) -> Status {
    a.max(b)
}

/// The gap test: 超序时 / 序时推进 / 滞后 / 严重滞后 for a gap in percentage points.
pub fn classify_gap(gap: f64, th: &Thresholds) -> Status {
    if -gap >= th.ahead_margin - EPS {
        Status::Ahead
    } else if gap <= th.tolerance + EPS {
        Status::OnTrack
    } else if gap <= th.yellow_max + EPS {
        Status::Behind
    } else {
        Status::SeriouslyBehind
    }
}

/// A figure as written in the data: the shortest decimal that reads back as `x` (`74.85`, not
/// the binary `74.849999…`), so rounding decides on the decimal people wrote.
pub fn exact(x: f64) -> Decimal {
    if !x.is_finite() {
        return Decimal::ZERO;
    }
    format!("{x}").parse::<Decimal>().ok().or_else(|| Decimal::from_f64(x)).unwrap_or(Decimal::ZERO)
}

/// Rounds a decimal to one decimal place, halves away from zero (四舍五入: 24.95 → 25.0,
/// −24.95 → −25.0), as the `f64` the rest of the pipeline carries (−0 becomes 0).
fn round_dec(d: Decimal) -> f64 {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero).to_f64().unwrap_or(0.0) + 0.0
}

/// Rounds to one decimal, 四舍五入 on the figure's decimal value (see [`exact`]; −0 becomes 0).
pub fn round1(x: f64) -> f64 {
    round_dec(exact(x))
}

/// `num ÷ den × 100` computed on exact decimals and rounded to one decimal (四舍五入): the
/// percentage that is printed and the one that is judged. Falls back to binary arithmetic
/// only for figures beyond 28 significant digits.
pub fn percent(num: f64, den: f64) -> f64 {
    exact(num)
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|n| n.checked_div(exact(den)))
        .map(round_dec)
        .unwrap_or_else(|| ((num / den * 1000.0).round() / 10.0) + 0.0)
}

/// `(a − b) ÷ (c − d) × 100` on exact decimals, rounded like [`percent`].
fn percent_of_diffs(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let num = exact(a) - exact(b);
    let den = exact(c) - exact(d);
    num.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|n| n.checked_div(den))
        .map(round_dec)
        .unwrap_or_else(|| (((a - b) / (c - d) * 1000.0).round() / 10.0) + 0.0)
}

/// A figure as people write it: up to four decimals, no trailing zeros (`15`, `94.906`, `-3.2`).
pub fn fmt_num(x: f64) -> String {
    crate::numerals::figure((x * 10_000.0).round() / 10_000.0, 4)
}

/// A percentage with one decimal, no trailing `.0` (`53.3`, `50`).
pub fn fmt_pct(x: f64) -> String {
    crate::numerals::figure(round1(x), 1)
}

/// A figure with its unit: `15 家`, `12%`.
fn with_unit(x: f64, unit: &str) -> String {
    if unit.is_empty() || unit.starts_with('%') || unit.starts_with('‰') {
        format!("{}{}", fmt_num(x), unit)
    } else {
        format!("{} {}", fmt_num(x), unit)
    }
}

/// "2023年第二季度"
fn period_text(p: Period) -> String {
    format!("{}年{}", p.year, p.chinese_quarter())
}

/// "低于序时进度 23.3 个百分点" / "超出目标 3.3 个百分点" / "与目标持平".
fn gap_vs(gap: f64, against: &str) -> String {
    let g = round1(gap);
    if g < 0.0 {
        format!("超出{against} {} 个百分点", fmt_pct(-g))
    } else if g > 0.0 {
        format!("低于{against} {} 个百分点", fmt_pct(g))
    } else {
        format!("与{against}持平")
    }
}

/// After "序时进度 50%，": "超出 3.3 个百分点" / "低于 23.3 个百分点" / "与序时进度持平".
fn gap_phrase(gap: f64) -> String {
    let g = round1(gap);
    if g < 0.0 {
        format!("超出 {} 个百分点", fmt_pct(-g))
    } else if g > 0.0 {
        format!("低于 {} 个百分点", fmt_pct(g))
    } else {
        "与序时进度持平".into()
    }
}

/// `序时进度 50%，低于 7.5 个百分点`: the checkpoint and the gap to it.
fn vs_checkpoint(checkpoint: f64, gap: f64) -> String {
    format!("序时进度 {}%，{}", fmt_pct(checkpoint), gap_phrase(gap))
}

fn quote(s: Status) -> String {
    format!("“{}”", s.label())
}

/// Every quarter Q1 … `up_to` of `up_to`'s year, each using the previous one for carry-over.
pub fn evaluate_year(ds: &Dataset, up_to: Period) -> Vec<PeriodStatus> {
    let mut out: Vec<PeriodStatus> = Vec::new();
    for quarter in 1..=up_to.quarter {
        let p = Period { year: up_to.year, quarter };
        let ps = evaluate_after(ds, p, out.last());
        out.push(ps);
    }
    out
}

/// [`evaluate_year`] up to `up_to`, taken from `known` (the statuses of Q1 … a later or equal
/// quarter of the same year, as [`evaluate_year`] gave them for the same dataset) when it covers
/// `up_to`: each quarter depends only on the dataset and the quarter before, so the first
/// quarters of a longer year are the shorter year. Otherwise evaluated afresh.
pub fn year_from(mut known: Vec<PeriodStatus>, ds: &Dataset, up_to: Period) -> Vec<PeriodStatus> {
    let q = usize::from(up_to.quarter);
    let covers = known.len() >= q
        && known
            .iter()
            .enumerate()
            .all(|(i, ps)| ps.period.year == up_to.year && usize::from(ps.period.quarter) == i + 1);
    if !covers {
        return evaluate_year(ds, up_to);
    }
    known.truncate(q);
    known
}

/// The status of every task for `period` (earlier quarters of the year are evaluated for
/// carry-over).
pub fn evaluate_period(ds: &Dataset, period: Period) -> PeriodStatus {
    evaluate_year(ds, period).pop().expect("a period has at least one quarter")
}

/// Plans with at least this many tasks are evaluated on every core ([`evaluate_after`]).
const PARALLEL_TASKS: usize = 256;

/// The status of every task for `period`, given the previous quarter's result (`None` for Q1).
pub fn evaluate_after(ds: &Dataset, period: Period, prev: Option<&PeriodStatus>) -> PeriodStatus {
    let index = EntryIndex::of(ds, period);
    // Each task's status reads only the dataset and the quarter before: a city's plan (hundreds
    // of tasks) is evaluated on every core (issue 22 §8), a county's on the calling thread.
    let tasks = crate::par::map_if_many(&ds.plan.tasks, PARALLEL_TASKS, |t| {
        evaluate_found(ds, t, period, prev.and_then(|p| p.task(t.number)), index.entries_for(t))
    });
    PeriodStatus { period, checkpoint: period.checkpoint(), tasks }
}

/// The period's report entries by task: for each task, every report that has an entry for it
/// (its first such entry), in report order. Built once per period, so finding a task's entries
/// does not scan every report (a city's plan has hundreds of tasks, issue 22 §8).
struct EntryIndex<'a> {
    by_task: std::collections::HashMap<u32, Vec<(&'a str, &'a Entry)>>,
}

impl<'a> EntryIndex<'a> {
    fn of(ds: &'a Dataset, period: Period) -> EntryIndex<'a> {
        let mut by_task: std::collections::HashMap<u32, Vec<(&'a str, &'a Entry)>> = std::collections::HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for r in ds.reports_for(period) {
            seen.clear();
            for e in &r.entries {
                // A report's first entry for a task is the one read (as `find` would).
                if seen.insert(e.task) {
                    by_task.entry(e.task).or_default().push((r.unit.as_str(), e));
                }
            }
        }
        EntryIndex { by_task }
    }

    /// [`entries_for`] from the index: the same entries in the same order.
    fn entries_for(&self, task: &Task) -> Vec<Found<'a>> {
        let list = self.by_task.get(&task.number).map(Vec::as_slice).unwrap_or(&[]);
        let mut out: Vec<Found<'a>> = Vec::new();
        for unit in &task.lead_units {
            if out.iter().any(|f| f.unit == unit.as_str()) {
                continue;
            }
            if let Some((u, e)) = list.iter().find(|(u, _)| *u == unit.as_str()) {
                out.push(Found { unit: u, lead: true, entry: e });
            }
        }
        for (u, e) in list {
            if task.lead_units.iter().any(|l| l == u) || out.iter().any(|f| f.unit == *u) {
                continue;
            }
            out.push(Found { unit: u, lead: false, entry: e });
        }
        out
    }
}

struct Found<'a> {
    unit: &'a str,
    lead: bool,
    entry: &'a Entry,
}

/// The entries for `task` in `period`: lead units first (in `lead_units` order), then others; one
/// per unit (its first).
fn entries_for<'a>(ds: &'a Dataset, task: &Task, period: Period) -> Vec<Found<'a>> {
    let reports = ds.reports_for(period);
    let mut out: Vec<Found<'a>> = Vec::new();
    for unit in &task.lead_units {
        if out.iter().any(|f| f.unit == unit.as_str()) {
            continue;
        }
        if let Some((r, e)) = reports
            .iter()
            .filter(|r| &r.unit == unit)
            .find_map(|r| r.entries.iter().find(|e| e.task == task.number).map(|e| (r, e)))
        {
            out.push(Found { unit: r.unit.as_str(), lead: true, entry: e });
        }
    }
    for r in reports {
        if task.lead_units.contains(&r.unit) || out.iter().any(|f| f.unit == r.unit.as_str()) {
            continue;
        }
        if let Some(e) = r.entries.iter().find(|e| e.task == task.number) {
            out.push(Found { unit: r.unit.as_str(), lead: false, entry: e });
        }
    }
    out
}

/// The light of a status; 未启动 is yellow during the first three months after the planned start
/// (1 January, or the plan's date when later in the same year) and red afterwards.
fn light_for(ds: &Dataset, status: Status, period: Period) -> Light {
    if status != Status::NotStarted {
        return status.light();
    }
    let start_month = match ds.plan.date {
        Some(d) if d.year == period.year => i32::from(d.month),
        _ => 1,
    };
    let end = period.end();
    let elapsed = i32::from(end.month) - start_month;
    if elapsed >= 3 {
        Light::Red
    } else {
        Light::Yellow
    }
}

/// A target's numbers before classification.
struct Calc {
    /// Rounded to one decimal (四舍五入 on exact decimals): the figure printed is the one judged.
    progress: f64,
    checkpoint: f64,
    met: bool,
    /// Cumulative target with nothing done (value ≤ 0).
    nothing: bool,
    /// Compared with the period's 序时进度 (false: with the full target every quarter).
    pro_rata: bool,
    /// The figure sentence without the verdict.
    text: String,
}

/// value ÷ target × 100 (exact decimals, one decimal, 四舍五入), defined for any target: for a
/// target ≤ 0 the shortfall is counted in points (100 when reached).
fn ratio(v: f64, t: f64) -> f64 {
    if t > 0.0 {
        percent(v, t)
    } else {
        100.0 - percent_of_diffs(t, v, t.abs().max(1.0), 0.0)
    }
}

fn target_phrase(t: &Target, goal: f64) -> String {
    match t.comparison {
        Comparison::About => format!("{}左右", with_unit(goal, &t.unit)),
        Comparison::Range => match t.value_max {
            Some(max) => format!("{}-{}（按下限计）", fmt_num(goal), with_unit(max, &t.unit)),
            None => with_unit(goal, &t.unit),
        },
        _ => with_unit(goal, &t.unit),
    }
}

fn is_ceiling(t: &Target) -> bool {
    t.kind == TargetKind::Ceiling || t.comparison == Comparison::AtMost
}

fn calc_target(t: &Target, goal: f64, v: f64, period: Period) -> Calc {
    let c = period.checkpoint();
    let q4 = period.quarter == 4;
    let about = t.comparison == Comparison::About;
    let reached = |p: f64, plain: bool| if about { p >= ABOUT_MET_PERCENT - EPS } else { plain };
    let u = &t.unit;
    if is_ceiling(t) {
        let excess = if v <= goal {
            0.0
        } else {
            percent_of_diffs(v, goal, if goal.abs() > 0.0 { goal.abs() } else { 1.0 }, 0.0)
        };
        let text = if excess == 0.0 {
            format!("实际 {}，控制目标 {} 以内，未超过上限", with_unit(v, u), with_unit(goal, u))
        } else {
            format!("实际 {}，超过控制目标 {}，超出上限的 {}%", with_unit(v, u), with_unit(goal, u), fmt_pct(excess))
        };
        return Calc {
            progress: 100.0 - excess,
            checkpoint: 100.0,
            met: q4 && v <= goal,
            nothing: false,
            pro_rata: false,
            text,
        };
    }
    match t.kind {
        TargetKind::Count | TargetKind::Amount => {
            let p = ratio(v, goal);
            let text = format!("累计完成 {}，占年度目标 {}的 {}%", with_unit(v, u), target_phrase(t, goal), fmt_pct(p));
            Calc { progress: p, checkpoint: c, met: reached(p, v >= goal), nothing: v <= 0.0, pro_rata: true, text }
        }
        TargetKind::Growth | TargetKind::Reduction => {
            let p = ratio(v, goal);
            let (verb, what) = if t.kind == TargetKind::Growth { ("增长", "增幅") } else { ("下降", "降幅") };
            let text = format!(
                "累计{verb} {}，年度目标{verb} {}，达到目标{what}的 {}%（增减率按全年目标比较，不按序时折算）",
                with_unit(v, u),
                target_phrase(t, goal),
                fmt_pct(p)
            );
            Calc {
                progress: p,
                checkpoint: 100.0,
                met: q4 && reached(p, v >= goal),
                nothing: false,
                pro_rata: false,
                text,
            }
        }
        TargetKind::Level => match t.baseline {
            Some(b) if b != 0.0 && (goal - b).abs() > EPS => {
                let p = percent_of_diffs(v, b, goal, b);
                let expected = b + (goal - b) * c / 100.0;
                let text = format!(
                    "基数 {}，目前达到 {}，年度目标 {}，完成提升幅度的 {}%（本期应达 {}）",
                    with_unit(b, u),
                    with_unit(v, u),
                    target_phrase(t, goal),
                    fmt_pct(p),
                    with_unit(expected, u)
                );
                Calc {
                    progress: p,
                    checkpoint: c,
                    met: reached(p, p >= 100.0 - EPS),
                    nothing: false,
                    pro_rata: true,
                    text,
                }
            }
            _ => {
                let p = ratio(v, goal);
                let text = format!(
                    "目前达到 {}，年度目标 {}，为目标值的 {}%（未设基数，按目标值比例计）",
                    with_unit(v, u),
                    target_phrase(t, goal),
                    fmt_pct(p)
                );
                Calc { progress: p, checkpoint: c, met: reached(p, v >= goal), nothing: false, pro_rata: true, text }
            }
        },
        TargetKind::Ceiling | TargetKind::Text => unreachable!("handled above / not assessed"),
    }
}

/// The standing of target `index` (0-based) for `period`, given this period's figure and the
/// previous quarter's standing of the same target.
pub fn target_standing(
    t: &Target,
    index: usize,
    figure: Option<(f64, &str)>,
    period: Period,
    th: &Thresholds,
    prev: Option<&TargetStanding>,
) -> TargetStanding {
    let c = period.checkpoint();
    let mut s = TargetStanding {
        index: index + 1,
        text: t.text.clone(),
        kind: t.kind,
        comparison: t.comparison,
        target_value: t.value,
        baseline: t.baseline,
        reported: figure.map(|f| f.0),
        reported_by: figure.map(|f| f.1.to_string()),
        unit: t.unit.clone(),
        progress: None,
        checkpoint: c,
        gap_points: None,
        status: Status::NotReported,
        assessed: true,
        met: false,
        met_in: None,
        reason: String::new(),
    };
    let goal = match (t.kind, t.goal()) {
        (TargetKind::Text, _) | (_, None) => {
            s.assessed = false;
            s.status = Status::Other;
            s.reason = "目标未能解析为数值，不作评价".into();
            return s;
        }
        (_, Some(g)) => g,
    };
    let current = figure.map(|(v, _)| calc_target(t, goal, v, period));
    let met_now = current.as_ref().is_some_and(|k| k.met);
    // A target met earlier stays met ("a target exceeded stays exceeded").
    if !met_now {
        if let Some(p) = prev.filter(|p| p.met) {
            let mut carried = p.clone();
            carried.checkpoint = c;
            carried.gap_points = carried.progress.map(|pr| round1(c - pr));
            carried.reason = format!(
                "已于{}达到目标（{}），保持已完成",
                period_text(p.met_in.unwrap_or(period)),
                with_unit(p.reported.unwrap_or(goal), &p.unit)
            );
            return carried;
        }
    }
    let Some(k) = current else {
        s.reason = "本期未填报完成数值".into();
        return s;
    };
    let progress = round1(k.progress);
    let gap = round1(k.checkpoint - progress);
    s.progress = Some(progress);
    s.checkpoint = k.checkpoint;
    s.gap_points = Some(gap);
    s.met = k.met;
    if k.met {
        s.status = Status::Completed;
        s.met_in = Some(prev.and_then(|p| p.met_in).unwrap_or(period));
        s.reason = format!("{}，已达到年度目标", k.text);
    } else {
        let status = if k.nothing { Status::NotStarted } else { classify_gap(gap, th) };
        s.status = if period.quarter == 4 { worse(status, Status::Behind) } else { status };
        s.reason = if is_ceiling(t) {
            if gap > 0.0 {
                k.text
            } else {
                format!("{}，{}", k.text, "本期符合控制要求")
            }
        } else if k.pro_rata {
            format!("{}，{}", k.text, vs_checkpoint(c, gap))
        } else {
            format!("{}，{}", k.text, gap_vs(gap, "目标"))
        };
    }
    s
}

/// The status contribution of a standing to its task (a met target counts as at least 序时推进; a
/// 未启动 target counts by its gap).
fn contribution(s: &TargetStanding, th: &Thresholds) -> Status {
    let by_gap = s.gap_points.map(|g| classify_gap(g, th)).unwrap_or(Status::OnTrack);
    if s.met {
        better(by_gap, Status::OnTrack)
    } else if s.status == Status::NotStarted {
        by_gap
    } else {
        s.status
    }
}

/// The verdict on one task for `period`, given its status in the previous quarter of the year.
///
/// The steps, in order (docs/rules.md §3–§5): gather what was reported ([`reported`]); the cases
/// settled before any figure is looked at — no lead unit, completed earlier, not reported, target
/// adjusted ([`settled_without_figures`]); else the verdict on the best basis there is — numeric
/// targets ([`by_targets`]), planned milestones ([`by_milestones`]) or the unit's own word
/// ([`by_self_report`]); then the year-end cap ([`cap_at_year_end`]) and the comparison with the
/// unit's claim ([`flag_claim_mismatch`]).
pub fn evaluate_task(ds: &Dataset, task: &Task, period: Period, prev: Option<&TaskStatus>) -> TaskStatus {
    evaluate_found(ds, task, period, prev, entries_for(ds, task, period))
}

/// [`evaluate_task`] with the task's entries already found ([`entries_for`]).
fn evaluate_found(
    ds: &Dataset,
    task: &Task,
    period: Period,
    prev: Option<&TaskStatus>,
    found: Vec<Found>,
) -> TaskStatus {
    let th = &ds.office.thresholds;
    let leads: Vec<&Found> = found.iter().filter(|f| f.lead).collect();
    let first_claim = leads.iter().find_map(|f| f.entry.claim.map(|c| (c, f.unit)));
    // Which evidence counts (returned files never; unreviewed ones under `submitted`): §21.
    let leads_evidence = leads.iter().map(|f| (f.unit, f.entry.evidence.as_slice()));
    let counted = crate::evidence::counted(ds.office.evidence.rule, &ds.evidence, period, task.number, leads_evidence);
    let mut ts = reported(task, period, prev, &found, &leads, th, counted);
    if settled_without_figures(&mut ts, task, period, prev, &found, &leads) {
        return finish(ds, ts, period);
    }
    if ts.targets.iter().any(|t| t.assessed) {
        by_targets(&mut ts, period, th);
    } else if let Some(planned) = ts.milestone_planned.clone() {
        let milestone_now = leads.iter().find_map(|f| f.entry.milestone);
        by_milestones(&mut ts, task, period, th, &planned, milestone_now);
    } else {
        by_self_report(&mut ts, task, period, th, &leads, first_claim);
    }
    cap_at_year_end(&mut ts, period);
    flag_claim_mismatch(&mut ts, task, first_claim);
    finish(ds, ts, period)
}

/// What the lead units reported, before any verdict: every target's standing (always computed,
/// so that met targets carry through every quarter), the milestone reached (the best so far when
/// the plan has milestones), narratives and evidence; status 其他 for now.
fn reported(
    task: &Task,
    period: Period,
    prev: Option<&TaskStatus>,
    found: &[Found],
    leads: &[&Found],
    th: &Thresholds,
    counted: crate::evidence::Counted,
) -> TaskStatus {
    let targets: Vec<TargetStanding> = task
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let figure = leads.iter().find_map(|f| f.entry.value(i).map(|v| (v, f.unit)));
            let prev_t = prev.and_then(|p| p.targets.iter().find(|s| s.index == i + 1));
            target_standing(t, i, figure, period, th, prev_t)
        })
        .collect();
    let milestone_now = leads.iter().find_map(|f| f.entry.milestone);
    let milestone_prev = prev.and_then(|p| p.milestone_reached);
    let milestone_reached = if task.milestones.is_some() {
        match (milestone_now, milestone_prev) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).max(b.unwrap_or(0))),
        }
    } else {
        milestone_now
    };
    TaskStatus {
        task: task.number,
        section: task.section,
        title: task.title.clone(),
        lead_units: task.lead_units.clone(),
        status: Status::Other,
        label: Status::Other.label(),
        light: Light::Yellow,
        basis: Basis::None,
        progress: None,
        checkpoint: period.checkpoint(),
        gap_points: None,
        targets,
        decided_by: None,
        milestone_reached,
        milestone_planned: task.milestones.as_ref().map(|m| m[usize::from(period.quarter - 1)].clone()),
        reported_by: leads.iter().map(|f| f.unit.to_string()).collect(),
        narratives: found
            .iter()
            .map(|f| Narrative {
                unit: f.unit.to_string(),
                lead: f.lead,
                progress: f.entry.progress.clone(),
                problems: f.entry.problems.clone(),
                next_steps: f.entry.next_steps.clone(),
                evidence: f.entry.evidence.clone(),
            })
            .collect(),
        evidence: counted.names.clone(),
        evidence_counted: counted,
        claim: leads.iter().find_map(|f| f.entry.claim),
        claim_mismatch: None,
        unverified: false,
        evidence_missing: false,
        year_end_unfinished: false,
        completed_in: None,
        adjustment: None,
        reason: String::new(),
    }
}

/// Rules 1–4, which decide without looking at figures: no lead unit (not assessed), completed in
/// an earlier quarter (stays completed), no lead unit reported (未报送), target adjusted (其他).
/// True when one of them decided; nothing later applies then.
fn settled_without_figures(
    ts: &mut TaskStatus,
    task: &Task,
    period: Period,
    prev: Option<&TaskStatus>,
    found: &[Found],
    leads: &[&Found],
) -> bool {
    if task.lead_units.is_empty() {
        ts.reason = "未明确牵头单位，不作评价".into();
        return true;
    }
    if let Some(p) = prev.filter(|p| p.status == Status::Completed) {
        let since = p.completed_in.or(period.prev_in_year()).unwrap_or(period);
        ts.status = Status::Completed;
        ts.basis = p.basis;
        ts.decided_by = p.decided_by;
        ts.completed_in = Some(since);
        ts.progress = p.progress;
        ts.checkpoint = p.checkpoint.max(period.checkpoint());
        ts.gap_points = p.progress.map(|pr| round1(ts.checkpoint - pr));
        ts.unverified = p.unverified;
        ts.reason = format!("已于{}完成，本期保持“已完成”", period_text(since));
        return true;
    }
    if leads.is_empty() {
        ts.status = Status::NotReported;
        let others: Vec<&str> = found.iter().map(|f| f.unit).collect();
        ts.reason = format!("牵头单位{}本期未报送该任务进展", task.lead_units.join("、"));
        if !others.is_empty() {
            ts.reason += &format!("（{}报送的情况不作为评价依据）", others.join("、"));
        }
        return true;
    }
    if let Some(f) = leads.iter().find(|f| f.entry.adjustment.as_deref().is_some_and(|a| !a.trim().is_empty())) {
        let adj = f.entry.adjustment.clone().unwrap_or_default();
        ts.status = Status::Other;
        ts.reason = format!("指标调整：{}（{}报送）", adj.trim(), f.unit);
        ts.adjustment = Some(adj);
        return true;
    }
    false
}

/// Rules 5–8 on numeric targets: the task follows its worst target (worst contribution, then the
/// largest gap); all met with evidence is 已完成; no figure at all is 其他.
fn by_targets(ts: &mut TaskStatus, period: Period, th: &Thresholds) {
    ts.basis = Basis::Targets;
    let assessable: Vec<usize> = (0..ts.targets.len()).filter(|&i| ts.targets[i].assessed).collect();
    let with_fig: Vec<usize> = assessable.iter().copied().filter(|&i| ts.targets[i].progress.is_some()).collect();
    let missing: Vec<usize> = assessable.iter().copied().filter(|&i| ts.targets[i].progress.is_none()).collect();
    // The standing that decides: worst contribution, then largest gap.
    let Some(decider) = with_fig.iter().copied().max_by(|&a, &b| {
        let (sa, sb) = (&ts.targets[a], &ts.targets[b]);
        contribution(sa, th)
            .cmp(&contribution(sb, th))
            .then(sa.gap_points.unwrap_or(0.0).total_cmp(&sb.gap_points.unwrap_or(0.0)))
            .then(b.cmp(&a))
    }) else {
        ts.basis = Basis::None;
        ts.status = Status::Other;
        ts.reason = "已报送进展情况，但未填报完成数值，无法按指标评价".into();
        return;
    };
    let all_met = assessable.iter().all(|&i| ts.targets[i].met);
    let d = &ts.targets[decider];
    ts.decided_by = Some(decider + 1);
    ts.progress = d.progress;
    ts.checkpoint = d.checkpoint;
    ts.gap_points = d.gap_points;
    let many = ts.targets.len() > 1;
    let mut parts: Vec<String> = Vec::new();
    for s in &ts.targets {
        if many {
            parts.push(format!("目标{}「{}」：{}", s.index, s.text, s.reason));
        } else {
            parts.push(s.reason.clone());
        }
    }
    let mut reason = parts.join("；");
    if all_met && !ts.evidence.is_empty() {
        ts.status = Status::Completed;
        ts.completed_in = Some(period);
        reason += &format!("；{}，认定为已完成", ts.evidence_counted.counted_text());
    } else if with_fig.iter().all(|&i| ts.targets[i].status == Status::NotStarted) {
        ts.status = Status::NotStarted;
        reason += "；尚无实质进展";
    } else {
        ts.status = with_fig.iter().map(|&i| contribution(&ts.targets[i], th)).fold(Status::Completed, worse);
        if all_met {
            ts.evidence_missing = true;
            reason += &format!("；各项指标均已达到，但{}，暂不认定为已完成", ts.evidence_counted.missing_text());
        }
        if many && !missing.is_empty() {
            let idx: Vec<String> = missing.iter().map(|i| format!("目标{}", i + 1)).collect();
            reason += &format!("；{}未填报数值，未参与评价", idx.join("、"));
        }
        if many {
            reason += &format!("；任务按最差一项（目标{}）计", decider + 1);
        }
    }
    ts.reason = reason;
}

/// No assessable target but planned milestones: 25 points per quarter's milestone reached (the
/// best reached so far), against the checkpoint; all four with evidence is 已完成.
fn by_milestones(
    ts: &mut TaskStatus,
    task: &Task,
    period: Period,
    th: &Thresholds,
    planned: &str,
    milestone_now: Option<u8>,
) {
    let c = period.checkpoint();
    ts.basis = Basis::Milestones;
    let reached = ts.milestone_reached.unwrap_or(0).min(4);
    let progress = 25.0 * f64::from(reached);
    let gap = round1(c - progress);
    ts.progress = Some(progress);
    ts.gap_points = Some(gap);
    let ms = task.milestones.as_ref().expect("checked");
    let got = if reached == 0 {
        "尚未达到任何计划节点".to_string()
    } else {
        let carried = milestone_now.unwrap_or(0) < reached;
        format!(
            "已达到第{}季度节点（{}）{}",
            ["一", "二", "三", "四"][usize::from(reached - 1)],
            ms[usize::from(reached - 1)],
            if carried { "，沿用此前已达到节点" } else { "" }
        )
    };
    let mut reason =
        format!("本季度计划形象进度：{planned}；{got}，形象进度 {}%，{}", fmt_pct(progress), vs_checkpoint(c, gap));
    let done = Done {
        all: reached >= 4,
        nothing: reached == 0,
        unproven: "；全年节点均已达到，但未报送佐证材料，暂不认定为已完成",
    };
    reason += &judge_progress(ts, period, th, gap, done);
    ts.reason = reason;
}

/// How far a progress measure (milestones reached, a self-reported percentage) says the task is.
struct Done {
    /// All of it.
    all: bool,
    /// None of it.
    nothing: bool,
    /// What the reason adds when all is done but no evidence was sent.
    unproven: &'static str,
}

/// The verdict from a progress measure and its gap to the checkpoint: all done with evidence is
/// 已完成, nothing done 未启动, all done without evidence at least 序时推进 (and flagged),
/// otherwise by the gap. Returns what to add to the reason.
fn judge_progress(ts: &mut TaskStatus, period: Period, th: &Thresholds, gap: f64, done: Done) -> String {
    if done.all && !ts.evidence.is_empty() {
        ts.status = Status::Completed;
        ts.completed_in = Some(period);
        if ts.evidence_counted.is_plain() {
            "；已报送佐证材料，认定为已完成".into()
        } else {
            format!("；{}，认定为已完成", ts.evidence_counted.counted_text())
        }
    } else if done.nothing {
        ts.status = Status::NotStarted;
        String::new()
    } else if done.all {
        ts.status = better(classify_gap(gap, th), Status::OnTrack);
        ts.evidence_missing = true;
        done.unproven.replace("未报送佐证材料", &ts.evidence_counted.missing_text())
    } else {
        ts.status = classify_gap(gap, th);
        String::new()
    }
}

/// No number and no milestone: the unit's own word, unverified — a self-reported percentage
/// against the checkpoint, else its claimed status, else nothing to judge (其他).
fn by_self_report(
    ts: &mut TaskStatus,
    task: &Task,
    period: Period,
    th: &Thresholds,
    leads: &[&Found],
    first_claim: Option<(Status, &str)>,
) {
    let c = period.checkpoint();
    let has_evidence = !ts.evidence.is_empty();
    let percent = leads.iter().find_map(|f| f.entry.percent);
    let prefix = if task.targets.is_empty() {
        "未设数值目标和计划形象进度"
    } else {
        "目标无法量化评价、未设计划形象进度"
    };
    if let Some(pc) = percent {
        ts.basis = Basis::SelfReported;
        ts.unverified = true;
        let progress = round1(pc);
        let gap = round1(c - progress);
        ts.progress = Some(progress);
        ts.gap_points = Some(gap);
        let mut reason =
            format!("{prefix}，单位自报形象进度 {}%（未经核实），{}", fmt_pct(progress), vs_checkpoint(c, gap));
        let done = Done {
            all: pc >= 100.0 - EPS,
            nothing: pc <= 0.0,
            unproven: "；自报已完成，但未报送佐证材料，暂不认定为已完成",
        };
        reason += &judge_progress(ts, period, th, gap, done);
        ts.reason = reason;
    } else if let Some((claim, unit)) = first_claim.filter(|(c, _)| *c != Status::NotReported) {
        ts.basis = Basis::SelfReported;
        ts.unverified = true;
        let mut reason = format!("{prefix}，按{unit}自评{}计（未经核实）", quote(claim));
        ts.status = match claim {
            Status::Completed if has_evidence => {
                ts.completed_in = Some(period);
                Status::Completed
            }
            Status::Completed => {
                ts.evidence_missing = true;
                reason += &format!("；{}，暂不认定为已完成", ts.evidence_counted.missing_text());
                Status::OnTrack
            }
            Status::Other => {
                reason += "；未说明调整原因";
                Status::Other
            }
            other => other,
        };
        ts.reason = reason;
    } else {
        ts.basis = Basis::None;
        ts.status = Status::Other;
        ts.reason = format!("{prefix}，单位未自报进度，本期无法评价");
    }
}

/// Rule 8: at year end a task not completed (and not 其他) counts as at least 滞后 (未完成).
fn cap_at_year_end(ts: &mut TaskStatus, period: Period) {
    if period.quarter == 4 && ts.status != Status::Completed && ts.status != Status::Other {
        let capped = worse(ts.status, Status::Behind);
        ts.year_end_unfinished = true;
        if capped != ts.status {
            ts.reason += "；年度终了未完成，按“滞后”（未完成）计";
        }
        ts.status = capped;
    }
}

/// The unit's claim better than the verdict is flagged, with the figure that contradicts it.
fn flag_claim_mismatch(ts: &mut TaskStatus, task: &Task, first_claim: Option<(Status, &str)>) {
    let Some((claim, unit)) = first_claim else { return };
    let comparable = claim != Status::Other && ts.status != Status::Other && claim != Status::NotReported;
    if !comparable || claim >= ts.status {
        return;
    }
    let why = if claim == Status::Completed && ts.evidence_missing {
        ts.evidence_counted.missing_text()
    } else {
        match (ts.progress, ts.gap_points) {
            (Some(p), Some(g)) => {
                let rate = ts
                    .decided_by
                    .and_then(|i| task.targets.get(i - 1))
                    .is_some_and(|t| is_ceiling(t) || matches!(t.kind, TargetKind::Growth | TargetKind::Reduction));
                let against = if rate { "目标" } else { "序时进度" };
                format!("完成 {}%，{}", fmt_pct(p), gap_vs(g, against))
            }
            _ => ts.reason.clone(),
        }
    };
    ts.claim_mismatch =
        Some(format!("{unit}自评{}，但按报送数据核定为{}（{}），以核定结果为准", quote(claim), quote(ts.status), why));
}

fn finish(ds: &Dataset, mut ts: TaskStatus, period: Period) -> TaskStatus {
    ts.label = ts.status.label();
    ts.light = light_for(ds, ts.status, period);
    ts
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Small datasets for tests.
    use std::collections::BTreeMap;

    use crate::data::model::*;
    use crate::diag::Loc;

    pub fn office() -> Office {
        Office {
            county: "莘县".into(),
            issuer_name: "莘县人民政府办公室".into(),
            issuer_mark: "莘县人民政府办公室文件".into(),
            issuer_short: "莘政办".into(),
            supervision_office: "莘县人民政府督查室".into(),
            briefing_name: "督查通报".into(),
            leader_briefing_name: "领导参阅".into(),
            notice_numbers: BTreeMap::new(),
            briefing_numbers: BTreeMap::new(),
            order_numbers: BTreeMap::new(),
            issue_dates: BTreeMap::new(),
            recipients: String::new(),
            cc: vec![],
            briefing_report: vec![],
            briefing_send: vec![],
            briefing_issue: vec![],
            leader_to: vec![],
            copies: None,
            report_deadline_days: 5,
            thresholds: Thresholds::default(),
            escalation: Escalation::default(),
            order_deadline_days: 10,
            note: None,
            copy_no: None,
            secret: None,
            urgency: None,
            archive: ArchiveConfig { fonds: "J001".into(), org_code: "DCS".into(), retention: Default::default() },
            notice_table: Default::default(),
            timezone: Default::default(),
            orders: Default::default(),
            evidence: Default::default(),
        }
    }

    pub fn target(kind: TargetKind, value: f64, unit: &str) -> Target {
        Target {
            text: format!("目标 {value}{unit}"),
            kind,
            value: Some(value),
            value_max: None,
            unit: unit.into(),
            comparison: Comparison::AtLeast,
            baseline: None,
        }
    }

    pub fn task(number: u32, section: u32, leads: &[&str], targets: Vec<Target>) -> Task {
        Task {
            number,
            section,
            title: format!("任务{number}"),
            text: format!("任务{number}全文"),
            lead_units: leads.iter().map(|s| s.to_string()).collect(),
            participating_units: vec![],
            targets,
            milestones: None,
            evidence: vec![],
            loc: Loc::default(),
        }
    }

    pub fn dataset(tasks: Vec<Task>) -> Dataset {
        let mut sections: Vec<Section> = Vec::new();
        for t in &tasks {
            match sections.iter_mut().find(|s| s.number == t.section) {
                Some(s) => s.tasks.push(t.number),
                None => sections.push(Section {
                    number: t.section,
                    title: format!("第{}部分", t.section),
                    tasks: vec![t.number],
                }),
            }
        }
        Dataset {
            plan: Plan {
                title: "2023年重点工作任务".into(),
                doc_number: None,
                issuer: None,
                date: None,
                year: 2023,
                sections,
                tasks,
            },
            office: office(),
            reports: BTreeMap::new(),
            places: Default::default(),
            evidence: Default::default(),
        }
    }

    pub fn q(n: u8) -> Period {
        Period { year: 2023, quarter: n }
    }

    pub fn entry(task: u32, values: &[(usize, f64)]) -> Entry {
        Entry {
            task,
            claim: None,
            progress: format!("任务{task}进展"),
            values: values.iter().map(|&(i, v)| (i - 1, v)).collect(),
            milestone: None,
            percent: None,
            adjustment: None,
            problems: None,
            next_steps: None,
            evidence: vec![],
            coordination: vec![],
            loc: Loc::default(),
        }
    }

    /// Adds a report (submitted on the deadline's day unless changed later).
    pub fn report(ds: &mut Dataset, period: Period, unit: &str, entries: Vec<Entry>) {
        let submitted = ds.office.deadline(period);
        let list = ds.reports.entry(period).or_default();
        list.push(Report {
            unit: unit.into(),
            period,
            submitted,
            contact: None,
            phone: None,
            reviewed_by: None,
            entries,
            file: format!("reports/{period}/{unit}.yaml"),
        });
        list.sort_by(|a, b| (&a.unit, &a.file).cmp(&(&b.unit, &b.file)));
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::data::model::*;

    const KJ: &str = "县科技局";
    const GX: &str = "县工业和信息化局";

    /// The bundled data: the year the check kept serves every earlier quarter exactly as a fresh
    /// evaluation, and the per-period entry index finds the entries the scan finds, in order.
    #[test]
    fn kept_year_and_entry_index_agree_with_fresh_evaluation() {
        let checked = crate::data::check(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
        let ds = checked.dataset.expect("the bundled data is valid");
        let latest = ds.latest_period().expect("reports");
        assert_eq!(checked.year.len(), usize::from(latest.quarter));
        for q in 1..=latest.quarter {
            let p = Period { year: latest.year, quarter: q };
            assert_eq!(year_from(checked.year.clone(), &ds, p), evaluate_year(&ds, p), "{p}");
            let index = EntryIndex::of(&ds, p);
            let key = |f: &Found| (f.unit.to_owned(), f.lead, f.entry as *const Entry);
            let mut with_entries = 0;
            for t in &ds.plan.tasks {
                let scanned: Vec<_> = entries_for(&ds, t, p).iter().map(key).collect();
                let indexed: Vec<_> = index.entries_for(t).iter().map(key).collect();
                assert_eq!(indexed, scanned, "{p} task {}", t.number);
                with_entries += usize::from(!scanned.is_empty());
            }
            assert!(with_entries > 40, "{p}: {with_entries} tasks with entries");
        }
        // Another year is evaluated afresh.
        let other = Period { year: latest.year + 1, quarter: 1 };
        assert_eq!(year_from(checked.year, &ds, other), evaluate_year(&ds, other));
    }

    fn count15() -> Dataset {
        dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Count, 15.0, "家")])])
    }

    fn one(ds: &Dataset, p: Period) -> TaskStatus {
        evaluate_period(ds, p).tasks.into_iter().next().unwrap()
    }

    #[test]
    fn count_8_of_15_at_q2_is_on_track() {
        let mut ds = count15();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 8.0)])]);
        let t = one(&ds, q(2));
        // 8/15 = 53.3 %, checkpoint 50, gap −3.3 < ahead margin 10 → 序时推进.
        assert_eq!(t.status, Status::OnTrack);
        assert_eq!(t.progress, Some(53.3));
        assert_eq!(t.gap_points, Some(-3.3));
        assert_eq!(t.light, Light::Green);
        assert_eq!(t.reason, "累计完成 8 家，占年度目标 15 家的 53.3%，序时进度 50%，超出 3.3 个百分点");
    }

    #[test]
    fn count_4_of_15_at_q2_is_behind() {
        let mut ds = count15();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 4.0)])]);
        let t = one(&ds, q(2));
        // 4/15 = 26.7 %, gap 23.3 ≤ 30 → 滞后, yellow.
        assert_eq!(t.progress, Some(26.7));
        assert_eq!(t.gap_points, Some(23.3));
        assert_eq!(t.status, Status::Behind);
        assert_eq!(t.light, Light::Yellow);
        assert!(t.reason.contains("低于 23.3 个百分点"), "{}", t.reason);
    }

    #[test]
    fn count_1_of_15_at_q2_is_seriously_behind() {
        let mut ds = count15();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 1.0)])]);
        let t = one(&ds, q(2));
        // 1/15 = 6.7 %, gap 43.3 > 30 → 严重滞后, red.
        assert_eq!(t.progress, Some(6.7));
        assert_eq!(t.gap_points, Some(43.3));
        assert_eq!(t.status, Status::SeriouslyBehind);
        assert_eq!(t.light, Light::Red);
    }

    #[test]
    fn ahead_at_the_margin() {
        let mut ds = count15();
        // 9/15 = 60 %, 10 points over 50 → 超序时 (margin 10 inclusive).
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 9.0)])]);
        assert_eq!(one(&ds, q(2)).status, Status::Ahead);
    }

    #[test]
    fn zero_is_not_started_yellow_then_red() {
        let mut ds = count15();
        report(&mut ds, q(1), KJ, vec![entry(1, &[(1, 0.0)])]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 0.0)])]);
        let y = evaluate_year(&ds, q(2));
        assert_eq!(y[0].tasks[0].status, Status::NotStarted);
        // Q1 ends 2 months after the planned start (January): yellow; Q2: red.
        assert_eq!(y[0].tasks[0].light, Light::Yellow);
        assert_eq!(y[1].tasks[0].status, Status::NotStarted);
        assert_eq!(y[1].tasks[0].light, Light::Red);
        // The plan issued in June: Q2 is still yellow, Q3 red.
        ds.plan.date = Date::parse("2023-06-12");
        report(&mut ds, q(3), KJ, vec![entry(1, &[(1, 0.0)])]);
        let y = evaluate_year(&ds, q(3));
        assert_eq!(y[1].tasks[0].light, Light::Yellow);
        assert_eq!(y[2].tasks[0].light, Light::Red);
    }

    #[test]
    fn target_exceeded_with_evidence_is_completed_and_stays() {
        let mut ds = count15();
        let mut e = entry(1, &[(1, 17.0)]);
        e.evidence = vec!["认定文件.pdf".into()];
        report(&mut ds, q(2), KJ, vec![e]);
        // Q3: no report at all. Q4: a lower (wrong) figure, no evidence.
        report(&mut ds, q(4), KJ, vec![entry(1, &[(1, 12.0)])]);
        let y = evaluate_year(&ds, q(4));
        assert_eq!(y[0].tasks[0].status, Status::NotReported);
        let q2 = &y[1].tasks[0];
        // 17/15 = 113.3 %.
        assert_eq!(q2.status, Status::Completed);
        assert_eq!(q2.progress, Some(113.3));
        assert_eq!(q2.completed_in, Some(q(2)));
        for later in [&y[2].tasks[0], &y[3].tasks[0]] {
            assert_eq!(later.status, Status::Completed, "{}", later.reason);
            assert_eq!(later.completed_in, Some(q(2)));
            assert!(later.reason.contains("已于2023年第二季度完成"), "{}", later.reason);
        }
    }

    #[test]
    fn met_without_evidence_is_not_completed_and_flagged() {
        let mut ds = count15();
        let mut e = entry(1, &[(1, 15.0)]);
        e.claim = Some(Status::Completed);
        report(&mut ds, q(3), KJ, vec![e]);
        let t = one(&ds, q(3));
        // 15/15 = 100 % at Q3 (75): 25 points ahead, but no evidence → 超序时, flagged.
        assert_eq!(t.status, Status::Ahead);
        assert!(t.evidence_missing);
        assert!(t.targets[0].met);
        let m = t.claim_mismatch.expect("claim 已完成 vs 超序时");
        assert!(m.contains("未报送佐证材料"), "{m}");
        // Q4 with the same figure, still no evidence: 未完成, at best 滞后.
        let mut ds2 = count15();
        report(&mut ds2, q(4), KJ, vec![entry(1, &[(1, 15.0)])]);
        let t = one(&ds2, q(4));
        assert_eq!(t.status, Status::Behind);
        assert!(t.year_end_unfinished);
    }

    #[test]
    fn target_met_stays_met_across_quarters_without_figures() {
        // Two targets: 5 家 met in Q2 (no evidence yet); 2nd target catches up in Q3 with evidence.
        let mut ds = dataset(vec![task(
            1,
            1,
            &[KJ],
            vec![target(TargetKind::Count, 5.0, "家"), target(TargetKind::Amount, 10.0, "亿元")],
        )]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 6.0), (2, 3.0)])]);
        let mut e = entry(1, &[(2, 10.5)]); // no figure for target 1 this time
        e.evidence = vec!["验收报告.pdf".into()];
        report(&mut ds, q(3), KJ, vec![e]);
        let y = evaluate_year(&ds, q(3));
        let q2 = &y[1].tasks[0];
        // Target 1: 6/5 = 120 % met; target 2: 3/10 = 30 %, gap 20 → 滞后; task takes the worst.
        assert_eq!(q2.targets[0].status, Status::Completed);
        assert_eq!(q2.targets[1].status, Status::Behind);
        assert_eq!(q2.status, Status::Behind);
        assert_eq!(q2.gap_points, Some(20.0));
        let q3 = &y[2].tasks[0];
        assert!(q3.targets[0].met, "carried: {}", q3.targets[0].reason);
        assert_eq!(q3.targets[0].met_in, Some(q(2)));
        assert_eq!(q3.targets[0].reported, Some(6.0));
        assert_eq!(q3.status, Status::Completed, "{}", q3.reason);
    }

    #[test]
    fn several_targets_mixed_standing() {
        let mut ds = dataset(vec![task(
            1,
            1,
            &[KJ],
            vec![
                target(TargetKind::Count, 5.0, "家"),
                target(TargetKind::Growth, 12.0, "%"),
                target(TargetKind::Count, 20.0, "个"),
            ],
        )]);
        // Q3 (75): 5/5 met; growth 9/12 = 75 % vs 100 → gap 25 → 滞后; 12/20 = 60 % → gap 15 → 滞后.
        report(&mut ds, q(3), KJ, vec![entry(1, &[(1, 5.0), (2, 9.0), (3, 12.0)])]);
        let t = one(&ds, q(3));
        let st: Vec<Status> = t.targets.iter().map(|s| s.status).collect();
        assert_eq!(st, vec![Status::Completed, Status::Behind, Status::Behind]);
        assert_eq!(t.status, Status::Behind);
        // The decider is the largest gap among the worst: growth, gap 25.
        assert_eq!(t.gap_points, Some(25.0));
        assert_eq!(t.checkpoint, 100.0);
        assert!(t.reason.contains("任务按最差一项（目标2）计"), "{}", t.reason);
    }

    #[test]
    fn negative_growth_is_seriously_behind() {
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Growth, 12.0, "%")])]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, -3.2)])]);
        let t = one(&ds, q(2));
        // −3.2 / 12 = −26.7 %; gap to 100 = 126.7 → 严重滞后.
        assert_eq!(t.progress, Some(-26.7));
        assert_eq!(t.gap_points, Some(126.7));
        assert_eq!(t.status, Status::SeriouslyBehind);
        assert!(t.reason.contains("累计增长 -3.2%"), "{}", t.reason);
    }

    #[test]
    fn growth_met_mid_year_is_not_completed_but_at_q4_it_is() {
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Growth, 12.0, "%")])]);
        let mut e = entry(1, &[(1, 13.0)]);
        e.evidence = vec!["统计局数据.pdf".into()];
        report(&mut ds, q(2), KJ, vec![e.clone()]);
        report(&mut ds, q(4), KJ, vec![e]);
        let y = evaluate_year(&ds, q(4));
        // 13/12 = 108.3 %: 8.3 over the rate, below the 10-point margin → 序时推进, not completed.
        assert_eq!(y[1].tasks[0].status, Status::OnTrack);
        assert_eq!(y[1].tasks[0].progress, Some(108.3));
        assert_eq!(y[3].tasks[0].status, Status::Completed);
    }

    #[test]
    fn reduction_against_the_target() {
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Reduction, 3.0, "%")])]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 2.0)])]);
        let t = one(&ds, q(2));
        // 2/3 = 66.7 %, gap 33.3 → 严重滞后.
        assert_eq!(t.progress, Some(66.7));
        assert_eq!(t.status, Status::SeriouslyBehind);
    }

    #[test]
    fn level_with_baseline_is_interpolated() {
        let mut t = target(TargetKind::Level, 3.0, "%");
        t.baseline = Some(2.5);
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t])]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 2.8)])]);
        let s = one(&ds, q(2));
        // (2.8 − 2.5)/(3 − 2.5) = 60 %; expected at Q2: 2.75; gap −10 → 超序时.
        assert_eq!(s.progress, Some(60.0));
        assert_eq!(s.status, Status::Ahead);
        assert!(s.reason.contains("本期应达 2.75%"), "{}", s.reason);
    }

    #[test]
    fn level_zero_or_absent_baseline() {
        for baseline in [None, Some(0.0)] {
            let mut t = target(TargetKind::Level, 94.906, "%");
            t.baseline = baseline;
            let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t])]);
            report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 94.5)])]);
            report(&mut ds, q(4), KJ, vec![entry(1, &[(1, 94.5)])]);
            let y = evaluate_year(&ds, q(4));
            // 94.5/94.906 = 99.6 %: against 50 at Q2 → 超序时; against 100 at Q4 → gap 0.4 → 滞后.
            assert_eq!(y[1].tasks[0].progress, Some(99.6));
            assert_eq!(y[1].tasks[0].status, Status::Ahead);
            assert_eq!(y[3].tasks[0].gap_points, Some(0.4));
            assert_eq!(y[3].tasks[0].status, Status::Behind);
        }
    }

    #[test]
    fn ceiling_within_and_over() {
        let mut c = target(TargetKind::Ceiling, 5.0, "%");
        c.comparison = Comparison::AtMost;
        let mut ds = dataset(vec![
            task(1, 1, &[KJ], vec![c.clone()]),
            task(2, 1, &[KJ], vec![c.clone()]),
            task(3, 1, &[KJ], vec![c]),
        ]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 4.2)]), entry(2, &[(1, 5.5)]), entry(3, &[(1, 7.0)])]);
        let p = evaluate_period(&ds, q(2));
        // 4.2 ≤ 5 → 序时推进 (not completed before Q4); 5.5 is 10 % over → 滞后; 7 is 40 % over → 严重滞后.
        assert_eq!(p.tasks[0].status, Status::OnTrack);
        assert_eq!(p.tasks[1].gap_points, Some(10.0));
        assert_eq!(p.tasks[1].status, Status::Behind);
        assert_eq!(p.tasks[2].status, Status::SeriouslyBehind);
    }

    #[test]
    fn percentages_are_decided_on_exact_decimals() {
        // 74.85 of 300 = 24.95 % exactly → 25.0 (四舍五入); binary arithmetic gives 24.949999… → 24.9,
        // which would make the task 滞后 at a 0.1-point gap at Q1 (tolerance 0).
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![target(TargetKind::Amount, 300.0, "亿元")])]);
        report(&mut ds, q(1), KJ, vec![entry(1, &[(1, 74.85)])]);
        let t = one(&ds, q(1));
        assert_eq!(t.progress, Some(25.0));
        assert_eq!(t.gap_points, Some(0.0));
        assert_eq!(t.status, Status::OnTrack);
        assert!(t.reason.contains("的 25%"), "{}", t.reason);
        // The rounding rule itself, on values whose binary form sits just below the half.
        assert_eq!(percent(74.85, 300.0), 25.0);
        assert_eq!(percent(1.0, 80.0), 1.3);
        assert_eq!(round1(24.95), 25.0);
        assert_eq!(round1(0.05), 0.1);
        assert_eq!(round1(-24.95), -25.0);
        assert_eq!(round1(-0.04), 0.0);
        assert_eq!(percent(2.0, 3.0), 66.7);
    }

    #[test]
    fn about_target_judged_on_the_printed_figure() {
        // 94.97 % of an `about` target prints as 95 % and is judged at 95: met.
        let mut t = target(TargetKind::Amount, 100.0, "亿元");
        t.comparison = Comparison::About;
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t.clone()])]);
        let mut e = entry(1, &[(1, 94.97)]);
        e.evidence = vec!["a.pdf".into()];
        report(&mut ds, q(4), KJ, vec![e.clone()]);
        let s = one(&ds, q(4));
        assert_eq!(s.targets[0].progress, Some(95.0));
        assert!(s.targets[0].reason.contains("的 95%"), "{}", s.targets[0].reason);
        assert!(s.targets[0].met, "printed 95 % is judged as 95 %");
        assert_eq!(s.status, Status::Completed);
        // 94.94 % prints 94.9 % and is not met.
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t])]);
        e.values = vec![(0, 94.94)];
        report(&mut ds, q(4), KJ, vec![e]);
        let s = one(&ds, q(4));
        assert_eq!(s.targets[0].progress, Some(94.9));
        assert!(!s.targets[0].met);
        assert_ne!(s.status, Status::Completed);
    }

    #[test]
    fn about_counts_as_met_at_95_percent() {
        let mut t = target(TargetKind::Amount, 100.0, "亿元");
        t.comparison = Comparison::About;
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t])]);
        let mut e = entry(1, &[(1, 96.0)]);
        e.evidence = vec!["a.pdf".into()];
        report(&mut ds, q(4), KJ, vec![e]);
        let s = one(&ds, q(4));
        assert!(s.targets[0].met);
        assert_eq!(s.status, Status::Completed, "{}", s.reason);
    }

    #[test]
    fn range_uses_the_lower_end() {
        let mut t = target(TargetKind::Count, 1.0, "项");
        t.comparison = Comparison::Range;
        t.value_max = Some(2.0);
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![t])]);
        let mut e = entry(1, &[(1, 1.0)]);
        e.evidence = vec!["a.pdf".into()];
        report(&mut ds, q(2), KJ, vec![e]);
        let s = one(&ds, q(2));
        assert_eq!(s.status, Status::Completed);
        assert!(s.reason.contains("1-2 项（按下限计）"), "{}", s.reason);
    }

    #[test]
    fn quarter_without_report_is_not_reported() {
        let mut ds = count15();
        report(&mut ds, q(1), KJ, vec![entry(1, &[(1, 4.0)])]);
        report(&mut ds, q(2), GX, vec![]); // someone else reported; 县科技局 did not
        let y = evaluate_year(&ds, q(2));
        // Q1: 4/15 = 26.7 % ≥ 25 → 序时推进.
        assert_eq!(y[0].tasks[0].status, Status::OnTrack);
        let t = &y[1].tasks[0];
        assert_eq!(t.status, Status::NotReported);
        assert_eq!(t.light, Light::Red);
        assert_eq!(t.reason, "牵头单位县科技局本期未报送该任务进展");
    }

    #[test]
    fn report_with_no_figure_is_other() {
        let mut ds = count15();
        let mut e = entry(1, &[]);
        e.claim = Some(Status::OnTrack);
        report(&mut ds, q(2), KJ, vec![e]);
        let t = one(&ds, q(2));
        assert_eq!(t.status, Status::Other);
        assert_eq!(t.targets[0].status, Status::NotReported);
        assert!(t.reason.contains("未填报完成数值"), "{}", t.reason);
        assert_eq!(t.claim_mismatch, None);
    }

    #[test]
    fn adjustment_is_other_with_reason() {
        let mut ds = count15();
        let mut e = entry(1, &[(1, 2.0)]);
        e.adjustment = Some("经县政府同意，目标调整为 10 家".into());
        report(&mut ds, q(2), KJ, vec![e]);
        let t = one(&ds, q(2));
        assert_eq!(t.status, Status::Other);
        assert!(t.reason.starts_with("指标调整：经县政府同意"), "{}", t.reason);
        assert_eq!(t.adjustment.as_deref(), Some("经县政府同意，目标调整为 10 家"));
    }

    #[test]
    fn no_lead_unit_is_other() {
        let ds = dataset(vec![task(1, 1, &[], vec![])]);
        let t = one(&ds, q(1));
        assert_eq!(t.status, Status::Other);
        assert_eq!(t.reason, "未明确牵头单位，不作评价");
    }

    #[test]
    fn milestone_tasks() {
        let mut t = task(1, 1, &[KJ], vec![]);
        t.milestones = Some([
            "完成平台建设方案".into(),
            "确定 3 家培育对象".into(),
            "完成市级备案申报".into(),
            "通过市级认定".into(),
        ]);
        let mut ds = dataset(vec![t]);
        let mut e1 = entry(1, &[]);
        e1.milestone = Some(1);
        report(&mut ds, q(1), KJ, vec![e1.clone()]);
        report(&mut ds, q(2), KJ, vec![e1]);
        report(&mut ds, q(3), KJ, vec![entry(1, &[])]); // milestone omitted: Q1 kept
        let mut e4 = entry(1, &[]);
        e4.milestone = Some(4);
        e4.evidence = vec!["认定文件.pdf".into()];
        report(&mut ds, q(4), KJ, vec![e4]);
        let y = evaluate_year(&ds, q(4));
        // Q1: 25 vs 25 → 序时推进; Q2: 25 vs 50 → 滞后 (gap 25); Q3: 25 vs 75 → 严重滞后 (50); Q4 done.
        let st: Vec<Status> = y.iter().map(|p| p.tasks[0].status).collect();
        assert_eq!(st, vec![Status::OnTrack, Status::Behind, Status::SeriouslyBehind, Status::Completed]);
        assert_eq!(y[1].tasks[0].gap_points, Some(25.0));
        assert!(
            y[1].tasks[0]
                .reason
                .starts_with("本季度计划形象进度：确定 3 家培育对象；已达到第一季度节点（完成平台建设方案）"),
            "{}",
            y[1].tasks[0].reason
        );
        assert_eq!(y[2].tasks[0].milestone_reached, Some(1));
        assert!(y[2].tasks[0].reason.contains("沿用此前已达到节点"));
        assert_eq!(y[3].tasks[0].basis, Basis::Milestones);
    }

    #[test]
    fn milestone_none_reached_is_not_started() {
        let mut t = task(1, 1, &[KJ], vec![]);
        t.milestones = Some(["a".into(), "b".into(), "c".into(), "d".into()]);
        let mut ds = dataset(vec![t]);
        report(&mut ds, q(1), KJ, vec![entry(1, &[])]);
        assert_eq!(one(&ds, q(1)).status, Status::NotStarted);
    }

    #[test]
    fn self_reported_percent_and_claim_are_unverified() {
        let mut ds = dataset(vec![task(1, 1, &[KJ], vec![]), task(2, 1, &[KJ], vec![]), task(3, 1, &[KJ], vec![])]);
        let mut a = entry(1, &[]);
        a.percent = Some(60.0);
        let mut b = entry(2, &[]);
        b.claim = Some(Status::OnTrack);
        report(&mut ds, q(2), KJ, vec![a, b, entry(3, &[])]);
        let p = evaluate_period(&ds, q(2));
        // 60 vs 50 → 超序时 (margin 10), unverified.
        assert_eq!(p.tasks[0].status, Status::Ahead);
        assert!(p.tasks[0].unverified);
        assert!(p.tasks[0].reason.contains("单位自报形象进度 60%（未经核实）"));
        assert_eq!(p.tasks[1].status, Status::OnTrack);
        assert!(p.tasks[1].unverified);
        assert_eq!(p.tasks[1].basis, Basis::SelfReported);
        assert_eq!(p.tasks[2].status, Status::Other);
        assert!(!p.tasks[2].unverified);
    }

    #[test]
    fn claim_better_than_figures_is_flagged() {
        let mut ds = count15();
        let mut e = entry(1, &[(1, 4.0)]);
        e.claim = Some(Status::OnTrack);
        report(&mut ds, q(2), KJ, vec![e]);
        let t = one(&ds, q(2));
        assert_eq!(t.status, Status::Behind);
        assert_eq!(
            t.claim_mismatch.as_deref(),
            Some("县科技局自评“序时推进”，但按报送数据核定为“滞后”（完成 26.7%，低于序时进度 23.3 个百分点），以核定结果为准")
        );
        // A modest claim (worse than computed) is not flagged.
        let mut ds = count15();
        let mut e = entry(1, &[(1, 8.0)]);
        e.claim = Some(Status::Behind);
        report(&mut ds, q(2), KJ, vec![e]);
        assert_eq!(one(&ds, q(2)).claim_mismatch, None);
    }

    #[test]
    fn thresholds_changed() {
        let mut ds = count15();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 7.0)])]);
        // 7/15 = 46.7 %, gap 3.3: default tolerance 0 → 滞后; tolerance 5 → 序时推进.
        assert_eq!(one(&ds, q(2)).status, Status::Behind);
        ds.office.thresholds.tolerance = 5.0;
        assert_eq!(one(&ds, q(2)).status, Status::OnTrack);
        // 4/15: gap 23.3; yellow_max 20 → 严重滞后.
        ds.office.thresholds.yellow_max = 20.0;
        ds.reports.clear();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 4.0)])]);
        assert_eq!(one(&ds, q(2)).status, Status::SeriouslyBehind);
        // 8/15: 3.3 over; ahead margin 3 → 超序时.
        ds.office.thresholds.ahead_margin = 3.0;
        ds.reports.clear();
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 8.0)])]);
        assert_eq!(one(&ds, q(2)).status, Status::Ahead);
    }

    #[test]
    fn several_lead_units_first_in_order_gives_figures() {
        let mut ds = dataset(vec![task(1, 1, &[KJ, GX], vec![target(TargetKind::Count, 10.0, "家")])]);
        // Reports are sorted by unit; the lead order (科技局 first) decides, not the file order.
        report(&mut ds, q(2), GX, vec![entry(1, &[(1, 9.0)])]);
        report(&mut ds, q(2), KJ, vec![entry(1, &[(1, 3.0)])]);
        let t = one(&ds, q(2));
        assert_eq!(t.targets[0].reported, Some(3.0));
        assert_eq!(t.targets[0].reported_by.as_deref(), Some(KJ));
        assert_eq!(t.reported_by, vec![KJ.to_string(), GX.to_string()]);
        assert_eq!(t.narratives.len(), 2);
        // Only the second lead unit has a figure: it is used.
        let mut ds2 = dataset(vec![task(1, 1, &[KJ, GX], vec![target(TargetKind::Count, 10.0, "家")])]);
        report(&mut ds2, q(2), GX, vec![entry(1, &[(1, 9.0)])]);
        report(&mut ds2, q(2), KJ, vec![entry(1, &[])]);
        assert_eq!(one(&ds2, q(2)).targets[0].reported, Some(9.0));
    }

    #[test]
    fn q4_tolerance_does_not_rescue_unfinished() {
        let mut ds = count15();
        ds.office.thresholds.tolerance = 10.0;
        report(&mut ds, q(4), KJ, vec![entry(1, &[(1, 14.0)])]);
        let t = one(&ds, q(4));
        // 14/15 = 93.3 %, gap 6.7 ≤ tolerance 10, but Q4 and not met → 滞后 (未完成).
        assert_eq!(t.status, Status::Behind);
        assert!(t.year_end_unfinished);
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_num(15.0), "15");
        assert_eq!(fmt_num(94.906), "94.906");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_pct(53.333), "53.3");
        assert_eq!(fmt_pct(50.0), "50");
        assert_eq!(fmt_pct(-0.04), "0");
        assert_eq!(round1(-0.04), 0.0);
    }

    #[test]
    fn every_task_once_in_plan_order() {
        let ds = dataset(vec![task(1, 1, &[KJ], vec![]), task(2, 2, &[GX], vec![]), task(5, 2, &[KJ], vec![])]);
        let y = evaluate_year(&ds, q(3));
        assert_eq!(y.len(), 3);
        for p in &y {
            let n: Vec<u32> = p.tasks.iter().map(|t| t.task).collect();
            assert_eq!(n, vec![1, 2, 5]);
        }
    }
}
