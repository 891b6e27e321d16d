//! The archive (issue 6): PDF/A-3b with sources attached, append-only, atomic, verifiable.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A copy of the bundled data and an empty archive root in a fresh temp dir.
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let tmp = temp_dir(name);
    copy_dir(&root().join("data"), &tmp.join("data"));
    (tmp.clone(), tmp.join("archive"))
}

fn archive(tmp: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["archive", "--data", "data", "--period", "2023Q4"];
    args.extend_from_slice(extra);
    let out = ducha(tmp, &args);
    let (o, e) = text(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

fn verify(tmp: &Path) -> (i32, String) {
    let out = ducha(tmp, &["archive", "verify", "archive"]);
    (out.status.code().unwrap_or(-1), text(&out).1)
}

/// The Q4 documents are issued in January 2024, so they are filed under 2024.
fn year_dir(archive: &Path) -> PathBuf {
    archive.join("2024")
}

fn notice_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("D30-0001-"))
        .expect("the notice is D30 件号 0001")
}

#[test]
fn archive_verify_and_tamper() {
    let (tmp, arch) = setup("archive-tamper");
    let (code, stdout, stderr) = archive(&tmp, &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("档号 J001-WS·2024-D30-DCS-0001"), "{stdout}");
    let dir = year_dir(&arch);
    assert!(dir.join("manifest.json").is_file() && dir.join("归档文件目录.pdf").is_file());
    assert_eq!(verify(&tmp).0, 0);

    // One flipped byte.
    let notice = notice_file(&dir);
    let mut bytes = std::fs::read(&notice).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&notice, &bytes).unwrap();
    let (code, err) = verify(&tmp);
    assert_eq!(code, 1);
    let name = notice.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name) && err.contains("内容已被改动"), "{err}");
    bytes[mid] ^= 0x01;
    std::fs::write(&notice, &bytes).unwrap();
    assert_eq!(verify(&tmp).0, 0);

    // A deleted file.
    let catalogue = dir.join("归档文件目录.pdf");
    let saved = std::fs::read(&catalogue).unwrap();
    std::fs::remove_file(&catalogue).unwrap();
    let (code, err) = verify(&tmp);
    assert_eq!(code, 1);
    assert!(err.contains("归档文件目录.pdf") && err.contains("文件缺失"), "{err}");
    std::fs::write(&catalogue, saved).unwrap();

    // A stray file.
    std::fs::write(dir.join("stray.txt"), "x").unwrap();
    let (code, err) = verify(&tmp);
    assert_eq!(code, 1);
    assert!(err.contains("stray.txt") && err.contains("多余"), "{err}");
}

#[test]
fn append_only_unchanged_refused_and_revised() {
    let (tmp, arch) = setup("archive-append");
    assert_eq!(archive(&tmp, &[]).0, 0);
    let dir = year_dir(&arch);
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&dir);

    // Again, unchanged: nothing changes.
    let (code, stdout, _) = archive(&tmp, &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("内容未变"), "{stdout}");
    assert_eq!(snapshot(&dir), before);

    // A changed report: refused, showing what differs, nothing written.
    let report = tmp.join("data/reports/2023Q4/县科技局.yaml");
    let text0 = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text0.replacen("progress: |", "progress: |\n      （更正）", 1)).unwrap();
    let (code, _, stderr) = archive(&tmp, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("只增不改"), "{stderr}");
    assert!(stderr.contains("源文件 2023Q4-县科技局.yaml 已修改"), "{stderr}");
    assert!(stderr.contains("--revise"), "{stderr}");
    assert_eq!(snapshot(&dir), before);

    // With --revise: a new revision, the old one kept, verify passes.
    let (code, stdout, stderr) = archive(&tmp, &["--revise"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("修订版"), "{stdout}");
    let after = snapshot(&dir);
    for (name, bytes) in before.iter().filter(|(n, _)| n.ends_with(".pdf") && n != "归档文件目录.pdf") {
        let kept = after.iter().find(|(n, _)| n == name).expect("old revision kept");
        assert_eq!(&kept.1, bytes, "{name} must not change");
    }
    assert!(after.iter().any(|(n, _)| n.contains("-修订2.pdf")), "no revision file");
    assert_eq!(verify(&tmp).0, 0, "{}", verify(&tmp).1);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let revisions = manifest["entries"].as_array().unwrap().iter().filter(|e| e["revision"] == 2).count();
    assert!(revisions >= 1);
}

#[test]
fn attachments_are_the_sources_and_the_pdf_is_pdfa3b() {
    let (tmp, arch) = setup("archive-detach");
    assert_eq!(archive(&tmp, &[]).0, 0);
    let notice = notice_file(&year_dir(&arch));
    let out = tmp.join("detached");
    std::fs::create_dir_all(&out).unwrap();
    let st = std::process::Command::new("pdfdetach").args(["-saveall", "-o"]).arg(&out).arg(&notice).status().unwrap();
    assert!(st.success());
    let data = tmp.join("data");
    let pairs = [
        ("plan.yaml", data.join("plan.yaml")),
        ("office.yaml", data.join("office.yaml")),
        ("2023Q4-县科技局.yaml", data.join("reports/2023Q4/县科技局.yaml")),
    ];
    for (name, src) in pairs {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), std::fs::read(src).unwrap(), "{name}");
    }
    let reports = std::fs::read_dir(data.join("reports/2023Q4"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"))
        .count();
    // Plan, office, the period's reports, and the sample's one accepted 佐证材料 (docs/rules.md §21).
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), reports + 2 + 1);
    let pdf = String::from_utf8_lossy(&std::fs::read(&notice).unwrap()).into_owned();
    assert!(pdf.contains("<pdfaid:part>3</pdfaid:part>"), "no pdfaid:part 3");
    assert!(pdf.contains("<pdfaid:conformance>B</pdfaid:conformance>"), "no conformance B");
    assert!(pdf.contains("J001-WS·2024-D30-DCS-0001"), "档号 in the metadata");
}

#[test]
fn missing_glyph_fails_the_archive_run() {
    let (tmp, arch) = setup("archive-tofu");
    let report = tmp.join("data/reports/2023Q4/县科技局.yaml");
    let text0 = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text0.replacen("progress: |\n", "progress: |\n      联系人王𠀀。\n", 1)).unwrap();
    let (code, _, stderr) = archive(&tmp, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("U+20000") && stderr.contains("data/reports/2023Q4/县科技局.yaml:"), "{stderr}");
    assert!(!arch.exists(), "nothing written");
}

#[test]
fn stamp_prints_the_archive_fields_on_page_one_only() {
    let (tmp, arch) = setup("archive-stamp");
    let (code, _, stderr) = archive(&tmp, &["--stamp"]);
    assert_eq!(code, 0, "{stderr}");
    let notice = notice_file(&year_dir(&arch));
    let page1 = squash(&pdftotext(&notice, Some(1)));
    for cell in ["J001", "2024", "0001", "DCS", "30年"] {
        assert!(page1.contains(cell), "{cell} missing from page 1");
    }
    // In the top blank space, above the type area (y < 37 mm), right of centre.
    let stamp: Vec<Word> = words(&notice).into_iter().filter(|w| w.page == 1 && w.text == "J001").collect();
    assert_eq!(stamp.len(), 1);
    assert!(mm(stamp[0].y1) < 37.0 && mm(stamp[0].x0) > 106.0, "{:?}", stamp[0]);
    assert!(!squash(&pdftotext(&notice, Some(2))).contains("J001"));
    assert_eq!(verify(&tmp).0, 0);
}
