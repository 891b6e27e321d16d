//! No silent tofu anywhere: a character that no bundled font has is an error at its own file,
//! line and column, for every printed field — office.yaml, the plan's title and 文号, unit names,
//! report contacts, notice.md — under a data directory that is not called `data/`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// U+20000 (CJK Extension B): in none of the bundled fonts.
const TOFU: char = '𠀀';

const OFFICE: &str = "county: 测试县
issuer:
  name: 测试县人民政府办公室
  mark: 测试县人民政府办公室文件
  short: 测政办字
supervision_office: 测试县人民政府督查室
briefing_name: 督查通报
notice_numbers: {2023Q1: 5}
issue_dates: {2023Q1: 2023-04-14}
recipients: 各镇人民政府，县政府各部门
cc: [县委办公室, 县𠀀办]
briefing_to:
  report: [县委书记𠀀]
leader_to: [县政府领导𠀀同志。]
note: （此件𠀀公开发布）
secret: 秘密𠀀1年
report_deadline_days: 5
";

/// The minimal data set copied to `<tmp>/县域数据/` (not `data/`), with U+20000 in many fields.
fn tofu_data(tmp: &Path) -> PathBuf {
    let data = tmp.join("县域数据");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    std::fs::write(data.join("office.yaml"), OFFICE).unwrap();
    let plan = std::fs::read_to_string(data.join("plan.yaml")).unwrap();
    let plan = plan
        .replace("title: 测试县2023年重点工作任务", "title: 测试县2023年重点工作任务𠀀")
        .replace("doc_number: 测政办发〔2023〕1号", "doc_number: 测政办发〔2023〕𠀀1号")
        .replace("participating_units: [县财政局]", "participating_units: [县财𠀀局]");
    std::fs::write(data.join("plan.yaml"), plan).unwrap();
    let report_file = data.join("reports/2023Q1/县科技局.yaml");
    let report = std::fs::read_to_string(&report_file)
        .unwrap()
        .replace("reviewed_by: 李华（副局长）", "reviewed_by: 李𠀀（副局长）");
    std::fs::write(&report_file, report).unwrap();
    std::fs::write(
        data.join("reports/2023Q1/notice.md"),
        "## 存在问题（补充）\n\n个别单位材料不全。\n\n请𠀀单位补报。\n",
    )
    .unwrap();
    data
}

/// The `file:line:column` of the first `TOFU` at or after `needle` in `text`.
fn place_of(text: &str, needle: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(b) = line.find(needle) {
            let col = line[..b].chars().count() + line[b..].chars().position(|c| c == TOFU).unwrap() + 1;
            return (i + 1, col);
        }
    }
    panic!("{needle} not in text");
}

#[test]
fn missing_glyphs_in_every_printed_field_are_located_in_their_own_files() {
    let tmp = temp_dir("glyph-fields");
    let data = tofu_data(&tmp);
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out", "--only", "notice"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!tmp.join("out").exists(), "nothing may be written");
    assert!(!stderr.contains("data/"), "no hard-coded data/ path:\n{stderr}");

    let read = |name: &str| std::fs::read_to_string(data.join(name)).unwrap();
    let office = read("office.yaml");
    let plan = read("plan.yaml");
    let report = read("reports/2023Q1/县科技局.yaml");
    let notice = read("reports/2023Q1/notice.md");
    let cases: Vec<(&str, &str, &str)> = vec![
        ("县域数据/office.yaml", &office, "县𠀀办"),
        ("县域数据/office.yaml", &office, "县委书记𠀀"),
        ("县域数据/office.yaml", &office, "县政府领导𠀀"),
        ("县域数据/office.yaml", &office, "（此件𠀀"),
        ("县域数据/office.yaml", &office, "秘密𠀀"),
        ("县域数据/plan.yaml", &plan, "重点工作任务𠀀"),
        ("县域数据/plan.yaml", &plan, "〔2023〕𠀀"),
        ("县域数据/plan.yaml", &plan, "县财𠀀局"),
        ("县域数据/reports/2023Q1/县科技局.yaml", &report, "李𠀀"),
        ("县域数据/reports/2023Q1/notice.md", &notice, "请𠀀"),
    ];
    for (file, text, needle) in &cases {
        let (line, col) = place_of(text, needle);
        let at = format!("--> {file}:{line}:{col}");
        assert!(stderr.contains(&at), "missing {at} (for {needle}):\n{stderr}");
    }
    // One error per place, not one per role or per repetition.
    let errors = stderr.matches("U+20000").count();
    assert_eq!(errors, cases.len(), "{stderr}");
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn a_clean_data_dir_elsewhere_builds() {
    // The same data without the rare character builds: the check is what stopped it above.
    let tmp = temp_dir("glyph-clean");
    let data = tofu_data(&tmp);
    for entry in walkdir::WalkDir::new(&data) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let t = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(entry.path(), t.replace(TOFU, "")).unwrap();
        }
    }
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out", "--only", "notice"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(tmp.join("out/2023Q1/季度进展情况通报.pdf").is_file());
    let _ = std::fs::remove_dir_all(tmp);
}
