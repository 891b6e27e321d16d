//! Acceptance of issue 3 on the bundled data: `ducha stats --period 2023Q2 --json` is checked
//! against figures recomputed here, independently, from the YAML files.
//!
//! The recomputation reads `data/plan.yaml`, `data/office.yaml` and `data/reports/2023Q{1,2}/*.yaml`
//! as plain `serde_yaml::Value`s and uses none of ducha's types or functions. It implements only the
//! rules of `src/status.rs` needed by the tasks it checks:
//!
//! - tasks without a lead unit → 其他; a task 已完成 in the previous quarter stays 已完成;
//!   no lead unit reported → 未报送; an `adjustment` → 其他;
//! - `count` / `amount` targets with `at_least` / `exactly`: progress = value ÷ target × 100 (one
//!   decimal) against 序时 (Q1 25 … Q4 100); met when value ≥ target (a met target stays met);
//!   a task with several targets takes the worst standing (a met target counts as at least
//!   序时推进); every figure zero → 未启动; no figure at all → 其他;
//! - milestone tasks: progress = 25 × highest milestone reached (kept from earlier quarters);
//! - tasks with neither: the unit's own `percent`, else its own `claim` (unverified);
//! - 已完成 needs every target met (last milestone reached, percent 100) **and** evidence listed by
//!   a lead unit in this period's report;
//! - thresholds `tolerance`, `yellow_max`, `ahead_margin` from `office.yaml`.
//!
//! Tasks with other target kinds (growth, level, ranges, 左右 …) are not recomputed; the test checks
//! every section and every lead unit whose tasks are all of the supported kinds, and requires that
//! these include section 六 (推动乡村全面振兴: count and amount targets, milestones, a completion, a
//! lagging and a not-started task) and the small units 县贸促会, 县交警大队 and 县地震监测中心.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as J;
use serde_yaml::Value as Y;

const LABELS: [&str; 8] = ["已完成", "超序时", "序时推进", "滞后", "严重滞后", "未启动", "未报送", "其他"];

// ---------------------------------------------------------------------------------------------
// Running the binary

fn stats_json(args: &[&str]) -> J {
    let root = common::root();
    let data = root.join("data");
    let mut all = vec!["stats", "--data", data.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = common::ducha(&root, &all);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "ducha {all:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stats --json is not JSON ({e}): {stdout}"))
}

// ---------------------------------------------------------------------------------------------
// The independent model

fn data_dir() -> PathBuf {
    common::root().join("data")
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
struct PlanTask {
    number: u64,
    section: u64,
    leads: Vec<String>,
    /// (kind, comparison, value)
    targets: Vec<(String, String, f64)>,
    has_milestones: bool,
}

impl PlanTask {
    /// Only tasks whose rules are implemented here are recomputed.
    fn supported(&self) -> bool {
        self.targets
            .iter()
            .all(|(k, c, _)| matches!(k.as_str(), "count" | "amount") && matches!(c.as_str(), "at_least" | "exactly"))
    }
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
                .map(|x| (str_of(&x["kind"]), str_of(&x["comparison"]), x["value"].as_f64().unwrap_or(f64::NAN)))
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

/// Units that sent at least one report file for the quarter.
fn reporting_units(reps: &[Y]) -> BTreeSet<String> {
    reps.iter().map(|r| str_of(&r["unit"])).collect()
}

/// The entry of `unit` for `task` (its first report mentioning the task).
fn entry<'a>(reps: &'a [Y], unit: &str, task: u64) -> Option<&'a Y> {
    reps.iter()
        .filter(|r| r["unit"].as_str() == Some(unit))
        .find_map(|r| r["entries"].as_sequence().and_then(|es| es.iter().find(|e| e["task"].as_u64() == Some(task))))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0 + 0.0
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

/// A task's state after a quarter, carried into the next one.
#[derive(Debug, Clone)]
struct State {
    status: &'static str,
    /// Per target: the progress (one decimal) with which it was met, if it was.
    met: Vec<Option<f64>>,
    /// Highest milestone reached (0 = none).
    milestone: u32,
}

fn evaluate(task: &PlanTask, quarter: u32, reps: &[Y], prev: Option<&State>, th: Th) -> State {
    assert!(quarter < 4, "the year-end rule is not implemented here");
    let c = 25.0 * f64::from(quarter);
    let leads: Vec<&Y> = task.leads.iter().filter_map(|u| entry(reps, u, task.number)).collect();

    // Standings of the count / amount targets (computed in every case so that met targets carry).
    #[derive(Clone, Copy)]
    enum Standing {
        NoFigure,
        Met(f64),
        NotMet { progress: f64, nothing: bool },
    }
    let standings: Vec<Standing> = task
        .targets
        .iter()
        .enumerate()
        .map(|(i, &(_, _, goal))| {
            let figure = leads.iter().find_map(|e| {
                e["values"]
                    .as_sequence()
                    .and_then(|vs| vs.iter().find(|v| v["target"].as_u64() == Some(i as u64 + 1)))
                    .and_then(|v| v["value"].as_f64())
            });
            let earlier = prev.and_then(|p| p.met[i]);
            match (figure, earlier) {
                (Some(v), _) if v >= goal => Standing::Met(round1(v / goal * 100.0)),
                (_, Some(p)) => Standing::Met(p),
                (Some(v), None) => Standing::NotMet { progress: round1(v / goal * 100.0), nothing: v <= 0.0 },
                (None, None) => Standing::NoFigure,
            }
        })
        .collect();
    let met: Vec<Option<f64>> =
        standings.iter().map(|s| if let Standing::Met(p) = s { Some(*p) } else { None }).collect();
    let milestone_now = leads
        .iter()
        .find_map(|e| e["milestone"].as_str().and_then(|m| m.strip_prefix('Q')).and_then(|q| q.parse::<u32>().ok()));
    let milestone = milestone_now.unwrap_or(0).max(prev.map_or(0, |p| p.milestone));
    let done = |status: &'static str| State { status, met: met.clone(), milestone };

    if task.leads.is_empty() {
        return done("其他");
    }
    if prev.is_some_and(|p| p.status == "已完成") {
        return done("已完成");
    }
    if leads.is_empty() {
        return done("未报送");
    }
    if leads.iter().any(|e| e["adjustment"].as_str().is_some_and(|a| !a.trim().is_empty())) {
        return done("其他");
    }
    let evidence = leads.iter().any(|e| e["evidence"].as_sequence().is_some_and(|v| !v.is_empty()));

    if !task.targets.is_empty() {
        let with_figure: Vec<Standing> =
            standings.iter().copied().filter(|s| !matches!(s, Standing::NoFigure)).collect();
        if with_figure.is_empty() {
            return done("其他");
        }
        let all_met = standings.iter().all(|s| matches!(s, Standing::Met(_)));
        if all_met && evidence {
            return done("已完成");
        }
        if with_figure.iter().all(|s| matches!(s, Standing::NotMet { nothing: true, .. })) {
            return done("未启动");
        }
        let mut status = "已完成";
        for st in with_figure {
            let contribution = match st {
                Standing::Met(p) => better(by_gap(round1(c - p), th), "序时推进"),
                Standing::NotMet { progress, .. } => by_gap(round1(c - progress), th),
                Standing::NoFigure => unreachable!(),
            };
            status = worse(status, contribution);
        }
        return done(status);
    }
    if task.has_milestones {
        let progress = 25.0 * f64::from(milestone.min(4));
        let gap = round1(c - progress);
        let status = if milestone >= 4 && evidence {
            "已完成"
        } else if milestone == 0 {
            "未启动"
        } else if milestone >= 4 {
            better(by_gap(gap, th), "序时推进")
        } else {
            by_gap(gap, th)
        };
        return done(status);
    }
    // Neither numbers nor milestones: the unit's own word.
    if let Some(pc) = leads.iter().find_map(|e| e["percent"].as_f64()) {
        let gap = round1(c - round1(pc));
        let status = if pc >= 100.0 && evidence {
            "已完成"
        } else if pc <= 0.0 {
            "未启动"
        } else if pc >= 100.0 {
            better(by_gap(gap, th), "序时推进")
        } else {
            by_gap(gap, th)
        };
        return done(status);
    }
    let status = match leads.iter().find_map(|e| claim_label(&e["claim"])).filter(|c| *c != "未报送") {
        Some("已完成") if evidence => "已完成",
        Some("已完成") => "序时推进",
        Some(other) => other,
        None => "其他",
    };
    done(status)
}

/// Every supported task's status in `quarter` of 2023 (earlier quarters evaluated for carry-over).
fn recompute(quarter: u32) -> BTreeMap<u64, &'static str> {
    let (_, tasks) = plan();
    let th = thresholds();
    let mut states: BTreeMap<u64, State> = BTreeMap::new();
    for q in 1..=quarter {
        let reps = reports(&format!("2023Q{q}"));
        let mut next = BTreeMap::new();
        for t in tasks.iter().filter(|t| t.supported()) {
            next.insert(t.number, evaluate(t, q, &reps, states.get(&t.number), th));
        }
        states = next;
    }
    states.into_iter().map(|(n, s)| (n, s.status)).collect()
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

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn q2_sections_and_units_match_an_independent_recomputation() {
    compare_with_recomputation(2);
}

/// Q3 as well: completions of Q2 (task 48) must be carried into Q3.
#[test]
fn q3_sections_and_units_match_an_independent_recomputation() {
    compare_with_recomputation(3);
}

fn compare_with_recomputation(quarter: u32) {
    let period = format!("2023Q{quarter}");
    let json = stats_json(&["--period", &period]);
    assert_eq!(json["period"].as_str(), Some(period.as_str()));
    let (sections, tasks) = plan();
    let statuses = recompute(quarter);

    // Sections whose tasks are all of the supported kinds.
    let mut checked_sections = Vec::new();
    for (number, title) in &sections {
        let in_section: Vec<&PlanTask> = tasks.iter().filter(|t| t.section == *number).collect();
        if !in_section.iter().all(|t| t.supported()) {
            continue;
        }
        let got = json["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["number"].as_u64() == Some(*number))
            .unwrap_or_else(|| panic!("section {number} missing from stats --json"));
        assert_eq!(got["title"].as_str(), Some(title.as_str()), "title of section {number}");
        assert_eq!(got["tasks"].as_u64(), Some(in_section.len() as u64), "task count of section {number}");
        let want = counts(in_section.iter().map(|t| statuses[&t.number]));
        let detail: Vec<String> = in_section.iter().map(|t| format!("{} {}", t.number, statuses[&t.number])).collect();
        assert_eq!(
            json_counts(&got["by_status"]),
            want,
            "by_status of section {number} ({title}); recomputed: {detail:?}"
        );
        eprintln!("{period} section {number} {title}: {} tasks, {detail:?}", in_section.len());
        checked_sections.push(*number);
    }
    assert!(checked_sections.contains(&6), "section 六 must be recomputable, checked {checked_sections:?}");

    // Lead units whose tasks are all supported; a task counts once for each of its lead units.
    let mut led: BTreeMap<String, Vec<&PlanTask>> = BTreeMap::new();
    for t in &tasks {
        for u in &t.leads {
            led.entry(u.clone()).or_default().push(t);
        }
    }
    let units = json["units"].as_array().expect("units");
    assert_eq!(units.len(), led.len(), "one row per lead unit");
    let mut checked_units = Vec::new();
    for (unit, its) in &led {
        let got = units
            .iter()
            .find(|u| u["name"].as_str() == Some(unit.as_str()))
            .unwrap_or_else(|| panic!("unit {unit} missing from stats --json"));
        assert_eq!(got["tasks"].as_u64(), Some(its.len() as u64), "task count of {unit}");
        if !its.iter().all(|t| t.supported()) {
            continue;
        }
        let want = counts(its.iter().map(|t| statuses[&t.number]));
        let detail: Vec<String> = its.iter().map(|t| format!("{} {}", t.number, statuses[&t.number])).collect();
        assert_eq!(json_counts(&got["by_status"]), want, "by_status of {unit}; recomputed: {detail:?}");
        eprintln!("{period} unit {unit}: {} tasks, {detail:?}", its.len());
        checked_units.push(unit.clone());
    }
    for unit in ["县贸促会", "县交警大队", "县地震监测中心", "县农业农村局"] {
        assert!(checked_units.iter().any(|u| u == unit), "{unit} must be recomputable, checked {checked_units:?}");
    }

    // 未报送 in the unit sense: a lead unit without any report file this quarter (every supported
    // task it leads still open) must be listed in missing_reports.
    let reps = reports(&period);
    let reporting = reporting_units(&reps);
    let missing: Vec<&str> = json["missing_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().or_else(|| m["unit"].as_str()).expect("a unit name"))
        .collect();
    for unit in &checked_units {
        let open = led[unit].iter().any(|t| statuses[&t.number] != "已完成");
        if open && !reporting.contains(unit) {
            assert!(missing.contains(&unit.as_str()), "{unit} sent no report for {period} but is not in {missing:?}");
        }
        if reporting.contains(unit) {
            assert!(!missing.contains(&unit.as_str()), "{unit} reported but is listed as missing");
        }
    }
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
