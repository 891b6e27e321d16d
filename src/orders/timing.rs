//! What the dates say about an item today (docs/rules.md §19): 临期, 逾期, 逾期办结, counted in
//! working days of the office's calendar, and the colour ladder of `office.yaml` `orders:`.

use serde::Serialize;

use super::{Item, Phase};
use crate::data::model::Date;
use crate::workdays::Calendar;

/// `office.yaml` `orders:`: the colour ladder, 临期, deadlines and the calendar's local days.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdersConfig {
    /// 临期: an open item within this many working days of its deadline (default 3).
    pub due_soon_days: u32,
    /// 红: overdue by more than this many working days (default 5).
    pub red_overdue_days: u32,
    /// 红: chased this many times (default 2).
    pub red_chases: u32,
    /// 督办通知单 办理时限 in working days; when absent, `order_deadline_days` calendar days.
    pub deadline_workdays: Option<u32>,
    /// 需协调事项 交办 deadline in working days (default 10).
    pub coordination_workdays: u32,
    /// The official calendar with the office's `holidays` / `workdays`.
    pub calendar: Calendar,
    /// `orders.reminder`: the command `ducha orders remind` runs (none by default).
    pub reminder: Option<super::remind::Reminder>,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            due_soon_days: 3,
            red_overdue_days: 5,
            red_chases: 2,
            deadline_workdays: None,
            coordination_workdays: 10,
            calendar: Calendar::official(),
            reminder: None,
        }
    }
}

/// The colour of an open item (蓝 临期, 黄, 红; `none` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    None,
    Blue,
    Yellow,
    Red,
}

impl Colour {
    /// Every colour, mildest first.
    pub const ALL: [Colour; 4] = [Colour::None, Colour::Blue, Colour::Yellow, Colour::Red];

    /// The id in JSON and `--colour`.
    pub fn id(self) -> &'static str {
        match self {
            Colour::None => "none",
            Colour::Blue => "blue",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }

    /// 无 / 蓝 / 黄 / 红.
    pub fn label(self) -> &'static str {
        match self {
            Colour::None => "无",
            Colour::Blue => "蓝",
            Colour::Yellow => "黄",
            Colour::Red => "红",
        }
    }

    /// From an id or label.
    pub fn parse(s: &str) -> Option<Colour> {
        Colour::ALL.into_iter().find(|c| c.id() == s.trim() || c.label() == s.trim())
    }
}

/// An item's dates read against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// 临期: open, deadline not passed, at most `due_soon_days` working days left.
    pub due_soon: bool,
    /// 逾期: open and past the deadline in force.
    pub overdue: bool,
    /// Working days past the deadline (open items; 0 otherwise).
    pub overdue_days: u32,
    /// Working days left until the deadline (open items not overdue).
    pub days_left: Option<u32>,
    /// 逾期办结: closed after the deadline in force.
    pub closed_late: bool,
    pub colour: Colour,
}

/// What the dates say about `item` on `today` (docs/rules.md §19):
/// - 逾期: open (not 办结 or 中止), waiting on the unit (not 待审核 or 已呈报: a reply waiting for
///   review, or a matter with the leaders, is not the unit's delay) and `today` after the deadline
///   in force; 逾期N个工作日 counts the working days after the deadline up to today.
/// - 临期: waiting on the unit, not overdue, at most `due_soon_days` working days left.
/// - 逾期办结: 办结 with the reply it accepted (the last one) dated after the deadline in force;
///   without a reply (呈报, 答复), the 办结 date.
/// - Colour, the worst that applies: 红 overdue by more than `red_overdue_days` working days or
///   chased `red_chases` times; 黄 due (deadline reached) or returned at least once; 蓝 临期.
///   Items not waiting on the unit (办结, 中止, 待审核, 已呈报) have none.
pub fn timing(item: &Item, today: Date, cfg: &OrdersConfig) -> Timing {
    let t = &item.track;
    let cal = &cfg.calendar;
    let open = t.phase.is_open();
    let waiting = open && !matches!(t.phase, Phase::Replied | Phase::Referred);
    let overdue = waiting && today > t.deadline;
    let overdue_days = if overdue { cal.workdays_between(t.deadline, today) } else { 0 };
    let days_left = (waiting && !overdue).then(|| cal.workdays_between(today, t.deadline));
    let due_soon = days_left.is_some_and(|d| d <= cfg.due_soon_days);
    let last_reply = item.events.iter().rev().find(|e| e.action == super::Action::Reply).map(|e| e.date);
    let closed_late = t.phase == Phase::Closed && last_reply.or(t.ended).is_some_and(|d| d > t.deadline);
    let colour = if !waiting {
        Colour::None
    } else if overdue_days > cfg.red_overdue_days || (cfg.red_chases > 0 && t.chases >= cfg.red_chases) {
        Colour::Red
    } else if today >= t.deadline || t.returns > 0 {
        Colour::Yellow
    } else if due_soon {
        Colour::Blue
    } else {
        Colour::None
    };
    Timing { due_soon, overdue, overdue_days, days_left, closed_late, colour }
}

/// What a list says beside an item's state (docs/rules.md §19): 逾期N个工作日 or 临期（剩N个工作日）,
/// 逾期办结, 申请延期至 the date asked.
pub fn notes(item: &Item, t: &Timing) -> Vec<String> {
    let mut v = Vec::new();
    if t.overdue {
        v.push(format!("逾期{}个工作日", t.overdue_days));
    } else if t.due_soon {
        v.push(format!("临期（剩{}个工作日）", t.days_left.unwrap_or(0)));
    }
    if t.closed_late {
        v.push("逾期办结".into());
    }
    if let Some(p) = item.track.pending_extension {
        v.push(format!("申请延期至{p}"));
    }
    v
}
