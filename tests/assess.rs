//! `ducha assess` (docs/rules.md §17) on the bundled data, run as the binary and read back with
//! readers not written here:
//!
//! - `tests/assess_oracle.py` (PyYAML, openpyxl, pdftotext; none of ducha's rule code) recomputes
//!   every unit's score, rank and 等次 from the data files and the rules — the defaults and a
//!   second `assessment.yaml` with other numbers — taking the task statuses from `ducha ledger` /
//!   `ducha stats --json` and recomputing lateness from the report files; it walks every line of
//!   every 扣分明细 back to its event (a task the unit leads with that status, a report file
//!   submitted after its deadline, a quarter without a required report) and checks no expected
//!   line is missing; and it reads the PDF and the .xlsx back against the JSON.
//! - The sheet is complete for 2023: every lead unit scored, the others listed as not scored.
//! - Two runs give byte-identical files; `--json` prints the file's JSON.
//! - `--rules` prints the defaults as an `assessment.yaml` that reads back to the same rules.
//! - Bad rules files (unknown key, a band out of order, a non-number, a positive late penalty)
//!   give located Chinese errors from `assess` and `check`, exit 1, and nothing written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_dir, ducha, root, temp_dir, text};
use serde_json::Value;

const AS_OF: &str = "2024-01-20";

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A copy of the bundled data in a fresh temp dir: (temp dir, data dir).
fn bundled(name: &str) -> (PathBuf, PathBuf) {
    let tmp = temp_dir(name);
    let data = tmp.join("data");
    copy_dir(&root().join("data"), &data);
    (tmp, data)
}

/// Runs `ducha assess --json` into `<tmp>/<out>`; the parsed stdout.
fn assess(tmp: &Path, out: &str) -> Value {
    assess_at(tmp, out, AS_OF)
}

/// Runs `ducha assess --json --as-of <as_of>` into `<tmp>/<out>`; the parsed stdout.
fn assess_at(tmp: &Path, out: &str, as_of: &str) -> Value {
    let o = ducha(tmp, &["assess", "--data", "data", "--as-of", as_of, "--json", "--out", out]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "assess failed: {stderr}");
    serde_json::from_str(&stdout).expect("JSON on stdout")
}

/// `ducha assess`, `ducha stats --json` and `ducha ledger` on `<tmp>/data`, then the oracle.
fn oracle(tmp: &Path) -> (Value, String) {
    oracle_at(tmp, AS_OF)
}

/// [`oracle`] with the assessment date `as_of`.
fn oracle_at(tmp: &Path, as_of: &str) -> (Value, String) {
    let got = assess_at(tmp, "out", as_of);
    let period = got["period"].as_str().unwrap().to_owned();
    let o = ducha(tmp, &["stats", "--data", "data", "--period", &period, "--json"]);
    assert!(o.status.success(), "{}", text(&o).1);
    std::fs::write(tmp.join("stats.json"), &o.stdout).unwrap();
    let o = ducha(tmp, &["ledger", "--data", "data", "--out", "ledger.xlsx"]);
    assert!(o.status.success(), "{}", text(&o).1);
    std::fs::write(tmp.join("assess.json"), serde_json::to_vec(&got).unwrap()).unwrap();
    let folder = tmp.join("out/2023/考核");
    let o = Command::new("python3")
        .arg(root().join("tests/assess_oracle.py"))
        .args([s(&tmp.join("data")), s(&tmp.join("stats.json")), s(&tmp.join("ledger.xlsx"))])
        .args([s(&tmp.join("assess.json")), s(&folder)])
        .output()
        .expect("python3 runs tests/assess_oracle.py");
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "the oracle disagrees:\n{stdout}\n{stderr}");
    (got, stdout)
}

/// The number of lines the oracle walked, from its summary line.
fn walked(summary: &str) -> usize {
    let line = summary.lines().find(|l| l.starts_with("oracle:")).expect("summary line");
    line.split(", ").nth(1).and_then(|p| p.split(' ').next()).and_then(|n| n.parse().ok()).expect("walked count")
}

#[test]
fn default_rules_agree_with_the_oracle_and_the_sheet_is_complete() {
    let (tmp, _) = bundled("assess-default");
    let (got, summary) = oracle(&tmp);
    assert_eq!(got["period"], "2023Q4");
    assert_eq!(got["as_of"], AS_OF);
    assert_eq!(got["rules"]["source"], Value::Null, "no assessment.yaml: the defaults");
    // Complete: every lead unit of the plan, read here from the YAML, is scored.
    let plan: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(tmp.join("data/plan.yaml")).unwrap()).unwrap();
    let mut leads: Vec<String> = Vec::new();
    for sec in plan["sections"].as_sequence().unwrap() {
        for t in sec["tasks"].as_sequence().unwrap() {
            for u in t["lead_units"].as_sequence().into_iter().flatten() {
                let u = u.as_str().unwrap().to_owned();
                if !leads.contains(&u) {
                    leads.push(u);
                }
            }
        }
    }
    let units = got["units"].as_array().unwrap();
    assert_eq!(units.len(), leads.len());
    let mut scored: Vec<&str> = units.iter().map(|u| u["unit"].as_str().unwrap()).collect();
    scored.sort();
    let mut want: Vec<&str> = leads.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(scored, want);
    // The bundled year has lagging tasks, late reports and orders closed late or returned: the walk
    // covered real lines of each kind.
    let kinds: Vec<&str> =
        units.iter().flat_map(|u| u["lines"].as_array().unwrap()).map(|l| l["kind"].as_str().unwrap()).collect();
    for k in ["task_status", "report_late", "report_missing", "order_closed_late", "order_returned"] {
        assert!(kinds.contains(&k), "no {k} line: {kinds:?}");
    }
    assert_eq!(walked(&summary), kinds.len());
    for f in ["考核得分汇总表.pdf", "考核得分汇总表.xlsx", "考核结果.json"] {
        assert!(tmp.join("out/2023/考核").join(f).is_file(), "{f}");
    }
    // The file holds the JSON printed.
    let file: Value = serde_json::from_slice(&std::fs::read(tmp.join("out/2023/考核/考核结果.json")).unwrap()).unwrap();
    assert_eq!(file, got);
}

/// The lines of the order kinds in `got`, as (unit, kind, order).
fn order_lines(got: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for u in got["units"].as_array().unwrap() {
        for l in u["lines"].as_array().unwrap() {
            let k = l["kind"].as_str().unwrap();
            if k.starts_with("order_") {
                out.push((u["unit"].as_str().unwrap().into(), k.into(), l["order"].as_str().unwrap().into()));
            }
        }
    }
    out
}

#[test]
fn orders_come_from_the_register_and_agree_with_the_oracle() {
    // After 督办〔2024〕2号's deadline (2024-01-29): still open, returned once, waiting on the unit.
    let (tmp, _) = bundled("assess-orders");
    let (got, summary) = oracle_at(&tmp, "2024-03-01");
    let lines = order_lines(&got);
    let has = |unit: &str, kind: &str, order: &str| {
        lines.iter().any(|l| (l.0.as_str(), l.1.as_str(), l.2.as_str()) == (unit, kind, order))
    };
    assert!(has("县住房城乡建设局", "order_open_overdue", "督办〔2024〕2号"), "{lines:?}");
    assert!(has("县住房城乡建设局", "order_returned", "督办〔2024〕2号"), "{lines:?}");
    let unit = got["units"].as_array().unwrap().iter().find(|u| u["unit"] == "县住房城乡建设局").unwrap();
    assert!(unit["note"].as_str().unwrap().contains("督办事项逾期未办结1件"), "{}", unit["note"]);
    assert!(summary.contains(&format!("{} order lines", lines.len())), "{summary}");
    // Before the deadline the same item costs nothing yet but its 退回.
    let (tmp, _) = bundled("assess-orders-early");
    let (got, _) = oracle_at(&tmp, AS_OF);
    let lines = order_lines(&got);
    assert!(!lines.iter().any(|l| l.1 == "order_open_overdue"), "{lines:?}");
    // A later reply that the office has not reviewed yet: no longer the unit's delay.
    let (tmp, data) = bundled("assess-orders-replied");
    let file = data.join("orders/2024/db-002.yaml");
    let mut yaml = std::fs::read_to_string(&file).unwrap();
    yaml.push_str(
        "- at: 2024-02-05T10:00:00\n  by: 县住房城乡建设局\n  role: unit\n  action: reply\n  text: 已整改。\n",
    );
    std::fs::write(&file, &yaml).unwrap();
    let (got, _) = oracle_at(&tmp, "2024-03-01");
    let lines = order_lines(&got);
    assert!(!lines.iter().any(|l| l.1 == "order_open_overdue"), "{lines:?}");
    // Closed on that reply: 逾期办结, dated by the reply.
    yaml.push_str("- at: 2024-02-07T10:00:00\n  by: 王红梅\n  role: office\n  action: close\n  text: 予以办结。\n");
    std::fs::write(&file, &yaml).unwrap();
    let (got, _) = oracle_at(&tmp, "2024-03-01");
    let line = got["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["lines"].as_array().unwrap())
        .find(|l| l["kind"] == "order_closed_late" && l["order"] == "督办〔2024〕2号")
        .expect("closed late");
    assert_eq!((line["answered"].as_str(), line["closed"].as_str()), (Some("2024-02-05"), Some("2024-02-07")));
}

#[test]
fn other_rules_agree_with_the_oracle() {
    let (tmp, data) = bundled("assess-other");
    std::fs::write(
        data.join("assessment.yaml"),
        "# 另一套规则\nbase: 90\nfloor: 50\nstatus_points:\n  已完成: 1.5\n  超序时: 1\n  序时推进: -0.5\n  滞后: -3\n  严重滞后: -6\n  未启动: -7\n  其他: -0.25\nreports:\n  late: -0.3\n  missing: -1.2\norders:\n  closed_late: -1.5\n  open_overdue: -3\n  returned: -0.25\ngrades:\n  - name: 好\n    min: 92\n  - name: 较好\n    min: 88.5\n  - name: 一般\n    min: 80\nlowest: 差\nstep_down: false\n",
    )
    .unwrap();
    // Two units that only participate: listed as not scored, after the scored rows.
    let plan = std::fs::read_to_string(data.join("plan.yaml")).unwrap();
    assert!(plan.contains("participating_units: []"));
    let plan = plan.replacen("participating_units: []", "participating_units: [县科学技术协会, 县工商联]", 1);
    std::fs::write(data.join("plan.yaml"), plan).unwrap();
    let (got, summary) = oracle(&tmp);
    assert_eq!(got["not_scored"], serde_json::json!(["县科学技术协会", "县工商联"]));
    assert_eq!(got["rules"]["source"], "data/assessment.yaml");
    assert_eq!(got["rules"]["base"], 90);
    let kinds: Vec<&str> = got["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["lines"].as_array().unwrap())
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(walked(&summary), kinds.len());
    assert!(kinds.contains(&"order_returned") && kinds.contains(&"order_closed_late"), "{kinds:?}");
    // Positive points appear as 加分 with these rules.
    assert!(got["units"].as_array().unwrap().iter().any(|u| u["plus"].as_f64().unwrap() > 0.0));
    let grades: Vec<&str> = got["units"].as_array().unwrap().iter().map(|u| u["grade"].as_str().unwrap()).collect();
    assert!(grades.iter().all(|g| ["好", "较好", "一般", "差"].contains(g)), "{grades:?}");
}

#[test]
fn same_inputs_give_byte_identical_files() {
    let (tmp, _) = bundled("assess-bytes");
    assess(&tmp, "a");
    assess(&tmp, "b");
    for f in ["考核得分汇总表.pdf", "考核得分汇总表.xlsx", "考核结果.json"] {
        let a = std::fs::read(tmp.join("a/2023/考核").join(f)).unwrap();
        let b = std::fs::read(tmp.join("b/2023/考核").join(f)).unwrap();
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs between two runs");
    }
}

#[test]
fn as_of_defaults_to_the_office_clock() {
    let (tmp, _) = bundled("assess-clock");
    let o = Command::new(env!("CARGO_BIN_EXE_ducha"))
        .args(["assess", "--data", "data", "--json", "--out", "out"])
        .current_dir(&tmp)
        .env_remove("DUCHA_DATA")
        // 2024-01-19 23:30 UTC is already the 20th in Beijing.
        .env("DUCHA_NOW", "2024-01-19T23:30:00Z")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["as_of"], "2024-01-20");
}

#[test]
fn rules_flag_prints_the_defaults_as_a_rules_file() {
    let (tmp, data) = bundled("assess-rules");
    let o = ducha(&tmp, &["assess", "--data", "data", "--rules"]);
    let (printed, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    for want in [
        "base: 100",
        "序时推进: -1",
        "严重滞后: -4",
        "late: -0.1",
        "missing: -0.5",
        "open_overdue: -2",
        "\"优秀\"",
        "min: 95",
        "step_down: true",
    ] {
        assert!(printed.contains(want), "{want} not in\n{printed}");
    }
    assert!(!tmp.join("out").exists(), "--rules writes nothing");
    // Used as the data's assessment.yaml it gives the same scores as no file at all.
    let before = assess(&tmp, "x");
    std::fs::write(data.join("assessment.yaml"), &printed).unwrap();
    let o = ducha(&tmp, &["check", "--data", "data"]);
    assert!(o.status.success(), "{}", text(&o).1);
    let after = assess(&tmp, "y");
    assert_eq!(before["units"], after["units"]);
}

/// Writes `yaml` as the rules, runs `assess` and `check`: both exit 1 with every `want` in
/// stderr; nothing is written.
fn bad_rules(name: &str, yaml: &str, want: &[&str]) {
    let (tmp, data) = bundled(name);
    std::fs::write(data.join("assessment.yaml"), yaml).unwrap();
    for args in [&["assess", "--data", "data", "--as-of", AS_OF, "--out", "out"][..], &["check", "--data", "data"][..]]
    {
        let o = ducha(&tmp, args);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
        for w in want {
            assert!(stderr.contains(w), "{args:?}: {w} not in\n{stderr}");
        }
        assert!(!tmp.join("out").exists(), "{args:?} wrote something");
    }
}

#[test]
fn unknown_key_is_a_located_error() {
    bad_rules(
        "assess-bad-key",
        "base: 100\nphotos: 2\n",
        &["未知字段 `photos`", "data/assessment.yaml:2:1", "可用字段"],
    );
    bad_rules(
        "assess-bad-status",
        "status_points:\n  领导批示: 1\n",
        &["未知字段 `领导批示`", "data/assessment.yaml:2:3"],
    );
}

#[test]
fn band_out_of_order_is_a_located_error() {
    bad_rules(
        "assess-bad-band",
        "grades:\n  - name: 优秀\n    min: 95\n  - name: 良好\n    min: 96\n",
        &["等次顺序不对", "“良好”的最低分 96 不低于上一档“优秀”的 95", "data/assessment.yaml:5:10", "由高到低"],
    );
}

#[test]
fn non_number_is_a_located_error() {
    bad_rules("assess-bad-number", "reports:\n  late: 一分\n", &["类型错误：应为数字", "data/assessment.yaml:2:9"]);
}

#[test]
fn positive_penalty_and_every_problem_are_reported_in_one_run() {
    bad_rules(
        "assess-bad-many",
        "base: 100\nfloor: 120\nreports:\n  late: 0.1\norders:\n  returned: 1\nlowest: 优秀\n",
        &[
            "最低分 120 高于基础分 100",
            "data/assessment.yaml:2:8",
            "迟报的分值应为 0 或负数",
            "data/assessment.yaml:4:9",
            "督办事项退回的分值应为 0 或负数",
            "data/assessment.yaml:6:13",
            "最低一档 “优秀” 与 grades 中的等次重名",
        ],
    );
}
