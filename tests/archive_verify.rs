//! `ducha archive verify` treats the archive as untrusted input (issue 10 §3): a truncated or
//! non-JSON manifest, missing fields, odd hashes, absolute or `../` names, symbolic links, a PDF
//! replaced by garbage or by another valid PDF, attachments stripped, swapped or added, extra or
//! missing files and a catalogue that disagrees are each reported by name — never a panic, never a
//! read outside the archive folder — and a seeded fuzz run of 600 mutated archives holds the
//! oracle “verify passes exactly when nothing changed”. The archive folder moved elsewhere still
//! verifies (its manifest names files relative to itself).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use common::*;
use ducha::archive::{self, ArchiveOptions, Problem};
use ducha::engine::fonts::Fonts;
use ducha::engine::{Datetime, Engine, Job, PdfFlavor};
use ducha::pipeline::BuildOptions;
use ducha::templates::Templates;
use serde_json::Value;

/// The year folder of an archive of the minimal data (2023Q1, filed under 2023), made once:
/// file name → bytes.
fn pristine() -> &'static BTreeMap<String, Vec<u8>> {
    static P: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    P.get_or_init(|| {
        let tmp = temp_dir("archive-verify-pristine");
        copy_dir(&root().join("tests/fixtures/minimal"), &tmp.join("data"));
        let opts = ArchiveOptions {
            build: BuildOptions {
                data: tmp.join("data"),
                period: None,
                out: tmp.join("out"),
                only: vec![],
                emit_typst: false,
                templates: None,
                font_paths: vec![],
                flavor: PdfFlavor::A3b,
                png: vec![],
                ofd: false,
                docx: false,
            },
            root: tmp.join("archive"),
            revise: false,
            stamp: false,
            // OFD-A copies too, so every case and the fuzz also meet OFD files in the manifest.
            ofd: true,
        };
        let report = archive::archive(&opts).unwrap_or_else(|e| panic!("{}", e.diagnostics.render(&e.sources)));
        assert_eq!(report.added.len(), 3, "notice, briefing, leader briefing");
        assert_eq!(report.ofd.len(), 3, "an OFD-A beside each PDF/A");
        let dir = tmp.join("archive/2023");
        assert!(archive::verify(&dir).is_empty(), "{:?}", archive::verify(&dir));
        std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
            .collect()
    })
}

/// A fresh copy of the pristine year folder at `<tmp>/archive/2023`.
fn fresh(name: &str) -> PathBuf {
    let tmp = temp_dir(name);
    let dir = tmp.join("archive/2023");
    write_files(&dir, pristine());
    dir
}

fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn save_manifest(dir: &Path, m: &Value) {
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(m).unwrap()).unwrap();
}

fn pdf_names() -> Vec<String> {
    pristine().keys().filter(|n| n.starts_with('D') && n.ends_with(".pdf")).cloned().collect()
}

/// Asserts at least one problem names `file` (a suffix of its path) and contains every `words`.
fn expect(problems: &[Problem], file: &str, words: &[&str]) {
    assert!(
        problems.iter().any(|p| p.file.ends_with(file) && words.iter().all(|w| p.message.contains(w))),
        "no problem at {file} with {words:?} in {problems:#?}"
    );
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    ducha::pipeline::hex(&sha2::Sha256::digest(bytes))
}

/// A PDF/A-3b that carries `keywords` and the given attachments (name, bytes).
fn made_pdf(keywords: &str, attachments: &[(&str, &[u8])]) -> Vec<u8> {
    let engine = Engine::new(Arc::new(Fonts::load(&[]).unwrap()), Templates::builtin().typst_files());
    let mut source = format!(
        "#set document(title: \"替换件\", keywords: (\"{keywords}\",))\n#set text(font: (\"FandolFang R\",))\n替换的文件\n"
    );
    for (name, _) in attachments {
        source.push_str(&format!(
            "#pdf.attach(\"/{name}\", relationship: \"source\", mime-type: \"application/yaml\", description: \"x\")\n"
        ));
    }
    let job = Job {
        name: "x.typ".into(),
        source,
        timestamp: Datetime::from_ymd(2023, 4, 15).unwrap(),
        ident: "x".into(),
        flavor: PdfFlavor::A3b,
        files: attachments.iter().map(|(n, b)| (format!("/{n}"), b.to_vec())).collect(),
    };
    engine.compile(&job).unwrap_or_else(|e| panic!("{}", e.diagnostics.render(&e.sources))).pdf
}

/// Replaces entry `i`'s PDF by `pdf` and makes the manifest's hash and size agree with it, so
/// only what is inside the PDF can give it away.
fn replace_consistently(dir: &Path, i: usize, pdf: &[u8]) -> String {
    let mut m = manifest(dir);
    let file = m["entries"][i]["file"].as_str().unwrap().to_owned();
    std::fs::write(dir.join(&file), pdf).unwrap();
    m["entries"][i]["sha256"] = Value::from(sha(pdf));
    m["entries"][i]["size"] = Value::from(pdf.len());
    save_manifest(dir, &m);
    file
}

// ---------------------------------------------------------------------------------------------
// The manifest

#[test]
fn truncated_or_non_json_manifest() {
    let dir = fresh("verify-truncated");
    let text = std::fs::read(dir.join("manifest.json")).unwrap();
    std::fs::write(dir.join("manifest.json"), &text[..text.len() / 2]).unwrap();
    expect(&archive::verify(&dir), "manifest.json", &["不是有效的 JSON", "被截断"]);
    std::fs::write(dir.join("manifest.json"), b"\xff\xfe garbage").unwrap();
    expect(&archive::verify(&dir), "manifest.json", &["不是 UTF-8"]);
    std::fs::write(dir.join("manifest.json"), "[1, 2]").unwrap();
    expect(&archive::verify(&dir), "manifest.json", &["应为 JSON 对象"]);
    std::fs::write(dir.join("manifest.json"), "").unwrap();
    expect(&archive::verify(&dir), "manifest.json", &["不是有效的 JSON"]);
}

#[test]
fn missing_fields_are_each_named() {
    let dir = fresh("verify-fields");
    let mut m = manifest(&dir);
    m["entries"][0].as_object_mut().unwrap().remove("sha256");
    m["entries"][1].as_object_mut().unwrap().remove("sources");
    m["entries"][1]["pages"] = Value::from("三");
    m.as_object_mut().unwrap().remove("year");
    save_manifest(&dir, &m);
    let p = archive::verify(&dir);
    expect(&p, "manifest.json", &["第 1 条", "缺少字段 “sha256”"]);
    expect(&p, "manifest.json", &["第 2 条", "“sources”"]);
    expect(&p, "manifest.json", &["第 2 条", "“pages”"]);
    expect(&p, "manifest.json", &["“year”"]);
    // The complete entry is still checked, and the broken entries' files are not “extra”.
    assert!(!p.iter().any(|p| p.message.contains("多余")), "{p:#?}");

    let mut m = manifest(&dir);
    m.as_object_mut().unwrap().remove("entries");
    save_manifest(&dir, &m);
    expect(&archive::verify(&dir), "manifest.json", &["缺少字段 “entries”"]);
}

#[test]
fn odd_hashes_are_reported_not_panicked_on() {
    let dir = fresh("verify-hashes");
    let mut m = manifest(&dir);
    let good = m["entries"][0]["sha256"].as_str().unwrap().to_owned();
    let odd = ["abc".to_string(), good.to_uppercase(), "z".repeat(64), "é".repeat(32), "哈".repeat(64), String::new()];
    for (i, h) in odd.iter().enumerate().take(3) {
        m["entries"][i]["sha256"] = Value::from(h.as_str());
    }
    m["catalogue"]["sha256"] = Value::from(odd[3].as_str());
    save_manifest(&dir, &m);
    let p = archive::verify(&dir);
    for e in m["entries"].as_array().unwrap().iter().take(3) {
        expect(&p, e["file"].as_str().unwrap(), &["不是 64 位小写十六进制"]);
    }
    expect(&p, "归档文件目录.pdf", &["不是 64 位小写十六进制"]);
    for h in &odd[4..] {
        m["entries"][0]["sha256"] = Value::from(h.as_str());
        save_manifest(&dir, &m);
        expect(&archive::verify(&dir), m["entries"][0]["file"].as_str().unwrap(), &["不是 64 位小写十六进制"]);
    }
}

#[test]
fn names_that_leave_the_folder_are_never_read() {
    let dir = fresh("verify-outside");
    // A file outside the archive whose hash the manifest claims: a verify that followed the
    // name would find it “intact”.
    let secret = dir.parent().unwrap().parent().unwrap().join("secret.pdf");
    let first = pdf_names()[0].clone();
    std::fs::write(&secret, &pristine()[&first]).unwrap();
    let abs = secret.display().to_string();
    for name in ["../../secret.pdf", abs.as_str(), "./x.pdf", "a/../../../secret.pdf", ".hidden.pdf", "", "a\\b.pdf"] {
        let mut m = manifest(&dir);
        m["entries"][0]["file"] = Value::from(name);
        save_manifest(&dir, &m);
        let p = archive::verify(&dir);
        expect(&p, "", &["不是本目录内的普通文件名", "未读取"]);
        // The real file is now unlisted: reported as extra, never as read through the odd name.
        expect(&p, &first, &["多余文件"]);
        assert!(!p.iter().any(|p| p.message.contains("内容已被改动")), "{name}: {p:#?}");
        write_files(&dir, pristine());
    }
    // A symbolic link in the archive pointing outside is reported, not followed.
    #[cfg(unix)]
    {
        std::fs::remove_file(dir.join(&first)).unwrap();
        std::os::unix::fs::symlink(&secret, dir.join(&first)).unwrap();
        expect(&archive::verify(&dir), &first, &["符号链接", "未读取"]);
    }
}

// ---------------------------------------------------------------------------------------------
// The files

#[test]
fn pdf_replaced_by_garbage_or_by_another_valid_pdf() {
    let dir = fresh("verify-replaced");
    let names = pdf_names();
    std::fs::write(dir.join(&names[0]), b"%PDF-1.7\nnot really\n").unwrap();
    let p = archive::verify(&dir);
    expect(&p, &names[0], &["内容已被改动"]);
    expect(&p, &names[0], &["不是可读的 PDF"]);

    // Another document of the same archive, copied over, hash and size made to agree: the 档号
    // inside gives it away.
    write_files(&dir, pristine());
    let m = manifest(&dir);
    let i = m["entries"].as_array().unwrap().iter().position(|e| e["file"] == names[0].as_str()).unwrap();
    let other = names[1].clone();
    replace_consistently(&dir, i, &pristine()[&other]);
    let p = archive::verify(&dir);
    expect(&p, &names[0], &["档号", "另一份 PDF"]);
}

#[test]
fn attachments_stripped_swapped_or_added() {
    let dir = fresh("verify-attachments");
    let m = manifest(&dir);
    let e = &m["entries"][0];
    let code = e["archival_code"].as_str().unwrap().to_owned();
    let sources: Vec<String> =
        e["sources"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    assert!(sources.contains(&"plan.yaml".to_string()) && sources.contains(&"office.yaml".to_string()), "{sources:?}");
    let data = root().join("tests/fixtures/minimal");
    let plan = std::fs::read(data.join("plan.yaml")).unwrap();
    let office = std::fs::read(data.join("office.yaml")).unwrap();

    // Stripped: the right 档号, no attachments.
    let file = replace_consistently(&dir, 0, &made_pdf(&code, &[]));
    let p = archive::verify(&dir);
    for s in &sources {
        expect(&p, &file, &["缺少附件", s]);
    }

    // Swapped: plan.yaml holds office.yaml's bytes and the other way round; one extra.
    write_files(&dir, pristine());
    let mut attach: Vec<(&str, &[u8])> =
        vec![("plan.yaml", &office), ("office.yaml", &plan), ("extra.yaml", b"x: 1\n")];
    let reports: Vec<(String, Vec<u8>)> = sources
        .iter()
        .filter(|s| s.starts_with("2023Q1-"))
        .map(|s| (s.clone(), std::fs::read(data.join("reports/2023Q1").join(s.trim_start_matches("2023Q1-"))).unwrap()))
        .collect();
    for (n, b) in &reports {
        attach.push((n, b));
    }
    let file = replace_consistently(&dir, 0, &made_pdf(&code, &attach));
    let p = archive::verify(&dir);
    expect(&p, &file, &["附件 plan.yaml 与清单不符"]);
    expect(&p, &file, &["附件 office.yaml 与清单不符"]);
    expect(&p, &file, &["清单之外的附件 extra.yaml"]);
    assert!(!p.iter().any(|p| p.message.contains("2023Q1-")), "the reports are right: {p:#?}");
}

#[test]
fn extra_and_missing_files() {
    let dir = fresh("verify-extra");
    let names = pdf_names();
    std::fs::remove_file(dir.join(&names[1])).unwrap();
    std::fs::write(dir.join("stray.pdf"), b"x").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let p = archive::verify(&dir);
    expect(&p, &names[1], &["文件缺失"]);
    expect(&p, "stray.pdf", &["多余文件"]);
    expect(&p, "sub", &["多余文件"]);
}

#[test]
fn a_catalogue_that_disagrees_with_the_manifest() {
    let dir = fresh("verify-catalogue");
    // The manifest edited (title of an entry): the catalogue still lists the old one.
    let mut m = manifest(&dir);
    m["entries"][1]["title"] = Value::from("改过的题名");
    save_manifest(&dir, &m);
    let p = archive::verify(&dir);
    expect(&p, "归档文件目录.pdf", &["著录不一致", m["entries"][1]["file"].as_str().unwrap()]);
    // An entry dropped from the manifest (its file kept): the catalogue lists it.
    write_files(&dir, pristine());
    let mut m = manifest(&dir);
    let dropped = m["entries"].as_array_mut().unwrap().remove(2);
    save_manifest(&dir, &m);
    let p = archive::verify(&dir);
    expect(&p, "归档文件目录.pdf", &["目录列有清单中没有的", dropped["file"].as_str().unwrap()]);
    expect(&p, dropped["file"].as_str().unwrap(), &["多余文件"]);
    // No catalogue at all.
    write_files(&dir, pristine());
    let mut m = manifest(&dir);
    m["catalogue"] = Value::Null;
    save_manifest(&dir, &m);
    let p = archive::verify(&dir);
    expect(&p, "manifest.json", &["清单中没有 归档文件目录.pdf"]);
    expect(&p, "归档文件目录.pdf", &["多余文件"]);
}

#[test]
fn a_moved_archive_still_verifies() {
    let dir = fresh("verify-moved");
    let moved = dir.parent().unwrap().parent().unwrap().join("elsewhere/deeper/2023");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&dir, &moved).unwrap();
    assert!(archive::verify(&moved).is_empty(), "{:#?}", archive::verify(&moved));
    // Every name in the manifest is a plain file name of the manifest's own folder.
    let m = manifest(&moved);
    for e in m["entries"].as_array().unwrap() {
        let f = e["file"].as_str().unwrap();
        assert!(!f.contains('/') && moved.join(f).is_file(), "{f}");
    }
    let out = ducha(moved.parent().unwrap(), &["archive", "verify", "2023"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
}

// ---------------------------------------------------------------------------------------------
// The command line

#[test]
fn cli_exit_codes_and_messages() {
    let dir = fresh("verify-cli");
    let cwd = dir.parent().unwrap().parent().unwrap().to_path_buf();
    let out = ducha(&cwd, &["archive", "verify", "archive"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("归档校验通过"), "{stdout}");

    let mut m = manifest(&dir);
    m["entries"][0]["sha256"] = Value::from("abc");
    m["entries"][1]["file"] = Value::from("../../../etc/passwd");
    save_manifest(&dir, &m);
    let out = ducha(&cwd, &["archive", "verify", "archive"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("不是 64 位小写十六进制") && stderr.contains("不是本目录内的普通文件名"), "{stderr}");
    assert!(stderr.contains("共 ") && stderr.contains(" 个问题"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    std::fs::write(dir.join("manifest.json"), "{\"year\": 20").unwrap();
    let out = ducha(&cwd, &["archive", "verify", "archive/2023"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("archive/2023/manifest.json") && stderr.contains("不是有效的 JSON"), "{stderr}");

    let out = ducha(&cwd, &["archive", "verify", "no-such-dir"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no-such-dir") && stderr.contains("无法读取归档目录"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Fuzz: 600 seeded mutations of manifests and PDFs

/// SplitMix64: a small seeded generator, so a failing case can be replayed from its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Odd values a tampered manifest field may hold.
fn odd_value(rng: &mut Rng, good: &Value) -> Value {
    let s = good.as_str().unwrap_or("").to_owned();
    match rng.below(16) {
        0 => Value::Null,
        1 => Value::from(""),
        2 => Value::from("../../etc/passwd"),
        3 => Value::from("/etc/passwd"),
        4 => Value::from(s.to_uppercase()),
        5 => Value::from(s.chars().take(rng.below(64)).collect::<String>()),
        6 => Value::from("é".repeat(32)),
        7 => Value::from(-1),
        8 => Value::from(u64::MAX),
        9 => Value::from(1.5),
        10 => serde_json::json!({"a": [1, {"b": null}]}),
        11 => serde_json::json!([]),
        12 => Value::from(format!("{s}\u{0}")),
        13 => Value::from("a/b.pdf"),
        14 => Value::from(true),
        _ => Value::from("z".repeat(64)),
    }
}

fn mutate_manifest_json(rng: &mut Rng, m: &mut Value) {
    let n = m["entries"].as_array().map_or(0, Vec::len);
    match rng.below(8) {
        0..=2 if n > 0 => {
            let i = rng.below(n);
            let e = m["entries"][i].as_object_mut().unwrap();
            let keys: Vec<String> = e.keys().cloned().collect();
            let k = rng.pick(&keys).clone();
            let v = odd_value(rng, &e[&k]);
            e.insert(k, v);
        }
        3 if n > 0 => {
            let i = rng.below(n);
            let e = m["entries"][i].as_object_mut().unwrap();
            let keys: Vec<String> = e.keys().cloned().collect();
            let k = rng.pick(&keys).clone();
            e.remove(&k);
        }
        4 if n > 0 => {
            let i = rng.below(n);
            let e = m["entries"][i].clone();
            if rng.below(2) == 0 {
                m["entries"].as_array_mut().unwrap().push(e);
            } else {
                m["entries"].as_array_mut().unwrap().remove(i);
            }
        }
        5 if n > 1 => {
            let (i, j) = (rng.below(n), rng.below(n));
            let fi = m["entries"][i]["file"].clone();
            m["entries"][i]["file"] = m["entries"][j]["file"].clone();
            m["entries"][j]["file"] = fi;
        }
        6 => {
            let keys = ["year", "entries", "catalogue"];
            let k = *rng.pick(&keys);
            let v = odd_value(rng, &m[k]);
            m[k] = v;
        }
        _ if n > 0 => {
            // An attachment's name or hash.
            let i = rng.below(n);
            if let Some(src) = m["entries"][i]["sources"].as_array_mut().filter(|a| !a.is_empty()) {
                let j = rng.below(src.len());
                let k = if rng.below(2) == 0 { "name" } else { "sha256" };
                let v = odd_value(rng, &src[j][k]);
                src[j][k] = v;
            }
        }
        _ => {}
    }
}

fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>) {
    if b.is_empty() {
        b.push(b'x');
        return;
    }
    match rng.below(5) {
        0 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
        }
        1 => b.truncate(rng.below(b.len())),
        2 => {
            let i = rng.below(b.len());
            b.insert(i, rng.next() as u8);
        }
        3 => {
            let i = rng.below(b.len());
            b.remove(i);
        }
        _ => {
            let (i, j) = (rng.below(b.len()), rng.below(b.len()));
            b.swap(i, j);
        }
    }
}

/// One mutation of the archive held in memory.
fn mutate(rng: &mut Rng, files: &mut BTreeMap<String, Vec<u8>>) {
    let names: Vec<String> = files.keys().cloned().collect();
    match rng.below(10) {
        0 | 1 => {
            if let Some(Ok(mut m)) = files.get("manifest.json").map(|b| serde_json::from_slice::<Value>(b)) {
                mutate_manifest_json(rng, &mut m);
                files.insert("manifest.json".into(), serde_json::to_vec_pretty(&m).unwrap());
            }
        }
        2 => {
            if let Some(b) = files.get_mut("manifest.json") {
                mutate_bytes(rng, b);
            }
        }
        _ if names.is_empty() => {}
        3 | 4 => {
            let n = rng.pick(&names).clone();
            mutate_bytes(rng, files.get_mut(&n).unwrap());
        }
        5 => {
            // One PDF replaced by another file of the archive.
            let (a, b) = (rng.pick(&names).clone(), rng.pick(&names).clone());
            let bytes = files[&b].clone();
            files.insert(a, bytes);
        }
        6 => {
            let n = rng.pick(&names).clone();
            files.remove(&n);
        }
        7 => {
            files.insert(format!("extra-{}.pdf", rng.below(3)), b"%PDF-1.7\n".to_vec());
        }
        8 => {
            let n = rng.pick(&names).clone();
            let bytes = files.remove(&n).unwrap();
            files.insert(format!("{n}.renamed"), bytes);
        }
        _ => {
            // The catalogue swapped with a document.
            let docs: Vec<&String> = names.iter().filter(|n| n.starts_with('D')).collect();
            if let (false, Some(c)) = (docs.is_empty(), files.get("归档文件目录.pdf").cloned()) {
                let d = (*rng.pick(&docs)).clone();
                let x = files[&d].clone();
                files.insert(d, c);
                files.insert("归档文件目录.pdf".into(), x);
            }
        }
    }
}

/// True when the archive in `files` is, for a verifier, the pristine one: the same files with the
/// same bytes, except that the manifest may differ in layout (whitespace, key order) only.
fn unchanged(files: &BTreeMap<String, Vec<u8>>) -> bool {
    let p = pristine();
    let as_json = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
    files.keys().eq(p.keys())
        && files.iter().all(|(n, b)| {
            if n == "manifest.json" {
                as_json(b).is_some() && as_json(b) == as_json(&p[n])
            } else {
                *b == p[n]
            }
        })
}

#[test]
fn fuzz_600_mutated_archives_never_panic_and_pass_only_when_unchanged() {
    const CASES: u64 = 600;
    let started = std::time::Instant::now();
    let dir = temp_dir("verify-fuzz").join("2023");
    let (mut passed, mut failed) = (0, 0);
    for case in 0..CASES {
        let mut rng = Rng(0x5EED_0000 + case);
        let mut files = pristine().clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut rng, &mut files);
        }
        write_files(&dir, &files);
        let problems = archive::verify(&dir);
        let clean = unchanged(&files);
        assert_eq!(
            problems.is_empty(),
            clean,
            "case {case}: verify {} but the archive is {}: {problems:#?}",
            if problems.is_empty() { "passed" } else { "failed" },
            if clean { "unchanged" } else { "changed" }
        );
        for p in &problems {
            assert!(p.file.starts_with(&dir.display().to_string()), "case {case}: {p:?}");
            assert!(!p.message.is_empty());
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    // Most mutations change something; a few (a manifest re-serialised with its own values) do not.
    assert!(failed > CASES * 8 / 10, "only {failed} of {CASES} cases were caught");
    eprintln!("fuzz: {CASES} cases, {failed} reported, {passed} unchanged, {:.1} s", started.elapsed().as_secs_f64());
    // A few mutated archives through the binary too: exit 0 or 1, never a crash.
    for case in 0..8u64 {
        let mut rng = Rng(0xC11_0000 + case);
        let mut files = pristine().clone();
        mutate(&mut rng, &mut files);
        write_files(&dir, &files);
        let out = ducha(dir.parent().unwrap(), &["archive", "verify", "2023"]);
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "case {case}: {:?} {}", code, text(&out).1);
        assert_eq!(code == Some(0), unchanged(&files), "case {case}: {}", text(&out).1);
    }
}

/// An OFD-A copy replaced by garbage or by a plain OFD, with hash and size made to agree in the
/// manifest: verify reads the package and names what is wrong, never panics.
#[test]
fn ofd_replaced_by_garbage_or_by_a_plain_ofd() {
    let dir = fresh("verify-ofd");
    let ofd = pristine().keys().find(|n| n.ends_with(".ofd")).expect("an OFD-A in the archive").clone();
    let agree = |dir: &Path, bytes: &[u8]| {
        std::fs::write(dir.join(&ofd), bytes).unwrap();
        let mut m = manifest(dir);
        for e in m["entries"].as_array_mut().unwrap() {
            if e["ofd"]["file"] == ofd.as_str() {
                e["ofd"]["sha256"] = Value::from(sha(bytes));
                e["ofd"]["size"] = Value::from(bytes.len());
            }
        }
        save_manifest(dir, &m);
        archive::verify(dir)
    };
    expect(&agree(&dir, b"PK\x03\x04 not a zip"), &ofd, &["不是有效的 OFD 文件"]);

    // The same package declaring DocType="OFD" instead of "OFD-A".
    let original = &pristine()[&ofd];
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(original.clone())).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut b).unwrap();
        if name == "OFD.xml" {
            b = String::from_utf8(b).unwrap().replace("DocType=\"OFD-A\"", "DocType=\"OFD\"").into_bytes();
        }
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, &b).unwrap();
    }
    let plain = w.finish().unwrap().into_inner();
    write_files(&dir, pristine());
    expect(&agree(&dir, &plain), &ofd, &["不是 OFD-A"]);
}
