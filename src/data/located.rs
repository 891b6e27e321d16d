//! One parse for a value and its positions: the raw structs of `plan.yaml` and the reports read
//! together with their span mirrors ([`super::spans`]).
//!
//! Each struct here has the fields of its raw twin in [`super::raw`] (same names, same
//! `deny_unknown_fields`, same defaults); every field the mirror locates is wrapped in
//! `serde_saphyr::Spanned`, which records the position of the node while the same deserializer
//! reads its value. One pass of the YAML parser thus gives both what [`super::load::parse_yaml`]
//! used to get from two (the value, then the mirror): a city-sized data set spends most of its
//! loading in the parser (issue 22 §8).
//!
//! The positions are the ones the mirror gives — the mirror is itself made of `Spanned` leaves
//! (`referenced` location, length of the node's span), see [`super::spans::At`] — and the tests
//! compare both ways on every data file in the repository. Only success goes this way: when a
//! file does not parse here, `parse_yaml` parses it as before, so every error message is the
//! raw parse's own.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::raw::{RawCoordination, RawEntry, RawPlan, RawReport, RawSection, RawTarget, RawTask, RawValue};
use super::spans::{
    At, CoordinationSpans, EntrySpans, Item, PlanSpans, ReportSpans, SectionSpans, TargetSpans, TaskSpans, ValueSpans,
};

/// The position of a value read with its span, as the mirror's [`At`] records it.
fn at<T>(s: &Spanned<T>) -> At {
    let l = s.referenced;
    At { line: l.line() as usize, column: l.column() as usize, len: (l.span().len() as usize).max(1) }
}

/// A mapping or list item read with its span: its value, and its fields' positions with its own
/// as the mirror's [`Item`] records it (length 1).
fn item<T, R, F>(s: Spanned<T>, split: impl FnOnce(T) -> (R, F)) -> (R, Item<F>) {
    let l = s.referenced;
    let (raw, fields) = split(s.value);
    (raw, Item { at: At { line: l.line() as usize, column: l.column() as usize, len: 1 }, fields })
}

/// A value and its position, or neither.
fn opt<T>(s: Option<Spanned<T>>) -> (Option<T>, Option<At>) {
    match s {
        Some(s) => {
            let a = at(&s);
            (Some(s.value), Some(a))
        }
        None => (None, None),
    }
}

/// The values of a list and their positions.
fn list<T>(v: Vec<Spanned<T>>) -> (Vec<T>, Vec<At>) {
    let ats = v.iter().map(at).collect();
    (v.into_iter().map(|s| s.value).collect(), ats)
}

/// Parses a report: its raw value and its mirror, or `None` when the text does not parse so.
pub fn report(text: &str) -> Option<(RawReport, ReportSpans)> {
    let r: LocatedReport = serde_saphyr::from_str(text).ok()?;
    Some(r.split())
}

/// Parses a plan: its raw value and its mirror, or `None` when the text does not parse so.
pub fn plan(text: &str) -> Option<(RawPlan, PlanSpans)> {
    let p: LocatedPlan = serde_saphyr::from_str(text).ok()?;
    Some(p.split())
}

/// [`RawReport`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedReport {
    unit: Spanned<String>,
    period: Spanned<String>,
    submitted: Spanned<String>,
    #[serde(default)]
    contact: Option<Spanned<String>>,
    #[serde(default)]
    phone: Option<Spanned<String>>,
    #[serde(default)]
    reviewed_by: Option<Spanned<String>>,
    #[serde(default)]
    entries: Vec<Spanned<LocatedEntry>>,
}

impl LocatedReport {
    fn split(self) -> (RawReport, ReportSpans) {
        let (contact, contact_at) = opt(self.contact);
        let (phone, phone_at) = opt(self.phone);
        let (reviewed_by, reviewed_by_at) = opt(self.reviewed_by);
        let (entries, entry_spans) = self.entries.into_iter().map(|e| item(e, split_entry)).unzip();
        let spans = ReportSpans {
            unit: Some(at(&self.unit)),
            period: Some(at(&self.period)),
            submitted: Some(at(&self.submitted)),
            contact: contact_at,
            phone: phone_at,
            reviewed_by: reviewed_by_at,
            entries: entry_spans,
        };
        let raw = RawReport {
            unit: self.unit.value,
            period: self.period.value,
            submitted: self.submitted.value,
            contact,
            phone,
            reviewed_by,
            entries,
        };
        (raw, spans)
    }
}

/// [`RawEntry`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedEntry {
    task: Spanned<u32>,
    #[serde(default)]
    claim: Option<Spanned<String>>,
    progress: Spanned<String>,
    #[serde(default)]
    values: Vec<Spanned<LocatedValue>>,
    #[serde(default)]
    milestone: Option<Spanned<String>>,
    #[serde(default)]
    percent: Option<Spanned<f64>>,
    #[serde(default)]
    adjustment: Option<Spanned<String>>,
    #[serde(default)]
    problems: Option<Spanned<String>>,
    #[serde(default)]
    next_steps: Option<Spanned<String>>,
    #[serde(default)]
    evidence: Vec<Spanned<String>>,
    #[serde(default)]
    coordination: Vec<Spanned<LocatedCoordination>>,
}

fn split_entry(e: LocatedEntry) -> (RawEntry, EntrySpans) {
    let (claim, claim_at) = opt(e.claim);
    let (milestone, milestone_at) = opt(e.milestone);
    let (percent, percent_at) = opt(e.percent);
    let (adjustment, adjustment_at) = opt(e.adjustment);
    let (problems, problems_at) = opt(e.problems);
    let (next_steps, next_steps_at) = opt(e.next_steps);
    let (evidence, evidence_at) = list(e.evidence);
    let (values, value_spans) = e
        .values
        .into_iter()
        .map(|v| {
            item(v, |v| {
                let spans = ValueSpans { target: Some(at(&v.target)), value: Some(at(&v.value)) };
                (RawValue { target: v.target.value, value: v.value.value }, spans)
            })
        })
        .unzip();
    let (coordination, coordination_spans) = e
        .coordination
        .into_iter()
        .map(|c| {
            item(c, |c| {
                let spans = CoordinationSpans { text: Some(at(&c.text)), level: Some(at(&c.level)) };
                (RawCoordination { text: c.text.value, level: c.level.value }, spans)
            })
        })
        .unzip();
    let spans = EntrySpans {
        task: Some(at(&e.task)),
        claim: claim_at,
        progress: Some(at(&e.progress)),
        values: value_spans,
        milestone: milestone_at,
        percent: percent_at,
        adjustment: adjustment_at,
        problems: problems_at,
        next_steps: next_steps_at,
        evidence: evidence_at,
        coordination: coordination_spans,
    };
    let raw = RawEntry {
        task: e.task.value,
        claim,
        progress: e.progress.value,
        values,
        milestone,
        percent,
        adjustment,
        problems,
        next_steps,
        evidence,
        coordination,
    };
    (raw, spans)
}

/// [`RawValue`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedValue {
    target: Spanned<u32>,
    value: Spanned<f64>,
}

/// [`RawCoordination`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedCoordination {
    text: Spanned<String>,
    level: Spanned<String>,
}

/// [`RawPlan`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedPlan {
    title: Spanned<String>,
    #[serde(default)]
    doc_number: Option<Spanned<String>>,
    #[serde(default)]
    issuer: Option<Spanned<String>>,
    #[serde(default)]
    notice_title: Option<String>,
    #[serde(default)]
    date: Option<Spanned<String>>,
    #[serde(default)]
    recipients: Option<String>,
    #[serde(default)]
    year: Option<Spanned<i32>>,
    #[serde(default)]
    preamble: Option<String>,
    #[serde(default)]
    cc: Vec<String>,
    #[serde(default)]
    sections: Vec<Spanned<LocatedSection>>,
}

impl LocatedPlan {
    fn split(self) -> (RawPlan, PlanSpans) {
        let (doc_number, doc_number_at) = opt(self.doc_number);
        let (issuer, issuer_at) = opt(self.issuer);
        let (date, date_at) = opt(self.date);
        let (year, year_at) = opt(self.year);
        let (sections, section_spans) = self.sections.into_iter().map(|s| item(s, LocatedSection::split)).unzip();
        let spans = PlanSpans {
            title: Some(at(&self.title)),
            doc_number: doc_number_at,
            issuer: issuer_at,
            date: date_at,
            year: year_at,
            sections: section_spans,
        };
        let raw = RawPlan {
            title: self.title.value,
            doc_number,
            issuer,
            notice_title: self.notice_title,
            date,
            recipients: self.recipients,
            year,
            preamble: self.preamble,
            cc: self.cc,
            sections,
        };
        (raw, spans)
    }
}

/// [`RawSection`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedSection {
    number: Spanned<u32>,
    title: Spanned<String>,
    #[serde(default)]
    tasks: Vec<Spanned<LocatedTask>>,
}

impl LocatedSection {
    fn split(self) -> (RawSection, SectionSpans) {
        let (tasks, task_spans) = self.tasks.into_iter().map(|t| item(t, LocatedTask::split)).unzip();
        let spans = SectionSpans { number: Some(at(&self.number)), title: Some(at(&self.title)), tasks: task_spans };
        (RawSection { number: self.number.value, title: self.title.value, tasks }, spans)
    }
}

/// [`RawTask`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedTask {
    number: Spanned<u32>,
    title: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    lead_units: Vec<Spanned<String>>,
    #[serde(default)]
    participating_units: Vec<Spanned<String>>,
    #[serde(default)]
    targets: Vec<Spanned<LocatedTarget>>,
    #[serde(default)]
    milestones: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    #[serde(default)]
    evidence: Vec<Spanned<String>>,
}

impl LocatedTask {
    fn split(self) -> (RawTask, TaskSpans) {
        let (lead_units, lead_at) = list(self.lead_units);
        let (participating_units, participating_at) = list(self.participating_units);
        let (evidence, evidence_at) = list(self.evidence);
        let (targets, target_spans) = self.targets.into_iter().map(|x| item(x, LocatedTarget::split)).unzip();
        let (milestones, milestone_spans) = match self.milestones {
            Some(m) => {
                let (raw, spans) = item(m, |m| {
                    let spans: BTreeMap<String, At> = m.iter().map(|(k, v)| (k.clone(), at(v))).collect();
                    (m.into_iter().map(|(k, v)| (k, v.value)).collect::<BTreeMap<_, _>>(), spans)
                });
                (Some(raw), Some(spans))
            }
            None => (None, None),
        };
        let spans = TaskSpans {
            number: Some(at(&self.number)),
            title: Some(at(&self.title)),
            text: Some(at(&self.text)),
            lead_units: lead_at,
            participating_units: participating_at,
            targets: target_spans,
            milestones: milestone_spans,
            evidence: evidence_at,
        };
        let raw = RawTask {
            number: self.number.value,
            title: self.title.value,
            text: self.text.value,
            lead_units,
            participating_units,
            targets,
            milestones,
            evidence,
        };
        (raw, spans)
    }
}

/// [`RawTarget`] with positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocatedTarget {
    text: Spanned<String>,
    kind: Spanned<String>,
    value: Option<Spanned<f64>>,
    #[serde(default)]
    value_max: Option<f64>,
    unit: Spanned<String>,
    comparison: Spanned<String>,
    #[serde(default)]
    baseline: Option<f64>,
}

impl LocatedTarget {
    fn split(self) -> (RawTarget, TargetSpans) {
        let (value, value_at) = opt(self.value);
        let spans = TargetSpans {
            text: Some(at(&self.text)),
            kind: Some(at(&self.kind)),
            value: value_at,
            unit: Some(at(&self.unit)),
            comparison: Some(at(&self.comparison)),
        };
        let raw = RawTarget {
            text: self.text.value,
            kind: self.kind.value,
            value,
            value_max: self.value_max,
            unit: self.unit.value,
            comparison: self.comparison.value,
            baseline: self.baseline,
        };
        (raw, spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    /// What the loader got before: the value, then the mirror, each from a parse of its own.
    fn two_passes<T: DeserializeOwned, S: DeserializeOwned + Default>(text: &str) -> Option<(T, S)> {
        let value = serde_saphyr::from_str::<T>(text).ok()?;
        Some((value, serde_saphyr::from_str::<S>(text).unwrap_or_default()))
    }

    /// One pass gives what two gave — the same value and the same positions — and refuses what
    /// the value's own parse refuses (then the loader's error message is that parse's).
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug, S: DeserializeOwned + Default + std::fmt::Debug>(
        name: &str,
        text: &str,
        one: impl Fn(&str) -> Option<(T, S)>,
    ) -> bool {
        let (one, two) = (one(text), two_passes::<T, S>(text));
        match (&one, &two) {
            (Some((v1, s1)), Some((v2, s2))) => {
                assert_eq!(v1, v2, "{name}: values differ");
                assert_eq!(format!("{s1:?}"), format!("{s2:?}"), "{name}: positions differ");
                true
            }
            (None, None) => false,
            _ => panic!("{name}: one pass {} but two passes {}", one.is_some(), two.is_some()),
        }
    }

    /// Every YAML file in the repository (bundled data, valid and invalid fixtures) read both
    /// ways as a plan and as a report.
    #[test]
    fn one_pass_equals_two_passes_on_every_data_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut plans, mut reports, mut refused) = (0, 0, 0);
        for dir in ["data", "tests/fixtures"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let entry = entry.unwrap();
                if entry.path().extension().is_none_or(|e| e != "yaml" && e != "yml") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                let name = entry.path().display().to_string();
                let p = same::<RawPlan, PlanSpans>(&name, text, plan);
                let r = same::<RawReport, ReportSpans>(&name, text, report);
                plans += usize::from(p);
                reports += usize::from(r);
                refused += usize::from(!p && !r);
            }
        }
        assert!(plans >= 2 && reports >= 40 && refused >= 5, "plans {plans}, reports {reports}, refused {refused}");
    }

    /// YAML that reaches the same value by other roads: anchors and aliases, flow style, block
    /// scalars, nulls, quoted look-alikes, CJK before a value, CRLF line ends, comments.
    #[test]
    fn one_pass_equals_two_passes_on_unusual_yaml() {
        let reports = [
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\ncontact: &c 张三\nreviewed_by: *c\nentries:\n  - task: 1\n    progress: |\n      - task: 9\n      number: 3\n    values: [{target: 1, value: 2.5}, {target: 2, value: 1e3}]\n  - {task: 2, progress: 好, claim: ~, problems: \"null\", evidence: [a.pdf, 'b.pdf']}\n",
            "unit: 县科技局\r\nperiod: 2023Q1\r\nsubmitted: 2023-04-03\r\nentries:\r\n  - task: 1 # 注释\r\n    progress: >\r\n      折叠\r\n      文本\r\n    percent: 50\r\n    next_steps:\r\n    coordination:\r\n      - text: 协调用地\r\n        level: 分管县领导\r\n",
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n- task: 1\n  progress: 一\n  values:\n  - target: 1\n    value: .5\n",
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 1\n    progress: 好\n    values:\n      - target: 1\n        value: 四家\n",
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 1\n    progres: 好\n",
            "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n  - task: 1\n    progress: 好\n  - task: 1\n    progress: 好\n    progress: 又\n",
            "unit: [\n",
        ];
        for (i, text) in reports.iter().enumerate() {
            same::<RawReport, ReportSpans>(&format!("report {i}"), text, report);
        }
        let plans = [
            "title: 计划\nyear: 2023\ncc: [甲, 乙]\nsections:\n  - number: 1\n    title: 一、创新\n    tasks:\n      - number: 1\n        title: 任务\n        text: |\n          - number: 3\n        lead_units: [县科技局, &u 县财政局]\n        participating_units: [*u]\n        targets:\n          - {text: 目标, kind: quantitative, value: 5, unit: 家, comparison: at_least}\n          - text: 定性\n            kind: qualitative\n            value: ~\n            unit: ''\n            comparison: none\n        milestones: {Q1: 启动, Q4: 完成}\n        evidence: [文件]\n",
            "title: 计划\nyear: 二〇二三\n",
            "title: 计划\nsections:\n  - number: 1\n    title: 一\n    tasks:\n      - number: 1\n        title: 任务\n        text: 正文\n        targets:\n          - text: 目标\n            kind: quantitative\n            unit: 家\n            comparison: at_least\n",
        ];
        for (i, text) in plans.iter().enumerate() {
            same::<RawPlan, PlanSpans>(&format!("plan {i}"), text, plan);
        }
    }

    /// The field names a struct's derived `Deserialize` knows, read off the call it makes.
    fn fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        struct Ask(std::cell::Cell<&'static [&'static str]>);
        #[derive(Debug)]
        struct Stop;
        impl std::fmt::Display for Stop {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("stop")
            }
        }
        impl std::error::Error for Stop {}
        impl serde::de::Error for Stop {
            fn custom<M: std::fmt::Display>(_: M) -> Self {
                Stop
            }
        }
        impl<'de> serde::Deserializer<'de> for &Ask {
            type Error = Stop;
            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
                Err(Stop)
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Stop> {
                self.0.set(fields);
                Err(Stop)
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
                unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        let ask = Ask(std::cell::Cell::new(&[]));
        let _ = T::deserialize(&ask);
        let mut f = ask.0.get().to_vec();
        f.sort_unstable();
        f
    }

    /// A field added to a raw struct and not here would send every file with it through two
    /// parses again: the field lists must stay the same.
    #[test]
    fn located_structs_have_the_raw_structs_fields() {
        assert_eq!(fields::<LocatedReport>(), fields::<RawReport>());
        assert_eq!(fields::<LocatedEntry>(), fields::<RawEntry>());
        assert_eq!(fields::<LocatedValue>(), fields::<RawValue>());
        assert_eq!(fields::<LocatedCoordination>(), fields::<RawCoordination>());
        assert_eq!(fields::<LocatedPlan>(), fields::<RawPlan>());
        assert_eq!(fields::<LocatedSection>(), fields::<RawSection>());
        assert_eq!(fields::<LocatedTask>(), fields::<RawTask>());
        assert_eq!(fields::<LocatedTarget>(), fields::<RawTarget>());
        assert!(fields::<RawEntry>().len() >= 11, "the capture works");
    }
}
