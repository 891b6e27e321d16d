//! Stable numbering (docs/rules.md §13, §19): the 督办通知单 number comes from the register.
//!
//! `ducha orders issue --period P` registers the period's orders (the tasks of the notice's
//! 督办事项, `render::view::orders`) with numbers continuing the issue year's sequence; `ducha
//! build` prints a registered order's number, and for one not yet registered the next free
//! number after the year's register, with a warning. A number once registered is never reused
//! or changed, so rebuilding a period never renumbers, and two periods never share a number.

use super::store::NewItem;
use super::{Event, Kind, Number, Register, Role};
use crate::data::model::{Dataset, Date, Office, Period};
use crate::diag::{Diagnostic, Diagnostics};

/// The number and deadline a period's order gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbered {
    pub task: u32,
    pub number: Number,
    pub deadline: Date,
    /// In the register already (else the number is the one `ducha orders issue` would give).
    pub registered: bool,
}

/// 办理时限 of an order issued on `issued`: `orders.deadline_workdays` working days later when
/// set, else `order_deadline_days` calendar days (docs/rules.md §13).
pub fn deadline_at_issue(office: &Office, issued: Date) -> Date {
    match office.orders.deadline_workdays {
        Some(n) => office.orders.calendar.add_workdays(issued, n),
        None => issued.add_days(i64::from(office.order_deadline_days)),
    }
}

/// The numbers of `period`'s orders for `tasks` (in plan order): a registered order's from the
/// register; the others, in order, the next free numbers of the issue year — after the year's
/// highest registered number, or from `office.yaml` `order_numbers` for the period when the year
/// has no registered order yet (default 1).
pub fn numbering(register: &Register, office: &Office, period: Period, tasks: &[u32]) -> Vec<Numbered> {
    let issued = office.issue_date(period);
    let year = issued.year;
    let mut next = match register.last_seq(Kind::Order, year) {
        0 => office.order_numbers.get(&period).copied().unwrap_or(1).max(1),
        last => last + 1,
    };
    tasks
        .iter()
        .map(|&task| match register.order_for(period, task) {
            Some(item) => Numbered { task, number: item.number, deadline: item.deadline, registered: true },
            None => {
                let number = Number { kind: Kind::Order, year, seq: next };
                next += 1;
                Numbered { task, number, deadline: deadline_at_issue(office, issued), registered: false }
            }
        })
        .collect()
}

/// A warning for each order of the build not yet in the register.
pub fn unregistered_warnings(numbers: &[Numbered], period: Period) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for n in numbers.iter().filter(|n| !n.registered) {
        diags.push(
            Diagnostic::warning(format!(
                "{period} 第 {} 项任务的督办通知单尚未登记，暂编为 {}",
                n.task, n.number
            ))
            .hint(format!(
                "运行 `ducha orders issue --period {period}` 登记本期督办事项，编号即固定；未登记的编号可能随登记顺序变化"
            )),
        );
    }
    diags
}

/// The period's orders not yet in the register, as new items (交办 on the period's 印发日期 by
/// the 督查室), in plan order: what `ducha orders issue --period P` writes.
pub fn planned(ds: &Dataset, period: Period, register: &Register) -> Vec<NewItem> {
    let year = crate::status::evaluate_year(ds, period);
    let summary = crate::aggregate::summarize(ds, &year);
    let overrides = crate::render::view::Overrides::default();
    let inp = crate::render::view::Inputs {
        ds,
        year: &year,
        summary: &summary,
        overrides: &overrides,
        register: Some(register),
    };
    let office = &ds.office;
    let issued = office.issue_date(period);
    let floor = office.order_numbers.get(&period).copied().unwrap_or(1);
    let mut out = Vec::new();
    for view in crate::render::view::orders(&inp) {
        for item in &view.items {
            let Ok(task) = item.task_no.parse::<u32>() else { continue };
            if register.order_for(period, task).is_some() {
                continue;
            }
            let units: Vec<String> = std::iter::once(view.unit.clone()).chain(item.co_units.iter().cloned()).collect();
            let mut seen = Vec::new();
            let units: Vec<String> = units
                .into_iter()
                .filter(|u| {
                    !seen.contains(u) && {
                        seen.push(u.clone());
                        true
                    }
                })
                .collect();
            out.push(NewItem {
                kind: Kind::Order,
                task: Some(task),
                title: item.task_title.clone(),
                units,
                period,
                level: Some(item.level.to_owned()),
                issued,
                deadline: deadline_at_issue(office, issued),
                revisit_of: None,
                events: vec![Event {
                    at: issued.to_string(),
                    date: issued,
                    instant: None,
                    by: office.supervision_office.clone(),
                    role: Role::Office,
                    action: super::Action::Issue,
                    text: "下发督办通知单".into(),
                    problems: String::new(),
                    next_steps: String::new(),
                    new_deadline: None,
                    level: None,
                    attachments: Vec::new(),
                }],
                year: issued.year,
                first: floor,
            });
        }
    }
    out
}

/// 回头看 of the closed item `old` (docs/rules.md §19): a new linked item for the same task and
/// units, issued by the revisit event `ev` (its actor and time); `old` stays unchanged. The
/// deadline is `deadline`, else the 办理时限 of an order issued that day. Refused when `ev`'s
/// actor may not revisit `old` in its state ([`super::may`]).
pub fn revisit(
    office: &Office,
    old: &super::Item,
    ev: &Event,
    deadline: Option<Date>,
    text: Option<String>,
) -> Result<NewItem, super::Refusal> {
    super::may(old.cx(), Some(&old.track), ev.role, &ev.by, super::Action::Revisit)?;
    let number = old.number;
    let issue = Event {
        action: super::Action::Issue,
        text: text.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| format!("对 {number} 开展“回头看”")),
        ..ev.clone()
    };
    Ok(NewItem {
        kind: old.kind,
        task: old.task,
        title: old.title.clone(),
        units: old.units.clone(),
        period: old.period,
        level: old.order_level.map(|l| l.id().to_owned()).or(old.coordination_level.map(|l| l.label().to_owned())),
        issued: ev.date,
        deadline: deadline.unwrap_or_else(|| deadline_at_issue(office, ev.date)),
        revisit_of: Some(number),
        events: vec![issue],
        year: ev.date.year,
        first: 1,
    })
}

/// A 需协调事项 raised in a report, and the item that accepted it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub period: Period,
    /// The reporting unit.
    pub unit: String,
    pub task: u32,
    /// Its place among the task's 需协调事项 in that report (from 1).
    pub index: usize,
    pub text: String,
    pub level: super::CoordinationLevel,
    /// The item it became (受理), if accepted.
    pub accepted: Option<Number>,
}

/// Every 需协调事项 the reports raise, in period, unit and task order, each with the item that
/// accepted it: the one of the same period and task with the same text (not a 回头看).
pub fn raised(ds: &Dataset, register: &Register) -> Vec<Raised> {
    let mut out = Vec::new();
    for (period, reports) in &ds.reports {
        for r in reports {
            for e in &r.entries {
                for (k, c) in e.coordination.iter().enumerate() {
                    let accepted = register
                        .items
                        .iter()
                        .find(|i| {
                            i.kind == Kind::Coordination
                                && i.period == *period
                                && i.task == Some(e.task)
                                && i.title == c.text
                                && i.revisit_of.is_none()
                        })
                        .map(|i| i.number);
                    out.push(Raised {
                        period: *period,
                        unit: r.unit.clone(),
                        task: e.task,
                        index: k + 1,
                        text: c.text.clone(),
                        level: c.level,
                        accepted,
                    });
                }
            }
        }
    }
    out
}

/// How the office disposes of a 需协调事项 it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposal {
    /// 交办 to these units (承办 first); empty: to the unit that raised it.
    Assign(Vec<String>),
    /// 呈报 to a leader level.
    Refer(super::CoordinationLevel),
    /// 答复 directly (closed at once), with the answer.
    Answer(String),
}

/// Why a 需协调事项 cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    #[error("该需协调事项已受理为 {0}（{1}）")]
    Accepted(Number, &'static str),
    #[error("计划中没有单位 “{0}”")]
    UnknownUnit(String),
    #[error("直接答复须写明答复内容")]
    NoAnswer,
}

/// The new item accepting `raised` (受理, docs/rules.md §19): 交办 by `ev`'s actor at its time,
/// followed at once by 呈报 or 答复 when so disposed; deadline `deadline`, else
/// `orders.coordination_workdays` working days after.
pub fn accept(
    ds: &Dataset,
    register: &Register,
    raised: &Raised,
    how: Disposal,
    ev: &Event,
    deadline: Option<Date>,
) -> Result<NewItem, AcceptError> {
    if let Some(n) = raised.accepted {
        let phase = register.get(n).map(|i| i.track.phase.label()).unwrap_or("已受理");
        return Err(AcceptError::Accepted(n, phase));
    }
    let mut units: Vec<String> = match &how {
        Disposal::Assign(to) => to.iter().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect(),
        _ => Vec::new(),
    };
    if units.is_empty() {
        units.push(raised.unit.clone());
    }
    let all = ds.plan.all_units();
    if let Some(u) = units.iter().find(|u| !all.contains(&u.as_str())) {
        return Err(AcceptError::UnknownUnit(u.clone()));
    }
    let issue = Event {
        action: super::Action::Issue,
        text: format!("受理{}{}报告第{}项任务提出的需协调事项", raised.unit, raised.period, raised.task),
        ..ev.clone()
    };
    let mut events = vec![issue.clone()];
    match how {
        Disposal::Assign(_) => {}
        Disposal::Refer(level) => events.push(Event {
            action: super::Action::Refer,
            level: Some(level),
            text: String::new(),
            ..issue.clone()
        }),
        Disposal::Answer(text) if text.trim().is_empty() => return Err(AcceptError::NoAnswer),
        Disposal::Answer(text) => events.push(Event { action: super::Action::Answer, text, ..issue.clone() }),
    }
    let cfg = &ds.office.orders;
    Ok(NewItem {
        kind: Kind::Coordination,
        task: Some(raised.task),
        title: raised.text.clone(),
        units,
        period: raised.period,
        level: Some(raised.level.label().to_owned()),
        issued: ev.date,
        deadline: deadline.unwrap_or_else(|| cfg.calendar.add_workdays(ev.date, cfg.coordination_workdays)),
        revisit_of: None,
        events,
        year: ev.date.year,
        first: 1,
    })
}
