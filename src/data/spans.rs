//! Where each value of a data file is: the span mirror of the raw structs.
//!
//! The raw structs in [`super::raw`] hold values only (they are also what `ducha plan import` and
//! the Excel import write). To point a semantic error ("task 88 does not exist") or a missing
//! glyph at its line and column, `load` parses the same text a second time with the same parser
//! (serde-saphyr) into these mirrors, whose leaves are [`At`]: the position serde-saphyr recorded
//! for that node (`serde_saphyr::Spanned`). The plan and the reports get the same mirrors from one
//! parse instead ([`HasSpans::parse_located`], `data/located.rs`). Nothing here reads the text by hand, so a narrative
//! that contains `- task: 9` or `number: 3` on a line of its own cannot shift a location.
//!
//! The mirrors accept everything (no `deny_unknown_fields`, every field defaulted): they are only
//! parsed after the raw parse succeeded, and a field they do not list is simply not located.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diag::Loc;

/// The position of one YAML node: 1-based line and column (in characters) and its length in
/// characters (at least 1, for the underline).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Spanned<IgnoredAny>")]
pub struct At {
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

impl From<Spanned<IgnoredAny>> for At {
    fn from(s: Spanned<IgnoredAny>) -> At {
        let l = s.referenced;
        At { line: l.line() as usize, column: l.column() as usize, len: (l.span().len() as usize).max(1) }
    }
}

impl At {
    /// The location in `file`, with the underline length.
    pub fn loc(&self, file: &str) -> (Loc, usize) {
        if self.line == 0 {
            (Loc::file(file), 1)
        } else {
            (Loc::new(file, self.line, self.column), self.len)
        }
    }
}

/// A mapping or sequence item: where it starts (`-` of a list item) and its fields.
#[derive(Debug, Clone, Default)]
pub struct Item<T> {
    pub at: At,
    pub fields: T,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<T>::deserialize(d)?;
        let l = s.referenced;
        Ok(Item { at: At { line: l.line() as usize, column: l.column() as usize, len: 1 }, fields: s.value })
    }
}

/// Positions in `plan.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanSpans {
    pub title: Option<At>,
    pub doc_number: Option<At>,
    pub issuer: Option<At>,
    pub date: Option<At>,
    pub year: Option<At>,
    pub sections: Vec<Item<SectionSpans>>,
}

/// Positions in one section of `plan.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SectionSpans {
    pub number: Option<At>,
    pub title: Option<At>,
    pub tasks: Vec<Item<TaskSpans>>,
}

/// Positions in one task of `plan.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TaskSpans {
    pub number: Option<At>,
    pub title: Option<At>,
    pub text: Option<At>,
    pub lead_units: Vec<At>,
    pub participating_units: Vec<At>,
    pub targets: Vec<Item<TargetSpans>>,
    pub milestones: Option<Item<BTreeMap<String, At>>>,
    pub evidence: Vec<At>,
}

/// Positions in one target of a task.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TargetSpans {
    pub text: Option<At>,
    pub kind: Option<At>,
    pub value: Option<At>,
    pub unit: Option<At>,
    pub comparison: Option<At>,
}

/// Positions in `office.yaml`: every field that is printed or checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OfficeSpans {
    pub county: Option<At>,
    pub issuer: IssuerSpans,
    pub supervision_office: Option<At>,
    pub briefing_name: Option<At>,
    pub leader_briefing_name: Option<At>,
    pub notice_numbers: BTreeMap<String, At>,
    pub briefing_numbers: BTreeMap<String, At>,
    pub order_numbers: BTreeMap<String, At>,
    pub issue_dates: BTreeMap<String, At>,
    pub recipients: Option<At>,
    pub cc: Vec<At>,
    pub briefing_to: BriefingToSpans,
    pub leader_to: Vec<At>,
    pub thresholds: Option<Item<IgnoredAny>>,
    pub note: Option<At>,
    pub copy_no: Option<At>,
    pub secret: Option<At>,
    pub urgency: Option<At>,
    pub archive: ArchiveSpans,
    pub notice_table: NoticeTableSpans,
    pub timezone: Option<At>,
    pub orders: OrdersSpans,
    pub evidence: crate::evidence::config::EvidenceSpans,
}

/// Positions of `orders:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrdersSpans {
    pub due_soon_days: Option<At>,
    pub red_overdue_days: Option<At>,
    pub red_chases: Option<At>,
    pub deadline_workdays: Option<At>,
    pub coordination_workdays: Option<At>,
    pub holidays: Vec<At>,
    pub workdays: Vec<At>,
    pub reminder: ReminderSpans,
}

/// Positions of `orders.reminder:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReminderSpans {
    pub program: Option<At>,
    pub args: Vec<At>,
}

/// Positions of `notice_table:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoticeTableSpans {
    pub orientation: Option<At>,
    pub progress_limit: Option<At>,
}

/// Positions of `issuer:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IssuerSpans {
    pub name: Option<At>,
    pub mark: Option<At>,
    pub short: Option<At>,
}

/// Positions of `briefing_to:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BriefingToSpans {
    pub report: Vec<At>,
    pub send: Vec<At>,
    pub issue: Vec<At>,
}

/// Positions of `archive:` in `office.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ArchiveSpans {
    pub retention: BTreeMap<String, At>,
}

/// Positions in a report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportSpans {
    pub unit: Option<At>,
    pub period: Option<At>,
    pub submitted: Option<At>,
    pub contact: Option<At>,
    pub phone: Option<At>,
    pub reviewed_by: Option<At>,
    pub entries: Vec<Item<EntrySpans>>,
}

/// Positions in one entry of a report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntrySpans {
    pub task: Option<At>,
    pub claim: Option<At>,
    pub progress: Option<At>,
    pub values: Vec<Item<ValueSpans>>,
    pub milestone: Option<At>,
    pub percent: Option<At>,
    pub adjustment: Option<At>,
    pub problems: Option<At>,
    pub next_steps: Option<At>,
    pub evidence: Vec<At>,
    pub coordination: Vec<Item<CoordinationSpans>>,
}

/// Positions in one `coordination:` item of a report entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CoordinationSpans {
    pub text: Option<At>,
    pub level: Option<At>,
}

/// Positions in one `values:` item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ValueSpans {
    pub target: Option<At>,
    pub value: Option<At>,
}

/// The span mirror of a raw struct.
pub trait HasSpans {
    /// The mirror type.
    type Spans: std::fmt::Debug + Clone + Default + serde::de::DeserializeOwned;

    /// The value and its mirror from one parse of `text` ([`super::located`]), where this type
    /// has such a parse; `None` otherwise, and when the text does not parse so (the loader then
    /// parses the value and the mirror one after the other, as for every other type).
    fn parse_located(_text: &str) -> Option<(Self, Self::Spans)>
    where
        Self: Sized,
    {
        None
    }
}

impl HasSpans for super::raw::RawPlan {
    type Spans = PlanSpans;

    fn parse_located(text: &str) -> Option<(Self, PlanSpans)> {
        super::located::plan(text)
    }
}

impl HasSpans for super::raw::RawOffice {
    type Spans = OfficeSpans;
}

impl HasSpans for super::raw::RawReport {
    type Spans = ReportSpans;

    fn parse_located(text: &str) -> Option<(Self, ReportSpans)> {
        super::located::report(text)
    }
}

/// The location of an optional node, else of a fallback (the enclosing item), else the file.
pub fn locate(file: &str, at: Option<&At>, fallback: Option<&At>) -> (Loc, usize) {
    match at.or(fallback) {
        Some(a) => a.loc(file),
        None => (Loc::file(file), 1),
    }
}
