//! Which items a list shows (docs/rules.md §19): the filters of `ducha orders list` and of the
//! web workbench's 事项 page, one rule for both.

use super::timing::{timing, Colour, OrdersConfig};
use super::{Item, Kind, Phase};
use crate::data::model::{Date, Period};

/// A state to list: one [`Phase`], or what the dates say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Phase(Phase),
    /// 未办结 (neither 办结 nor 中止).
    Open,
    /// 临期.
    DueSoon,
    /// 逾期.
    Overdue,
}

impl StateFilter {
    /// Every state filter, in the order lists offer them.
    pub fn all() -> Vec<StateFilter> {
        let mut v = vec![StateFilter::Open, StateFilter::DueSoon, StateFilter::Overdue];
        v.extend(Phase::ALL.into_iter().map(StateFilter::Phase));
        v
    }

    /// The id (`--state`, the web's `state=`).
    pub fn id(self) -> &'static str {
        match self {
            StateFilter::Phase(p) => p.id(),
            StateFilter::Open => "open",
            StateFilter::DueSoon => "due_soon",
            StateFilter::Overdue => "overdue",
        }
    }

    /// 未办结, 临期, 逾期, or the state's label.
    pub fn label(self) -> &'static str {
        match self {
            StateFilter::Phase(p) => p.label(),
            StateFilter::Open => "未办结",
            StateFilter::DueSoon => "临期",
            StateFilter::Overdue => "逾期",
        }
    }

    /// From an id or label.
    pub fn parse(s: &str) -> Option<StateFilter> {
        StateFilter::all().into_iter().find(|f| f.id() == s.trim() || f.label() == s.trim())
    }
}

/// The filters of a list; `None` lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub period: Option<Period>,
    /// 承办 or 协办.
    pub unit: Option<String>,
    pub state: Option<StateFilter>,
    pub colour: Option<Colour>,
    pub kind: Option<Kind>,
}

impl Filter {
    /// Whether `item` is listed on `today`.
    pub fn matches(&self, item: &Item, today: Date, cfg: &OrdersConfig) -> bool {
        let t = timing(item, today, cfg);
        self.period.is_none_or(|p| item.period == p)
            && self.unit.as_deref().is_none_or(|u| item.units.iter().any(|x| x == u.trim()))
            && self.kind.is_none_or(|k| item.kind == k)
            && self.colour.is_none_or(|c| t.colour == c)
            && match self.state {
                None => true,
                Some(StateFilter::Open) => item.track.phase.is_open(),
                Some(StateFilter::DueSoon) => t.due_soon,
                Some(StateFilter::Overdue) => t.overdue,
                Some(StateFilter::Phase(p)) => item.track.phase == p,
            }
    }
}
