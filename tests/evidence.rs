//! 佐证材料 as real files (docs/rules.md §21), on files made by tools not written for ducha
//! (`tests/evidence_files.py`: PIL, python-docx, openpyxl, xlwt, LibreOffice, PyMuPDF, zipfile)
//! and read back with them: the type from the bytes (hostile files refused by name and rule, a
//! zip bomb refused from its directory), a photo's location stripped with orientation and pixels
//! kept (checked with PIL), the store (dedup, index round trip, review, replacement, ownership,
//! limits at and over), the status rule under `submitted` and `accepted`, `ducha check`'s located
//! errors for files beside a report, and the archive embedding accepted files that `archive
//! verify` checks.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use ducha::clock::{OfficeClock, TimeZone};
use ducha::data::model::{Period, Status};
use ducha::evidence::sniff::Reason;
use ducha::evidence::{sniff_path, Decision, EvidenceConfig, FileKind, Meta, Owner, Rule, Store, StoreError};

/// The sample files, made once per test binary.
fn samples() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = temp_dir("evidence-samples");
        let out = Command::new("python3")
            .arg(root().join("tests/evidence_files.py"))
            .arg("make")
            .arg(&dir)
            .output()
            .expect("python3");
        assert!(out.status.success(), "evidence_files.py make: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

fn py(args: &[&str]) -> String {
    let out = Command::new("python3").arg(root().join("tests/evidence_files.py")).args(args).output().expect("python3");
    assert!(out.status.success(), "evidence_files.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn clock() -> OfficeClock {
    // 2023-07-08 10:00 Beijing time.
    OfficeClock::starting_at(&TimeZone::parse("Asia/Shanghai").unwrap(), 1_688_781_600)
}

#[test]
fn accepted_types_are_known_by_their_bytes_whatever_the_name() {
    let d = samples();
    // The OLE samples are what their makers say (read with olefile, not with ducha).
    assert!(py(&["ole", d.join("report.wps").to_str().unwrap()]).contains("\"WordDocument\""));
    assert!(py(&["ole", d.join("table.et").to_str().unwrap()]).contains("\"Workbook\""));
    for (file, kind) in [
        ("photo_gps.jpg", FileKind::Jpeg),
        ("picture.png", FileKind::Png),
        ("report.docx", FileKind::Docx),
        ("table.xlsx", FileKind::Xlsx),
        ("report.wps", FileKind::Wps),
        ("table.et", FileKind::Et),
        ("scan.pdf", FileKind::Pdf),
        ("letter.ofd", FileKind::Ofd),
    ] {
        assert_eq!(sniff_path(&d.join(file), file), Ok(kind), "{file}");
        // The name plays no part: the same bytes under a misleading name.
        assert_eq!(sniff_path(&d.join(file), "照片.exe"), Ok(kind), "{file} named .exe");
    }
}

#[test]
fn hostile_files_are_refused_naming_the_file_and_the_rule() {
    let d = samples();
    type Case = (&'static str, fn(&Reason) -> bool, &'static str);
    let cases: [Case; 10] = [
        ("page.pdf", |r| matches!(r, Reason::Markup(_)), "网页或脚本标记"),
        ("drawing.png", |r| matches!(r, Reason::Markup("<svg")), "网页或脚本标记“<svg”"),
        ("polyglot.pdf", |r| matches!(r, Reason::Markup(_)), "伪装成文档的网页"),
        ("fake.jpg", |r| matches!(r, Reason::Markup("<html")), "网页或脚本标记“<html”"),
        ("setup.pdf", |r| matches!(r, Reason::Forbidden("Windows 可执行程序")), "Windows 可执行程序"),
        ("script.docx", |r| matches!(r, Reason::Forbidden("脚本")), "是脚本"),
        ("archive.zip", |r| matches!(r, Reason::Forbidden("zip 压缩包")), "zip 压缩包"),
        ("bomb.docx", |r| matches!(r, Reason::ZipBomb(_)), "压缩炸弹"),
        ("macro.docx", |r| matches!(r, Reason::Macros), "含有宏代码"),
        ("js.pdf", |r| matches!(r, Reason::PdfScript("/JavaScript")), "含有脚本或启动动作"),
    ];
    for (file, is, words) in cases {
        let shown = format!("上传-{file}");
        let refusal = sniff_path(&d.join(file), &shown).expect_err(file);
        assert!(is(&refusal.reason), "{file}: {:?}", refusal.reason);
        let msg = refusal.to_string();
        assert!(msg.starts_with(&format!("“{shown}”")), "{file}: names the file: {msg}");
        assert!(msg.contains(words), "{file}: says the rule ({words}): {msg}");
    }
    // The bomb is refused from its central directory: 200 MB declared in a file of ~200 KB.
    let bomb = std::fs::metadata(d.join("bomb.docx")).unwrap().len();
    assert!(bomb < 1 << 20, "the bomb is small on disk: {bomb}");
    let msg = sniff_path(&d.join("bomb.docx"), "bomb.docx").unwrap_err().to_string();
    assert!(msg.contains("word/document.xml") && msg.contains("200 MB"), "{msg}");
    let empty = d.join("empty.pdf");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(sniff_path(&empty, "empty.pdf").unwrap_err().reason, Reason::Empty);
}

#[test]
fn photo_location_is_stripped_keeping_orientation_and_pixels() {
    let d = samples();
    let src = d.join("photo_gps.jpg");
    let before: serde_json::Value = serde_json::from_str(&py(&["exif", src.to_str().unwrap()])).unwrap();
    assert!(!before["gps"].as_object().unwrap().is_empty(), "the sample carries a location: {before}");
    let bytes = std::fs::read(&src).unwrap();
    let clean = ducha::evidence::photo::strip_location(&bytes).expect("a location to strip");
    assert_eq!(clean.len(), bytes.len(), "rewritten in place, nothing recompressed");
    let out = temp_dir("evidence-photo").join("clean.jpg");
    std::fs::write(&out, &clean).unwrap();
    let after: serde_json::Value = serde_json::from_str(&py(&["exif", out.to_str().unwrap()])).unwrap();
    assert_eq!(after["gps"], serde_json::json!({}), "PIL finds no GPS: {after}");
    assert_eq!(after["orientation"], 6, "orientation kept: {after}");
    assert_eq!(after["make"], "TestCam", "other tags kept: {after}");
    assert_eq!(py(&["pixels", src.to_str().unwrap(), out.to_str().unwrap()]).trim(), "same");
    // No trace of the coordinates' numerators (36/1, 27/1, 115/1 as PIL writes rationals) is left
    // where the GPS directory was: stripping again finds nothing.
    assert!(ducha::evidence::photo::strip_location(&clean).is_none());
    // A PNG or a JPEG without location is left alone.
    let png = std::fs::read(d.join("picture.png")).unwrap();
    assert!(ducha::evidence::photo::strip_location(&png).is_none());
}

/// A copy of the minimal data in a fresh folder.
fn minimal(name: &str) -> PathBuf {
    let tmp = temp_dir(name);
    copy_dir(&root().join("tests/fixtures/minimal"), &tmp.join("data"));
    tmp.join("data")
}

/// Copies a sample into the store's temp folder, as a streaming upload would leave it.
fn upload(store: &Store, sample: &str) -> (PathBuf, String, u64) {
    let tmp = store.temp_dir().unwrap();
    let t = tempfile::NamedTempFile::new_in(&tmp).unwrap().into_temp_path().keep().unwrap();
    std::fs::copy(samples().join(sample), &t).unwrap();
    let (sha, size) = ducha::evidence::store::hash_file(&t).unwrap();
    (t, sha, size)
}

fn meta(name: &str, unit: &str, task: u32) -> Meta {
    Meta {
        name: name.into(),
        owner: Owner::Task { period: Period { year: 2023, quarter: 1 }, unit: unit.into(), task },
        uploaded_by: format!("{unit}联络员"),
        slot: None,
    }
}

fn objects(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir.join("evidence/objects"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

#[test]
fn store_keeps_one_copy_per_content_and_an_index_that_round_trips() {
    let dir = minimal("evidence-store");
    let store = Store::new(&dir);
    let cfg = EvidenceConfig::default();
    let (t, sha, size) = upload(&store, "scan.pdf");
    let a = store.put(&t, &sha, size, &meta("../../etc/验收\u{202E}报告.pdf", "县科技局", 1), &cfg, &clock()).unwrap();
    assert!(!t.exists(), "the temp file is consumed");
    assert_eq!(a.kind, FileKind::Pdf);
    assert!(a.name.starts_with("验收报告") && a.name.ends_with(".pdf"), "last component kept: {}", a.name);
    assert!(!a.name.contains(['/', '\u{202E}']), "no separator, no bidi override: {}", a.name);
    assert_eq!(a.uploaded_at, "2023-07-08 10:00:00", "the office clock");
    let object = store.object_path(&sha).unwrap();
    assert_eq!(object, dir.join("evidence/objects").join(&sha[..2]).join(&sha));
    assert_eq!(std::fs::read(&object).unwrap(), std::fs::read(samples().join("scan.pdf")).unwrap());
    // Same file, same task: stored once, listed once.
    let (t, sha2, size) = upload(&store, "scan.pdf");
    let b = store.put(&t, &sha2, size, &meta("again.pdf", "县科技局", 1), &cfg, &clock()).unwrap();
    assert_eq!(b, a);
    // Same file for another task and another unit: one object, three records.
    let (t, _, size) = upload(&store, "scan.pdf");
    store.put(&t, &sha, size, &meta("批复.pdf", "县科技局", 2), &cfg, &clock()).unwrap();
    let (t, _, size) = upload(&store, "scan.pdf");
    store.put(&t, &sha, size, &meta("方案.pdf", "县工业和信息化局", 3), &cfg, &clock()).unwrap();
    assert_eq!(objects(&dir), 1);
    let (reviews, diags, _) = store.load_all();
    assert!(diags.is_empty(), "{diags:?}");
    let q1 = Period { year: 2023, quarter: 1 };
    assert_eq!(reviews.of_task(q1, "县科技局", 1).count(), 1);
    assert_eq!(reviews.of_task(q1, "县科技局", 2).count(), 1);
    assert_eq!(reviews.of_task(q1, "县工业和信息化局", 3).next().unwrap().name, "方案.pdf");
    // The index on disk is YAML another parser reads.
    let text = std::fs::read_to_string(dir.join("evidence/index/2023Q1/县科技局.yaml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(v["unit"], "县科技局");
    assert_eq!(v["files"][0]["sha256"], sha.as_str());
    assert_eq!(v["files"][0]["type"], "pdf");
    // Ownership: a unit reads its own files only (by hash).
    assert!(reviews.unit_may_read("县科技局", &sha));
    let (t, png_sha, size) = upload(&store, "picture.png");
    store.put(&t, &png_sha, size, &meta("现场.png", "县工业和信息化局", 3), &cfg, &clock()).unwrap();
    let (reviews, _, _) = store.load_all();
    assert!(!reviews.unit_may_read("县科技局", &png_sha));
    assert!(reviews.unit_may_read("县工业和信息化局", &png_sha));
    // A hash from a URL can never name a path.
    assert!(store.object_path("../../plan.yaml").is_none());
    assert!(store.object_path(&sha.to_uppercase()).is_none());
}

#[test]
fn review_return_replace_and_refusals() {
    let dir = minimal("evidence-review");
    let store = Store::new(&dir);
    let cfg = EvidenceConfig::default();
    let (t, sha, size) = upload(&store, "photo_gps.jpg");
    let photo = store.put(&t, &sha, size, &meta("现场.jpg", "县科技局", 1), &cfg, &clock()).unwrap();
    assert_ne!(photo.sha256, sha, "the stored photo is the stripped one");
    let stored = store.object_path(&photo.sha256).unwrap();
    let after: serde_json::Value = serde_json::from_str(&py(&["exif", stored.to_str().unwrap()])).unwrap();
    assert_eq!(after["gps"], serde_json::json!({}));
    let owner = photo.owner.clone();
    // 退回 needs a reason.
    let e = store.review(&owner, &photo.sha256, Decision::Returned, Some("  "), "督查室", &clock()).unwrap_err();
    assert!(matches!(e, StoreError::ReasonRequired));
    // Only a returned file may be replaced.
    let (t, new_sha, size) = upload(&store, "scan.pdf");
    let e =
        store.replace(&t, &new_sha, size, &meta("新.pdf", "县科技局", 1), &photo.sha256, &cfg, &clock()).unwrap_err();
    assert!(e.to_string().contains("未被退回"), "{e}");
    let r = store.review(&owner, &photo.sha256, Decision::Returned, Some("照片模糊"), "督查室", &clock()).unwrap();
    assert_eq!(r.review.as_ref().unwrap().reason.as_deref(), Some("照片模糊"));
    let (t, new_sha, size) = upload(&store, "scan.pdf");
    let new = store.replace(&t, &new_sha, size, &meta("新.pdf", "县科技局", 1), &photo.sha256, &cfg, &clock()).unwrap();
    assert_eq!(new.replaces.as_deref(), Some(photo.sha256.as_str()));
    let all = store.list(&owner).unwrap();
    assert_eq!(all.len(), 2, "history kept");
    assert_eq!(all[0].replaced_by.as_deref(), Some(new_sha.as_str()));
    let (reviews, _, _) = store.load_all();
    let current: Vec<_> = reviews.of_task(Period { year: 2023, quarter: 1 }, "县科技局", 1).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].sha256, new_sha);
    // A refused type leaves nothing behind.
    let (t, s, size) = upload(&store, "polyglot.pdf");
    let e = store.put(&t, &s, size, &meta("通知.pdf", "县科技局", 1), &cfg, &clock()).unwrap_err();
    assert!(e.to_string().starts_with("“通知.pdf”"), "{e}");
    assert!(!t.exists());
    assert!(store.object_path(&s).map(|p| !p.exists()).unwrap());
}

#[test]
fn limits_at_and_one_byte_over() {
    let dir = minimal("evidence-limits");
    let store = Store::new(&dir);
    let mb = 1024 * 1024;
    let cfg = EvidenceConfig { max_file: mb, max_report: 2 * mb, max_files_per_task: 2, ..EvidenceConfig::default() };
    let png = std::fs::read(samples().join("picture.png")).unwrap();
    let sized = |n: u64, fill: u8| {
        let tmp = store.temp_dir().unwrap();
        let t = tempfile::NamedTempFile::new_in(&tmp).unwrap().into_temp_path().keep().unwrap();
        let mut b = png.clone();
        b.resize(n as usize, fill);
        std::fs::write(&t, &b).unwrap();
        let (sha, size) = ducha::evidence::store::hash_file(&t).unwrap();
        (t, sha, size)
    };
    let (t, sha, size) = sized(mb, 1);
    assert_eq!(size, mb);
    store.put(&t, &sha, size, &meta("a.png", "县科技局", 1), &cfg, &clock()).expect("exactly at the limit");
    let (t, sha, size) = sized(mb + 1, 2);
    let e = store.put(&t, &sha, size, &meta("b.png", "县科技局", 1), &cfg, &clock()).unwrap_err();
    assert!(matches!(e, StoreError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("超过单个文件上限 1 MB"), "{e}");
    assert!(!t.exists());
    let (t, sha, size) = sized(mb, 3);
    store.put(&t, &sha, size, &meta("c.png", "县科技局", 1), &cfg, &clock()).expect("2 MB in all: at the report limit");
    let (t, sha, size) = sized(1000, 4);
    let e = store.put(&t, &sha, size, &meta("d.png", "县科技局", 1), &cfg, &clock()).unwrap_err();
    assert!(matches!(e, StoreError::TooMany { task: 1, count: 2, max: 2 }), "{e}");
    let (t, sha, size) = sized(1000, 5);
    let e = store.put(&t, &sha, size, &meta("e.png", "县科技局", 2), &cfg, &clock()).unwrap_err();
    assert!(matches!(e, StoreError::ReportFull { .. }), "{e}");
    assert_eq!(objects(&dir), 2);
}

/// Task 1 of the minimal data (县科技局, 15 家) reported at 15 with `evidence: [验收报告.pdf]`.
fn met_with_evidence(name: &str, rule: Option<&str>) -> PathBuf {
    let dir = minimal(name);
    let report = dir.join("reports/2023Q1/县科技局.yaml");
    let text = std::fs::read_to_string(&report).unwrap();
    let text = text.replace("        value: 4\n", "        value: 15\n    evidence: [验收报告.pdf]\n");
    std::fs::write(&report, text).unwrap();
    if let Some(rule) = rule {
        let office = dir.join("office.yaml");
        let mut o = std::fs::read_to_string(&office).unwrap();
        o.push_str(&format!("evidence:\n  rule: {rule}\n"));
        std::fs::write(&office, o).unwrap();
    }
    dir
}

fn task1(dir: &Path) -> ducha::status::TaskStatus {
    let checked = ducha::data::check(dir);
    let ds = checked.dataset.unwrap_or_else(|| panic!("{}", checked.diagnostics.render(&checked.sources)));
    let q1 = Period { year: 2023, quarter: 1 };
    ducha::status::evaluate_year(&ds, q1).pop().unwrap().task(1).unwrap().clone()
}

/// Stores `验收报告.pdf` for task 1 and reviews it (`None`: not reviewed).
fn store_reviewed(dir: &Path, decision: Option<Decision>) {
    let store = Store::new(dir);
    let (t, sha, size) = upload(&store, "scan.pdf");
    let r =
        store.put(&t, &sha, size, &meta("验收报告.pdf", "县科技局", 1), &EvidenceConfig::default(), &clock()).unwrap();
    if let Some(d) = decision {
        store.review(&r.owner, &sha, d, Some("盖章不清"), "督查室", &clock()).unwrap();
    }
}

#[test]
fn status_counts_evidence_by_the_rule() {
    // Typed name only, no file: counts under `submitted` (the default), not under `accepted`.
    let t = task1(&met_with_evidence("ev-status-typed", None));
    assert_eq!(t.status, Status::Completed, "{}", t.reason);
    assert!(t.reason.contains("已报送佐证材料 1 份"), "{}", t.reason);
    let t = task1(&met_with_evidence("ev-status-typed-acc", Some("accepted")));
    assert_ne!(t.status, Status::Completed, "{}", t.reason);
    assert!(t.evidence_missing);
    assert!(t.reason.contains("1 份尚未采信"), "{}", t.reason);

    for rule in [None, Some("submitted"), Some("accepted")] {
        let accepted = rule == Some("accepted");
        // Returned: never counts.
        let dir = met_with_evidence("ev-status-returned", rule);
        store_reviewed(&dir, Some(Decision::Returned));
        let t = task1(&dir);
        assert_ne!(t.status, Status::Completed, "{rule:?}: {}", t.reason);
        assert!(t.evidence_missing);
        // The reason names the returned file and says why it does not count, under either rule.
        assert!(t.reason.contains("1 份已被退回（“验收报告.pdf”），退回的材料不计入"), "{rule:?}: {}", t.reason);
        assert!(t.reason.contains("无可认定的佐证材料，暂不认定为已完成"), "{rule:?}: {}", t.reason);
        // Not yet reviewed: counts under `submitted` only, and the reason says which rule.
        let dir = met_with_evidence("ev-status-pending", rule);
        store_reviewed(&dir, None);
        let t = task1(&dir);
        assert_eq!(t.status == Status::Completed, !accepted, "{rule:?}: {}", t.reason);
        assert_eq!(t.evidence_missing, accepted, "{rule:?}: {}", t.reason);
        if accepted {
            assert!(t.reason.contains("1 份尚未采信，按规定只计入督查室已采信的材料"), "{}", t.reason);
        } else {
            assert!(t.reason.contains("已报送佐证材料 1 份"), "{}", t.reason);
        }
        // Accepted: always counts, and the reason says so under `accepted`.
        let dir = met_with_evidence("ev-status-accepted", rule);
        store_reviewed(&dir, Some(Decision::Accepted));
        let t = task1(&dir);
        assert_eq!(t.status, Status::Completed, "{rule:?}: {}", t.reason);
        if accepted {
            assert!(t.reason.contains("已采信佐证材料 1 份"), "{}", t.reason);
        } else {
            assert!(t.reason.contains("其中已采信 1 份"), "{}", t.reason);
        }
    }
    // A file uploaded for the task counts even when the report's list does not name it.
    let dir = minimal("ev-status-upload-only");
    let report = dir.join("reports/2023Q1/县科技局.yaml");
    let text = std::fs::read_to_string(&report).unwrap().replace("        value: 4\n", "        value: 15\n");
    std::fs::write(&report, text).unwrap();
    assert_ne!(task1(&dir).status, Status::Completed);
    store_reviewed(&dir, None);
    assert_eq!(task1(&dir).status, Status::Completed);
}

#[test]
fn check_locates_named_files_that_are_missing_too_large_or_refused() {
    let dir = minimal("evidence-check");
    let report = dir.join("reports/2023Q1/县科技局.yaml");
    let text = std::fs::read_to_string(&report).unwrap();
    let text = text.replace(
        "        value: 4\n",
        "        value: 4\n    evidence:\n      - 验收报告.pdf\n      - 缺少的.pdf\n      - 网页.pdf\n      - 大文件.png\n      - 材料另行报送\n",
    );
    std::fs::write(&report, &text).unwrap();
    let files = dir.join("reports/2023Q1/县科技局.files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::copy(samples().join("scan.pdf"), files.join("验收报告.pdf")).unwrap();
    std::fs::copy(samples().join("polyglot.pdf"), files.join("网页.pdf")).unwrap();
    let mut big = std::fs::read(samples().join("picture.png")).unwrap();
    big.resize(1024 * 1024 + 1, 0);
    std::fs::write(files.join("大文件.png"), big).unwrap();
    std::fs::write(files.join("多余.pdf"), std::fs::read(samples().join("scan.pdf")).unwrap()).unwrap();
    let office = dir.join("office.yaml");
    let o = std::fs::read_to_string(&office).unwrap() + "evidence:\n  max_file_mb: 1\n";
    std::fs::write(&office, o).unwrap();
    let out = ducha(dir.parent().unwrap(), &["check", "--data", "data"]);
    let (_, err) = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let at = |needle: &str| format!("data/reports/2023Q1/县科技局.yaml:{}:9", line_of(needle));
    assert!(err.contains(&at("缺少的.pdf")), "{err}");
    assert!(err.contains("任务 1 的佐证材料“缺少的.pdf”不在 data/reports/2023Q1/县科技局.files/ 中"), "{err}");
    assert!(err.contains(&at("网页.pdf")) && err.contains("“网页.pdf”开头含有网页或脚本标记"), "{err}");
    assert!(err.contains(&at("大文件.png")) && err.contains("超过单个文件上限 1 MB"), "{err}");
    assert!(err.contains("多余.pdf 未在报告的 evidence 中列出"), "{err}");
    assert!(!err.contains("验收报告.pdf”"), "the good file is not mentioned: {err}");
    assert!(!err.contains("材料另行报送"), "a description is not a file: {err}");
    // Fixed: the command passes and `ducha evidence import` stores the named files.
    let fixed = text.replace("      - 缺少的.pdf\n      - 网页.pdf\n      - 大文件.png\n", "      - 多余.pdf\n");
    std::fs::write(&report, fixed).unwrap();
    std::fs::remove_file(files.join("网页.pdf")).unwrap();
    std::fs::remove_file(files.join("大文件.png")).unwrap();
    let out = ducha(dir.parent().unwrap(), &["check", "--data", "data"]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out).1);
    let out = ducha(dir.parent().unwrap(), &["evidence", "import", "--data", "data"]);
    let (o, e) = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{o}{e}");
    assert!(o.contains("佐证材料入库：2 份，失败 0 份"), "{o}");
    assert_eq!(objects(&dir), 1, "two names, one content");
}

fn text_of(o: &std::process::Output) -> (String, String) {
    text(o)
}

#[test]
fn archive_embeds_accepted_files_and_verify_catches_a_changed_byte() {
    let dir = met_with_evidence("evidence-archive", None);
    let store = Store::new(&dir);
    let cfg = EvidenceConfig::default();
    let (t, pdf_sha, size) = upload(&store, "scan.pdf");
    let r = store.put(&t, &pdf_sha, size, &meta("验收报告.pdf", "县科技局", 1), &cfg, &clock()).unwrap();
    store.review(&r.owner, &pdf_sha, Decision::Accepted, None, "督查室", &clock()).unwrap();
    let (t, png_sha, size) = upload(&store, "picture.png");
    let p = store.put(&t, &png_sha, size, &meta("现场.png", "县科技局", 1), &cfg, &clock()).unwrap();
    store.review(&p.owner, &png_sha, Decision::Returned, Some("与任务无关"), "督查室", &clock()).unwrap();
    let tmp = dir.parent().unwrap();
    let out = ducha(tmp, &["archive", "--data", "data", "--archive", "archive"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let year = tmp.join("archive/2023");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(year.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    let with_evidence: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| {
            e["sources"].as_array().unwrap().iter().any(|s| s["name"].as_str().unwrap().starts_with("佐证材料-"))
        })
        .collect();
    assert_eq!(with_evidence.len(), 1, "the 通报 only");
    let notice = with_evidence[0];
    let names: Vec<&str> = notice["sources"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"佐证材料-2023Q1-县科技局-任务1-验收报告.pdf"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("现场")), "a returned file is not archived: {names:?}");
    let listed = notice["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "佐证材料-2023Q1-县科技局-任务1-验收报告.pdf")
        .unwrap();
    assert_eq!(listed["sha256"], pdf_sha.as_str());
    // PyMuPDF finds the file embedded, byte for byte.
    let pdf = year.join(notice["file"].as_str().unwrap());
    // Typst writes attachment names as UTF-8 bytes, which PyMuPDF reads one byte per character.
    let script = "import pymupdf,sys,hashlib,json\nd=pymupdf.open(sys.argv[1])\nname=lambda i: d.embfile_info(i)['filename'].encode('latin-1').decode('utf-8')\nprint(json.dumps({name(i): hashlib.sha256(d.embfile_get(i)).hexdigest() for i in range(d.embfile_count())}, ensure_ascii=False))";
    let o = Command::new("python3").args(["-c", script]).arg(&pdf).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let embedded: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(embedded["佐证材料-2023Q1-县科技局-任务1-验收报告.pdf"], pdf_sha.as_str(), "{embedded}");
    let out = ducha(tmp, &["archive", "verify", "archive"]);
    assert!(out.status.success(), "{}", text(&out).1);
    // One changed byte in the embedded file (inside the PDF) is caught.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&pdf, &bytes).unwrap();
    let out = ducha(tmp, &["archive", "verify", "archive"]);
    assert_eq!(out.status.code(), Some(1));
    // Over the office's cap: refused with the sizes, nothing written. A 1.5 MB photo that does
    // not compress (xorshift bytes after a PNG header) is accepted, so the 通报 alone passes 1 MB.
    let mut big = std::fs::read(samples().join("picture.png")).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while big.len() < 1_500_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.extend_from_slice(&x.to_le_bytes());
    }
    let t = store.temp_dir().unwrap().join("big-upload");
    std::fs::write(&t, &big).unwrap();
    let (big_sha, size) = ducha::evidence::store::hash_file(&t).unwrap();
    let b = store.put(&t, &big_sha, size, &meta("全景.png", "县科技局", 1), &cfg, &clock()).unwrap();
    store.review(&b.owner, &big_sha, Decision::Accepted, None, "督查室", &clock()).unwrap();
    let office = dir.join("office.yaml");
    let o = std::fs::read_to_string(&office).unwrap() + "evidence:\n  archive_max_mb: 1\n";
    std::fs::write(&office, o).unwrap();
    let out = ducha(tmp, &["archive", "--data", "data", "--archive", "archive2"]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("超过 office.yaml 中 evidence.archive_max_mb 设定的上限 1 MB"), "{err}");
    assert!(!tmp.join("archive2/2023/manifest.json").exists());
}

#[test]
fn office_and_plan_settings_are_validated_at_their_place() {
    let dir = minimal("evidence-config");
    let office = dir.join("office.yaml");
    let o = std::fs::read_to_string(&office).unwrap();
    let lines = o.lines().count();
    std::fs::write(&office, o + "evidence:\n  rule: 全部\n  max_file_mb: 0\n  colour: red\n").unwrap();
    let out = ducha(dir.parent().unwrap(), &["check", "--data", "data"]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(&format!("office.yaml:{}:", lines + 4)) && err.contains("colour"), "unknown key: {err}");
    std::fs::write(
        &office,
        std::fs::read_to_string(root().join("tests/fixtures/minimal/office.yaml")).unwrap()
            + "evidence:\n  rule: 全部\n  max_file_mb: 0\n",
    )
    .unwrap();
    let out = ducha(dir.parent().unwrap(), &["check", "--data", "data"]);
    let (_, err) = text(&out);
    assert!(
        err.contains(&format!("office.yaml:{}:9", lines + 2)) && err.contains("`evidence.rule: 全部` 无法识别"),
        "{err}"
    );
    assert!(err.contains(&format!("office.yaml:{}:16", lines + 3)) && err.contains("max_file_mb: 0"), "{err}");
    // Slots in plan.yaml.
    std::fs::write(&office, std::fs::read_to_string(root().join("tests/fixtures/minimal/office.yaml")).unwrap())
        .unwrap();
    let plan = dir.join("plan.yaml");
    let p = std::fs::read_to_string(&plan).unwrap();
    let p = p.replacen(
        "        lead_units: [县科技局]\n",
        "        lead_units: [县科技局]\n        evidence: [验收报告, 验收报告, \"a/b\"]\n",
        1,
    );
    std::fs::write(&plan, &p).unwrap();
    let out = ducha(dir.parent().unwrap(), &["check", "--data", "data"]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("第 1 项任务的所需佐证材料第 2 项“验收报告”与前面的名目重复"), "{err}");
    assert!(err.contains("第 3 项“a/b”含有不能用于名称的字符"), "{err}");
    let p = p.replace("evidence: [验收报告, 验收报告, \"a/b\"]", "evidence: [验收报告, 批复文件]");
    std::fs::write(&plan, &p).unwrap();
    let checked = ducha::data::check(&dir);
    let ds = checked.dataset.expect("valid");
    assert_eq!(ds.plan.task(1).unwrap().evidence, vec!["验收报告".to_string(), "批复文件".to_string()]);
    assert_eq!(ds.office.evidence.rule, Rule::Submitted);
}
