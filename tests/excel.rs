//! Excel in and out (`ducha forms`, `ducha import`, `ducha ledger`), read back by calamine (Rust)
//! and by openpyxl (Python, `tests/xlsx_read.py`: needs `python3 -m pip install "openpyxl>=3.1"`).
//!
//! - Round trip: the 2023Q3 forms, filled from the bundled 2023Q3 reports, import into a data dir
//!   without them and give the same reports as data.
//! - Malformed returns (text in a number cell, a deleted row, a renamed sheet, a form for another
//!   unit or period, an empty 进展情况) each give an error located at 工作簿!工作表!单元格 (or the
//!   sheet) and write nothing; errors of several files come in one run.
//! - An existing report is refused without `--replace`; with it a `.bak-<n>` copy is kept.
//! - The forms and the ledger as both readers see them; the ledger's 汇总 equals `ducha stats --json`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{open_workbook, open_workbook_auto, Data, Reader, SheetVisible, Xlsx};
use common::{copy_dir, ducha, root, temp_dir, text};
use ducha::data::model::{Period, Status};
use ducha::data::raw::RawReport;
use serde_json::Value;

const FORM_HEADERS: [&str; 12] = [
    "任务编号",
    "任务",
    "指标（目标）",
    "上期完成数值",
    "上期状态",
    "进展情况",
    "完成数值",
    "形象进度",
    "单位自评",
    "存在问题",
    "下步打算",
    "佐证材料",
];

// ---------------------------------------------------------------------------------------------
// Helpers

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Runs tests/xlsx_read.py with openpyxl.
fn py(args: &[&str]) -> Output {
    let out = Command::new("python3")
        .arg(root().join("tests/xlsx_read.py"))
        .args(args)
        .output()
        .expect("python3 is needed for tests/xlsx_read.py");
    assert!(
        out.status.success(),
        "tests/xlsx_read.py {args:?} failed (openpyxl missing? python3 -m pip install \"openpyxl>=3.1\"):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// openpyxl's view of a workbook.
fn dump(xlsx: &Path) -> Value {
    serde_json::from_slice(&py(&["dump", s(xlsx)]).stdout).expect("JSON from xlsx_read.py dump")
}

fn sheet<'a>(dump: &'a Value, name: &str) -> &'a Value {
    dump["sheets"].as_array().unwrap().iter().find(|x| x["name"] == name).unwrap_or_else(|| panic!("no sheet {name}"))
}

/// Runs ducha and asserts success; stdout.
fn ducha_ok(cwd: &Path, args: &[&str]) -> String {
    let out = ducha(cwd, args);
    let (o, e) = text(&out);
    assert!(out.status.success(), "ducha {args:?} failed:\n{o}\n{e}");
    o
}

/// `ducha forms` for `period` on the bundled data into `<dir>/forms-<period>`.
fn make_forms(dir: &Path, period: &str) -> PathBuf {
    let out = dir.join(format!("forms-{period}"));
    let data = root().join("data");
    ducha_ok(dir, &["forms", "--data", s(&data), "--period", period, "--out", s(&out)]);
    out
}

/// A copy of the bundled data without `reports/<period>`.
fn data_without(dir: &Path, period: &str) -> PathBuf {
    let data = dir.join("data");
    copy_dir(&root().join("data"), &data);
    std::fs::remove_dir_all(data.join("reports").join(period)).unwrap();
    data
}

fn read_report(path: &Path) -> RawReport {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bundled(period: &str, unit: &str) -> RawReport {
    read_report(&root().join("data/reports").join(period).join(format!("{unit}.yaml")))
}

/// Trailing newlines of Markdown do not count.
fn normalise(mut r: RawReport) -> RawReport {
    for e in &mut r.entries {
        e.progress = e.progress.trim_end().to_string();
        for x in [&mut e.problems, &mut e.next_steps, &mut e.adjustment].into_iter().flatten() {
            *x = x.trim_end().to_string();
        }
        // The Excel form has no 需协调事项 column (docs/rules.md §19): they are raised in the
        // report file and do not travel through the form.
        e.coordination.clear();
    }
    r
}

/// Fills `form` from `report` with openpyxl, writing `out`.
fn fill(form: &Path, report: &RawReport, out: &Path) {
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let json = out.with_extension("json");
    std::fs::write(&json, serde_json::to_string(report).unwrap()).unwrap();
    py(&["fill", s(form), s(&json), s(out)]);
    std::fs::remove_file(json).unwrap();
}

/// The 1-based row of the task row with this hidden key (`2-1`), read with calamine.
fn key_row(xlsx: &Path, key: &str) -> u32 {
    let mut wb = open_workbook_auto(xlsx).unwrap();
    let range = wb.worksheet_range("进展填报").unwrap();
    for r in 0..=range.end().unwrap().0 {
        if let Some(Data::String(k)) = range.get_value((r, 13)) {
            if k == key {
                return r + 1;
            }
        }
    }
    panic!("no row {key} in {}", xlsx.display());
}

/// Applies openpyxl edits to `from`, writing `to`.
fn edit(from: &Path, ops: Value, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let json = to.with_extension("ops.json");
    std::fs::write(&json, ops.to_string()).unwrap();
    py(&["edit", s(from), s(&json), s(to)]);
    std::fs::remove_file(json).unwrap();
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

/// Imports `files` into a fresh copy of the data without 2023Q3 and asserts that it is refused
/// with every `expect`ed text in stderr and that nothing was written.
fn assert_rejected(dir: &Path, files: &[&Path], extra: &[&str], expect: &[&str]) -> String {
    let data = data_without(dir, "2023Q3");
    let before = files_under(&data);
    let mut args = vec!["import"];
    args.extend(files.iter().map(|f| s(f)));
    args.extend(["--data", s(&data)]);
    args.extend(extra);
    let out = ducha(dir, &args);
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(1), "import should be refused:\n{o}\n{e}");
    for x in expect {
        assert!(e.contains(x), "stderr lacks {x:?}:\n{e}");
    }
    assert!(e.contains("未写入任何文件"), "{e}");
    assert!(!data.join("reports/2023Q3").exists(), "a report directory was written:\n{e}");
    assert_eq!(files_under(&data), before, "files changed under the data dir");
    e
}

/// A filled 2023Q3 form of `unit` (from its bundled report), in `<dir>/filled/<unit>.xlsx`.
fn filled_form(dir: &Path, forms: &Path, unit: &str) -> PathBuf {
    let out = dir.join("filled").join(format!("{unit}.xlsx"));
    fill(&forms.join(format!("{unit}.xlsx")), &bundled("2023Q3", unit), &out);
    out
}

// ---------------------------------------------------------------------------------------------
// Round trip

#[test]
fn round_trip_2023q3_forms_filled_from_bundled_reports() {
    let dir = temp_dir("excel-round-trip");
    let forms = make_forms(&dir, "2023Q3");
    let data = data_without(&dir, "2023Q3");
    let plan_units: Vec<String> = {
        let ds = ducha::data::check(&root().join("data")).dataset.unwrap();
        ds.plan.lead_units().into_iter().map(String::from).collect()
    };
    let made: Vec<PathBuf> = files_under(&forms);
    assert_eq!(made.len(), plan_units.len(), "one form per lead unit");
    for u in &plan_units {
        assert!(forms.join(format!("{u}.xlsx")).is_file(), "no form for {u}");
    }

    // Fill every form that has a bundled report, in one python run.
    let mut jobs = Vec::new();
    let mut filled = Vec::new();
    let mut units = Vec::new();
    for f in files_under(&root().join("data/reports/2023Q3")) {
        let report = read_report(&f);
        let json = dir.join("json").join(format!("{}.json", report.unit));
        std::fs::create_dir_all(json.parent().unwrap()).unwrap();
        std::fs::write(&json, serde_json::to_string(&report).unwrap()).unwrap();
        let out = dir.join("filled").join(format!("{}.xlsx", report.unit));
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        jobs.push(serde_json::json!({
            "form": forms.join(format!("{}.xlsx", report.unit)),
            "report": json,
            "out": out,
        }));
        filled.push(out);
        units.push(report.unit);
    }
    assert!(units.len() > 30);
    let jobs_file = dir.join("jobs.json");
    std::fs::write(&jobs_file, Value::Array(jobs).to_string()).unwrap();
    py(&["fill-many", s(&jobs_file)]);

    let mut args = vec!["import", "--data", s(&data), "--period", "2023Q3"];
    args.extend(filled.iter().map(|p| s(p)));
    let o = ducha_ok(&dir, &args);
    assert!(o.contains(&format!("共导入 {} 份报告", units.len())), "{o}");

    for unit in &units {
        let imported = data.join("reports/2023Q3").join(format!("{unit}.yaml"));
        assert_eq!(normalise(read_report(&imported)), normalise(bundled("2023Q3", unit)), "{unit}");
    }
    // Markdown stays Markdown: paragraphs and lists in a literal block.
    let kj = std::fs::read_to_string(data.join("reports/2023Q3/县科技局.yaml")).unwrap();
    assert!(kj.contains("    progress: |\n      三季度，市科技局公布"), "{kj}");
    assert!(kj.contains("\n\n      - 一诺生物生物质功能材料实验室；\n"), "{kj}");
    assert!(kj.contains("  # 第1项 加强实验室布局提升\n  - task: 1\n"), "{kj}");
    // And the whole data dir checks clean.
    let o = ducha_ok(&dir, &["check", "--data", s(&data)]);
    assert!(o.contains("数据校验通过"), "{o}");
    // The same statuses as with the bundled reports.
    let a = ducha_ok(&dir, &["stats", "--data", s(&data), "--period", "2023Q3", "--json"]);
    let b = ducha_ok(&dir, &["stats", "--data", s(&root().join("data")), "--period", "2023Q3", "--json"]);
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------------------------
// Malformed returns

#[test]
fn text_in_a_number_cell_is_located() {
    let dir = temp_dir("excel-bad-number");
    let forms = make_forms(&dir, "2023Q3");
    let good = filled_form(&dir, &forms, "县科技局");
    let row = key_row(&good, "2-1");
    let bad = dir.join("case/县科技局.xlsx");
    edit(
        &good,
        serde_json::json!([{"op": "set", "sheet": "进展填报", "cell": format!("G{row}"), "value": "约4家"}]),
        &bad,
    );
    assert_rejected(
        &dir,
        &[&bad],
        &["--period", "2023Q3"],
        &[&format!("县科技局.xlsx!进展填报!G{row}"), "完成数值应为数字", "约4家"],
    );
}

#[test]
fn a_deleted_row_is_found() {
    let dir = temp_dir("excel-deleted-row");
    let forms = make_forms(&dir, "2023Q3");
    let good = filled_form(&dir, &forms, "县科技局");
    let row = key_row(&good, "3-0");
    let bad = dir.join("case/县科技局.xlsx");
    edit(&good, serde_json::json!([{"op": "delete_row", "sheet": "进展填报", "row": row}]), &bad);
    assert_rejected(&dir, &[&bad], &[], &["缺少第 3 项任务（培育创新创业共同体）所在的行", "县科技局.xlsx!进展填报"]);
}

#[test]
fn a_renamed_sheet_is_found() {
    let dir = temp_dir("excel-renamed-sheet");
    let forms = make_forms(&dir, "2023Q3");
    let good = filled_form(&dir, &forms, "县科技局");
    let bad = dir.join("case/县科技局.xlsx");
    edit(&good, serde_json::json!([{"op": "rename_sheet", "from": "进展填报", "to": "Sheet1"}]), &bad);
    assert_rejected(&dir, &[&bad], &[], &["找不到工作表 “进展填报”", "--> 县科技局.xlsx", "现有工作表：Sheet1"]);
}

#[test]
fn a_form_for_another_unit_is_refused() {
    let dir = temp_dir("excel-other-unit");
    let forms = make_forms(&dir, "2023Q3");
    let other = filled_form(&dir, &forms, "县财政局");
    let bad = dir.join("case/县科技局.xlsx");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::copy(&other, &bad).unwrap();
    assert_rejected(&dir, &[&bad], &[], &["县科技局.xlsx!进展填报!A2", "表格却是 县财政局 的填报表"]);
}

#[test]
fn a_form_for_another_period_is_refused() {
    let dir = temp_dir("excel-other-period");
    let forms = make_forms(&dir, "2023Q2");
    let bad = dir.join("case/县科技局.xlsx");
    fill(&forms.join("县科技局.xlsx"), &bundled("2023Q2", "县科技局"), &bad);
    assert_rejected(
        &dir,
        &[&bad],
        &["--period", "2023Q3"],
        &["县科技局.xlsx!进展填报!C2", "表格是 2023Q2 的填报表，与 --period 2023Q3 不符"],
    );
}

#[test]
fn an_empty_progress_cell_is_located() {
    let dir = temp_dir("excel-empty-progress");
    let forms = make_forms(&dir, "2023Q3");
    let good = filled_form(&dir, &forms, "县科技局");
    let row = key_row(&good, "1-0");
    let bad = dir.join("case/县科技局.xlsx");
    edit(
        &good,
        serde_json::json!([{"op": "set", "sheet": "进展填报", "cell": format!("F{row}"), "value": null}]),
        &bad,
    );
    assert_rejected(
        &dir,
        &[&bad],
        &[],
        &["第 1 项任务（加强实验室布局提升）的进展情况为空", &format!("县科技局.xlsx!进展填报!F{row}")],
    );
}

#[test]
fn errors_of_all_files_in_one_run_and_nothing_written() {
    let dir = temp_dir("excel-several");
    let forms = make_forms(&dir, "2023Q3");
    let kj = filled_form(&dir, &forms, "县科技局");
    let cz = filled_form(&dir, &forms, "县财政局");
    let ok = filled_form(&dir, &forms, "县水利局");
    let r1 = key_row(&kj, "2-1");
    let bad1 = dir.join("case/县科技局.xlsx");
    edit(
        &kj,
        serde_json::json!([{"op": "set", "sheet": "进展填报", "cell": format!("G{r1}"), "value": "四家"}]),
        &bad1,
    );
    let bad2 = dir.join("case/县财政局.xlsx");
    edit(
        &cz,
        serde_json::json!([{"op": "set", "sheet": "进展填报", "cell": "L3", "value": null},
                           {"op": "set", "sheet": "进展填报", "cell": "C3", "value": "赵敏"}]),
        &bad2,
    );
    let e = assert_rejected(
        &dir,
        &[&ok, &bad1, &bad2],
        &[],
        &[&format!("县科技局.xlsx!进展填报!G{r1}"), "报送日期为空", "县财政局.xlsx!进展填报!L3"],
    );
    assert!(e.contains("共 2 个错误"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Existing reports

#[test]
fn existing_report_is_refused_without_replace_and_backed_up_with_it() {
    let dir = temp_dir("excel-replace");
    let forms = make_forms(&dir, "2023Q3");
    let data = dir.join("data");
    copy_dir(&root().join("data"), &data);
    let target = data.join("reports/2023Q3/县科技局.yaml");
    let original = std::fs::read(&target).unwrap();

    let mut changed = bundled("2023Q3", "县科技局");
    changed.entries[0].progress = "第一段。\n\n第二段，**加粗**。\n".into();
    changed.contact = Some("周新".into());
    let form = dir.join("filled/县科技局.xlsx");
    fill(&forms.join("县科技局.xlsx"), &changed, &form);

    let out = ducha(&dir, &["import", s(&form), "--data", s(&data)]);
    let (_, e) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains("县科技局 的 2023Q3 报告已存在"), "{e}");
    assert!(e.contains("--replace"), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), original, "the report was changed");
    assert!(!data.join("reports/2023Q3/县科技局.yaml.bak-1").exists());

    let o = ducha_ok(&dir, &["import", s(&form), "--data", s(&data), "--replace"]);
    assert!(o.contains("县科技局.yaml.bak-1"), "{o}");
    let bak = data.join("reports/2023Q3/县科技局.yaml.bak-1");
    assert_eq!(std::fs::read(&bak).unwrap(), original, "the backup is the old file");
    assert_eq!(normalise(read_report(&target)), normalise(changed.clone()));
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("    progress: |\n      第一段。\n\n      第二段，**加粗**。\n"));

    // Again: a second backup, the first kept.
    ducha_ok(&dir, &["import", s(&form), "--data", s(&data), "--replace"]);
    assert!(data.join("reports/2023Q3/县科技局.yaml.bak-2").is_file());
    assert_eq!(std::fs::read(&bak).unwrap(), original);
    let o = ducha_ok(&dir, &["check", "--data", s(&data)]);
    assert!(o.contains("数据校验通过"), "{o}");
}

// ---------------------------------------------------------------------------------------------
// Forms read back

#[test]
fn forms_read_back_by_calamine() {
    let dir = temp_dir("excel-forms-calamine");
    let forms = make_forms(&dir, "2023Q3");
    let path = forms.join("县科技局.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["进展填报", "填报说明", "ducha"]);
    let meta = wb.sheets_metadata().to_vec();
    assert_eq!(meta[0].visible, SheetVisible::Visible);
    assert_eq!(meta[2].visible, SheetVisible::VeryHidden);

    let range = wb.worksheet_range("进展填报").unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    let header: Vec<String> = (0..12).map(|c| cell(3, c).to_string()).collect();
    assert_eq!(header, FORM_HEADERS);
    assert_eq!(cell(0, 0).to_string(), "县科技局2023年第三季度重点工作任务进展情况填报表");
    assert_eq!(cell(1, 0).to_string(), "填报单位：县科技局");
    assert!(cell(1, 2).to_string().contains("2023Q3"));
    for (c, label) in [(0, "联系人"), (3, "联系电话"), (6, "审核领导"), (10, "报送日期")] {
        assert_eq!(cell(2, c).to_string(), label);
    }

    // Prefilled: every task the unit leads, last quarter's status and figures.
    let ds = ducha::data::check(&root().join("data")).dataset.unwrap();
    let q2 = ducha::status::evaluate_period(&ds, Period::parse("2023Q2").unwrap());
    let lead: Vec<u32> =
        ds.plan.tasks.iter().filter(|t| t.lead_units.iter().any(|u| u == "县科技局")).map(|t| t.number).collect();
    let mut seen = Vec::new();
    let mut first_rows = BTreeMap::new();
    for r in 4..=range.end().unwrap().0 {
        if let Data::Float(n) = cell(r, 0) {
            seen.push(n as u32);
            first_rows.insert(n as u32, r);
            assert_eq!(cell(r, 4).to_string(), q2.task(n as u32).unwrap().label, "上期状态 of task {n}");
            assert_eq!(cell(r, 1).to_string(), ds.plan.task(n as u32).unwrap().title);
        }
    }
    assert_eq!(seen, lead);
    let q2_report = bundled("2023Q2", "县科技局");
    let e2 = q2_report.entries.iter().find(|e| e.task == 2).unwrap();
    let r = first_rows[&2];
    assert_eq!(cell(r, 3), Data::Float(e2.values[0].value), "上期完成数值");
    assert_eq!(cell(r, 13).to_string(), "2-1");
    assert_eq!(cell(r + 1, 13).to_string(), "2-2");

    // Locked prefilled cells, unlocked input cells.
    let styles = wb.worksheet_style("进展填报").unwrap();
    let locked = |r: u32, c: u32| styles.get((r, c)).and_then(|s| s.protection.as_ref()).is_none_or(|p| p.locked);
    for c in 0..5 {
        assert!(locked(4, c), "prefilled column {c} should be locked");
    }
    for c in [5, 8, 9, 10, 11, 12] {
        assert!(!locked(4, c), "input column {c} should be unlocked");
    }
    assert!(!locked(r, 6) && !locked(r + 1, 6), "完成数值 of a target row is an input");
    for (rr, cc) in [(2, 2), (2, 5), (2, 8), (2, 11)] {
        assert!(!locked(rr, cc), "contact cell ({rr},{cc}) should be unlocked");
    }

    // The hidden metadata.
    let m = wb.worksheet_range("ducha").unwrap();
    assert_eq!(m.get_value((2, 1)), Some(&Data::String("县科技局".into())));
    assert_eq!(m.get_value((3, 1)), Some(&Data::String("2023Q3".into())));

    // Q1 forms have no previous quarter.
    let q1 = make_forms(&dir, "2023Q1");
    let mut wb: Xlsx<_> = open_workbook(q1.join("县科技局.xlsx")).unwrap();
    let range = wb.worksheet_range("进展填报").unwrap();
    for r in 4..=range.end().unwrap().0 {
        for c in [3u32, 4] {
            let v = range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
            assert!(v == Data::Empty || v == Data::String(String::new()), "Q1 prefilled ({r},{c}) = {v:?}");
        }
    }
}

#[test]
fn forms_read_back_by_openpyxl() {
    let dir = temp_dir("excel-forms-openpyxl");
    let forms = make_forms(&dir, "2023Q3");
    let path = forms.join("县科技局.xlsx");
    let d = dump(&path);
    let names: Vec<&str> = d["sheets"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["进展填报", "填报说明", "ducha"]);
    let f = sheet(&d, "进展填报");
    assert_eq!(f["state"], "visible");
    assert_eq!(f["protected"], true, "the form sheet is protected");
    assert_eq!(sheet(&d, "ducha")["state"], "veryHidden");
    assert_eq!(sheet(&d, "ducha")["cells"]["B3"]["v"], "县科技局");
    assert_eq!(f["freeze"], "C5");
    assert_eq!(f["hidden_columns"], serde_json::json!(["N"]));
    for (k, h) in FORM_HEADERS.iter().enumerate() {
        let coord = format!("{}4", (b'A' + k as u8) as char);
        assert_eq!(f["cells"][&coord]["v"], *h, "{coord}");
    }
    assert_eq!(f["cells"]["A5"]["v"], 1);
    assert_eq!(f["cells"]["A5"]["locked"], true);
    let unlocked: Vec<&str> = f["unlocked"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    for c in ["C3", "F3", "I3", "L3", "F5", "I5", "J5", "K5", "L5", "M5"] {
        assert!(unlocked.contains(&c), "{c} should be unlocked: {unlocked:?}");
    }
    for c in ["A5", "B5", "C5", "D5", "E5", "N5"] {
        assert!(!unlocked.contains(&c), "{c} should be locked");
    }
    // Validations: the status list, numbers for 完成数值, Q1–Q4 for 形象进度, a date.
    let dvs = f["validations"].as_array().unwrap();
    let covers = |dv: &Value, cell: &str| dv["sqref"].as_str().unwrap().split(' ').any(|r| in_range(r, cell));
    let of = |cell: &str| dvs.iter().find(|dv| covers(dv, cell)).unwrap_or_else(|| panic!("no validation on {cell}"));
    let claim = of("I5");
    assert_eq!(claim["type"], "list");
    for st in Status::ALL {
        assert!(claim["formula1"].as_str().unwrap().contains(st.label()), "{claim}");
    }
    let row = key_row(&path, "2-1");
    let value = of(&format!("G{row}"));
    assert_eq!(value["type"], "decimal");
    let stage = of("H5"); // task 1 has milestones
    assert_eq!(stage["type"], "list");
    assert!(stage["formula1"].as_str().unwrap().contains("Q4"));
    assert_eq!(of("L3")["type"], "date");
    // The instructions.
    let g = sheet(&d, "填报说明");
    assert_eq!(g["cells"]["A1"]["v"], "填报说明");
    let all: String = g["cells"].as_object().unwrap().values().filter_map(|c| c["v"].as_str()).collect();
    for x in ["进展情况", "完成数值", "佐证材料", "单位自评", "不要插入或删除行"] {
        assert!(all.contains(x), "填报说明 lacks {x}");
    }
}

#[test]
fn forms_and_ledger_are_reproducible() {
    let dir = temp_dir("excel-reproducible");
    let data = root().join("data");
    for k in ["a", "b"] {
        let out = dir.join(k);
        ducha_ok(&dir, &["forms", "--data", s(&data), "--period", "2023Q4", "--out", s(&out.join("forms"))]);
        ducha_ok(&dir, &["ledger", "--data", s(&data), "--out", s(&out.join("台账.xlsx"))]);
    }
    let a = files_under(&dir.join("a"));
    assert_eq!(a.len(), 35);
    for f in a {
        let g = dir.join("b").join(f.strip_prefix(dir.join("a")).unwrap());
        assert_eq!(std::fs::read(&f).unwrap(), std::fs::read(&g).unwrap(), "{} differs", f.display());
    }
    // Default output paths.
    ducha_ok(&dir, &["forms", "--data", s(&data), "--period", "2023Q4"]);
    assert!(dir.join("out/2023Q4/forms/县科技局.xlsx").is_file());
    ducha_ok(&dir, &["ledger", "--data", s(&data)]);
    assert!(dir.join("out/2023/工作台账.xlsx").is_file());
}

/// True when A1-style `cell` lies in `range` (`G5` or `I5:I30`).
fn in_range(range: &str, cell: &str) -> bool {
    fn parse(c: &str) -> (u32, u32) {
        let letters: String = c.chars().take_while(|x| x.is_ascii_alphabetic()).collect();
        let col = letters.bytes().fold(0, |a, b| a * 26 + u32::from(b - b'A' + 1));
        (c[letters.len()..].parse().unwrap(), col)
    }
    let (a, b) = range.split_once(':').unwrap_or((range, range));
    let ((r1, c1), (r2, c2), (r, c)) = (parse(a), parse(b), parse(cell));
    (r1..=r2).contains(&r) && (c1..=c2).contains(&c)
}

// ---------------------------------------------------------------------------------------------
// Ledger

fn light_hex(label: &str) -> &'static str {
    use ducha::data::model::Light;
    match Status::parse(label).unwrap().light() {
        Light::Green => "C6EFCE",
        Light::Yellow => "FFEB9C",
        Light::Red => "FFC7CE",
    }
}

#[test]
fn ledger_read_back_by_calamine_matches_stats() {
    let dir = temp_dir("excel-ledger-calamine");
    let out = dir.join("台账.xlsx");
    let data = root().join("data");
    let o = ducha_ok(&dir, &["ledger", "--data", s(&data), "--out", s(&out)]);
    assert!(o.contains("已生成"), "{o}");
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let names = wb.sheet_names();
    let ds = ducha::data::check(&data).dataset.unwrap();
    // 汇总, one sheet per section, then 督办 (the register, tests/orders_documents.rs).
    assert_eq!(names.len(), 2 + ds.plan.sections.len());
    assert_eq!(names[0], "汇总");
    assert_eq!(names.last().map(String::as_str), Some("督办"));
    assert!(names[1].starts_with("一、"), "{names:?}");
    assert!(names[11].starts_with("十一、"), "{names:?}");

    // 汇总: the counts of every quarter equal `ducha stats --json`.
    let sum = wb.worksheet_range("汇总").unwrap();
    let text_at = |r: u32, c: u32| sum.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
    for q in 1..=4 {
        let period = format!("2023Q{q}");
        let col = (0..12).find(|c| text_at(2, *c) == period).unwrap_or_else(|| panic!("no column {period}"));
        let stats: Value =
            serde_json::from_str(&ducha_ok(&dir, &["stats", "--data", s(&data), "--period", &period, "--json"]))
                .unwrap();
        for r in 3..11 {
            let label = text_at(r, 0);
            let want = stats["by_status"][&label].as_u64().unwrap_or_else(|| panic!("{label}"));
            assert_eq!(sum.get_value((r, col)), Some(&Data::Float(want as f64)), "{period} {label}");
        }
        assert_eq!(sum.get_value((11, col)), Some(&Data::Float(87.0)), "合计");
    }

    // A section sheet: every task of the section, its lead units, the statuses per quarter.
    let sec = &ds.plan.sections[0];
    let range = wb.worksheet_range(&names[1]).unwrap();
    let styles = wb.worksheet_style(&names[1]).unwrap();
    assert_eq!(range.get_value((2, 0)).unwrap().to_string(), "编号");
    assert_eq!(range.get_value((2, 3)).unwrap().to_string(), "牵头单位");
    let year = ducha::status::evaluate_year(&ds, Period::parse("2023Q4").unwrap());
    for (k, n) in sec.tasks.iter().enumerate() {
        let r = 3 + k as u32;
        assert_eq!(range.get_value((r, 0)), Some(&Data::Float(f64::from(*n))));
        let task = ds.plan.task(*n).unwrap();
        assert_eq!(range.get_value((r, 3)).unwrap().to_string(), task.lead_units.join("、"));
        for q in 0..4u32 {
            let c = 5 + q * 3;
            let label = year[q as usize].task(*n).unwrap().label;
            assert_eq!(range.get_value((r, c)).unwrap().to_string(), label, "task {n} Q{}", q + 1);
            let fill = styles.get((r, c)).and_then(|st| st.fill.as_ref()).and_then(|f| f.foreground_color);
            let hex = fill.map(|col| format!("{:02X}{:02X}{:02X}", col.red, col.green, col.blue));
            assert_eq!(hex.as_deref(), Some(light_hex(label)), "colour of task {n} Q{}", q + 1);
        }
    }
}

#[test]
fn ledger_read_back_by_openpyxl() {
    let dir = temp_dir("excel-ledger-openpyxl");
    let out = dir.join("台账.xlsx");
    let data = root().join("data");
    ducha_ok(&dir, &["ledger", "--data", s(&data), "--out", s(&out)]);
    let d = dump(&out);
    let sheets = d["sheets"].as_array().unwrap();
    assert_eq!(sheets[0]["name"], "汇总");
    assert_eq!(sheets.len(), 13);
    assert_eq!(sheets[12]["name"], "督办");

    // 汇总 for 2023Q2 equals `ducha stats --period 2023Q2 --json` by_status.
    let sum = sheet(&d, "汇总");
    let cells = sum["cells"].as_object().unwrap();
    let col = ["C", "D", "E", "F"].into_iter().find(|c| cells[&format!("{c}3")]["v"] == "2023Q2").unwrap();
    let stats: Value =
        serde_json::from_str(&ducha_ok(&dir, &["stats", "--data", s(&data), "--period", "2023Q2", "--json"])).unwrap();
    let mut counted = 0;
    for r in 4..=11 {
        let label = cells[&format!("A{r}")]["v"].as_str().unwrap();
        assert_eq!(cells[&format!("{col}{r}")]["v"], stats["by_status"][label], "2023Q2 {label}");
        assert_eq!(cells[&format!("A{r}")]["fill"], light_hex(label));
        counted += 1;
    }
    assert_eq!(counted, 8);
    assert_eq!(sum["freeze"], "B4");

    // Every section sheet: frozen header rows, a filter, every status cell coloured by its light.
    let mut status_cells = 0;
    for sh in &sheets[1..12] {
        assert_eq!(sh["freeze"], "C4", "{}", sh["name"]);
        let filter = sh["autofilter"].as_str().unwrap_or_else(|| panic!("no autofilter on {}", sh["name"]));
        assert!(filter.starts_with("A3:R"), "{filter}");
        let cells = sh["cells"].as_object().unwrap();
        assert_eq!(cells["F3"]["v"], "状态");
        assert_eq!(cells["D3"]["v"], "牵头单位");
        for (coord, c) in cells {
            let col: String = coord.chars().take_while(|x| x.is_ascii_alphabetic()).collect();
            let row: u32 = coord[col.len()..].parse().unwrap();
            if row >= 4 && ["F", "I", "L", "O"].contains(&col.as_str()) {
                let label = c["v"].as_str().unwrap();
                assert_eq!(c["fill"], light_hex(label), "{} {coord} {label}", sh["name"]);
                status_cells += 1;
            }
        }
    }
    assert_eq!(status_cells, 87 * 4);
}

/// The form has no 需协调事项 column: replacing a report that raised some keeps them in the file
/// (they are part of the record, docs/rules.md §19).
#[test]
fn replacing_a_report_keeps_its_coordination_items() {
    let dir = temp_dir("excel-coordination");
    let forms = make_forms(&dir, "2023Q3");
    let data = dir.join("data");
    copy_dir(&root().join("data"), &data);
    let unit = "县发展改革局";
    let before = bundled("2023Q3", unit);
    let raised: Vec<_> = before.entries.iter().filter(|e| !e.coordination.is_empty()).collect();
    assert!(!raised.is_empty(), "the bundled {unit} 2023Q3 report raises 需协调事项");
    let mut changed = before.clone();
    changed.contact = Some("周新".into());
    let form = dir.join(format!("filled/{unit}.xlsx"));
    fill(&forms.join(format!("{unit}.xlsx")), &changed, &form);
    ducha_ok(&dir, &["import", s(&form), "--data", s(&data), "--replace"]);
    let after = read_report(&data.join(format!("reports/2023Q3/{unit}.yaml")));
    assert_eq!(after.contact.as_deref(), Some("周新"), "the form's change was imported");
    for e in raised {
        let now = after.entries.iter().find(|x| x.task == e.task).expect("task kept");
        assert_eq!(now.coordination, e.coordination, "task {}", e.task);
    }
    ducha_ok(&dir, &["check", "--data", s(&data)]);
}
