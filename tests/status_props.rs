//! Property tests for the status engine and the aggregates, on datasets built programmatically.
//!
//! - shares add up to 100 % (exactly 1000 tenths) overall and per section;
//! - every task is counted exactly once per period (statuses, totals, sections; once per lead unit
//!   in the unit table);
//! - a higher reported value never gives a worse status, other things equal (and a lower value on a
//!   ceiling target never does either).

use std::collections::BTreeMap;

use ducha::aggregate::{summarize, Shares};
use ducha::data::model::*;
use ducha::diag::Loc;
use ducha::status::{evaluate_period, evaluate_year};
use proptest::prelude::*;

const UNITS: [&str; 4] = ["县科技局", "县工业和信息化局", "县发展改革局", "县财政局"];
const MAX_TASKS: usize = 24;

fn office(th: Thresholds, esc: Escalation) -> Office {
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
        thresholds: th,
        escalation: esc,
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

#[derive(Debug, Clone)]
struct TargetSpec {
    kind: TargetKind,
    comparison: Comparison,
    value: f64,
    baseline: Option<f64>,
}

#[derive(Debug, Clone)]
struct TaskSpec {
    section: u32,
    leads: Vec<usize>,
    targets: Vec<TargetSpec>,
    milestones: bool,
}

#[derive(Debug, Clone)]
struct EntrySpec {
    values: Vec<Option<f64>>,
    claim: Option<Status>,
    milestone: Option<u8>,
    percent: Option<f64>,
    adjustment: bool,
    evidence: bool,
}

const KINDS: [TargetKind; 7] = [
    TargetKind::Count,
    TargetKind::Amount,
    TargetKind::Growth,
    TargetKind::Level,
    TargetKind::Reduction,
    TargetKind::Ceiling,
    TargetKind::Text,
];
const COMPARISONS: [Comparison; 5] =
    [Comparison::AtLeast, Comparison::AtMost, Comparison::Exactly, Comparison::About, Comparison::Range];

fn target_spec(kinds: &'static [TargetKind], comparisons: &'static [Comparison]) -> impl Strategy<Value = TargetSpec> {
    (0..kinds.len(), 0..comparisons.len(), 1.0f64..30.0, prop::option::of(0.0f64..0.9)).prop_map(
        move |(k, c, value, b)| TargetSpec {
            kind: kinds[k],
            comparison: comparisons[c],
            value: (value * 10.0).round() / 10.0,
            baseline: b.map(|f| (value * f * 10.0).round() / 10.0),
        },
    )
}

fn task_spec() -> impl Strategy<Value = TaskSpec> {
    (
        1u32..4,
        prop::collection::vec(0usize..UNITS.len(), 0..3),
        prop::collection::vec(target_spec(&KINDS, &COMPARISONS), 0..3),
        any::<bool>(),
    )
        .prop_map(|(section, mut leads, targets, milestones)| {
            leads.dedup();
            TaskSpec { section, leads, targets, milestones }
        })
}

fn entry_spec() -> impl Strategy<Value = EntrySpec> {
    (
        prop::collection::vec(prop::option::weighted(0.8, -5.0f64..40.0), 3),
        prop::option::of(0usize..8),
        prop::option::of(0u8..=4),
        prop::option::weighted(0.3, 0.0f64..120.0),
        prop::bool::weighted(0.05),
        any::<bool>(),
    )
        .prop_map(|(values, claim, milestone, percent, adjustment, evidence)| EntrySpec {
            values: values.into_iter().map(|v| v.map(|x| (x * 10.0).round() / 10.0)).collect(),
            claim: claim.map(|i| Status::ALL[i]),
            milestone: milestone.filter(|m| *m > 0),
            percent,
            adjustment,
            evidence,
        })
}

fn build_task(number: u32, spec: &TaskSpec) -> Task {
    Task {
        number,
        section: spec.section,
        title: format!("任务{number}"),
        text: String::new(),
        lead_units: spec.leads.iter().map(|&i| UNITS[i].to_string()).collect(),
        participating_units: vec![],
        targets: spec
            .targets
            .iter()
            .map(|t| Target {
                text: format!("{} {}", t.value, "家"),
                kind: t.kind,
                value: if t.kind == TargetKind::Text { None } else { Some(t.value) },
                value_max: (t.comparison == Comparison::Range).then_some(t.value * 2.0),
                unit: "家".into(),
                comparison: t.comparison,
                baseline: t.baseline,
            })
            .collect(),
        milestones: spec.milestones.then(|| ["一".into(), "二".into(), "三".into(), "四".into()]),
        evidence: vec![],
        loc: Loc::default(),
    }
}

fn build_entry(task: u32, n_targets: usize, e: &EntrySpec) -> Entry {
    Entry {
        task,
        claim: e.claim,
        progress: "进展".into(),
        values: e.values.iter().take(n_targets).enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect(),
        milestone: e.milestone,
        percent: e.percent,
        adjustment: e.adjustment.then(|| "目标调整".to_string()),
        problems: None,
        next_steps: None,
        evidence: if e.evidence { vec!["佐证.pdf".into()] } else { vec![] },
        coordination: vec![],
        loc: Loc::default(),
    }
}

fn plan(tasks: Vec<Task>) -> Plan {
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
    sections.sort_by_key(|s| s.number);
    Plan { title: "计划".into(), doc_number: None, issuer: None, date: None, year: 2023, sections, tasks }
}

/// A report of one unit in one quarter: submission offset from the deadline, and an optional
/// entry per task (only used for tasks the unit leads).
type ReportSpec = Option<(i64, Vec<Option<EntrySpec>>)>;

fn report_spec() -> impl Strategy<Value = ReportSpec> {
    prop::option::weighted(
        0.8,
        (-3i64..6, prop::collection::vec(prop::option::weighted(0.85, entry_spec()), MAX_TASKS)),
    )
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    (0.0f64..10.0, 15.0f64..45.0, 1.0f64..20.0).prop_map(|(tolerance, yellow_max, ahead_margin)| Thresholds {
        tolerance: tolerance.round(),
        yellow_max: yellow_max.round(),
        ahead_margin: ahead_margin.round(),
    })
}

fn dataset() -> impl Strategy<Value = (Dataset, Period)> {
    (
        prop::collection::vec(task_spec(), 1..MAX_TASKS),
        prop::collection::vec(prop::collection::vec(report_spec(), UNITS.len()), 4),
        thresholds(),
        (0u32..4, 0u32..4),
        1u8..=4,
    )
        .prop_map(|(specs, reports, th, (lq, lr), quarter)| {
            let tasks: Vec<Task> = specs.iter().enumerate().map(|(i, s)| build_task(i as u32 + 1, s)).collect();
            let ds_office = office(th, Escalation { lagging_quarters: lq, late_reports: lr });
            let mut by_period: BTreeMap<Period, Vec<Report>> = BTreeMap::new();
            for (qi, units) in reports.iter().enumerate() {
                let period = Period { year: 2023, quarter: qi as u8 + 1 };
                for (ui, spec) in units.iter().enumerate() {
                    let Some((offset, entries)) = spec else { continue };
                    let unit = UNITS[ui];
                    let entries: Vec<Entry> = tasks
                        .iter()
                        .zip(entries)
                        .filter(|(t, _)| t.lead_units.iter().any(|u| u == unit))
                        .filter_map(|(t, e)| e.as_ref().map(|e| build_entry(t.number, t.targets.len(), e)))
                        .collect();
                    by_period.entry(period).or_default().push(Report {
                        unit: unit.into(),
                        period,
                        submitted: ds_office.deadline(period).add_days(*offset),
                        contact: None,
                        phone: None,
                        reviewed_by: None,
                        entries,
                        file: format!("reports/{period}/{unit}.yaml"),
                    });
                }
            }
            for list in by_period.values_mut() {
                list.sort_by(|a, b| a.unit.cmp(&b.unit));
            }
            let ds = Dataset {
                plan: plan(tasks),
                office: ds_office,
                reports: by_period,
                places: Default::default(),
                evidence: Default::default(),
            };
            (ds, Period { year: 2023, quarter })
        })
}

fn tenths(s: &Shares) -> i64 {
    s.values().map(|x| (x * 10.0).round() as i64).sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shares_add_up_to_100((ds, period) in dataset()) {
        let year = evaluate_year(&ds, period);
        let s = summarize(&ds, &year);
        prop_assert_eq!(tenths(&s.shares), 1000);
        prop_assert!((s.shares.values().sum::<f64>() - 100.0).abs() < 1e-9);
        for sec in &s.sections {
            if sec.tasks > 0 {
                prop_assert_eq!(tenths(&sec.shares), 1000, "section {}", sec.number);
            }
        }
        // Each share is within a tenth of the exact share.
        for st in Status::ALL {
            let exact = s.by_status.get(st) as f64 * 100.0 / s.tasks as f64;
            prop_assert!((s.shares.get(st) - exact).abs() < 0.1 + 1e-9, "{:?}: {} vs {}", st, s.shares.get(st), exact);
        }
    }

    #[test]
    fn every_task_counted_once_per_period((ds, period) in dataset()) {
        let year = evaluate_year(&ds, period);
        prop_assert_eq!(year.len(), usize::from(period.quarter));
        let numbers: Vec<u32> = ds.plan.tasks.iter().map(|t| t.number).collect();
        for (i, ps) in year.iter().enumerate() {
            prop_assert_eq!(ps.period.quarter as usize, i + 1);
            let got: Vec<u32> = ps.tasks.iter().map(|t| t.task).collect();
            prop_assert_eq!(&got, &numbers);
            let s = summarize(&ds, &year[..=i]);
            prop_assert_eq!(s.by_status.total(), numbers.len());
            prop_assert_eq!(s.tasks, numbers.len());
            prop_assert_eq!(s.sections.iter().map(|x| x.tasks).sum::<usize>(), numbers.len());
            prop_assert_eq!(s.sections.iter().map(|x| x.by_status.total()).sum::<usize>(), numbers.len());
            let lead_slots: usize = ds.plan.tasks.iter().map(|t| t.lead_units.len()).sum();
            prop_assert_eq!(s.units.iter().map(|u| u.tasks).sum::<usize>(), lead_slots);
            for u in &s.units {
                prop_assert_eq!(u.by_status.total(), u.tasks);
            }
            let mut ranks: Vec<usize> = s.units.iter().map(|u| u.rank).collect();
            ranks.sort();
            prop_assert_eq!(ranks, (1..=s.units.len()).collect::<Vec<_>>());
        }
        // A task completed in a quarter stays completed in every later quarter of the year
        // (README: “同年上一季度已完成 → 已完成”), reported or not.
        for pair in year.windows(2) {
            for (before, after) in pair[0].tasks.iter().zip(&pair[1].tasks) {
                if before.status == Status::Completed {
                    prop_assert_eq!(after.status, Status::Completed, "task {} in {}", after.task, pair[1].period);
                }
            }
        }
    }
}

/// `ds` with every listed evidence name given an index record reviewed `decision` (`None`: not
/// reviewed) and the office's counting rule set to `rule` (docs/rules.md §21).
fn reviewed(ds: &Dataset, decision: Option<ducha::evidence::Decision>, rule: ducha::evidence::Rule) -> Dataset {
    use ducha::evidence::{FileKind, Owner, Record, Review};
    let mut out = ds.clone();
    out.office.evidence.rule = rule;
    for (period, reports) in &ds.reports {
        for r in reports {
            for e in &r.entries {
                for (i, name) in e.evidence.iter().enumerate() {
                    let record = Record {
                        sha256: format!("{:064x}", (e.task as usize) * 100 + i),
                        name: name.clone(),
                        kind: FileKind::Pdf,
                        size: 1,
                        owner: Owner::Task { period: *period, unit: r.unit.clone(), task: e.task },
                        slot: None,
                        uploaded_by: r.unit.clone(),
                        uploaded_at: "2023-01-01 09:00:00".into(),
                        review: decision.map(|decision| Review {
                            decision,
                            reason: Some("理由".into()),
                            by: "督查室".into(),
                            at: "2023-01-02 09:00:00".into(),
                        }),
                        replaces: None,
                        replaced_by: None,
                    };
                    out.evidence.reports.entry((*period, r.unit.clone())).or_default().push(record);
                }
            }
        }
    }
    out
}

/// `ds` with no evidence at all.
fn without_evidence(ds: &Dataset) -> Dataset {
    let mut out = ds.clone();
    for reports in out.reports.values_mut() {
        for r in reports {
            for e in &mut r.entries {
                e.evidence.clear();
            }
        }
    }
    out
}

/// Status and the evidence flag of every task in every quarter up to `period`.
fn verdicts(ds: &Dataset, period: Period) -> Vec<(u32, Status, bool)> {
    evaluate_year(ds, period)
        .iter()
        .flat_map(|p| p.tasks.iter().map(|t| (t.task, t.status, t.evidence_missing)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The counting rule of docs/rules.md §21 as an oracle: a returned file counts as no file under
    /// either rule; a file not yet reviewed (or a typed name) is a file under `submitted` and no
    /// file under `accepted`; an accepted file is a file under either rule.
    #[test]
    fn reviewed_evidence_counts_as_the_rule_says((ds, period) in dataset()) {
        use ducha::evidence::{Decision, Rule};
        let with = verdicts(&ds, period);
        let none = verdicts(&without_evidence(&ds), period);
        for rule in [Rule::Submitted, Rule::Accepted] {
            prop_assert_eq!(&verdicts(&reviewed(&ds, Some(Decision::Returned), rule), period), &none, "returned, {:?}", rule);
            prop_assert_eq!(&verdicts(&reviewed(&ds, Some(Decision::Accepted), rule), period), &with, "accepted, {:?}", rule);
        }
        prop_assert_eq!(&verdicts(&reviewed(&ds, None, Rule::Submitted), period), &with, "pending, submitted");
        prop_assert_eq!(&verdicts(&reviewed(&ds, None, Rule::Accepted), period), &none, "pending, accepted");
        let mut typed = ds.clone();
        typed.office.evidence.rule = Rule::Accepted;
        prop_assert_eq!(&verdicts(&typed, period), &none, "typed names, accepted");
    }
}

const RISING: [TargetKind; 5] =
    [TargetKind::Count, TargetKind::Amount, TargetKind::Growth, TargetKind::Level, TargetKind::Reduction];
const NOT_AT_MOST: [Comparison; 4] = [Comparison::AtLeast, Comparison::Exactly, Comparison::About, Comparison::Range];
const CEILING: [TargetKind; 1] = [TargetKind::Ceiling];
const AT_MOST: [Comparison; 1] = [Comparison::AtMost];

/// Targets, entries per quarter, the entry at `quarter`, thresholds, quarter, target index, low
/// value, increase.
type SingleCase = (Vec<TargetSpec>, Vec<Option<EntrySpec>>, EntrySpec, Thresholds, u8, usize, f64, f64);

/// One task with one lead unit; an entry per quarter (forced at `quarter`).
fn single_task(targets: impl Strategy<Value = Vec<TargetSpec>>) -> impl Strategy<Value = SingleCase> {
    (
        targets,
        prop::collection::vec(prop::option::of(entry_spec()), 4),
        entry_spec(),
        thresholds(),
        1u8..=4,
        0usize..3,
        -5.0f64..40.0,
        0.1f64..30.0,
    )
}

fn single_dataset(targets: &[TargetSpec], entries: &[Option<EntrySpec>], th: Thresholds) -> Dataset {
    let spec = TaskSpec { section: 1, leads: vec![0], targets: targets.to_vec(), milestones: false };
    let task = build_task(1, &spec);
    let o = office(th, Escalation::default());
    let mut reports = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let period = Period { year: 2023, quarter: i as u8 + 1 };
        if let Some(e) = e {
            reports.insert(
                period,
                vec![Report {
                    unit: UNITS[0].into(),
                    period,
                    submitted: o.deadline(period),
                    contact: None,
                    phone: None,
                    reviewed_by: None,
                    entries: vec![build_entry(1, targets.len(), e)],
                    file: String::new(),
                }],
            );
        }
    }
    Dataset { plan: plan(vec![task]), office: o, reports, places: Default::default(), evidence: Default::default() }
}

/// Status of the task at `quarter` with target `j` reported as `value` in that quarter.
fn status_with(
    targets: &[TargetSpec],
    entries: &[Option<EntrySpec>],
    current: &EntrySpec,
    th: Thresholds,
    quarter: u8,
    j: usize,
    value: f64,
) -> Status {
    let mut entries = entries.to_vec();
    let mut e = current.clone();
    e.values[j] = Some(value);
    entries[usize::from(quarter - 1)] = Some(e);
    let ds = single_dataset(targets, &entries, th);
    evaluate_period(&ds, Period { year: 2023, quarter }).tasks[0].status
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Targets whose value should rise (count, amount, growth, level above its baseline,
    /// reduction): more reported never looks worse, in the quarter where it is reported.
    #[test]
    fn higher_value_never_worse(
        (targets, entries, current, th, quarter, j, low, delta) in single_task(
            prop::collection::vec(target_spec(&RISING, &NOT_AT_MOST), 1..4))
    ) {
        let j = j % targets.len();
        let a = status_with(&targets, &entries, &current, th, quarter, j, low);
        let b = status_with(&targets, &entries, &current, th, quarter, j, low + delta);
        prop_assert!(b <= a, "{} → {}: {:?} then {:?}", low, low + delta, a, b);
    }

    /// Ceiling targets (控制在…以内): less reported never looks worse.
    #[test]
    fn lower_value_on_a_ceiling_never_worse(
        (targets, entries, current, th, quarter, j, low, delta) in single_task(
            prop::collection::vec(target_spec(&CEILING, &AT_MOST), 1..3))
    ) {
        let j = j % targets.len();
        let a = status_with(&targets, &entries, &current, th, quarter, j, low + delta);
        let b = status_with(&targets, &entries, &current, th, quarter, j, low);
        prop_assert!(b <= a, "{} → {}: {:?} then {:?}", low + delta, low, a, b);
    }
}
