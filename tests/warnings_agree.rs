//! Warnings on stderr come from the same evaluation as the figures: what `ducha check` warns as
//! 未报送 / 迟报 is exactly what `ducha stats --json` lists in `missing_reports` / `late_reports`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn minimal(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    data
}

fn stats_json(tmp: &Path, period: &str) -> (serde_json::Value, String) {
    let out = ducha(tmp, &["stats", "--data", "data", "--period", period, "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")), stderr)
}

fn check_stderr(tmp: &Path, period: &str) -> String {
    let out = ducha(tmp, &["check", "--data", "data", "--period", period]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

fn names(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x["unit"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn unit_whose_only_task_a_co_lead_completed_is_not_warned_missing() {
    let tmp = temp_dir("agree-colead");
    let data = minimal(&tmp);
    // 县财政局 becomes co-lead of task 1 and leads nothing else.
    let plan = std::fs::read_to_string(data.join("plan.yaml")).unwrap().replacen(
        "lead_units: [县科技局]\n        participating_units: []",
        "lead_units: [县科技局, 县财政局]\n        participating_units: []",
        1,
    );
    std::fs::write(data.join("plan.yaml"), plan).unwrap();
    // Q1: 县科技局 completes task 1 (15 of 15, with evidence).
    let q1 = std::fs::read_to_string(data.join("reports/2023Q1/县科技局.yaml"))
        .unwrap()
        .replace("        value: 4\n", "        value: 15\n    evidence: [名单.pdf]\n");
    std::fs::write(data.join("reports/2023Q1/县科技局.yaml"), q1).unwrap();
    // Q2: the other units report; 县财政局 sends nothing (its only task is already done).
    std::fs::create_dir_all(data.join("reports/2023Q2")).unwrap();
    std::fs::write(
        data.join("reports/2023Q2/县科技局.yaml"),
        "unit: 县科技局\nperiod: 2023Q2\nsubmitted: 2023-07-03\nentries:\n  - task: 2\n    progress: 平台上线。\n    milestone: Q2\n",
    )
    .unwrap();
    std::fs::write(
        data.join("reports/2023Q2/县工业和信息化局.yaml"),
        "unit: 县工业和信息化局\nperiod: 2023Q2\nsubmitted: 2023-07-03\nentries:\n  - task: 3\n    progress: 增长。\n    values:\n      - target: 1\n        value: 6\n",
    )
    .unwrap();

    // Q1: 县财政局 had to report (task 1 was open): JSON and stderr both say 未报送.
    let (q1, _) = stats_json(&tmp, "2023Q1");
    assert_eq!(names(&q1, "missing_reports"), vec!["县财政局"]);
    assert!(check_stderr(&tmp, "2023Q1").contains("县财政局 未报送 2023Q1"));

    // Q2: task 1 was 已完成 in Q1, so 县财政局 need not report: neither says 未报送.
    let (q2, stats_err) = stats_json(&tmp, "2023Q2");
    assert_eq!(names(&q2, "missing_reports"), Vec::<String>::new(), "{q2}");
    let unit = q2["units"].as_array().unwrap().iter().find(|u| u["name"] == "县财政局").unwrap();
    assert_eq!(unit["reporting"], "not_required");
    let check_err = check_stderr(&tmp, "2023Q2");
    for err in [&stats_err, &check_err] {
        assert!(!err.contains("县财政局 未报送 2023Q2"), "{err}");
    }
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn split_report_is_late_only_when_its_first_file_is() {
    let tmp = temp_dir("agree-split");
    let data = minimal(&tmp);
    // 县科技局 sends task 1 on time (2023-04-03) and task 2 in a second file after the deadline.
    let q1 = std::fs::read_to_string(data.join("reports/2023Q1/县科技局.yaml")).unwrap();
    let (head, rest) = q1.split_once("  - task: 2\n").unwrap();
    std::fs::write(data.join("reports/2023Q1/县科技局.yaml"), head).unwrap();
    std::fs::write(
        data.join("reports/2023Q1/县科技局-补报.yaml"),
        format!("unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-20\nentries:\n  - task: 2\n{rest}"),
    )
    .unwrap();
    let (q1, stats_err) = stats_json(&tmp, "2023Q1");
    let unit = q1["units"].as_array().unwrap().iter().find(|u| u["name"] == "县科技局").unwrap();
    assert_eq!(unit["reporting"], "on_time", "{unit}");
    assert_eq!(names(&q1, "late_reports"), Vec::<String>::new());
    let check_err = check_stderr(&tmp, "2023Q1");
    for err in [&stats_err, &check_err] {
        assert!(!err.contains("迟报"), "a split report whose first file was on time is not late:\n{err}");
    }

    // Both files late: one warning, at the earliest file's `submitted:`, as the JSON says.
    let first = data.join("reports/2023Q1/县科技局.yaml");
    let text = std::fs::read_to_string(&first).unwrap().replace("submitted: 2023-04-03", "submitted: 2023-04-10");
    std::fs::write(&first, text).unwrap();
    let (q1, _) = stats_json(&tmp, "2023Q1");
    assert_eq!(names(&q1, "late_reports"), vec!["县科技局"]);
    assert_eq!(q1["late_reports"][0]["submitted"], "2023-04-10");
    let check_err = check_stderr(&tmp, "2023Q1");
    assert_eq!(check_err.matches("（迟报）").count(), 1, "{check_err}");
    assert!(
        check_err.contains("县科技局 的 2023Q1 报告于 2023-04-10 报送，晚于截止日 2023-04-05（迟报）"),
        "{check_err}"
    );
    assert!(check_err.contains("--> data/reports/2023Q1/县科技局.yaml:3:12"), "{check_err}");
    let _ = std::fs::remove_dir_all(tmp);
}
