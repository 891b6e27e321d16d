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
