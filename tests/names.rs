//! Names are never paths (issue 10 §1): unit names that hold `/`, `\`, `..`, a Windows device
//! name, 300 characters or nothing usable once cleaned get their 督办通知单 (and PNG preview) in
//! `--out/<period>/` and their Excel form in the forms folder, each under the file name of the one
//! rule (`ducha::names::file_name`), and nothing is written anywhere else.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use ducha::names::{file_name, MAX_BYTES};

/// The hostile lead units, each given a seriously lagging task so it gets a 督办通知单.
fn hostile_units() -> Vec<String> {
    vec![
        "县委办（县政府办/外事办）".to_string(),
        "../../x".to_string(),
        "a\\b".to_string(),
        "CON".to_string(),
        "很".repeat(300),
        // Nothing but dots: empty once cleaned.
        "...".to_string(),
    ]
}

/// The minimal data set plus one task per hostile unit, each reported far behind (growth −5 %
/// against +12 %: 严重滞后, a red light, so an order).
fn hostile_data(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    copy_dir(&root().join("tests/fixtures/minimal"), &data);
    let mut plan = std::fs::read_to_string(data.join("plan.yaml")).unwrap();
    for (i, unit) in hostile_units().iter().enumerate() {
        let n = 4 + i;
        let quoted = format!("'{}'", unit.replace('\'', "''"));
        plan.push_str(&format!(
            "      - number: {n}\n        title: 任务{n}\n        text: 任务{n}。增长 12% 以上。\n        lead_units: [{quoted}]\n        participating_units: []\n        targets:\n          - text: 增长 12% 以上\n            kind: growth\n            value: 12\n            unit: \"%\"\n            comparison: at_least\n"
        ));
        let report = format!(
            "unit: {quoted}\nperiod: 2023Q1\nsubmitted: 2023-04-04\nentries:\n  - task: {n}\n    progress: 同比下降。\n    values:\n      - target: 1\n        value: -5\n"
        );
        std::fs::write(data.join(format!("reports/2023Q1/r{n}.yaml")), report).unwrap();
    }
    std::fs::write(data.join("plan.yaml"), plan).unwrap();
    data
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

#[test]
fn hostile_unit_names_get_their_orders_and_forms_inside_their_folders() {
    let tmp = temp_dir("names-e2e");
    // The working directory sits two levels down, so a `../../x` that escaped would land in
    // `tmp/x…`, which is checked below.
    let work = tmp.join("a/b");
    std::fs::create_dir_all(&work).unwrap();
    let data = hostile_data(&work);
    let data_before = files_under(&data);

    let out = ducha(&work, &["build", "--data", "data", "--out", "out", "--only", "order", "--png", "order:1"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let out = ducha(&work, &["forms", "--data", "data", "--period", "2023Q1", "--out", "forms"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");

    let orders = files_under(&work.join("out"));
    let forms = files_under(&work.join("forms"));
    for unit in hostile_units() {
        let stem = file_name(&unit);
        assert!(stem.len() <= MAX_BYTES && !stem.contains(['/', '\\']) && !stem.starts_with('.'), "{stem}");
        let pdf = PathBuf::from("2023Q1").join(format!("督办通知单-{stem}.pdf"));
        assert!(orders.contains(&pdf), "{unit:?}: {} not among {orders:?}", pdf.display());
        let png = PathBuf::from("2023Q1").join(format!("督办通知单-{stem}-p1.png"));
        assert!(orders.contains(&png), "{unit:?}: {} not among {orders:?}", png.display());
        assert!(forms.contains(&PathBuf::from(format!("{stem}.xlsx"))), "{unit:?}: no form among {forms:?}");
        // The order names its unit in full, whatever its file is called.
        let pdf_text = squash(&pdftotext(&work.join("out").join(&pdf), None));
        let shown: String = unit.chars().take(20).collect();
        assert!(pdf_text.contains(&squash(&shown)), "{unit:?} not printed in its order");
    }
    // The readable forms of the names.
    assert!(orders.iter().any(|p| p.to_string_lossy().starts_with("2023Q1/督办通知单-县委办（县政府办／外事办）-")));
    assert!(forms.iter().any(|p| p.to_string_lossy().starts_with("＿CON-")), "{forms:?}");
    assert!(forms.iter().any(|p| p.to_string_lossy().starts_with("未命名-")), "{forms:?}");
    assert!(forms.iter().any(|p| p.to_string_lossy().starts_with("a＼b-")), "{forms:?}");
    // One order per hostile unit plus the manifest, all directly in out/2023Q1.
    assert!(orders.iter().all(|p| p.parent() == Some(Path::new("2023Q1"))), "{orders:?}");
    assert_eq!(orders.iter().filter(|p| p.extension().is_some_and(|e| e == "pdf")).count(), hostile_units().len());
    assert!(forms.iter().all(|p| p.parent() == Some(Path::new(""))), "{forms:?}");

    // Nothing anywhere else: the whole temp tree holds the data (unchanged), out/ and forms/.
    assert_eq!(files_under(&data), data_before);
    for f in files_under(&tmp) {
        assert!(
            f.starts_with("a/b/data") || f.starts_with("a/b/out") || f.starts_with("a/b/forms"),
            "written outside its folder: {}",
            f.display()
        );
    }
    // The manifest names each file relative to its own folder.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("out/2023Q1/manifest.json")).unwrap()).unwrap();
    for d in manifest["documents"].as_array().unwrap() {
        let p = d["path"].as_str().unwrap();
        assert!(work.join("out/2023Q1").join(p).is_file(), "{p}");
        assert!(!p.contains('/'), "{p}");
    }
}

#[test]
fn the_rule_on_the_issue_cases() {
    assert_eq!(file_name("县科技局"), "县科技局");
    let office = file_name("县委办（县政府办/外事办）");
    assert!(office.starts_with("县委办（县政府办／外事办）-"), "{office}");
    let up = file_name("../../x");
    assert!(!up.contains('/') && !up.starts_with('.'), "{up}");
    assert!(file_name("a\\b").starts_with("a＼b-"));
    assert!(file_name("CON").starts_with("＿CON-"));
    assert!(file_name("con.pdf").starts_with("＿con.pdf-"));
    let long = file_name(&"很".repeat(300));
    assert!(long.len() <= MAX_BYTES && long.starts_with("很很很"), "{}", long.len());
    assert!(file_name("...").starts_with("未命名-"));
    assert!(file_name("").starts_with("未命名-"));
    // Two units that clean to the same text keep different files.
    assert_ne!(file_name("a/b"), file_name("a／b"));
    assert_ne!(file_name(&"很".repeat(300)), file_name(&"很".repeat(299)));
    assert_ne!(file_name("..."), file_name("...."));
}

/// §2: `out/<period>/manifest.json` names each file relative to its own folder, so an absolute
/// `--out` and a folder moved afterwards still resolve.
#[test]
fn out_manifest_resolves_from_where_it_lies() {
    use sha2::Digest;
    let tmp = temp_dir("names-manifest-moved");
    copy_dir(&root().join("tests/fixtures/minimal"), &tmp.join("data"));
    let abs_out = tmp.join("abs/out");
    let out = ducha(&tmp, &["build", "--data", "data", "--out", abs_out.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out).1);
    let moved = tmp.join("somewhere/else/2023Q1");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(abs_out.join("2023Q1"), &moved).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(moved.join("manifest.json")).unwrap()).unwrap();
    let docs = manifest["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 3, "{manifest}");
    for d in docs {
        let p = d["path"].as_str().unwrap();
        let bytes = std::fs::read(moved.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(ducha::pipeline::hex(&sha2::Sha256::digest(&bytes)), d["sha256"].as_str().unwrap(), "{p}");
    }
}

/// §1, the import door: the filled form of `县委办（县政府办/外事办）` (filled with openpyxl,
/// `tests/xlsx_read.py`) is imported into `reports/2023Q1/<file name of the unit>.yaml`, inside
/// the data folder, replacing (and backing up) the unit's earlier report; the form's file name,
/// made by the same rule, is recognised as the unit's.
#[test]
fn a_form_of_a_unit_with_a_slash_imports_into_the_data_folder() {
    let tmp = temp_dir("names-import");
    let work = tmp.join("w");
    std::fs::create_dir_all(&work).unwrap();
    let data = hostile_data(&work);
    let unit = "县委办（县政府办/外事办）";
    let out = ducha(&work, &["forms", "--data", "data", "--period", "2023Q1", "--out", "forms"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let form = work.join("forms").join(format!("{}.xlsx", file_name(unit)));
    let report = serde_json::json!({
        "unit": unit, "period": "2023Q1", "submitted": "2023-04-05",
        "entries": [{"task": 4, "progress": "从表格导入：同比下降。", "values": [{"target": 1, "value": -4}]}]
    });
    let json = work.join("report.json");
    std::fs::write(&json, report.to_string()).unwrap();
    let filled = work.join("filled").join(format!("{}.xlsx", file_name(unit)));
    std::fs::create_dir_all(filled.parent().unwrap()).unwrap();
    let py = std::process::Command::new("python3")
        .arg(root().join("tests/xlsx_read.py"))
        .args(["fill", form.to_str().unwrap(), json.to_str().unwrap(), filled.to_str().unwrap()])
        .output()
        .expect("python3 with openpyxl (scripts/test installs it)");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));

    let before = files_under(&tmp);
    let out = ducha(&work, &["import", filled.to_str().unwrap(), "--data", "data", "--replace"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let target = data.join("reports/2023Q1").join(format!("{}.yaml", file_name(unit)));
    let written = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("{}: {e}\n{stdout}", target.display()));
    assert!(written.contains("从表格导入") && written.contains(unit), "{written}");
    assert!(!data.join("reports/2023Q1/r4.yaml").exists(), "the earlier report is replaced");
    assert!(data.join("reports/2023Q1/r4.yaml.bak-1").is_file(), "and backed up");
    // The only new files: the report and the backup, both inside data/reports/2023Q1.
    let after = files_under(&tmp);
    let new: Vec<_> = after.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(new.len(), 2, "{new:?}");
    assert!(new.iter().all(|f| f.starts_with("w/data/reports/2023Q1")), "{new:?}");
}

/// Seeded fuzz of the rule over 5000 generated names (separators, dots, spaces, control, zero-width
/// and bidi characters, device names, CJK, full-width look-alikes, long runs): every result is one
/// plain component of at most 150 bytes that `join_inside` accepts, never hidden, never a device
/// name, the same for the same input, and different for different inputs.
#[test]
fn fuzz_5000_names_stay_inside_and_never_collide() {
    const PIECES: &[&str] = &[
        "/",
        "\\",
        ":",
        "*",
        "?",
        "\"",
        "<",
        ">",
        "|",
        ".",
        "..",
        " ",
        "\u{3000}",
        "\0",
        "\n",
        "\r",
        "\t",
        "\u{7f}",
        "\u{200b}",
        "\u{202e}",
        "\u{2066}",
        "\u{feff}",
        "CON",
        "nul",
        "COM1",
        "lpt9",
        "AUX.txt",
        "县委办",
        "（",
        "）",
        "／",
        "＼",
        "很",
        "a",
        "Z",
        "0",
        "-",
        "_",
        "~",
        "$",
        "%",
        "é",
        "𠀀",
        "👍",
    ];
    let mut state: u64 = 0x5EED_1234;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for _ in 0..5000 {
        let len = (next() % 12) as usize;
        let mut name: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
        if next() % 20 == 0 {
            name.push_str(&"长".repeat(40 + (next() % 80) as usize));
        }
        let f = file_name(&name);
        assert!(f.len() <= MAX_BYTES, "{name:?} → {} bytes", f.len());
        assert!(!f.is_empty() && !f.starts_with('.') && f.trim() == f, "{name:?} → {f:?}");
        assert!(!f.chars().any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)), "{name:?} → {f:?}");
        let base = f.split('.').next().unwrap().to_ascii_uppercase();
        assert!(
            !["CON", "PRN", "AUX", "NUL"].contains(&base.as_str())
                && !((base.starts_with("COM") || base.starts_with("LPT")) && base.len() == 4),
            "{name:?} → {f:?}"
        );
        let joined = ducha::names::join_inside(Path::new("/out"), &f).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(joined.parent(), Some(Path::new("/out")));
        assert_eq!(file_name(&name), f, "deterministic");
        if let Some(other) = seen.insert(f.clone(), name.clone()) {
            assert_eq!(other, name, "{other:?} and {name:?} both give {f:?}");
        }
    }
    assert!(seen.len() > 4000, "only {} distinct names generated", seen.len());
}
