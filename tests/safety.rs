//! User text is never code; bad input never loses earlier outputs; characters without a glyph
//! stop the build with a located error.

mod common;

use std::path::Path;

use common::*;

const INJECTIONS: &[&str] = &[
    "#read(\"/etc/passwd\")",
    "#panic(\"x\")",
    "$x$",
    "<a>",
    "@b",
    "a\\b",
    "//",
    "/* */",
    "[x]",
    "{{ x }}",
    "{% x %}",
];

/// The minimal data set with task 1 completed and a narrative full of Typst and Jinja syntax.
fn hostile_data(tmp: &Path) -> std::path::PathBuf {
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let mut narrative = String::from("培育库入库企业 23 家，*c* 与 _d_ 为 Markdown 强调。\n\n");
    for s in INJECTIONS {
        narrative.push_str(&format!("原文照录 {s} 。\n\n"));
    }
    let yaml_block: String = narrative.lines().map(|l| format!("      {l}\n")).collect();
    let problems = INJECTIONS.join(" ");
    let report = format!(
        "unit: 县科技局\nperiod: 2023Q1\nsubmitted: 2023-04-03\ncontact: '{c}'\nentries:\n  - task: 1\n    claim: 已完成\n    progress: |\n{yaml_block}    values:\n      - target: 1\n        value: 15\n    evidence: [名单.pdf]\n  - task: 2\n    progress: 制定方案。\n    milestone: Q1\n",
        c = "#panic(\"x\") [x]",
    );
    std::fs::write(data.join("reports/2023Q1/县科技局.yaml"), report).unwrap();
    // Task 3 lags seriously, so it gets a 督办通知单 that prints 存在问题 and 联系人 as plain text.
    let report3 = format!(
        "unit: 县工业和信息化局\nperiod: 2023Q1\nsubmitted: 2023-04-04\ncontact: '{c}'\nphone: '0635 #1'\nentries:\n  - task: 3\n    progress: 专利授权量同比下降。\n    problems: '{p}'\n    values:\n      - target: 1\n        value: -5\n",
        c = "@b <a> $x$",
        p = problems.replace('\'', "''"),
    );
    std::fs::write(data.join("reports/2023Q1/县工业和信息化局.yaml"), report3).unwrap();
    // Unit names in office.yaml (抄送) are plain text too.
    let office = std::fs::read_to_string(data.join("office.yaml")).unwrap();
    let office = office.replace("cc: [县委办公室]", "cc: ['县委办公室', '#read(\"/etc/passwd\")', '[x]', '{{ x }}']");
    std::fs::write(data.join("office.yaml"), office).unwrap();
    data
}

#[test]
fn hostile_text_prints_literally() {
    let tmp = temp_dir("inject");
    let data = hostile_data(&tmp);
    let out = ducha(&tmp, &["build", "--data", data.to_str().unwrap(), "--out", "out"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let dir = tmp.join("out/2023Q1");
    let read = |name: &str| squash(&pdftotext(&dir.join(name), None));
    let briefing = read("督查简报.pdf");
    let notice = read("季度进展情况通报.pdf");
    let orders: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("督办通知单"))
        .map(|e| squash(&pdftotext(&e.path(), None)))
        .collect();
    assert_eq!(orders.len(), 1, "task 3 should get one order");
    for s in INJECTIONS {
        let s = squash(s);
        // The narrative (Markdown) in the briefing's 好的做法.
        assert!(briefing.contains(&format!("原文照录{s}")), "briefing lacks {s}:\n{briefing}");
        // 存在问题 (plain text) in the order.
        assert!(orders[0].contains(&s), "order lacks {s}");
    }
    // Markdown's own syntax renders as Markdown: the asterisks and underscores are gone.
    assert!(briefing.contains("c与d为Markdown强调"), "{briefing}");
    // 联系人 and office.yaml names print literally.
    assert!(orders[0].contains("@b<a>$x$"), "{}", orders[0]);
    assert!(notice.contains("#read(\"/etc/passwd\")") && notice.contains("{{x}}"), "抄送 names");
    assert!(!notice.contains("root:x:0"), "file contents leaked");
}

#[test]
fn missing_glyph_is_a_located_error_and_keeps_earlier_outputs() {
    let tmp = temp_dir("tofu");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--only", "notice"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let pdf = tmp.join("out/2023Q1/季度进展情况通报.pdf");
    let before = std::fs::read(&pdf).unwrap();

    let file = data.join("reports/2023Q1/县科技局.yaml");
    let report = std::fs::read_to_string(&file).unwrap().replace("已认定 4 家。", "已认定 4 家，负责人王𠀀。");
    std::fs::write(&file, report).unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--only", "notice"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("U+20000"), "{stderr}");
    assert!(stderr.contains("data/reports/2023Q1/县科技局.yaml:10:"), "{stderr}");
    assert!(stderr.contains("第 1 项任务"), "{stderr}");
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "the earlier PDF must stay intact");
}

#[test]
fn rare_name_falls_back_with_a_warning() {
    let tmp = temp_dir("fallback");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let file = data.join("reports/2023Q1/县科技局.yaml");
    let report = std::fs::read_to_string(&file).unwrap().replace("contact: 王明", "contact: 王堃");
    std::fs::write(&file, report).unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--only", "notice"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("堃（U+5803）"), "{stderr}");
    assert!(stderr.contains("FandolFang R"), "{stderr}");
}

#[test]
fn data_errors_write_nothing() {
    let tmp = temp_dir("nowrite");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    std::fs::write(data.join("reports/2023Q1/县科技局.yaml"), "unit: [\n").unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.join("out").exists());
}

/// §6: an override template that cannot be read or is not UTF-8 is an error naming its real path,
/// never a quiet fall-back to the built-in file; nothing is written.
#[test]
fn broken_override_templates_are_errors_naming_their_path() {
    let tmp = temp_dir("templates-broken");
    copy_dir(&root().join("tests/fixtures/minimal"), &tmp.join("data"));
    let over = tmp.join("over");
    std::fs::create_dir_all(over.join("lib/gongwen.typ")).unwrap(); // a directory: unreadable as a file
    std::fs::write(over.join("notice.typ.j2"), b"#let x = 1\n\xff\xfe\n").unwrap();
    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--templates", "over"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("over/notice.typ.j2") && stderr.contains("不是 UTF-8"), "{stderr}");
    assert!(stderr.contains("over/lib/gongwen.typ") && stderr.contains("无法读取覆盖模板"), "{stderr}");
    assert!(!tmp.join("out").exists(), "nothing written");

    let out = ducha(&tmp, &["build", "--data", "data", "--out", "out", "--templates", "no-such-dir"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no-such-dir") && stderr.contains("模板目录"), "{stderr}");
}

/// §6: `archive` uses the built-in templates unless `--templates` is given: a `templates/` folder
/// in the working directory does not change the official record.
#[test]
fn archive_ignores_templates_in_the_working_directory() {
    let tmp = temp_dir("templates-archive");
    copy_dir(&root().join("tests/fixtures/minimal"), &tmp.join("data"));
    std::fs::create_dir_all(tmp.join("templates")).unwrap();
    std::fs::write(tmp.join("templates/notice.typ.j2"), "被替换的通报模板\n").unwrap();
    let out = ducha(&tmp, &["archive", "--data", "data", "--archive", "archive"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let notice = std::fs::read_dir(tmp.join("archive/2023"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("D30-0001-"))
        .expect("the notice is filed");
    let text0 = squash(&pdftotext(&notice, None));
    assert!(!text0.contains("被替换的通报模板") && text0.contains("测试县"), "{text0}");

    // Given explicitly, the override is used (and `build` takes `templates/` as before).
    let out = ducha(&tmp, &["archive", "--data", "data", "--archive", "archive2", "--templates", "templates"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let notice2 = std::fs::read_dir(tmp.join("archive2/2023"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("D30-0001-"))
        .unwrap();
    assert!(squash(&pdftotext(&notice2, None)).contains("被替换的通报模板"));
}

/// All files under `dir` with their bytes, sorted (directories listed as empty entries).
fn tree(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut v: Vec<(String, Option<Vec<u8>>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, e.file_type().is_file().then(|| std::fs::read(e.path()).unwrap()))
        })
        .collect();
    v.sort();
    v
}

/// §6: an import that fails half-way (the second form's target is a directory) puts back the
/// report the first form replaced and the one the second form moved, removes its backups, and
/// says “已恢复原有文件” — which is then true: the data folder is byte for byte as before.
#[test]
fn an_interrupted_import_restores_every_file_and_says_so_truthfully() {
    let tmp = temp_dir("import-rollback");
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let q1 = data.join("reports/2023Q1");
    // 县工业和信息化局's report under another name; its import target is a directory.
    std::fs::rename(q1.join("县工业和信息化局.yaml"), q1.join("gx.yaml")).unwrap();
    std::fs::create_dir(q1.join("县工业和信息化局.yaml")).unwrap();
    let out = ducha(&tmp, &["forms", "--data", "data", "--period", "2023Q1", "--out", "forms"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let fill = |unit: &str, report: serde_json::Value| -> std::path::PathBuf {
        let json = tmp.join(format!("{unit}.json"));
        std::fs::write(&json, report.to_string()).unwrap();
        let dest = tmp.join("filled").join(format!("{unit}.xlsx"));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let form = tmp.join("forms").join(format!("{unit}.xlsx"));
        let py = std::process::Command::new("python3")
            .arg(root().join("tests/xlsx_read.py"))
            .args(["fill", form.to_str().unwrap(), json.to_str().unwrap(), dest.to_str().unwrap()])
            .output()
            .expect("python3 with openpyxl (scripts/test installs it)");
        assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
        dest
    };
    let a = fill(
        "县科技局",
        serde_json::json!({"unit": "县科技局", "period": "2023Q1", "submitted": "2023-04-03", "entries": [
            {"task": 1, "progress": "表格中的新进展。", "values": [{"target": 1, "value": 5}]},
            {"task": 2, "progress": "制定方案。", "milestone": "Q1"}]}),
    );
    let b = fill(
        "县工业和信息化局",
        serde_json::json!({"unit": "县工业和信息化局", "period": "2023Q1", "submitted": "2023-04-04", "entries": [
            {"task": 3, "progress": "表格中的新进展。", "values": [{"target": 1, "value": 14}]}]}),
    );
    let before = tree(&data);
    let out = ducha(&tmp, &["import", a.to_str().unwrap(), b.to_str().unwrap(), "--data", "data", "--replace"]);
    let (stdout, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("导入中断，已恢复原有文件"), "{stderr}");
    assert!(stderr.contains("县工业和信息化局.yaml"), "names the file it could not read: {stderr}");
    assert_eq!(tree(&data), before, "the data folder is exactly as before, backups removed");
}
