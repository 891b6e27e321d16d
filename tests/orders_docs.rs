//! The documents of the 督办 register (docs/rules.md §19): the 催办单 (`ducha orders chase-pdf`)
//! and the archive's 件 of each closed item (`ducha archive`, `archive verify`). What the PDFs
//! say is read with poppler-utils and PyMuPDF and compared with `tests/orders_docs_oracle.py`, an
//! independent reading of the item files and the holiday calendar (PyYAML, no ducha code).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A copy of the bundled data (plan, office, reports, register): (root, data).
fn bundled(name: &str) -> (PathBuf, PathBuf) {
    let root = temp_dir(name);
    let data = root.join("data");
    copy_dir(&common::root().join("data"), &data);
    (root, data)
}

/// `tests/orders_docs_oracle.py` on a data directory.
fn oracle(data: &Path) -> Value {
    let s = tool_stdout(Command::new("python3").arg(common::root().join("tests/orders_docs_oracle.py")).arg(data));
    serde_json::from_str(&s).unwrap()
}

fn ok(o: &std::process::Output) -> String {
    let (out, err) = text(o);
    assert!(o.status.success(), "ducha failed ({}):\n{out}\n{err}", o.status);
    out
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Each 催办单 names its number, the unit, the order, the deadline and the working days overdue
/// on the 催办 date, as the oracle computes them from the files and the calendar; only the
/// bundled fonts, embedded; the same register gives the same bytes.
#[test]
fn chase_pdfs_say_what_the_register_says() {
    let (root, _) = bundled("chase-pdf");
    let out = ok(&ducha(&root, &["orders", "chase-pdf", "--out", "out"]));
    let expected = oracle(&root.join("data"));
    let chases = expected["chases"].as_array().unwrap();
    assert!(chases.len() >= 4, "the bundled register has 催办 in 2023 and 2024");
    assert!(out.contains(&format!("共生成 {} 份催办单", chases.len())), "{out}");
    // A hand-checked pair across a 调休 Sunday: deadline 2024-01-29 (Mon), chased 2024-02-05
    // (Mon): 1-30 … 2-02 (4), Sunday 2-04 is a make-up working day (国办发明电〔2023〕7号), 2-05.
    let c = chases.iter().find(|c| c["number"] == "催办〔2024〕1号").unwrap();
    assert_eq!((c["order"].as_str(), c["overdue_days"].as_u64()), (Some("督办〔2024〕2号"), Some(6)));
    for c in chases {
        let pdf = root.join("out").join(c["file"].as_str().unwrap());
        assert!(pdf.is_file(), "{} missing; stdout:\n{out}", pdf.display());
        let t = squash(&pdftotext(&pdf, None));
        let s = |k: &str| c[k].as_str().unwrap().to_owned();
        let days = c["overdue_days"].as_u64().unwrap();
        for want in [
            s("number"),
            format!("{}：", s("unit")),
            format!("（{}）", s("order")),
            format!("第{}项任务", c["task"]),
            format!("要求于{}前", s("deadline")),
            format!("截至{}", s("date")),
            format!("已逾期{days}个工作日"),
            format!("第{}次催办", c["round"]),
        ] {
            assert!(t.contains(&want), "{}: “{want}” not in\n{t}", pdf.display());
        }
        let fonts = pdffonts(&pdf);
        assert!(!fonts.is_empty());
        for (name, _, emb, sub) in &fonts {
            assert!(*emb && *sub, "{name} not embedded as a subset in {}", pdf.display());
            assert!(name.contains("Fandol") || name.contains("NotoSerifCJK") || name.contains("NotoSansCJK"), "{name}");
        }
    }
    // Again into another folder: byte-identical.
    ok(&ducha(&root, &["orders", "chase-pdf", "--out", "again"]));
    for c in chases {
        let f = c["file"].as_str().unwrap();
        assert!(std::fs::read(root.join("out").join(f)).unwrap() == std::fs::read(root.join("again").join(f)).unwrap());
    }
    // One number, or one item's: only those.
    ok(&ducha(&root, &["orders", "chase-pdf", "--out", "one", "督办〔2023〕6号"]));
    let n = walkdir::WalkDir::new(root.join("one")).into_iter().flatten().filter(|e| e.file_type().is_file()).count();
    assert_eq!(n, chases.iter().filter(|c| c["order"] == "督办〔2023〕6号").count());
    let bad = ducha(&root, &["orders", "chase-pdf", "--out", "none", "催办〔2023〕99号"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).1.contains("没有 催办〔2023〕99号 的催办记录"), "{}", text(&bad).1);
}

/// A new 催办 takes the next number of its year and the numbers already sent stay; one recorded
/// with a time before an already numbered 催办 is refused (it would renumber that one).
#[test]
fn chase_numbers_are_stable_and_backdating_is_refused() {
    let (root, _) = bundled("chase-numbers");
    let before = oracle(&root.join("data"))["chases"].clone();
    // A 回头看 of a closed 2024 item, issued before the first 2024 催办 (2024-02-05).
    ok(&ducha(&root, &["orders", "revisit", "督办〔2024〕1号", "--at", "2024-02-01T10:00:00", "--to", "2024-02-20"]));
    let early = ducha(&root, &["orders", "chase", "督办〔2024〕3号", "--at", "2024-02-02T10:00:00"]);
    assert_eq!(early.status.code(), Some(1), "{:?}", text(&early));
    assert!(text(&early).1.contains("早于已编号的 催办〔2024〕1号"), "{}", text(&early).1);
    let late = ok(&ducha(&root, &["orders", "chase", "督办〔2024〕3号", "--at", "2024-02-26T09:00:00"]));
    assert!(late.contains("催办单编号：催办〔2024〕2号"), "{late}");
    let after = oracle(&root.join("data"))["chases"].clone();
    let after = after.as_array().unwrap();
    // Every earlier number names the same 催办 as before.
    for c in before.as_array().unwrap() {
        assert!(after.contains(c), "{c} changed");
    }
    let new = after.iter().find(|c| c["number"] == "催办〔2024〕2号").unwrap();
    assert_eq!(new["order"], "督办〔2024〕3号");
    // 2-20 (Tue) → 2-26 (Mon): 2-21, 22, 23, 26.
    assert_eq!(new["overdue_days"], 4);
    ok(&ducha(&root, &["orders", "chase-pdf", "--out", "out", "催办〔2024〕2号"]));
    let t = squash(&pdftotext(&root.join("out/2024/催办单/催办〔2024〕2号-县发展改革局.pdf"), None));
    assert!(t.contains("已逾期4个工作日") && t.contains("督办〔2024〕3号"), "{t}");
}

/// `ducha archive` files each closed item of the period as one 件: the 办理记录 PDF/A with the
/// item file, the unit's 督办通知单 and every 催办单 attached, each listed with its sha256; the
/// attachments read back (PyMuPDF) are exactly those bytes; verify passes, and catches a changed
/// byte naming the file; archiving again changes nothing.
#[test]
fn archive_files_each_closed_item_as_one_piece() {
    let (root, data) = bundled("archive-items");
    ok(&ducha(&root, &["archive", "--period", "2023Q3", "--archive", "arch"]));
    ok(&ducha(&root, &["orders", "chase-pdf", "--out", "out"]));
    ok(&ducha(&root, &["build", "--period", "2023Q3", "--out", "built"]));
    let o = oracle(&data);
    let closed: Vec<&Value> =
        o["items"].as_array().unwrap().iter().filter(|i| i["period"] == "2023Q3" && i["closed"] == true).collect();
    assert!(closed.len() >= 4, "the bundled 2023Q3 orders are closed");
    let dir = root.join("arch/2023");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let entries: Vec<&Value> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["key"].as_str().unwrap().starts_with("orders/"))
        .collect();
    assert_eq!(entries.len(), closed.len(), "one 件 per closed item");
    for item in &closed {
        let number = item["number"].as_str().unwrap();
        let e = entries.iter().find(|e| e["doc_number"] == number).unwrap_or_else(|| panic!("{number} not filed"));
        assert_eq!(e["date"].as_str().unwrap(), item["end"].as_str().unwrap().replace('-', ""), "dated when closed");
        let pdf = dir.join(e["file"].as_str().unwrap());
        let bytes = std::fs::read(&pdf).unwrap();
        assert_eq!(e["sha256"].as_str().unwrap(), sha(&bytes));
        // The attachments as another reader sees them.
        let listing = tool_stdout(Command::new("python3").arg("-c").arg(EMBEDDED).arg(&pdf));
        let got: Value = serde_json::from_str(&listing).unwrap();
        let listed: Vec<(String, String)> = e["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap().to_owned(), s["sha256"].as_str().unwrap().to_owned()))
            .collect();
        let mut read: Vec<(String, String)> = got
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.trim_start_matches('/').to_owned(), v.as_str().unwrap().to_owned()))
            .collect();
        read.sort();
        assert_eq!(read, listed, "{number}: the manifest lists exactly the attached files");
        let file = item["file"].as_str().unwrap();
        let yaml = std::fs::read(data.join("orders").join(file)).unwrap();
        assert!(listed.contains(&(format!("orders-{}", file.replace('/', "-")), sha(&yaml))), "{number}: item file");
        if number.starts_with("督办") {
            // The unit's 督办通知单 as `ducha build` writes it.
            let name = format!("督办通知单-{}.pdf", item["unit"].as_str().unwrap());
            let built = std::fs::read(root.join("built/2023Q3").join(&name)).unwrap();
            assert!(listed.contains(&(name.clone(), sha(&built))), "{number}: {name} as build makes it");
        }
        for c in o["chases"].as_array().unwrap().iter().filter(|c| c["order"] == number) {
            let f = c["file"].as_str().unwrap();
            let name = f.rsplit('/').next().unwrap().to_owned();
            let made = std::fs::read(root.join("out").join(f)).unwrap();
            assert!(listed.contains(&(name.clone(), sha(&made))), "{number}: {name} as chase-pdf makes it");
        }
        let t = squash(&pdftotext(&pdf, None));
        assert!(t.contains(&squash(number)) && t.contains(&squash(item["unit"].as_str().unwrap())), "{t}");
        for r in item["replies"].as_array().unwrap() {
            assert!(t.contains(&squash(r.as_str().unwrap())), "{number}: reply text not in the record\n{t}");
        }
    }
    let verify = |root: &Path| {
        let o = ducha(root, &["archive", "verify", "arch"]);
        (o.status.code(), format!("{}{}", text(&o).0, text(&o).1))
    };
    assert_eq!(verify(&root).0, Some(0), "{}", verify(&root).1);
    // Again: unchanged.
    let again = ok(&ducha(&root, &["archive", "--period", "2023Q3", "--archive", "arch"]));
    assert!(!again.contains("已归档 "), "{again}");
    // One byte of a 件 changed (inside an attached stream: the PDF still parses).
    let e = entries.iter().find(|e| e["doc_number"] == "督办〔2023〕6号").unwrap();
    let path = dir.join(e["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let (code, said) = verify(&root);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains(e["file"].as_str().unwrap()), "verify names the changed file:\n{said}");
}

/// `ducha archive --format pdf,ofd` gives each closed item's 件 its OFD-A copy as it does the
/// period's documents: listed in the manifest with its sha256 and attachments; the package
/// declares OFD-A and carries exactly the files the PDF/A carries (PyMuPDF reads those); ofdkit
/// and easyofd (tests/ofd_read.py) open it and read the item's number and record, and in its
/// DocInfo the PDF/A's title and the 档号 and 件号 of the manifest; every XML part is valid
/// against the GB/T 33190 XSDs (tests/ofd_check.py); `archive verify` passes, and names the
/// OFD whose attachment was changed.
#[test]
fn archive_files_each_closed_item_with_its_ofd_a_copy() {
    let (root, _) = bundled("archive-items-ofd");
    ok(&ducha(&root, &["archive", "--period", "2023Q3", "--archive", "arch", "--format", "pdf,ofd"]));
    let dir = root.join("arch/2023");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let all = manifest["entries"].as_array().unwrap();
    assert!(all.iter().all(|e| !e["ofd"].is_null()), "every 件 of the run has its OFD-A");
    let items: Vec<&Value> = all.iter().filter(|e| e["key"].as_str().unwrap().starts_with("orders/")).collect();
    let closed = oracle(&root.join("data"))["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["period"] == "2023Q3" && i["closed"] == true)
        .count();
    assert_eq!(items.len(), closed, "one 件 per closed item");
    let mut ofds = Vec::new();
    for e in &items {
        let number = e["doc_number"].as_str().unwrap();
        let o = &e["ofd"];
        let file = dir.join(o["file"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(o["sha256"].as_str().unwrap(), sha(&bytes), "{number}");
        assert_eq!(o["size"].as_u64().unwrap(), bytes.len() as u64, "{number}");
        let files = zip_entries(&file);
        assert!(String::from_utf8_lossy(&files["OFD.xml"]).contains("DocType=\"OFD-A\""), "{number}");
        let mut attached: Vec<String> = files
            .iter()
            .filter(|(n, _)| n.starts_with("Doc_0/Attachs/") && !n.ends_with("Attachments.xml"))
            .map(|(_, b)| sha(b))
            .collect();
        attached.sort();
        // The files the PDF/A carries, as PyMuPDF reads them, and as the manifest lists them.
        let pdf = dir.join(e["file"].as_str().unwrap());
        let got: Value =
            serde_json::from_str(&tool_stdout(Command::new("python3").arg("-c").arg(EMBEDDED).arg(&pdf))).unwrap();
        let mut in_pdf: Vec<String> =
            got.as_object().unwrap().values().map(|v| v.as_str().unwrap().to_owned()).collect();
        in_pdf.sort();
        assert_eq!(attached, in_pdf, "{number}: the OFD-A attaches what the PDF/A attaches");
        let mut listed: Vec<String> =
            o["sources"].as_array().unwrap().iter().map(|s| s["sha256"].as_str().unwrap().to_owned()).collect();
        listed.sort();
        assert_eq!(attached, listed, "{number}: the manifest lists the OFD's attachments");
        // At least the item file; a 督办事项 also its 督办通知单.
        let least = if number.starts_with("督办") { 2 } else { 1 };
        assert!(attached.len() >= least, "{number}: {} attachments", attached.len());
        ofds.push((file, pdf, *e));
    }
    let paths: Vec<&Path> = ofds.iter().map(|(f, _, _)| f.as_path()).collect();
    let o = Command::new("python3").arg(common::root().join("tests/ofd_read.py")).args(&paths).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read: Value = serde_json::from_slice(&o.stdout).unwrap();
    for (f, pdf, e) in &ofds {
        let number = e["doc_number"].as_str().unwrap();
        let r = &read[f.to_str().unwrap()];
        for reader in ["ofdkit", "easyofd"] {
            assert!(r[reader].get("error").is_none(), "{number} {reader}: {}", r[reader]["error"]);
            let pages: String = r[reader]["pages"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
            let t = squash(&pages);
            assert!(t.contains(&squash(number)) && t.contains("办理记录"), "{number} {reader}: {t}");
            // The same pages as the PDF/A.
            assert_eq!(
                r[reader]["pages"].as_array().unwrap().len() as u64,
                pdfdump(pdf)["page_count"].as_u64().unwrap(),
                "{number} {reader}"
            );
        }
        let info = &r["ofdkit"]["info"];
        assert_eq!(info["title"], pdfdump(pdf)["metadata"]["title"], "{number}: DocInfo title is the PDF/A's");
        assert_eq!(info["custom_data"]["档号"], e["archival_code"], "{number}: 档号");
        assert_eq!(info["custom_data"]["件号"], e["item"], "{number}: 件号");
    }
    // Every XML part valid against the GB/T 33190 XSDs (unpacked by scripts/test).
    let xsd = Path::new(env!("CARGO_BIN_EXE_ducha")).parent().unwrap().parent().unwrap().join("ofdxsd");
    assert!(xsd.join("OFD.xsd").is_file(), "{} missing: run scripts/test", xsd.display());
    let o = Command::new("python3")
        .arg(common::root().join("tests/ofd_check.py"))
        .arg("schema")
        .arg(&xsd)
        .args(&paths)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let schema: Value = serde_json::from_slice(&o.stdout).unwrap();
    for f in &paths {
        let parts = schema[f.to_str().unwrap()].as_object().unwrap();
        assert!(parts.contains_key("Doc_0/Attachs/Attachments.xml"), "{}", f.display());
        for (part, r) in parts {
            assert!(r["errors"].as_array().unwrap().is_empty(), "{} {part}: {}", f.display(), r["errors"]);
        }
    }
    let verify = || {
        let o = ducha(&root, &["archive", "verify", "arch"]);
        (o.status.code(), format!("{}{}", text(&o).0, text(&o).1))
    };
    assert_eq!(verify().0, Some(0), "{}", verify().1);
    // One attachment inside one item's OFD changed: verify names that OFD.
    let (victim, _, _) = &ofds[0];
    let files = zip_entries(victim);
    let mut w = zip::ZipWriter::new(std::fs::File::create(victim).unwrap());
    let mut changed = false;
    for (name, bytes) in &files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        let mut b = bytes.clone();
        if !changed && name.starts_with("Doc_0/Attachs/attach_") {
            b.extend_from_slice(b"\n");
            changed = true;
        }
        std::io::Write::write_all(&mut w, &b).unwrap();
    }
    w.finish().unwrap();
    assert!(changed);
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(victim.file_name().unwrap().to_str().unwrap()) && said.contains("缺失或与清单不符"),
        "{said}"
    );
}

/// PyMuPDF: the embedded files of a PDF as {name: sha256}.
const EMBEDDED: &str = r#"
import hashlib, json, sys, pymupdf
doc = pymupdf.open(sys.argv[1])
out = {}
for i in range(doc.embfile_count()):
    name = doc.embfile_info(i)["ufilename"]
    # Typst writes the name's UTF-8 bytes without a byte-order mark; PyMuPDF reads them as
    # PDFDocEncoding, one character per byte.
    try:
        name = name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    out[name] = hashlib.sha256(doc.embfile_get(i)).hexdigest()
print(json.dumps(out, ensure_ascii=False))
"#;

/// `ducha orders remind` with `orders.reminder` naming a script that records its standard input:
/// 临期 items on their day, an overdue and chased item on the 催办 day; a second run the same day
/// sends nothing; the next working day the still-overdue item again (not as chased); nothing on a
/// holiday, but on a 调休 Sunday; every reminder sent is a line of the log, which `ducha check`
/// leaves alone.
#[test]
fn reminders_once_per_item_per_working_day() {
    let (root, data) = bundled("remind");
    let (got, office) = recording_reminder(&root, &data);
    let received = || -> Vec<Value> {
        std::fs::read_to_string(&got).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let remind = |day: &str| ok(&ducha(&root, &["orders", "remind", "--as-of", day]));
    // 2024-01-25 (Thu): both 2024 orders are due 2024-01-29, two working days on: 临期.
    remind("2024-01-25");
    let r = received();
    assert_eq!(r.len(), 2, "{r:?}");
    for (msg, number) in r.iter().zip(["督办〔2024〕1号", "督办〔2024〕2号"]) {
        assert_eq!(msg["number"], number);
        assert_eq!(msg["reasons"], serde_json::json!(["due_soon"]));
        assert_eq!(msg["date"], "2024-01-25");
        assert_eq!(msg["item"]["deadline"], "2024-01-29");
        assert!(msg["message"].as_str().unwrap().contains(msg["units"][0].as_str().unwrap()));
    }
    // 2024-02-05 (Mon): 督办〔2024〕2号 is overdue and chased (催办〔2024〕1号); twice: sent once.
    remind("2024-02-05");
    let second = remind("2024-02-05");
    assert!(second.contains("督办〔2024〕2号 今天已提醒过"), "{second}");
    let r = received();
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(r[2]["number"], "督办〔2024〕2号");
    assert_eq!(r[2]["reasons"], serde_json::json!(["overdue", "chased"]));
    assert_eq!(r[2]["chases"], serde_json::json!(["催办〔2024〕1号"]));
    // The next working day: again, overdue only.
    remind("2024-02-06");
    let r = received();
    assert_eq!(r.len(), 4);
    assert_eq!((r[3]["date"].as_str(), r[3]["reasons"].clone()), (Some("2024-02-06"), serde_json::json!(["overdue"])));
    // 春节 (2024-02-12, Mon, a day off): nothing; 2024-02-04 (Sun, 调休上班): a working day.
    let holiday = remind("2024-02-12");
    assert!(holiday.contains("不是工作日"), "{holiday}");
    remind("2024-02-04");
    let r = received();
    assert_eq!(r.len(), 5);
    assert_eq!(r[4]["date"], "2024-02-04");
    // The log: one line per reminder sent, appended.
    let log = std::fs::read_to_string(data.join("orders/2024/reminders.log")).unwrap();
    let sent: Vec<&str> = log.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(sent.len(), 5, "{log}");
    assert!(sent.iter().all(|l| l.split('\t').nth(4) == Some("已发送")), "{log}");
    assert!(sent[2].starts_with("2024-02-05\t督办〔2024〕2号\t逾期、催办\t县住房城乡建设局\t"), "{log}");
    let check = ducha(&root, &["check"]);
    assert!(check.status.success());
    assert!(!text(&check).1.contains("reminders.log"), "{}", text(&check).1);
    // Without the setting: nothing is run, the day's list is only shown.
    std::fs::write(data.join("office.yaml"), &office).unwrap();
    let dry = remind("2024-02-07");
    assert!(dry.contains("未设置 orders.reminder") && dry.contains("督办〔2024〕2号"), "{dry}");
    assert_eq!(received().len(), 5);
}

/// `ducha orders show --json` names each 催办's 催办单 (`chase_number` on the event, null on every
/// other event): the number the oracle derives for that item's n-th 催办, and the 催办单 PDF of
/// that number (pdftotext) names the same order, the 催办 date and the round. `orders list
/// --json` says the same.
#[test]
fn show_json_names_each_chase_by_its_chase_sheet_number() {
    let (root, _) = bundled("chase-json");
    ok(&ducha(&root, &["orders", "chase-pdf", "--out", "out"]));
    let expected = oracle(&root.join("data"));
    let chases = expected["chases"].as_array().unwrap();
    let list: Value = serde_json::from_str(&ok(&ducha(&root, &["orders", "list", "--json"]))).unwrap();
    let mut seen = 0;
    for it in list["items"].as_array().unwrap() {
        let number = it["number"].as_str().unwrap();
        let show: Value = serde_json::from_str(&ok(&ducha(&root, &["orders", "show", number, "--json"]))).unwrap();
        assert_eq!(show["events"], it["events"], "{number}: show and list agree");
        let mut round = 0;
        for e in show["events"].as_array().unwrap() {
            if e["action"] != "chase" {
                assert!(e["chase_number"].is_null(), "{number}: {e}");
                continue;
            }
            round += 1;
            let n = e["chase_number"].as_str().unwrap_or_else(|| panic!("{number}: a 催办 without its number: {e}"));
            let c = chases
                .iter()
                .find(|c| c["order"] == number && c["round"] == round)
                .unwrap_or_else(|| panic!("the oracle has no round {round} of {number}"));
            assert_eq!(n, c["number"], "{number} round {round}");
            let pdf = root.join("out").join(c["file"].as_str().unwrap());
            let t = squash(&pdftotext(&pdf, None));
            let date = e["date"].as_str().unwrap();
            let (y, rest) = date.split_at(4);
            let (m, d) = rest[1..].split_once('-').unwrap();
            let day = format!("{y}年{}月{}日", m.trim_start_matches('0'), d.trim_start_matches('0'));
            for want in [n.to_owned(), format!("（{number}）"), format!("第{round}次催办"), day] {
                assert!(t.contains(&want), "{}: “{want}” not in\n{t}", pdf.display());
            }
            seen += 1;
        }
        assert_eq!(it["chases"], round, "{number}: the count and the numbered events");
    }
    assert_eq!(seen, chases.len(), "every 催办单 is named by one event");
}
