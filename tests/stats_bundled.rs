//! Figures and messages agree: `ducha stats --json` for every quarter of the bundled year is
//! checked, field by field, against figures recomputed here, independently, from the YAML files.
//!
//! The recomputation reads `data/plan.yaml`, `data/office.yaml` and `data/reports/2023Q*/*.yaml` as
//! plain `serde_yaml::Value`s and uses none of ducha's types or functions. It implements the status
//! rules as the README states them, for every target kind the bundled plan uses (count, amount,
//! growth, level with and without a baseline; at_least, exactly, range, about), milestones, the
//! units' own percent and claim, carry-over of completions and met targets, the year-end rule
//! (Q4: not 已完成 is at best 滞后), lights (未启动 red from the third month after the plan's
//! 成文日期), and percentages on exact decimals rounded half away from zero (done here with integers).
//! Aggregates: counts and largest-remainder shares (totals, sections, units), good rate, lagging
//! counts, reporting (on time / late / missing / not required, the earliest file deciding), rank,
//! the lagging list (status, light, gap), missing and late reports (with days late), escalations,
//! the change against the previous quarter and `evidence_missing`. Not recomputed: the generated
//! sentences (`reason`, `explanation`) and `claim_mismatches`.
//!
//! "已完成 needs evidence" is recounted as docs/rules.md §21 states it, reading the evidence index
//! (`evidence/index/<期间>/<单位>.yaml`) as plain YAML too: a returned (退回) file never counts,
//! under `evidence.rule: accepted` only accepted (采信) files count. Variants of the bundled data
//! (one task's only evidence returned, not yet reviewed, accepted; under either rule) are checked
//! the same way, so figures that ignored the office's reviews would fail.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as J;
use serde_yaml::Value as Y;

const LABELS: [&str; 8] = ["已完成", "超序时", "序时推进", "滞后", "严重滞后", "未启动", "未报送", "其他"];

// ---------------------------------------------------------------------------------------------
// Running the binary

fn stats_json(args: &[&str]) -> J {
    let root = common::root();
    let data = data_dir();
    let mut all = vec!["stats", "--data", data.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = common::ducha(&root, &all);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "ducha {all:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stats --json is not JSON ({e}): {stdout}"))
}

// ---------------------------------------------------------------------------------------------
// The independent model

thread_local! {
    /// The data directory the model reads and the binary is run on: the bundled `data/`, or a
    /// test's variant of it (each test runs on its own thread).
    static DATA: RefCell<PathBuf> = RefCell::new(common::root().join("data"));
}

fn data_dir() -> PathBuf {
    DATA.with(|d| d.borrow().clone())
}

fn read_yaml(path: &Path) -> Y {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_of(v: &Y) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

fn list(v: &Y) -> Vec<Y> {
    v.as_sequence().cloned().unwrap_or_default()
}

#[derive(Debug, Clone)]
struct Tgt {
    kind: String,
    comparison: String,
    /// The target value (the lower end of a range).
    value: f64,
    baseline: Option<f64>,
}

#[derive(Debug, Clone)]
struct PlanTask {
    number: u64,
    section: u64,
    leads: Vec<String>,
    targets: Vec<Tgt>,
    has_milestones: bool,
}

fn plan() -> (Vec<(u64, String)>, Vec<PlanTask>) {
    let plan = read_yaml(&data_dir().join("plan.yaml"));
    let mut sections = Vec::new();
    let mut tasks = Vec::new();
    for sec in list(&plan["sections"]) {
        let number = sec["number"].as_u64().expect("section number");
        sections.push((number, str_of(&sec["title"])));
        for t in list(&sec["tasks"]) {
            let mut leads: Vec<String> = Vec::new();
            for u in list(&t["lead_units"]) {
                let u = str_of(&u);
                if !leads.contains(&u) {
                    leads.push(u);
                }
            }
            let targets = list(&t["targets"])
                .iter()
                .map(|x| Tgt {
                    kind: str_of(&x["kind"]),
                    comparison: str_of(&x["comparison"]),
                    value: x["value"].as_f64().unwrap_or(f64::NAN),
                    baseline: x["baseline"].as_f64(),
                })
                .collect();
            let has_milestones = t["milestones"].as_mapping().is_some_and(|m| !m.is_empty());
            tasks.push(PlanTask {
                number: t["number"].as_u64().expect("task number"),
                section: number,
                leads,
                targets,
                has_milestones,
            });
        }
    }
    (sections, tasks)
}

#[derive(Debug, Clone, Copy)]
struct Th {
    tolerance: f64,
    yellow_max: f64,
    ahead_margin: f64,
}

fn thresholds() -> Th {
    let office = read_yaml(&data_dir().join("office.yaml"));
    let th = &office["thresholds"];
    let get = |k: &str, d: f64| th[k].as_f64().unwrap_or(d);
    Th {
        tolerance: get("tolerance", 0.0),
        yellow_max: get("yellow_max", 30.0),
        ahead_margin: get("ahead_margin", 10.0),
    }
}

/// Every report of a quarter, in file-name order.
fn reports(period: &str) -> Vec<Y> {
    let dir = data_dir().join("reports").join(period);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files.iter().map(|p| read_yaml(p)).collect()
}

/// The entry of `unit` for `task` (its first report mentioning the task).
fn entry<'a>(reps: &'a [Y], unit: &str, task: u64) -> Option<&'a Y> {
    reps.iter()
        .filter(|r| r["unit"].as_str() == Some(unit))
        .find_map(|r| r["entries"].as_sequence().and_then(|es| es.iter().find(|e| e["task"].as_u64() == Some(task))))
}

/// A decimal as written: the shortest digits that read back as `x`, as (mantissa, scale).
fn decimal(x: f64) -> (i128, u32) {
    let s = format!("{x}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let m: i128 = format!("{int}{frac}").parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    (m, frac.len() as u32)
}

/// (a − b) ÷ (c − d) × 100 on exact decimals, rounded to one decimal half away from zero
/// (四舍五入) — the README's rounding rule, done here with integers.
fn pct_of(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let parts = [decimal(a), decimal(b), decimal(c), decimal(d)];
    let scale = parts.iter().map(|p| p.1).max().unwrap();
    let up = |(m, s): (i128, u32)| m * 10i128.pow(scale - s);
    let num = (up(parts[0]) - up(parts[1])) * 1000; // × 100 %, × 10 for one decimal
    let den = up(parts[2]) - up(parts[3]);
    assert!(den != 0);
    let (n, dd) = (num.abs(), den.abs());
    let q = (2 * n + dd) / (2 * dd); // half up on the magnitude
    let signed = if (num < 0) != (den < 0) { -q } else { q };
    signed as f64 / 10.0 + 0.0
}

fn pct(v: f64, t: f64) -> f64 {
    pct_of(v, 0.0, t, 0.0)
}

fn round1(x: f64) -> f64 {
    pct_of(x, 0.0, 100.0, 0.0)
}

fn badness(label: &str) -> usize {
    ["已完成", "超序时", "序时推进", "其他", "滞后", "严重滞后", "未启动", "未报送"]
        .iter()
        .position(|l| *l == label)
        .unwrap_or_else(|| panic!("unknown status {label}"))
}

fn worse(a: &'static str, b: &'static str) -> &'static str {
    if badness(b) > badness(a) {
        b
    } else {
        a
    }
}

fn better(a: &'static str, b: &'static str) -> &'static str {
    if badness(b) < badness(a) {
        b
    } else {
        a
    }
}

/// The gap test on a gap (序时 − progress) in points.
fn by_gap(gap: f64, th: Th) -> &'static str {
    let eps = 1e-9;
    if -gap >= th.ahead_margin - eps {
        "超序时"
    } else if gap <= th.tolerance + eps {
        "序时推进"
    } else if gap <= th.yellow_max + eps {
        "滞后"
    } else {
        "严重滞后"
    }
}

fn claim_label(v: &Y) -> Option<&'static str> {
    let c = v.as_str()?;
    LABELS.iter().copied().find(|l| *l == c)
}

/// A task's verdict after a quarter, carried into the next one.
#[derive(Debug, Clone)]
struct State {
    status: &'static str,
    /// green / yellow / red.
    light: &'static str,
    /// The gap (points) of the figure that decided, when there is one.
    gap: Option<f64>,
    /// Per target: (progress, checkpoint) with which it was met, if it was.
    met: Vec<Option<f64>>,
    /// Highest milestone reached (0 = none).
    milestone: u32,
    /// Every target / milestone reached but no evidence listed: not 已完成.
    evidence_missing: bool,
}

/// The light of a status in `quarter`: 未启动 is yellow while the quarter ends less than three
/// months after the start month (the plan's 成文日期 `date` in the plan year, else January).
fn light(status: &str, quarter: u32, start_month: u32) -> &'static str {
    match status {
        "已完成" | "超序时" | "序时推进" => "green",
        "滞后" | "其他" => "yellow",
        "未启动" if (quarter * 3) as i32 - start_month as i32 >= 3 => "red",
        "未启动" => "yellow",
        _ => "red",
    }
}

/// One target's standing: (progress, checkpoint, met, nothing done).
fn standing(t: &Tgt, v: f64, quarter: u32) -> (f64, f64, bool, bool) {
    let c = 25.0 * f64::from(quarter);
    let about = t.comparison == "about";
    let reached = |p: f64, plain: bool| if about { p >= 95.0 } else { plain };
    assert!(
        t.comparison != "at_most" && !matches!(t.kind.as_str(), "ceiling" | "text"),
        "target kind {} / {} is not in the bundled data and not modelled here",
        t.kind,
        t.comparison
    );
    match t.kind.as_str() {
        "count" | "amount" => {
            let p = pct(v, t.value);
            (p, c, reached(p, v >= t.value), v <= 0.0)
        }
        "growth" | "reduction" => {
            let p = pct(v, t.value);
            (p, 100.0, quarter == 4 && reached(p, v >= t.value), false)
        }
        "level" => match t.baseline {
            Some(b) if b != 0.0 && b != t.value => {
                let p = pct_of(v, b, t.value, b);
                (p, c, reached(p, p >= 100.0), false)
            }
            _ => {
                let p = pct(v, t.value);
                (p, c, reached(p, v >= t.value), false)
            }
        },
        other => panic!("unknown target kind {other}"),
    }
}

fn evaluate(task: &PlanTask, quarter: u32, reps: &[Y], prev: Option<&State>, th: Th, start_month: u32) -> State {
    let c = 25.0 * f64::from(quarter);
    let leads: Vec<&Y> = task.leads.iter().filter_map(|u| entry(reps, u, task.number)).collect();

    #[derive(Clone, Copy)]
    enum Standing {
        NoFigure,
        Met { progress: f64, gap: f64 },
        NotMet { status: &'static str, gap: f64, nothing: bool },
    }
    let standings: Vec<Standing> = task
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let figure = leads.iter().find_map(|e| {
                e["values"]
                    .as_sequence()
                    .and_then(|vs| vs.iter().find(|v| v["target"].as_u64() == Some(i as u64 + 1)))
                    .and_then(|v| v["value"].as_f64())
            });
            let now = figure.map(|v| standing(t, v, quarter));
            let earlier = prev.and_then(|p| p.met[i]);
            match (now, earlier) {
                (Some((p, ck, true, _)), _) => Standing::Met { progress: p, gap: round1(ck - p) },
                (_, Some(p)) => Standing::Met { progress: p, gap: round1(c - p) },
                (Some((p, ck, false, nothing)), None) => {
                    let gap = round1(ck - p);
                    let status = if nothing { "未启动" } else { by_gap(gap, th) };
                    let status = if quarter == 4 { worse(status, "滞后") } else { status };
                    Standing::NotMet { status, gap, nothing }
                }
                (None, None) => Standing::NoFigure,
            }
        })
        .collect();
    let met: Vec<Option<f64>> =
        standings.iter().map(|s| if let Standing::Met { progress, .. } = s { Some(*progress) } else { None }).collect();
    let milestone_now = leads
        .iter()
        .find_map(|e| e["milestone"].as_str().and_then(|m| m.strip_prefix('Q')).and_then(|q| q.parse::<u32>().ok()));
    let milestone = milestone_now.unwrap_or(0).max(prev.map_or(0, |p| p.milestone));
    let done = |status: &'static str, gap: Option<f64>| {
        // 8. Year end: not completed is at best 滞后.
        let status =
            if quarter == 4 && status != "已完成" && status != "其他" { worse(status, "滞后") } else { status };
        State {
            status,
            light: light(status, quarter, start_month),
            gap,
            met: met.clone(),
            milestone,
            evidence_missing: false,
        }
    };
    let flagged = |st: State| State { evidence_missing: true, ..st };

    if task.leads.is_empty() {
        return done("其他", None);
    }
    if let Some(p) = prev.filter(|p| p.status == "已完成") {
        // Carried: the gap is recomputed against this quarter's checkpoint by ducha; the
        // lagging list never shows a completed task, so it is not needed here.
        return State { gap: None, ..done("已完成", p.gap) };
    }
    if leads.is_empty() {
        return done("未报送", None);
    }
    if leads.iter().any(|e| e["adjustment"].as_str().is_some_and(|a| !a.trim().is_empty())) {
        return done("其他", None);
    }
    let evidence = evidence_counts(task, quarter, reps);

    if !task.targets.is_empty() {
        let with_figure: Vec<Standing> =
            standings.iter().copied().filter(|s| !matches!(s, Standing::NoFigure)).collect();
        if with_figure.is_empty() {
            return done("其他", None);
        }
        let contribution = |st: Standing| match st {
            Standing::Met { gap, .. } => better(by_gap(gap, th), "序时推进"),
            Standing::NotMet { nothing: true, gap, .. } => by_gap(gap, th),
            Standing::NotMet { status, .. } => status,
            Standing::NoFigure => unreachable!(),
        };
        let gap_of = |st: &Standing| match st {
            Standing::Met { gap, .. } | Standing::NotMet { gap, .. } => *gap,
            Standing::NoFigure => unreachable!(),
        };
        // The deciding target: worst contribution, then largest gap, then the first.
        let mut decider = with_figure[0];
        for st in &with_figure[1..] {
            let (a, b) = (badness(contribution(*st)), badness(contribution(decider)));
            if a > b || (a == b && gap_of(st) > gap_of(&decider)) {
                decider = *st;
            }
        }
        let gap = Some(gap_of(&decider));
        let all_met = standings.iter().all(|s| matches!(s, Standing::Met { .. }));
        if all_met && evidence {
            return done("已完成", gap);
        }
        if with_figure.iter().all(|s| matches!(s, Standing::NotMet { nothing: true, .. })) {
            return done("未启动", gap);
        }
        let status = with_figure.iter().map(|s| contribution(*s)).fold("已完成", worse);
        return if all_met { flagged(done(status, gap)) } else { done(status, gap) };
    }
    if task.has_milestones {
        let progress = 25.0 * f64::from(milestone.min(4));
        let gap = round1(c - progress);
        let status = if milestone >= 4 && evidence {
            "已完成"
        } else if milestone == 0 {
            "未启动"
        } else if milestone >= 4 {
            return flagged(done(better(by_gap(gap, th), "序时推进"), Some(gap)));
        } else {
            by_gap(gap, th)
        };
        return done(status, Some(gap));
    }
    // Neither numbers nor milestones: the unit's own word.
    if let Some(pc) = leads.iter().find_map(|e| e["percent"].as_f64()) {
        let gap = round1(c - round1(pc));
        let status = if pc >= 100.0 && evidence {
            "已完成"
        } else if pc <= 0.0 {
            "未启动"
        } else if pc >= 100.0 {
            return flagged(done(better(by_gap(gap, th), "序时推进"), Some(gap)));
        } else {
            by_gap(gap, th)
        };
        return done(status, Some(gap));
    }
    let status = match leads.iter().find_map(|e| claim_label(&e["claim"])).filter(|c| *c != "未报送") {
        Some("已完成") if evidence => "已完成",
        Some("已完成") => return flagged(done("序时推进", None)),
        Some(other) => other,
        None => "其他",
    };
    done(status, None)
}

/// The office's counting rule, `evidence.rule` in office.yaml (`submitted` when absent).
fn evidence_rule() -> String {
    let office = read_yaml(&data_dir().join("office.yaml"));
    office["evidence"]["rule"].as_str().unwrap_or("submitted").to_string()
}

/// The current (not replaced) files of `unit`'s report in `period` for `task`, as the evidence
/// index lists them: (name, decision 采信 / 退回 when reviewed).
fn indexed(period: &str, unit: &str, task: u64) -> Vec<(String, Option<String>)> {
    let path = data_dir().join("evidence").join("index").join(period).join(format!("{unit}.yaml"));
    if !path.exists() {
        return Vec::new();
    }
    list(&read_yaml(&path)["files"])
        .iter()
        .filter(|f| f["task"].as_u64() == Some(task) && f["replaced_by"].is_null())
        .map(|f| (str_of(&f["name"]), f["decision"].as_str().map(str::to_owned)))
        .collect()
}

/// Whether a task has evidence that counts towards 已完成 (docs/rules.md §21): the names the
/// reporting lead units list in `evidence:` and their indexed files of the task, each name once;
/// a name whose file was returned never counts, an accepted one always does, one not reviewed
/// (or typed without a file) only under `submitted`.
fn evidence_counts(task: &PlanTask, quarter: u32, reps: &[Y]) -> bool {
    let period = format!("2023Q{quarter}");
    let accepted_only = evidence_rule() == "accepted";
    let mut seen = BTreeSet::new();
    for unit in &task.leads {
        let Some(e) = entry(reps, unit, task.number) else { continue };
        let files = indexed(&period, unit, task.number);
        let names: Vec<String> =
            list(&e["evidence"]).iter().map(str_of).chain(files.iter().map(|f| f.0.clone())).collect();
        for name in names {
            if !seen.insert(name.clone()) {
                continue;
            }
            match files.iter().find(|f| f.0 == name).and_then(|f| f.1.as_deref()) {
                Some("退回") => {}
                Some("采信") => return true,
                _ if !accepted_only => return true,
                _ => {}
            }
        }
    }
    false
}

/// The month the plan starts: its 成文日期 when in the plan year, else January.
fn start_month() -> u32 {
    let plan = read_yaml(&data_dir().join("plan.yaml"));
    let year = plan["year"].as_u64().unwrap_or(2023);
    match str_of(&plan["date"]).split('-').collect::<Vec<_>>()[..] {
        [y, m, _] if y.parse::<u64>().ok() == Some(year) => m.parse().unwrap(),
        _ => 1,
    }
}

/// Every task's verdict in each quarter 1…`quarter` of 2023 (index 0 = Q1).
fn recompute_year(quarter: u32) -> Vec<BTreeMap<u64, State>> {
    let (_, tasks) = plan();
    let th = thresholds();
    let start = start_month();
    let mut year: Vec<BTreeMap<u64, State>> = Vec::new();
    for q in 1..=quarter {
        let reps = reports(&format!("2023Q{q}"));
        let prev = year.last();
        let next = tasks
            .iter()
            .map(|t| (t.number, evaluate(t, q, &reps, prev.and_then(|p| p.get(&t.number)), th, start)))
            .collect();
        year.push(next);
    }
    year
}

fn counts<'a>(statuses: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, u64> {
    let mut m: BTreeMap<String, u64> = LABELS.iter().map(|l| (l.to_string(), 0)).collect();
    for s in statuses {
        *m.get_mut(s).unwrap_or_else(|| panic!("unknown status {s}")) += 1;
    }
    m
}

fn json_counts(v: &J) -> BTreeMap<String, u64> {
    let obj = v.as_object().expect("by_status is an object");
    obj.iter().map(|(k, n)| (k.clone(), n.as_u64().expect("a count"))).collect()
}

/// Shares of `counts` (in LABELS order) in percent with one decimal, adding up to exactly 100.0:
/// largest remainders, ties to the status listed first.
fn shares(counts: &BTreeMap<String, u64>) -> BTreeMap<String, f64> {
    let total: u64 = counts.values().sum();
    if total == 0 {
        return LABELS.iter().map(|l| (l.to_string(), 0.0)).collect();
    }
    let tenths: Vec<(u64, u64)> =
        LABELS.iter().map(|l| (counts[*l] * 1000 / total, counts[*l] * 1000 % total)).collect();
    let mut got: Vec<u64> = tenths.iter().map(|t| t.0).collect();
    let mut order: Vec<usize> = (0..LABELS.len()).collect();
    order.sort_by(|&a, &b| tenths[b].1.cmp(&tenths[a].1).then(a.cmp(&b)));
    let missing = 1000 - got.iter().sum::<u64>();
    for &i in order.iter().take(missing as usize) {
        got[i] += 1;
    }
    LABELS.iter().zip(got).map(|(l, g)| (l.to_string(), g as f64 / 10.0)).collect()
}

fn json_shares(v: &J) -> BTreeMap<String, f64> {
    v.as_object().expect("shares").iter().map(|(k, x)| (k.clone(), x.as_f64().expect("a share"))).collect()
}

/// The deadline of a quarter of 2023: the quarter's last day + `report_deadline_days`.
fn deadline(quarter: u32) -> String {
    let office = read_yaml(&data_dir().join("office.yaml"));
    let days = office["report_deadline_days"].as_u64().unwrap_or(5) as u32;
    // The day after each quarter ends: Apr 1, Jul 1, Oct 1, Jan 1 (next year); + days − 1.
    let (y, m) = if quarter == 4 { (2024, 1) } else { (2023, quarter * 3 + 1) };
    format!("{y}-{m:02}-{:02}", days)
}

/// The earliest `submitted` of a unit's report files in a quarter, as YYYY-MM-DD.
fn first_submitted(reps: &[Y], unit: &str) -> Option<String> {
    reps.iter().filter(|r| r["unit"].as_str() == Some(unit)).map(|r| str_of(&r["submitted"]).replace('/', "-")).min()
}

// ---------------------------------------------------------------------------------------------
// Tests

/// Every quarter of the bundled year, every figure of `stats --json` except the generated texts
/// (`reason`, `explanation`) and `claim_mismatches`.
#[test]
fn every_quarter_matches_an_independent_recomputation() {
    for quarter in 1..=4 {
        compare_with_recomputation(quarter);
    }
}

const LAGGING: [&str; 3] = ["滞后", "严重滞后", "未启动"];

fn compare_with_recomputation(quarter: u32) {
    let period = format!("2023Q{quarter}");
    let json = stats_json(&["--period", &period]);
    let (sections, tasks) = plan();
    let year = recompute_year(quarter);
    let now = year.last().unwrap();
    let status = |n: u64| now[&n].status;
    let ctx = |what: &str| format!("{period}: {what}");

    assert_eq!(json["period"].as_str(), Some(period.as_str()));
    assert_eq!(json["checkpoint"].as_f64(), Some(25.0 * f64::from(quarter)), "{}", ctx("checkpoint"));
    assert_eq!(json["tasks"].as_u64(), Some(tasks.len() as u64));
    let total = counts(tasks.iter().map(|t| status(t.number)));
    let detail: Vec<String> = tasks.iter().map(|t| format!("{} {}", t.number, status(t.number))).collect();
    assert_eq!(json_counts(&json["by_status"]), total, "{}; recomputed {detail:?}", ctx("by_status"));
    assert_eq!(json_shares(&json["shares"]), shares(&total), "{}", ctx("shares"));

    // Every section.
    let secs = json["sections"].as_array().unwrap();
    assert_eq!(secs.len(), sections.len());
    for (got, (number, title)) in secs.iter().zip(&sections) {
        let in_section: Vec<&PlanTask> = tasks.iter().filter(|t| t.section == *number).collect();
        assert_eq!(got["number"].as_u64(), Some(*number));
        assert_eq!(got["title"].as_str(), Some(title.as_str()));
        assert_eq!(got["tasks"].as_u64(), Some(in_section.len() as u64));
        let want = counts(in_section.iter().map(|t| status(t.number)));
        assert_eq!(json_counts(&got["by_status"]), want, "{}", ctx(&format!("section {number}")));
        assert_eq!(json_shares(&got["shares"]), shares(&want), "{}", ctx(&format!("shares of section {number}")));
    }

    // Every lead unit: counts, good rate, lagging, reporting, rank.
    let mut led: BTreeMap<String, Vec<&PlanTask>> = BTreeMap::new();
    for t in &tasks {
        for u in &t.leads {
            led.entry(u.clone()).or_default().push(t);
        }
    }
    let reporting_of = |unit: &str, q: u32| -> (&'static str, Option<String>) {
        let reps = reports(&format!("2023Q{q}"));
        let required = led[unit].iter().any(|t| q == 1 || year[q as usize - 2][&t.number].status != "已完成");
        match first_submitted(&reps, unit) {
            Some(d) if d > deadline(q) => ("late", Some(d)),
            Some(d) => ("on_time", Some(d)),
            None if required => ("missing", None),
            None => ("not_required", None),
        }
    };
    struct Row {
        name: String,
        good: u64,
        tasks: u64,
        lagging: u64,
        failures: u64,
    }
    let mut rows = Vec::new();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), led.len(), "one row per lead unit");
    for (unit, its) in &led {
        let got = units.iter().find(|u| u["name"].as_str() == Some(unit.as_str())).unwrap();
        let what = ctx(unit);
        let want = counts(its.iter().map(|t| status(t.number)));
        assert_eq!(got["tasks"].as_u64(), Some(its.len() as u64), "{what}");
        assert_eq!(json_counts(&got["by_status"]), want, "{what}");
        let good = want["已完成"] + want["超序时"] + want["序时推进"];
        assert_eq!(got["good_rate"].as_f64(), Some(pct(good as f64, its.len() as f64)), "{what}: good_rate");
        let lagging: u64 = LAGGING.iter().map(|l| want[*l]).sum();
        assert_eq!(got["lagging"].as_u64(), Some(lagging), "{what}: lagging");
        let failures = (1..=quarter).filter(|q| matches!(reporting_of(unit, *q).0, "late" | "missing")).count() as u64;
        assert_eq!(got["late_or_missing"].as_u64(), Some(failures), "{what}: late_or_missing");
        let (reporting, submitted) = reporting_of(unit, quarter);
        assert_eq!(got["reporting"].as_str(), Some(reporting), "{what}: reporting");
        assert_eq!(got["submitted"].as_str().map(str::to_string), submitted, "{what}: submitted");
        rows.push(Row { name: unit.clone(), good, tasks: its.len() as u64, lagging, failures });
    }
    rows.sort_by(|a, b| {
        (b.good * a.tasks)
            .cmp(&(a.good * b.tasks))
            .then(a.lagging.cmp(&b.lagging))
            .then(a.failures.cmp(&b.failures))
            .then(a.name.cmp(&b.name))
    });
    let ranked: Vec<&str> = units.iter().map(|u| u["name"].as_str().unwrap()).collect();
    let want_ranked: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(ranked, want_ranked, "{}", ctx("unit ranking"));
    for (i, u) in units.iter().enumerate() {
        assert_eq!(u["rank"].as_u64(), Some(i as u64 + 1));
    }

    // The lagging list: every 滞后 / 严重滞后 / 未启动 task in plan order, with light and gap.
    let mut in_plan_order: Vec<&PlanTask> = tasks.iter().collect();
    in_plan_order.sort_by_key(|t| t.number);
    let want_lagging: Vec<(u64, &str, &str, Option<f64>)> = in_plan_order
        .iter()
        .filter(|t| LAGGING.contains(&status(t.number)))
        .map(|t| (t.number, now[&t.number].status, now[&t.number].light, now[&t.number].gap))
        .collect();
    let got_lagging: Vec<(u64, &str, &str, Option<f64>)> = json["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["task"].as_u64().unwrap(),
                l["status"].as_str().unwrap(),
                l["light"].as_str().unwrap(),
                l["gap_points"].as_f64(),
            )
        })
        .collect();
    assert_eq!(got_lagging, want_lagging, "{}", ctx("lagging"));
    for l in json["lagging"].as_array().unwrap() {
        let t = tasks.iter().find(|t| Some(t.number) == l["task"].as_u64()).unwrap();
        let units: Vec<&str> = l["units"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        assert_eq!(units, t.leads.iter().map(String::as_str).collect::<Vec<_>>());
    }

    // Missing and late reports.
    let lead_order: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for t in &in_plan_order {
            for u in &t.leads {
                if !v.contains(&u.as_str()) {
                    v.push(u);
                }
            }
        }
        v
    };
    let missing: Vec<&str> = lead_order.iter().copied().filter(|u| reporting_of(u, quarter).0 == "missing").collect();
    let got_missing: Vec<&str> =
        json["missing_reports"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(got_missing, missing, "{}", ctx("missing_reports"));
    let late: Vec<(String, String, String)> = lead_order
        .iter()
        .filter_map(|u| match reporting_of(u, quarter) {
            ("late", Some(d)) => Some((u.to_string(), d, deadline(quarter))),
            _ => None,
        })
        .collect();
    let got_late: Vec<(String, String, String)> = json["late_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (str_j(&l["unit"]), str_j(&l["submitted"]), str_j(&l["deadline"])))
        .collect();
    assert_eq!(got_late, late, "{}", ctx("late_reports"));
    for l in json["late_reports"].as_array().unwrap() {
        let days = |d: &str| {
            let p: Vec<i64> = d.split('-').map(|x| x.parse().unwrap()).collect();
            // Days since 2023-01-01 (the dates here fall in 2023 or January 2024).
            let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
            (p[0] - 2023) * 365 + before[p[1] as usize - 1] + p[2]
        };
        let want = days(&str_j(&l["submitted"])) - days(&str_j(&l["deadline"]));
        assert_eq!(l["days_late"].as_i64(), Some(want), "{}", ctx("days_late"));
    }

    // Escalations: tasks lagging in 2 or more consecutive quarters up to now; units late or
    // missing 2 or more times in the year, this quarter included (office.yaml `escalation`).
    let office = read_yaml(&data_dir().join("office.yaml"));
    let need_q = office["escalation"]["lagging_quarters"].as_u64().unwrap_or(2) as usize;
    let need_r = office["escalation"]["late_reports"].as_u64().unwrap_or(2);
    let mut want_esc: Vec<String> = Vec::new();
    for t in &in_plan_order {
        let streak = year.iter().rev().take_while(|q| LAGGING.contains(&q[&t.number].status)).count();
        if streak >= need_q {
            want_esc.push(format!("task {} x{streak}", t.number));
        }
    }
    for u in &lead_order {
        let failures = (1..=quarter).filter(|q| matches!(reporting_of(u, *q).0, "late" | "missing")).count() as u64;
        if matches!(reporting_of(u, quarter).0, "late" | "missing") && failures >= need_r {
            want_esc.push(format!("unit {u} x{failures}"));
        }
    }
    let got_esc: Vec<String> = json["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["kind"].as_str().unwrap() {
            "task" => format!("task {} x{}", e["task"], e["quarters"].as_array().unwrap().len()),
            _ => format!("unit {} x{}", str_j(&e["unit"]), e["count"]),
        })
        .collect();
    assert_eq!(got_esc, want_esc, "{}", ctx("escalations"));

    // Change against the previous quarter.
    let change = &json["change"];
    if quarter == 1 {
        assert!(change["previous"].is_null());
    } else {
        let before = &year[quarter as usize - 2];
        assert_eq!(change["previous"].as_str(), Some(format!("2023Q{}", quarter - 1).as_str()));
        let was = counts(tasks.iter().map(|t| before[&t.number].status));
        for l in LABELS {
            let delta = total[l] as i64 - was[l] as i64;
            assert_eq!(change["by_status"][l].as_i64(), Some(delta), "{}", ctx(&format!("change of {l}")));
        }
        let moved = |better: bool| -> Vec<u64> {
            in_plan_order
                .iter()
                .filter(|t| {
                    let (a, b) = (badness(now[&t.number].status), badness(before[&t.number].status));
                    if better {
                        a < b
                    } else {
                        a > b
                    }
                })
                .map(|t| t.number)
                .collect()
        };
        let list = |v: &J| -> Vec<u64> { v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect() };
        assert_eq!(list(&change["improved"]), moved(true), "{}", ctx("improved"));
        assert_eq!(list(&change["worsened"]), moved(false), "{}", ctx("worsened"));
    }

    // Met but without evidence.
    let want_ev: Vec<u64> =
        in_plan_order.iter().filter(|t| now[&t.number].evidence_missing).map(|t| t.number).collect();
    let got_ev: Vec<u64> = json["evidence_missing"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
    assert_eq!(got_ev, want_ev, "{}", ctx("evidence_missing"));
}

fn str_j(v: &J) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

#[test]
fn q2_json_shape() {
    let json = stats_json(&["--period", "2023Q2"]);
    for key in ["period", "tasks", "by_status", "sections", "units", "lagging", "missing_reports", "escalations"] {
        assert!(json.get(key).is_some(), "stats --json lacks {key}");
    }
    let (sections, tasks) = plan();
    assert_eq!(json["tasks"].as_u64(), Some(tasks.len() as u64));
    let check_counts = |v: &J, total: u64, what: &str| {
        let c = json_counts(v);
        let keys: BTreeSet<&str> = c.keys().map(String::as_str).collect();
        assert_eq!(keys, LABELS.iter().copied().collect::<BTreeSet<_>>(), "statuses of {what}");
        assert_eq!(c.values().sum::<u64>(), total, "by_status of {what} adds up to its tasks");
    };
    check_counts(&json["by_status"], json["tasks"].as_u64().unwrap(), "the plan");
    if let Some(shares) = json.get("shares") {
        let sum: f64 = LABELS.iter().map(|l| shares[*l].as_f64().expect("a share")).sum();
        assert!((sum - 100.0).abs() <= 0.1 + 1e-9, "shares add up to {sum}");
    } else {
        panic!("stats --json lacks shares");
    }

    let secs = json["sections"].as_array().expect("sections");
    assert_eq!(secs.len(), sections.len());
    let mut total = 0;
    for sec in secs {
        for key in ["number", "title", "tasks", "by_status"] {
            assert!(sec.get(key).is_some(), "section lacks {key}: {sec}");
        }
        assert!(sec["title"].is_string());
        let n = sec["tasks"].as_u64().unwrap();
        total += n;
        check_counts(&sec["by_status"], n, &format!("section {}", sec["number"]));
        if let Some(shares) = sec.get("shares").filter(|_| n > 0) {
            let sum: f64 = LABELS.iter().map(|l| shares[*l].as_f64().unwrap()).sum();
            assert!((sum - 100.0).abs() <= 0.1 + 1e-9, "section shares add up to {sum}");
        }
    }
    assert_eq!(total, tasks.len() as u64, "every task is in one section");

    let units = json["units"].as_array().expect("units");
    assert!(!units.is_empty());
    let mut ranks = Vec::new();
    for u in units {
        for key in ["name", "tasks", "by_status", "rank"] {
            assert!(u.get(key).is_some(), "unit lacks {key}: {u}");
        }
        assert!(u["name"].is_string());
        check_counts(&u["by_status"], u["tasks"].as_u64().unwrap(), u["name"].as_str().unwrap());
        ranks.push(u["rank"].as_u64().expect("rank is a number"));
    }
    ranks.sort();
    assert_eq!(ranks, (1..=units.len() as u64).collect::<Vec<_>>(), "ranks are 1…n");

    let lagging = json["lagging"].as_array().expect("lagging");
    assert!(!lagging.is_empty(), "2023Q2 has lagging tasks");
    for l in lagging {
        for key in ["task", "title", "units", "status", "gap_points"] {
            assert!(l.get(key).is_some(), "lagging entry lacks {key}: {l}");
        }
        assert!(l["task"].is_u64());
        assert!(l["units"].is_array());
        assert!(["滞后", "严重滞后", "未启动"].contains(&l["status"].as_str().unwrap()), "{l}");
        assert!(l["gap_points"].is_null() || l["gap_points"].is_number());
    }
    let lagging_count: u64 =
        ["滞后", "严重滞后", "未启动"].iter().map(|k| json["by_status"][*k].as_u64().unwrap()).sum();
    assert_eq!(lagging.len() as u64, lagging_count, "lagging lists every 滞后/严重滞后/未启动 task");
    assert!(json["missing_reports"].is_array());
    assert!(json["escalations"].is_array());
}

#[test]
fn default_period_is_the_latest_with_reports() {
    let json = stats_json(&[]);
    let latest = std::fs::read_dir(data_dir().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("20"))
        .max()
        .unwrap();
    assert_eq!(latest, "2023Q4");
    assert_eq!(json["period"], "2023Q4");
}

#[test]
fn by_unit_prints_a_table() {
    let root = common::root();
    let data = root.join("data");
    let out = common::ducha(&root, &["stats", "--data", data.to_str().unwrap(), "--period", "2023Q2", "--by", "unit"]);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "stats --by unit failed: {stderr}");
    assert!(stdout.contains("县农业农村局"), "no unit name in:\n{stdout}");
    assert!(stdout.contains("县贸促会"), "no unit name in:\n{stdout}");
    assert!(!stdout.trim_start().starts_with('{'), "a table, not JSON:\n{stdout}");
}

/// A copy of the bundled data in which `unit`'s report of `period` lists for `task` only
/// `验收报告.pdf`, a file in the evidence index (the bundled sample PDF) reviewed as `decision`
/// (`None`: not yet reviewed), under `evidence.rule: rule`.
fn variant(name: &str, period: &str, unit: &str, task: u64, rule: &str, decision: Option<&str>) -> PathBuf {
    let data = common::temp_dir(name).join("data");
    common::copy_dir(&common::root().join("data"), &data);
    // The report: the task's entry lists only the indexed file.
    let dir = data.join("reports").join(period);
    let report = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .find(|p| {
            let r = read_yaml(p);
            r["unit"].as_str() == Some(unit) && list(&r["entries"]).iter().any(|e| e["task"].as_u64() == Some(task))
        })
        .unwrap_or_else(|| panic!("{unit} reports task {task} in {period}"));
    let mut r = read_yaml(&report);
    for e in r["entries"].as_sequence_mut().unwrap() {
        if e["task"].as_u64() == Some(task) {
            e["evidence"] = serde_yaml::from_str("[验收报告.pdf]").unwrap();
        }
    }
    std::fs::write(&report, serde_yaml::to_string(&r).unwrap()).unwrap();
    // The index: one record for the task (added to the unit's index when there is one).
    let sha = "4a16e744795d4e7bea0e161b39151b79bb9f7dece33852b649bcef599ccbdf01";
    let object = data.join("evidence/objects").join(&sha[..2]).join(sha);
    let size = std::fs::metadata(&object).unwrap().len();
    let index = data.join("evidence/index").join(period).join(format!("{unit}.yaml"));
    let mut idx: Y = if index.exists() {
        read_yaml(&index)
    } else {
        serde_yaml::from_str(&format!("unit: {unit}\nperiod: {period}\nfiles: []\n")).unwrap()
    };
    let mut record = format!(
        "sha256: {sha}\nname: 验收报告.pdf\ntype: pdf\nsize: {size}\ntask: {task}\nuploaded_by: {unit}\n\
         uploaded_at: 2024-01-08 09:30:00\n"
    );
    if let Some(d) = decision {
        record += &format!(
            "decision: {d}\nreason: 盖章不清，请重新扫描\nreviewed_by: 督查室\nreviewed_at: 2024-01-08 10:15:00\n"
        );
    }
    idx["files"].as_sequence_mut().unwrap().push(serde_yaml::from_str(&record).unwrap());
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    std::fs::write(&index, serde_yaml::to_string(&idx).unwrap()).unwrap();
    let office = data.join("office.yaml");
    let text = std::fs::read_to_string(&office).unwrap();
    std::fs::write(&office, format!("{text}\nevidence:\n  rule: {rule}\n")).unwrap();
    data
}

/// The status oracle honours the office's reviews (docs/rules.md §21): a task completed by
/// evidence in the bundled data, given instead only one indexed file, is recounted here from
/// the index YAML and compared, quarter by quarter, with `ducha stats --json` — its only file
/// returned: not 已完成 under either rule (and flagged as met without evidence); not yet
/// reviewed: 已完成 under `submitted`, not under `accepted`; accepted: 已完成 under `accepted`.
#[test]
fn review_decisions_decide_evidence_in_the_recount() {
    let year = recompute_year(4);
    let (_, tasks) = plan();
    // The first single-lead task that became 已完成 in some quarter with evidence listed.
    let (task, quarter) = tasks
        .iter()
        .filter(|t| t.leads.len() == 1)
        .find_map(|t| {
            (1..=4u32)
                .find(|&q| {
                    let now = year[q as usize - 1][&t.number].status == "已完成";
                    let before = q > 1 && year[q as usize - 2][&t.number].status == "已完成";
                    let reps = reports(&format!("2023Q{q}"));
                    let listed = entry(&reps, &t.leads[0], t.number)
                        .is_some_and(|e| e["evidence"].as_sequence().is_some_and(|v| !v.is_empty()));
                    now && !before && listed
                })
                .map(|q| (t.clone(), q))
        })
        .expect("a task completed with evidence in the bundled data");
    let period = format!("2023Q{quarter}");
    let unit = task.leads[0].clone();
    let cases: [(&str, Option<&str>, bool); 5] = [
        ("submitted", Some("退回"), false),
        ("accepted", Some("退回"), false),
        ("submitted", None, true),
        ("accepted", None, false),
        ("accepted", Some("采信"), true),
    ];
    for (rule, decision, completed) in cases {
        let what = format!("task {} in {period}, its only file {decision:?}, rule {rule}", task.number);
        let data = variant(&format!("stats-review-{rule}"), &period, &unit, task.number, rule, decision);
        DATA.with(|d| *d.borrow_mut() = data);
        // The independent recount says what the rule says …
        let status = recompute_year(quarter).last().unwrap()[&task.number].status;
        assert_eq!(status == "已完成", completed, "{what}: recounted {status}");
        // … and the binary's figures agree with it in every quarter.
        for q in 1..=4 {
            compare_with_recomputation(q);
        }
        let json = stats_json(&["--period", &period]);
        let flagged = json["evidence_missing"].as_array().unwrap().iter().any(|n| n.as_u64() == Some(task.number));
        assert_eq!(flagged, !completed, "{what}: evidence_missing {}", json["evidence_missing"]);
    }
}
