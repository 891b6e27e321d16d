//! `ducha check` on invalid fixtures: each defect gives its expected message and location
//! (snapshots of stderr under tests/fixtures/invalid/<case>/expected.stderr; DUCHA_BLESS=1 updates them).

mod common;

use common::*;

/// Copies the minimal data set and overlays the case's files; returns the temp root.
fn prepare(case: &str, overlay: &str) -> std::path::PathBuf {
    let tmp = temp_dir(&format!("check-{case}"));
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let over = root().join(overlay);
    for entry in walkdir::WalkDir::new(&over) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && entry.file_name() != "expected.stderr" {
            let rel = entry.path().strip_prefix(&over).unwrap();
            std::fs::create_dir_all(data.join(rel).parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), data.join(rel)).unwrap();
        }
    }
    tmp
}

fn check_case(case: &str, must_contain: &[&str]) {
    let dir = format!("tests/fixtures/invalid/{case}");
    let tmp = prepare(case, &dir);
    let out = ducha(&tmp, &["check", "--data", "data"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{case}: expected exit 1\n{stderr}");
    for needle in must_contain {
        assert!(stderr.contains(needle), "{case}: stderr lacks {needle:?}:\n{stderr}");
    }
    assert_snapshot(&root().join(&dir).join("expected.stderr"), &stderr);
    let _ = std::fs::remove_dir_all(tmp);
}

const FILE: &str = "data/reports/2023Q1/县科技局.yaml";

#[test]
fn yaml_syntax() {
    check_case("yaml_syntax", &["YAML 格式错误", FILE]);
}

#[test]
fn wrong_type() {
    check_case("wrong_type", &["类型错误", "应为数字", &format!("{FILE}:9:")]);
}

#[test]
fn duplicate_task() {
    check_case("duplicate_task", &["第 1 项任务在本报告中重复填报", &format!("{FILE}:9:")]);
}

#[test]
fn unknown_task() {
    check_case("unknown_task", &["任务编号 88 不存在", &format!("{FILE}:5:11"), "1–3"]);
}

#[test]
fn unknown_unit() {
    check_case("unknown_unit", &["计划中没有单位 “县科技局局”", "是否应为 “县科技局”", &format!("{FILE}:1:7")]);
}

#[test]
fn not_lead() {
    check_case("not_lead", &["县科技局 不是第 3 项任务", "县工业和信息化局", &format!("{FILE}:5:")]);
}

#[test]
fn empty_field() {
    check_case("empty_field", &["`progress` 为空", &format!("{FILE}:6:")]);
}

#[test]
fn date_outside() {
    check_case("date_outside", &["不在 2023Q1 的报送时段内", &format!("{FILE}:3:12")]);
}

#[test]
fn unknown_field() {
    check_case("unknown_field", &["未知字段 `progres`", "是否应为 `progress`", &format!("{FILE}:6:")]);
}

#[test]
fn empty_file() {
    check_case("empty_file", &["文件为空", FILE]);
}

#[test]
fn non_utf8() {
    check_case("non_utf8", &["不是 UTF-8 编码", &format!("{FILE}:1:7")]);
}

#[test]
fn bom_is_accepted() {
    let tmp = prepare("bom", "tests/fixtures/valid_bom");
    let out = ducha(&tmp, &["check", "--data", "data"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("数据校验通过"), "{stdout}");
}

#[test]
fn warnings_do_not_fail() {
    let tmp = prepare("warnings", "tests/fixtures/warnings");
    let out = ducha(&tmp, &["check", "--data", "data"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for needle in [
        "晚于截止日 2023-07-05（迟报）",
        "县工业和信息化局 未报送 2023Q2",
        "自评第 1 项任务“已完成”，但数值未达目标",
        "累计数值从 2023Q1 的 4 降到 2023Q2 的 3",
    ] {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}:\n{stderr}");
    }
}

#[test]
fn usage_error_exits_2() {
    let tmp = temp_dir("usage");
    let out = ducha(&tmp, &["check", "--period", "2023Q9"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A plan of `n` tasks, all led by 县科技局, each with one count target of 10 家.
fn plan_of(n: u32) -> String {
    let mut s = String::from(
        "title: 测试县2023年重点工作任务\nyear: 2023\nsections:\n  - number: 1\n    title: 创新驱动\n    tasks:\n",
    );
    for k in 1..=n {
        s.push_str(&format!(
            "      - number: {k}\n        title: 任务{k}\n        text: 任务{k}。\n        lead_units: [县科技局]\n        targets:\n          - text: 完成 10 家\n            kind: count\n            value: 10\n            unit: 家\n            comparison: at_least\n"
        ));
    }
    s
}

/// A report of five entries whose `progress: |` narratives hold lines that look like list
/// items (`- task: 9`, `- number: 2`); entry five carries `fifth` as its extra line. Returns the
/// text and the line of the fifth entry's `- task:`.
fn report_with_lookalikes(fifth: &str) -> (String, usize) {
    let mut s = String::from("unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\nentries:\n");
    let mut fifth_line = 0;
    for k in 1..=5 {
        if k == 5 {
            fifth_line = s.lines().count() + 1;
        }
        s.push_str(&format!("  - task: {k}\n    progress: |\n      本季度进展：\n      - task: 9 这一行是叙述，不是条目\n      - number: 2\n        claim: 不是字段\n"));
        s.push_str("    values:\n      - target: 1\n        value: 3\n");
        if k == 5 {
            s.push_str(fifth);
        }
    }
    (s, fifth_line)
}

/// Every `--> file:line:col` of `stderr`, as printed.
fn pointed_files(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .map(|l| l.rsplitn(3, ':').nth(2).unwrap_or(l).to_string())
        .collect()
}

/// Messages name files as the user can open them from where ducha ran (issue #22 §6): with
/// `--data` outside the working directory the path is absolute (on main it was `xdata/…`, which
/// exists neither there nor absolutely, and, run from a folder with a `data/` of its own, named
/// that folder's file); under it, relative to it, also for `--data .` and `./…/../…`.
#[test]
fn message_paths_open_the_file_from_the_working_directory() {
    let tmp = prepare("paths", "tests/fixtures/invalid/unknown_task");
    let xdata = tmp.join("elsewhere/xdata");
    std::fs::create_dir_all(xdata.parent().unwrap()).unwrap();
    std::fs::rename(tmp.join("data"), &xdata).unwrap();
    // The working directory has a valid data/ of its own, with the same file names.
    let office = tmp.join("office");
    copy_dir(&root().join("tests/fixtures/minimal"), &office.join("data"));
    let xdata_abs = xdata.to_str().unwrap().to_string();
    for (cwd, data, expected) in [
        (office.clone(), xdata_abs.clone(), format!("{xdata_abs}/reports/2023Q1/县科技局.yaml")),
        (tmp.join("elsewhere"), "xdata".to_string(), "xdata/reports/2023Q1/县科技局.yaml".to_string()),
        (tmp.join("elsewhere"), "./xdata/../xdata".to_string(), "xdata/reports/2023Q1/县科技局.yaml".to_string()),
        (xdata.clone(), ".".to_string(), "reports/2023Q1/县科技局.yaml".to_string()),
        (xdata.join("reports"), "..".to_string(), "2023Q1/县科技局.yaml".to_string()),
    ] {
        let out = ducha(&cwd, &["check", "--data", &data]);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{data}: {stderr}");
        assert!(stderr.contains("任务编号 88 不存在"), "{stderr}");
        let files = pointed_files(&stderr);
        assert!(files.contains(&expected), "--data {data} from {}: {files:?}\n{stderr}", cwd.display());
        for f in &files {
            let opened = std::fs::read_to_string(cwd.join(f)).unwrap_or_default();
            assert!(opened.contains("task: 88"), "{f} from {} is not the file with the error", cwd.display());
        }
    }
    let _ = std::fs::remove_dir_all(tmp);
}

fn run_lookalike_case(name: &str, fifth: &str) -> (String, usize) {
    let tmp = temp_dir(&format!("check-{name}"));
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    std::fs::remove_dir_all(data.join("reports")).unwrap();
    std::fs::create_dir_all(data.join("reports/2023Q1")).unwrap();
    std::fs::write(data.join("plan.yaml"), plan_of(5)).unwrap();
    let (report, line) = report_with_lookalikes(fifth);
    std::fs::write(data.join("reports/2023Q1/县科技局.yaml"), report).unwrap();
    let out = ducha(&tmp, &["check", "--data", "data"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{name}: expected exit 1\n{stderr}");
    let _ = std::fs::remove_dir_all(tmp);
    (stderr, line)
}

#[test]
fn fifth_entry_error_names_its_line_despite_lookalike_narratives() {
    // A semantic error (located through the span mirror): an unknown claim in entry five.
    let (stderr, line) = run_lookalike_case("lookalike-claim", "    claim: 好得很\n");
    let claim_line = line + 9;
    assert!(stderr.contains("单位自评 “好得很” 不是有效的状态"), "{stderr}");
    assert!(stderr.contains(&format!("{FILE}:{claim_line}:12")), "expected {FILE}:{claim_line}:12\n{stderr}");
    assert!(stderr.contains(&format!("{claim_line} |     claim: 好得很")), "{stderr}");
    assert!(stderr.contains("共 1 个错误"), "{stderr}");

    // A value error found by the parser: a word where a number belongs, in entry five.
    let (stderr, line) = run_lookalike_case("lookalike-value", "      - target: 1\n        value: 四家\n");
    let value_line = line + 10;
    assert!(stderr.contains("应为数字"), "{stderr}");
    assert!(stderr.contains(&format!("{FILE}:{value_line}:16")), "expected {FILE}:{value_line}:16\n{stderr}");
}

#[test]
fn negative_value() {
    // A negative cumulative figure is an input error at its line, not a silent 未启动.
    check_case("negative_value", &["累计完成数值 -4 为负数", &format!("{FILE}:13:16")]);
}

#[test]
fn bad_timezone() {
    check_case("bad_timezone", &["办公地时区 `timezone: Beijing` 无法识别", "data/office.yaml:", "Asia/Shanghai"]);
}
