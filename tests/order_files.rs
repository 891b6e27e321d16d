//! 反馈附件 from the command line and in the archive (docs/rules.md §19 “反馈附件”, §21):
//! `ducha orders reply --file` stores a reply's files through the same library function as the
//! web (a hostile file refused with nothing recorded), `ducha check` finds a stored file that is
//! missing or changed at the event's attachment line, and `ducha archive` files a closed item's
//! reply files inside its 件 — read back with PyMuPDF and compared by sha256 with the manifest
//! and the store — leaves a returned (退回) file out, and `archive verify` catches a changed byte.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sha2::{Digest, Sha256};

fn setup(name: &str) -> PathBuf {
    let tmp = temp_dir(name);
    copy_dir(&root().join("data"), &tmp.join("data"));
    tmp
}

fn run(tmp: &Path, args: &[&str]) -> (i32, String, String) {
    let out = ducha(tmp, args);
    let (o, e) = text(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

fn sha256(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// The bundled sample reply file of 督办〔2023〕3号 (scripts/sample-evidence.py).
const SAMPLE: &str = "71d46278e8afedf948a2cc84f4abf4f4982b015b5d8419271eafb3ef46e32709";

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("needle") + 1
}

/// 县住房城乡建设局 replies to 督办〔2024〕2号 from the command line with `file` attached.
fn reply_with_file(tmp: &Path, file: &str) -> (i32, String, String) {
    let args = ["orders", "reply", "--data", "data", "督办〔2024〕2号", "--role", "unit", "--by", "县住房城乡建设局"];
    let more = ["--at", "2024-02-20T10:00:00", "--text", "已整改到位", "--file", file];
    run(tmp, &[&args[..], &more[..]].concat())
}

#[test]
fn cli_reply_files_and_check() {
    let tmp = setup("order-files-cli");
    let item = tmp.join("data/orders/2024/db-002.yaml");
    let before = std::fs::read_to_string(&item).unwrap();
    let reply = |file: &str| reply_with_file(&tmp, file);
    // An HTML page named .pdf: refused by its bytes, nothing recorded or stored.
    std::fs::write(tmp.join("整改报告.pdf"), b"<!DOCTYPE html><html><body>x</body></html>").unwrap();
    let (code, _, err) = reply("整改报告.pdf");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("整改报告.pdf") && err.contains("反馈未记录"), "{err}");
    assert_eq!(std::fs::read_to_string(&item).unwrap(), before);
    assert!(!tmp.join("data/evidence/index/orders/2024").exists());
    // Files go with a reply only.
    let (code, _, err) = run(&tmp, &["orders", "chase", "--data", "data", "督办〔2024〕2号", "--file", "整改报告.pdf"]);
    assert_eq!(code, 1);
    assert!(err.contains("只有反馈"), "{err}");
    // A real PDF (the bundled press release).
    let pdf = std::fs::read(
        tmp.join("data/evidence/objects/4a/4a16e744795d4e7bea0e161b39151b79bb9f7dece33852b649bcef599ccbdf01"),
    )
    .unwrap();
    std::fs::write(tmp.join("整改报告.pdf"), &pdf).unwrap();
    let (code, out, err) = reply("整改报告.pdf");
    assert_eq!(code, 0, "{err}");
    let sha = sha256(&pdf);
    assert!(out.contains("已存入反馈附件：整改报告.pdf") && out.contains(&sha), "{out}");
    let text = std::fs::read_to_string(&item).unwrap();
    let reference = format!("evidence/objects/{}/{sha}", &sha[..2]);
    assert!(text.starts_with(&before) && text.contains(&format!("  - {reference}\n")), "{text}");
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&tmp, &["orders", "show", "--data", "data", "督办〔2024〕2号"]);
    assert!(out.contains("附件：整改报告.pdf（PDF 文件，待督查室审核"), "{out}");

    // The office reviews it from the command line too: 退回 needs a reason; only the item's units.
    let review = |unit: &str, decision: &str, reason: Option<&str>| {
        let mut args = vec!["orders", "review-file", "--data", "data", "督办〔2024〕2号", &sha, "--unit", unit];
        args.extend(["--decision", decision]);
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        run(&tmp, &args)
    };
    let (code, _, err) = review("县住房城乡建设局", "退回", None);
    assert_eq!(code, 1);
    assert!(err.contains("退回须写明理由"), "{err}");
    let (code, _, err) = review("县财政局", "采信", None);
    assert_eq!(code, 1);
    assert!(err.contains("县财政局 不是 督办〔2024〕2号 的承办或协办单位"), "{err}");
    let (code, _, err) = review("县住房城乡建设局", "采信", None);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = review("县住房城乡建设局", "退回", Some("缺少验收签字页"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已退回：整改报告.pdf"), "{out}");
    let (_, out, _) = run(&tmp, &["orders", "show", "--data", "data", "督办〔2024〕2号"]);
    assert!(out.contains("附件：整改报告.pdf（PDF 文件，已退回：缺少验收签字页"), "{out}");
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 0, "{err}");

    // The stored file changed by one byte, then gone: located errors at the attachment line.
    let object = tmp.join("data").join(&reference);
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&object, &bytes).unwrap();
    let at = format!("data/orders/2024/db-002.yaml:{}:5", line_of(&text, &reference));
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 1);
    assert!(err.contains("督办〔2024〕2号 第") && err.contains("的内容与其 sha256 不符"), "{err}");
    assert!(err.contains(&at), "located at {at}: {err}");
    std::fs::remove_file(&object).unwrap();
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 1);
    assert!(err.contains("在佐证材料库中找不到") && err.contains(&at), "{err}");
}

/// A reply interrupted after its files were stored and indexed but before the event was recorded
/// leaves an index record no event attaches: `ducha check` warns at that record's line in the
/// index file (and exits 0: nothing printed or filed depends on it), and says nothing once the
/// reply is recorded with its file.
#[test]
fn check_warns_of_an_indexed_reply_file_no_event_attaches() {
    let tmp = setup("order-files-orphan");
    let item = tmp.join("data/orders/2024/db-002.yaml");
    let before = std::fs::read_to_string(&item).unwrap();
    let pdf = std::fs::read(
        tmp.join("data/evidence/objects/4a/4a16e744795d4e7bea0e161b39151b79bb9f7dece33852b649bcef599ccbdf01"),
    )
    .unwrap();
    std::fs::write(tmp.join("整改报告.pdf"), &pdf).unwrap();
    let (code, _, err) = reply_with_file(&tmp, "整改报告.pdf");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("但该记录没有这个附件"), "{err}");

    // The item file as it was before the reply: the record stays in the index, its event is gone.
    std::fs::write(&item, &before).unwrap();
    let sha = sha256(&pdf);
    let index: Vec<PathBuf> = walkdir::WalkDir::new(tmp.join("data/evidence/index/orders/2024"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert_eq!(index.len(), 1, "{index:?}");
    let text = std::fs::read_to_string(&index[0]).unwrap();
    let line = line_of(&text, &sha);
    let column = text.lines().nth(line - 1).unwrap().find(&sha).unwrap() + 1;
    let shown = index[0].strip_prefix(&tmp).unwrap().to_string_lossy().replace('\\', "/");
    let at = format!("{shown}:{line}:{column}");
    let (code, _, err) = run(&tmp, &["check", "--data", "data"]);
    assert_eq!(code, 0, "a warning, not an error: {err}");
    assert!(
        err.contains("佐证材料索引登记了 县住房城乡建设局 对 督办〔2024〕2号 第")
            && err.contains("的反馈附件“整改报告.pdf”")
            && err.contains("但该记录没有这个附件"),
        "{err}"
    );
    assert!(err.contains(&at), "located at {at}: {err}");
    assert!(err.contains("请该单位重新提交回复并附上文件"), "{err}");
}

/// The embedded files of a PDF as {name: sha256}, read and hashed by PyMuPDF.
fn embedded(pdf: &Path) -> serde_json::Map<String, serde_json::Value> {
    // Typst writes the names as UTF-8 bytes, which PyMuPDF hands back one byte a character.
    let script = "import hashlib, json, sys, pymupdf\n\
                  d = pymupdf.open(sys.argv[1])\n\
                  name = lambda n: n.encode('latin-1').decode('utf-8')\n\
                  print(json.dumps({name(n): hashlib.sha256(d.embfile_get(n)).hexdigest() for n in d.embfile_names()}))";
    let out = Command::new("python3").args(["-c", script]).arg(pdf).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_object().unwrap().clone()
}

/// The manifest entry of 督办〔2023〕3号 and its 件's path.
fn item_entry(tmp: &Path) -> (serde_json::Value, PathBuf) {
    let dir = tmp.join("archive/2023");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let e = manifest["entries"].as_array().unwrap().iter().find(|e| e["key"] == "orders/2023/db-003").unwrap().clone();
    let file = dir.join(e["file"].as_str().unwrap());
    (e, file)
}

#[test]
fn archived_item_embeds_reply_files_not_returned_ones() {
    let tmp = setup("order-files-archive");
    let (code, _, err) = run(&tmp, &["archive", "--data", "data", "--period", "2023Q2"]);
    assert_eq!(code, 0, "{err}");
    let (entry, file) = item_entry(&tmp);
    let inside = embedded(&file);
    let name = "附件-3-督办〔2023〕3号办理情况反馈.pdf";
    let stored = std::fs::read(tmp.join(format!("data/evidence/objects/71/{SAMPLE}"))).unwrap();
    assert_eq!(inside.get(name).and_then(|v| v.as_str()), Some(sha256(&stored).as_str()), "{inside:?}");
    // Every embedded file is in the manifest with the hash PyMuPDF computed, and no other.
    let listed: Vec<(String, String)> = entry["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["sha256"].as_str().unwrap().to_string()))
        .collect();
    let mut read: Vec<(String, String)> =
        inside.iter().map(|(n, v)| (n.clone(), v.as_str().unwrap().to_string())).collect();
    read.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(read, listed_sorted);
    // The record (the 件's text) names the file as the unit named it, with its review.
    let record = squash(&pdftotext(&file, None));
    assert!(record.contains("附件：督办〔2023〕3号办理情况反馈.pdf（PDF文件，已采信"), "{record}");
    let (code, _, err) = run(&tmp, &["archive", "verify", "archive"]);
    assert_eq!(code, 0, "{err}");
    // One byte of the 件 changed: verify names it.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&file, &bytes).unwrap();
    let (code, _, err) = run(&tmp, &["archive", "verify", "archive"]);
    assert_eq!(code, 1);
    assert!(err.contains(entry["file"].as_str().unwrap()), "{err}");

    // The same item with its reply file returned by the office: the 件 leaves it out.
    let tmp = setup("order-files-archive-returned");
    let index = tmp.join("data/evidence/index/orders/2023/督办〔2023〕3号/县发展改革局.yaml");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replace("decision: 采信", "decision: 退回\n  reason: 未盖章")).unwrap();
    let (code, _, err) = run(&tmp, &["archive", "--data", "data", "--period", "2023Q2"]);
    assert_eq!(code, 0, "{err}");
    let (entry, file) = item_entry(&tmp);
    let inside = embedded(&file);
    assert!(!inside.contains_key(name) && inside.keys().all(|n| !n.starts_with("附件-")), "{inside:?}");
    assert!(entry["sources"].as_array().unwrap().iter().all(|s| s["name"] != name));
    let record = squash(&pdftotext(&file, None));
    assert!(record.contains("附件：督办〔2023〕3号办理情况反馈.pdf（PDF文件，已退回：未盖章"), "{record}");
}
