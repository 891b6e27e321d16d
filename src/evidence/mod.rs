//! 佐证材料 as real files (docs/rules.md §21): the type decided from the bytes ([`sniff`]), photos
//! without their location ([`photo`]), content-addressed storage with a small plain-file index and
//! the office's review 采信 / 退回 ([`store`], [`index`]), the `office.yaml` limits ([`config`]),
//! files placed beside a report for the YAML and Excel doors ([`beside`]), and the one rule of
//! which files count towards 已完成 ([`counted`], called by `status`).
//!
//! Layout in the data directory (never a name a user chose):
//!
//! ```text
//! evidence/objects/<aa>/<sha256>          the bytes, once per content
//! evidence/index/<期间>/<单位>.yaml         one report's files: name, uploader, time, review …
//! evidence/index/orders/<年>/<事项>/<单位>.yaml  one unit's reply files of one order item
//! evidence/tmp/                           uploads being streamed (same file system: rename)
//! evidence/.lock                          held while the index is written
//! ```
//!
//! Evidence stays optional and few (整治形式主义为基层减负若干规定): no rule requires a photo and
//! nothing counts the number of files beyond "at least one that is not returned".

pub mod archive;
pub mod beside;
pub mod config;
pub mod index;
pub mod photo;
pub mod sniff;
pub mod store;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::model::Period;

pub use config::{EvidenceConfig, Rule};
pub use index::{Decision, Owner, Record, Review};
pub use sniff::{sniff, sniff_path, FileKind, Refusal};
pub use store::{Meta, Store, StoreError};

/// Every report's and order item's indexed files, as validated from `evidence/index/`; part of
/// the `Dataset` so the status rule can see the office's review decisions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reviews {
    /// Records of report files keyed by (period, unit), in index order.
    pub reports: BTreeMap<(Period, String), Vec<Record>>,
    /// Records of order-reply files keyed by the item's number as written (`督办〔2023〕3号`).
    pub orders: BTreeMap<String, Vec<Record>>,
}

impl Reviews {
    /// The current (not replaced) records of one task of one unit's report.
    pub fn of_task<'a>(&'a self, period: Period, unit: &str, task: u32) -> impl Iterator<Item = &'a Record> + 'a {
        self.reports
            .get(&(period, unit.to_string()))
            .into_iter()
            .flatten()
            .filter(move |r| r.task() == Some(task) && r.replaced_by.is_none())
    }

    /// Every current record of a period (all units), for the archive.
    pub fn of_period(&self, period: Period) -> impl Iterator<Item = (&str, &Record)> + '_ {
        self.reports
            .iter()
            .filter(move |((p, _), _)| *p == period)
            .flat_map(|((_, u), rs)| rs.iter().filter(|r| r.replaced_by.is_none()).map(move |r| (u.as_str(), r)))
    }
}

/// Which of a task's evidence counts towards 已完成 under the office's rule (docs/rules.md §21).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counted {
    /// Names that count, in report order then index order, each once.
    pub names: Vec<String>,
    /// Files the office returned (退回): never counted.
    pub returned: usize,
    /// The names of the returned files, in the same order (the reason names them).
    pub returned_names: Vec<String>,
    /// Files not yet reviewed (and typed names without a file): counted only under `submitted`.
    pub pending: usize,
    /// Files the office accepted (采信).
    pub accepted: usize,
    /// The rule applied.
    pub rule: Rule,
}

impl Counted {
    /// True when no file was reviewed and the rule is `submitted`: the reason keeps the wording
    /// it had before files were reviewed.
    pub fn is_plain(&self) -> bool {
        self.rule == Rule::Submitted && self.returned == 0 && self.accepted == 0
    }

    /// What the status reason says when the evidence counts: `已报送佐证材料 N 份` under
    /// `submitted` (with how many were accepted or returned once the office reviewed some),
    /// `已采信佐证材料 N 份` under `accepted`.
    pub fn counted_text(&self) -> String {
        let n = self.names.len();
        let mut more = Vec::new();
        match self.rule {
            Rule::Submitted => {
                if self.accepted > 0 {
                    more.push(format!("其中已采信 {} 份、待审核 {} 份", self.accepted, self.pending));
                }
            }
            Rule::Accepted => {
                if self.pending > 0 {
                    more.push(format!("另有 {} 份尚未采信，不计入", self.pending));
                }
            }
        }
        if self.returned > 0 {
            more.push(format!("另有 {} 份已被退回，不计入", self.returned));
        }
        let base = match self.rule {
            Rule::Submitted => format!("已报送佐证材料 {n} 份"),
            Rule::Accepted => format!("已采信佐证材料 {n} 份"),
        };
        if more.is_empty() {
            base
        } else {
            format!("{base}（{}）", more.join("；"))
        }
    }

    /// What the status reason says when nothing counts: `未报送佐证材料`, or why the files sent do
    /// not count — the returned files by name (a returned file is one the office refused: it
    /// never counts, under either rule), the files not yet accepted under `accepted`.
    pub fn missing_text(&self) -> String {
        let mut parts = Vec::new();
        if self.returned > 0 {
            let names: Vec<String> = self.returned_names.iter().map(|n| format!("“{n}”")).collect();
            parts.push(format!("{} 份已被退回（{}），退回的材料不计入", self.returned, names.join("、")));
        }
        if self.rule == Rule::Accepted && self.pending > 0 {
            parts.push(format!("{} 份尚未采信，按规定只计入督查室已采信的材料", self.pending));
        }
        if parts.is_empty() {
            "未报送佐证材料".into()
        } else {
            format!("佐证材料 {}；无可认定的佐证材料", parts.join("；"))
        }
    }
}

/// The evidence of one task in one period, from the lead units' report entries: every name
/// listed in a lead entry's `evidence:` and every current indexed file of the task, judged by
/// `rule` — a returned file never counts; a file not yet reviewed (or a typed name without a
/// file) counts under [`Rule::Submitted`] only; an accepted file always counts.
pub fn counted<'a>(
    rule: Rule,
    reviews: &Reviews,
    period: Period,
    task: u32,
    leads: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Counted {
    let mut c = Counted { rule, ..Counted::default() };
    let mut seen: Vec<String> = Vec::new();
    for (unit, listed) in leads {
        let records: Vec<&Record> = reviews.of_task(period, unit, task).collect();
        let names = listed.iter().cloned().chain(records.iter().map(|r| r.name.clone()));
        for name in names {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let decision = records.iter().find(|r| r.name == name).and_then(|r| r.review.as_ref()).map(|r| r.decision);
            match decision {
                Some(Decision::Returned) => {
                    c.returned += 1;
                    c.returned_names.push(name);
                }
                Some(Decision::Accepted) => {
                    c.accepted += 1;
                    c.names.push(name);
                }
                None => {
                    c.pending += 1;
                    if rule == Rule::Submitted {
                        c.names.push(name);
                    }
                }
            }
        }
    }
    c
}
