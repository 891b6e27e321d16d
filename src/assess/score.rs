//! Scoring (docs/rules.md §17): every lead unit's points, each with the event it comes from.
//!
//! Inputs are what ducha already decided elsewhere: the year's statuses from
//! [`crate::status::evaluate_year`], the reporting of each quarter from
//! [`crate::aggregate::reporting_of`] (the rule behind `ducha stats`' `missing_reports` /
//! `late_reports`, so the figures cannot disagree) and the orders as [`OrderFacts`].

use rust_decimal::Decimal;

use super::rules::{fmt, Rules};
use crate::aggregate::{self, Reporting};
use crate::data::model::{Dataset, Date, Period, Status};
use crate::status::PeriodStatus;

/// What the assessment needs of one 督办通知单: its number, the units it is addressed to, its
/// deadline in force, when the unit answered and when it was closed (办结), and how often it was
/// returned (退回). [`super::order_facts`] reads them from the 督办 register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// 督办〔2024〕3号
    pub number: String,
    /// 承办单位.
    pub units: Vec<String>,
    /// 办理时限 in force (moved by granted extensions).
    pub deadline: Date,
    /// 办结日期, if closed.
    pub closed: Option<Date>,
    /// The date of the unit's reply that closed the item, or of a reply awaiting review: the
    /// unit's work is done on that day (docs/rules.md §19 逾期办结). `None` when the item was
    /// closed without a reply or is still waiting on the unit.
    pub answered: Option<Date>,
    /// 退回次数.
    pub returns: u32,
}

/// Where one line of points comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A task the unit leads, with its status in the year's last period.
    Task { task: u32, status: Status, period: Period },
    /// A required report submitted after the deadline (the period's earliest file).
    LateReport { period: Period, submitted: Date, deadline: Date, file: String },
    /// A required report not submitted.
    MissingReport { period: Period, deadline: Date },
    /// An order closed after its deadline: the reply it accepted (`answered`), or the 办结 date
    /// without one, came after the deadline.
    OrderClosedLate { number: String, closed: Date, answered: Option<Date>, deadline: Date },
    /// An order still open after its deadline on the assessment date.
    OrderOpenOverdue { number: String, deadline: Date, as_of: Date },
    /// An order returned `times` times.
    OrderReturned { number: String, times: u32 },
}

impl Source {
    /// The kind, as the JSON names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Task { .. } => "task_status",
            Source::LateReport { .. } => "report_late",
            Source::MissingReport { .. } => "report_missing",
            Source::OrderClosedLate { .. } => "order_closed_late",
            Source::OrderOpenOverdue { .. } => "order_open_overdue",
            Source::OrderReturned { .. } => "order_returned",
        }
    }

    /// The source in words, as the 扣分明细 prints it.
    pub fn describe(&self) -> String {
        match self {
            Source::Task { task, status, period } => format!("任务第{task}项 {period} 状态为{}", status.label()),
            Source::LateReport { period, submitted, deadline, .. } => {
                format!("{period} 报告 {submitted} 报送，晚于截止日 {deadline}（迟报）")
            }
            Source::MissingReport { period, deadline } => format!("{period} 报告截至 {deadline} 未报送"),
            Source::OrderClosedLate { number, closed, answered: None, deadline } => {
                format!("{number} {closed} 办结，晚于办理时限 {deadline}（逾期办结）")
            }
            Source::OrderClosedLate { number, closed, answered: Some(a), deadline } => {
                format!("{number} {a} 反馈、{closed} 办结，反馈晚于办理时限 {deadline}（逾期办结）")
            }
            Source::OrderOpenOverdue { number, deadline, as_of } => {
                format!("{number} 办理时限 {deadline}，至 {as_of} 未办结（逾期未办结）")
            }
            Source::OrderReturned { number, times } => format!("{number} 退回 {times} 次"),
        }
    }
}

/// One line of a unit's 扣分明细.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Positive: 加分; negative: 扣分.
    pub points: Decimal,
    pub source: Source,
}

/// One scored unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitScore {
    pub unit: String,
    /// 牵头任务数.
    pub tasks: usize,
    /// Sum of positive lines.
    pub plus: Decimal,
    /// Sum of negative lines (≤ 0).
    pub minus: Decimal,
    /// base + plus + minus, not below the floor.
    pub score: Decimal,
    /// 1-based; equal scores share a rank (1, 1, 3).
    pub rank: usize,
    /// 等次 after any step-down.
    pub grade: String,
    /// The band the score alone gives, when the step-down changed it.
    pub stepped_down_from: Option<String>,
    /// 说明: what the points are made of, and why a grade was stepped down.
    pub note: String,
    /// Every line with non-zero points, tasks first (plan order), then reports (by quarter), then
    /// orders (in the order given).
    pub lines: Vec<Line>,
}

/// The year's assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub year: i32,
    /// The year's last period with reports: the year-end statuses are this period's.
    pub period: Period,
    /// 考核日: orders still open after their deadline on this day are 逾期未办结.
    pub as_of: Date,
    pub rules: Rules,
    /// Scored units, best first (equal scores in the plan's order of units).
    pub units: Vec<UnitScore>,
    /// Units the plan names that lead no task: listed, not scored.
    pub not_scored: Vec<String>,
}

/// Scores every lead unit of `ds` for the year `year` ends (its last entry is the year-end
/// period). `orders` are the 督办通知单 facts; `as_of` is the assessment date.
///
/// # Panics
/// When `year` is empty.
pub fn score(ds: &Dataset, year: &[PeriodStatus], orders: &[OrderFacts], rules: &Rules, as_of: Date) -> Assessment {
    let last = year.last().expect("score needs at least one period");
    let mut units: Vec<UnitScore> = Vec::new();
    let leads = ds.plan.lead_units();
    for unit in &leads {
        let mut lines = Vec::new();
        let led: Vec<_> = ds.plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == unit)).collect();
        for t in &led {
            if let Some(ts) = last.task(t.number) {
                lines.push(Line {
                    points: rules.status(ts.status),
                    source: Source::Task { task: t.number, status: ts.status, period: last.period },
                });
            }
        }
        for (period, reporting, submitted) in aggregate::reporting_of(ds, unit, year) {
            let deadline = ds.office.deadline(period);
            match (reporting, submitted) {
                (Reporting::Late, Some(d)) => {
                    let file = ds
                        .reports_for(period)
                        .iter()
                        .filter(|r| r.unit == *unit)
                        // Ties by file name: the line does not depend on the order of the files.
                        .min_by_key(|r| (r.submitted, &r.file))
                        .map(|r| r.file.clone())
                        .unwrap_or_default();
                    lines.push(Line {
                        points: rules.report_late,
                        source: Source::LateReport { period, submitted: d, deadline, file },
                    });
                }
                (Reporting::Missing, _) => lines
                    .push(Line { points: rules.report_missing, source: Source::MissingReport { period, deadline } }),
                _ => {}
            }
        }
        let mut open_overdue = 0;
        for o in orders.iter().filter(|o| o.units.iter().any(|u| u == unit)) {
            // What happened after the assessment date has not happened on it.
            let closed = o.closed.filter(|c| *c <= as_of);
            let answered = o.answered.filter(|a| *a <= as_of);
            match (closed, answered) {
                (Some(c), a) if a.unwrap_or(c) > o.deadline => lines.push(Line {
                    points: rules.order_closed_late,
                    source: Source::OrderClosedLate {
                        number: o.number.clone(),
                        closed: c,
                        answered: a,
                        deadline: o.deadline,
                    },
                }),
                // A reply awaiting the office's review is not the unit's delay (§19 逾期).
                (None, None) if as_of > o.deadline => {
                    open_overdue += 1;
                    lines.push(Line {
                        points: rules.order_open_overdue,
                        source: Source::OrderOpenOverdue { number: o.number.clone(), deadline: o.deadline, as_of },
                    })
                }
                _ => {}
            }
            if o.returns > 0 {
                lines.push(Line {
                    points: rules.order_returned * Decimal::from(o.returns),
                    source: Source::OrderReturned { number: o.number.clone(), times: o.returns },
                });
            }
        }
        lines.retain(|l| !l.points.is_zero());
        let plus: Decimal = lines.iter().map(|l| l.points).filter(|p| *p > Decimal::ZERO).sum();
        let minus: Decimal = lines.iter().map(|l| l.points).filter(|p| *p < Decimal::ZERO).sum();
        let score = (rules.base + plus + minus).max(rules.floor);
        let band = rules.band(score);
        let (grade, stepped_down_from) = if rules.step_down && open_overdue > 0 && band == 0 {
            (rules.band_name(1).to_owned(), Some(rules.band_name(0).to_owned()))
        } else {
            (rules.band_name(band).to_owned(), None)
        };
        let note = note(&lines, open_overdue, stepped_down_from.as_deref(), &grade);
        units.push(UnitScore {
            unit: (*unit).to_owned(),
            tasks: led.len(),
            plus,
            minus,
            score,
            rank: 0,
            grade,
            stepped_down_from,
            note,
            lines,
        });
    }
    // Highest first; a stable sort keeps the plan's order among equal scores.
    units.sort_by_key(|u| std::cmp::Reverse(u.score));
    for i in 0..units.len() {
        units[i].rank = if i > 0 && units[i].score == units[i - 1].score { units[i - 1].rank } else { i + 1 };
    }
    let not_scored =
        ds.plan.all_units().into_iter().filter(|u| !leads.contains(u)).map(str::to_owned).collect::<Vec<_>>();
    Assessment { year: ds.plan.year, period: last.period, as_of, rules: rules.clone(), units, not_scored }
}

/// 说明: the lines counted by kind ("滞后2项，迟报1次"), then the step-down and its reason.
fn note(lines: &[Line], open_overdue: usize, stepped_from: Option<&str>, grade: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for s in Status::ALL {
        let n = lines.iter().filter(|l| matches!(l.source, Source::Task { status, .. } if status == s)).count();
        if n > 0 {
            parts.push(format!("{}{n}项", s.label()));
        }
    }
    let count = |f: fn(&Source) -> bool| lines.iter().filter(|l| f(&l.source)).count();
    let late = count(|s| matches!(s, Source::LateReport { .. }));
    let missing = count(|s| matches!(s, Source::MissingReport { .. }));
    let closed_late = count(|s| matches!(s, Source::OrderClosedLate { .. }));
    let returned: u32 = lines
        .iter()
        .filter_map(|l| match l.source {
            Source::OrderReturned { times, .. } => Some(times),
            _ => None,
        })
        .sum();
    for (n, what) in [(late, "迟报{}次"), (missing, "未报送{}次"), (closed_late, "督办事项逾期办结{}件")]
    {
        if n > 0 {
            parts.push(what.replace("{}", &n.to_string()));
        }
    }
    if open_overdue > 0 {
        parts.push(format!("督办事项逾期未办结{open_overdue}件"));
    }
    if returned > 0 {
        parts.push(format!("督办事项退回{returned}次"));
    }
    let mut note = parts.join("，");
    if let Some(from) = stepped_from {
        if !note.is_empty() {
            note.push('；');
        }
        note.push_str(&format!("有逾期未办结的督办事项，等次由{from}降为{grade}"));
    }
    note
}

/// A number as printed (re-exported for the views).
pub fn points(d: Decimal) -> String {
    fmt(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::model::TargetKind;
    use crate::status::fixtures as fx;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn order(number: &str, unit: &str, deadline: &str, closed: Option<&str>, returns: u32) -> OrderFacts {
        OrderFacts {
            number: number.into(),
            units: vec![unit.into()],
            deadline: d(deadline),
            closed: closed.map(d),
            answered: None,
            returns,
        }
    }

    /// Two units, one task each, both reporting on time in 2023Q1; with [`no_status`] rules the
    /// order rules alone move scores.
    fn clean() -> (Dataset, Vec<PeriodStatus>) {
        let mut ds = fx::dataset(vec![
            fx::task(1, 1, &["县科技局"], vec![fx::target(TargetKind::Count, 10.0, "家")]),
            fx::task(2, 1, &["县工业和信息化局"], vec![fx::target(TargetKind::Count, 10.0, "家")]),
        ]);
        fx::report(&mut ds, fx::q(1), "县科技局", vec![fx::entry(1, &[(1, 3.0)])]);
        fx::report(&mut ds, fx::q(1), "县工业和信息化局", vec![fx::entry(2, &[(1, 3.0)])]);
        let year = crate::status::evaluate_year(&ds, fx::q(1));
        (ds, year)
    }

    fn no_status() -> Rules {
        Rules { status_points: [Decimal::ZERO; Status::COUNT], ..Rules::default() }
    }

    #[test]
    fn order_rules_score_each_event_and_step_down_only_for_open_overdue() {
        let (ds, year) = clean();
        let rules = no_status();
        let units = ds.plan.lead_units().iter().map(|u| u.to_string()).collect::<Vec<_>>();
        let (a, b) = (&units[0], &units[1]);
        let orders = vec![
            order("督办〔2024〕1号", a, "2024-01-30", Some("2024-02-20"), 0),
            order("督办〔2024〕2号", a, "2024-01-30", Some("2024-01-29"), 2),
            order("督办〔2024〕3号", b, "2024-01-10", None, 0),
            order("督办〔2024〕4号", b, "2024-03-10", None, 0),
        ];
        let s = score(&ds, &year, &orders, &rules, d("2024-03-01"));
        let ua = s.units.iter().find(|u| &u.unit == a).unwrap();
        let ub = s.units.iter().find(|u| &u.unit == b).unwrap();
        assert_eq!(fmt(ua.score), "98", "−1 closed late, 2 × −0.5 returned");
        assert_eq!(ua.grade, "优秀");
        assert_eq!(ua.lines.len(), 2);
        assert!(ua.lines[0].source.describe().contains("2024-02-20 办结，晚于办理时限 2024-01-30"));
        assert_eq!(fmt(ub.score), "98", "−2 open overdue; the order not yet due costs nothing");
        assert_eq!(ub.grade, "良好");
        assert_eq!(ub.stepped_down_from.as_deref(), Some("优秀"));
        assert!(ub.note.contains("等次由优秀降为良好"), "{}", ub.note);
        assert_eq!((ua.rank, ub.rank), (1, 1), "equal scores share a rank");
        assert_eq!(s.units[0].unit, *a, "equal scores in plan order");
        // Closed after the assessment date: still open on it.
        let late_close = vec![order("督办〔2024〕3号", b, "2024-01-10", Some("2024-03-05"), 0)];
        let s = score(&ds, &year, &late_close, &rules, d("2024-03-01"));
        assert!(matches!(
            s.units.iter().find(|u| &u.unit == b).unwrap().lines[0].source,
            Source::OrderOpenOverdue { .. }
        ));
        // A reply awaiting review on the assessment date is not the unit's delay; once closed on
        // it, the reply's date decides 逾期办结, not the office's 办结 date.
        let replied = OrderFacts { answered: Some(d("2024-01-09")), ..late_close[0].clone() };
        let s = score(&ds, &year, std::slice::from_ref(&replied), &rules, d("2024-03-01"));
        assert!(s.units.iter().find(|u| &u.unit == b).unwrap().lines.is_empty());
        let s = score(&ds, &year, std::slice::from_ref(&replied), &rules, d("2024-03-06"));
        assert!(s.units.iter().find(|u| &u.unit == b).unwrap().lines.is_empty(), "answered on time");
        let late = OrderFacts { answered: Some(d("2024-01-12")), ..replied };
        let s = score(&ds, &year, &[late], &rules, d("2024-03-06"));
        assert!(matches!(
            s.units.iter().find(|u| &u.unit == b).unwrap().lines[0].source,
            Source::OrderClosedLate { answered: Some(_), .. }
        ));
        // Step-down off: the band the score gives.
        let off = Rules { step_down: false, ..no_status() };
        let s = score(&ds, &year, &orders, &off, d("2024-03-01"));
        assert_eq!(s.units.iter().find(|u| &u.unit == b).unwrap().grade, "优秀");
    }

    #[test]
    fn closing_on_time_never_lowers_a_score_and_the_floor_holds() {
        let (ds, year) = clean();
        let rules = no_status();
        let u = ds.plan.lead_units()[0].to_string();
        for as_of in ["2024-01-01", "2024-02-01", "2024-06-01"] {
            let open = score(&ds, &year, &[order("督办〔2024〕9号", &u, "2024-01-30", None, 0)], &rules, d(as_of));
            let closed = score(
                &ds,
                &year,
                &[order("督办〔2024〕9号", &u, "2024-01-30", Some("2024-01-30"), 0)],
                &rules,
                d(as_of),
            );
            assert!(closed.units[0].score >= open.units[0].score, "{as_of}");
        }
        let many: Vec<OrderFacts> =
            (0..80).map(|i| order(&format!("督办〔2024〕{i}号"), &u, "2024-01-01", None, 0)).collect();
        let s = score(&ds, &year, &many, &rules, d("2024-02-01"));
        let x = s.units.iter().find(|x| x.unit == u).unwrap();
        assert_eq!(fmt(x.score), "0");
        assert_eq!(fmt(x.minus), "-160", "the lines keep every point; only the score is floored");
        assert_eq!(x.grade, "不合格");
    }
}
